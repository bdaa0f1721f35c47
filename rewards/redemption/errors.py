"""Why a kiosk or a resident was refused. Each `code` has `error.<code>` in the catalogues,
in the words the operator at the counter or the resident in the bot reads."""

from __future__ import annotations

from rewards.errors import NotFound, RewardsError


class UnknownOutlet(NotFound):
    code = "unknown_outlet"


class NotYourOutlet(RewardsError):
    """The operator does not work this outlet's counter."""

    code = "not_your_outlet"


class OutletClosed(RewardsError):
    """Outside the outlet's opening hours (`params["hours"]`)."""

    code = "outlet_closed"


class UnknownItem(NotFound):
    code = "unknown_item"


class CodeUnknown(RewardsError):
    """No pay code is like this: mistyped, forged, or from another system."""

    code = "pay_code_unknown"


class CodeExpired(RewardsError):
    code = "pay_code_expired"


class CodeUsed(RewardsError):
    """Scanned before (at this or another kiosk), or replaced by a newer code."""

    code = "pay_code_used"


class OtherCommunity(RewardsError):
    """The resident lives outside the outlet's part of the tree."""

    code = "pay_code_other_community"


class TooManyWrongCodes(RewardsError):
    """Wrong codes from this operator or address; `params["minutes"]` to wait."""

    code = "too_many_wrong_codes"


class CheckoutGone(NotFound):
    code = "checkout_gone"


class CheckoutFinished(RewardsError):
    """Completed, cancelled or expired already (`params["status"]`)."""

    code = "checkout_finished"


class EmptyCheckout(RewardsError):
    code = "checkout_empty"


class MixedPointTypes(RewardsError):
    """One checkout spends one kind of points."""

    code = "checkout_mixed_point_types"


class NotEnoughPoints(RewardsError):
    """`params["needed"]` and `params["redeemable"]`."""

    code = "not_enough_points"


class OutOfStock(RewardsError):
    """`params["item"]` has `params["left"]` left."""

    code = "out_of_stock"


class OverItemLimit(RewardsError):
    """`params["item"]`: at most `params["limit"]` a resident per period."""

    code = "over_item_limit"


class NoResidentYet(RewardsError):
    """The checkout has nobody to pay: scan a pay code, or show its QR to the resident."""

    code = "checkout_no_resident"


class NotRedeemable(RewardsError):
    code = "point_type_not_redeemable"


class InvalidQuantity(RewardsError):
    code = "invalid_quantity"


class AlreadyRefunded(RewardsError):
    code = "already_refunded"


class UnknownStaffName(RewardsError):
    """No staff account has this username."""

    code = "unknown_staff_name"


class CannotRedeemHere(RewardsError):
    """The account holds no role that redeems at this outlet's place."""

    code = "cannot_redeem_here"


class InvalidOpeningHours(RewardsError):
    """Not like 08:30-11:30,14:00-17:30 (`params["hours"]` as typed)."""

    code = "invalid_opening_hours"


class OutletCodeTaken(RewardsError):
    """Another outlet has this code (`params["code"]`)."""

    code = "outlet_code_taken"


class ItemCodeTaken(RewardsError):
    """The outlet already sells something under this code (`params["code"]`)."""

    code = "item_code_taken"


class FeeOffsetSettled(RewardsError):
    """The checkout paid a fee the property office has settled: refunding its points
    would pay twice."""

    code = "fee_offset_settled"
