"""Errors of the rewards domain. Each `code` has a message `error.<code>` in the catalogues."""

from __future__ import annotations

from core.errors import DomainError


class RewardsError(DomainError):
    code = "rewards"


class UnsupportedLanguage(RewardsError):
    code = "unsupported_language"


class InvalidCredentials(RewardsError):
    code = "invalid_credentials"


class AccountLocked(RewardsError):
    """Too many failed logins; `params["minutes"]` says how long until the next try."""

    code = "account_locked"


class UsernameTaken(RewardsError):
    code = "username_taken"


class WeakPassword(RewardsError):
    code = "weak_password"


class NotFound(RewardsError):
    """Something asked for by its id or code does not exist. Adapters answer it exactly as
    out_of_scope, so nobody can tell another unit's ids from ids that do not exist."""

    code = "not_found"


class OutOfScope(RewardsError):
    """A staff member tried to act on a part of the organisation tree outside their roles."""

    code = "out_of_scope"


class UnknownOrgUnit(NotFound):
    code = "unknown_org_unit"


class UnknownPerson(NotFound):
    code = "unknown_person"


class UnknownBroadcast(NotFound):
    code = "unknown_broadcast"


class EmptyBroadcast(RewardsError):
    """No text, or nobody to send it to."""

    code = "empty_broadcast"


class BroadcastTooLong(RewardsError):
    """Telegram takes at most `params["limit"]` characters in one message."""

    code = "broadcast_too_long"


class BroadcastFinished(RewardsError):
    """It was cancelled, or every message is out: there is nothing left to pause or resume."""

    code = "broadcast_finished"


class NotAResident(NotFound):
    """The person has not joined a community yet."""

    code = "not_a_resident"


class NotVerified(RewardsError):
    """Staff have not verified this resident yet: until then they earn nothing."""

    code = "not_verified"


class UnknownRule(NotFound):
    code = "unknown_rule"


class UnknownPointType(RewardsError):
    code = "unknown_point_type"


class UnknownCategory(RewardsError):
    code = "unknown_category"


class InvalidRule(RewardsError):
    """`params["field"]` names what is wrong with the rule as given."""

    code = "invalid_rule"


class RuleNotInForce(RewardsError):
    """The rule's current version is not valid now (not yet, or no longer)."""

    code = "rule_not_in_force"


class RuleNotApplicable(RewardsError):
    """The resident lives outside the part of the tree the rule was made for."""

    code = "rule_not_applicable"


class NotAllowedToAward(RewardsError):
    """None of the staff member's roles is among those the rule lets award."""

    code = "not_allowed_to_award"


class CapReached(RewardsError):
    """The rule's cap for this period is used up (`params["cap"]` points)."""

    code = "cap_reached"


class RequestKeyReused(RewardsError):
    """The same request key came with a different request."""

    code = "request_key_reused"


class UnknownPointChange(NotFound):
    code = "unknown_point_change"


class ReasonRequired(RewardsError):
    code = "reason_required"


class NotPending(RewardsError):
    """The change was already approved, rejected or paid."""

    code = "not_pending"


class SameApprover(RewardsError):
    """A change must be approved by a second staff member, not the one who asked."""

    code = "same_approver"


class ConsentRequired(RewardsError):
    """The person has not agreed to the privacy notice (or given their phone) yet."""

    code = "consent_required"


class InvalidPhone(RewardsError):
    code = "invalid_phone"


class AlreadyJoined(RewardsError):
    code = "already_joined"


class UnknownHouseholdCode(RewardsError):
    code = "unknown_household_code"


class UnknownHousehold(NotFound):
    code = "unknown_household"


class HouseholdElsewhere(RewardsError):
    """A household's members live in its unit."""

    code = "household_elsewhere"


class NotYourContact(RewardsError):
    """Only the person's own contact card is accepted as their phone number."""

    code = "not_your_contact"


class UnknownTeam(NotFound):
    code = "unknown_team"


class ResidentLeft(RewardsError):
    """The person used /leave: no points, no verifying; they come back only by joining
    again (as a new person)."""

    code = "resident_left"


class UnknownRuleApproval(NotFound):
    code = "unknown_rule_approval"


class NotAStaffRole(RewardsError):
    """Residents and volunteers use the bot: their roles cannot be given to a panel
    account. `params["role"]` names the role asked for."""

    code = "not_a_staff_role"


class TooManyCodeGuesses(RewardsError):
    """Household invite codes are throttled per person, against guessing."""

    code = "too_many_code_guesses"


class StaffLinkInvalid(RewardsError):
    """A staff link that is unknown, used or expired: make a new one in the panel."""

    code = "staff_link_invalid"


class TelegramTakenByStaff(RewardsError):
    """This Telegram account is linked to another staff account already."""

    code = "telegram_taken_by_staff"


class StaffNotLinked(RewardsError):
    """A staff button tapped from a Telegram account no staff account is linked to."""

    code = "staff_not_linked"
