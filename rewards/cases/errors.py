"""Why a step on a case was refused. Each `code` has `error.<code>` in the catalogues, in
the words the resident in the bot or the staff member reads."""

from __future__ import annotations

from rewards.errors import NotFound, RewardsError


class UnknownCase(NotFound):
    code = "unknown_case"


class StepNotAllowed(RewardsError):
    """The machine has no such step from the case's state (`params["status"]`)."""

    code = "case_step_not_allowed"


class CaseMovedOn(RewardsError):
    """Someone else acted on the case since this button or form was drawn: it is
    `params["status"]` now."""

    code = "case_moved_on"


class NotYourCase(RewardsError):
    """A resident's step on a case they did not report."""

    code = "not_your_case"


class ProofPhotoNeeded(RewardsError):
    code = "case_proof_photo_needed"


class TopOfLadder(RewardsError):
    """A department already has it: there is no rung above."""

    code = "case_top_of_ladder"


class InvalidRating(RewardsError):
    code = "case_invalid_rating"


class ReasonNeeded(RewardsError):
    code = "case_reason_needed"


class UnknownCategory(NotFound):
    code = "unknown_case_category"


class UnknownPlace(NotFound):
    code = "unknown_place"


class TooManyPhotos(RewardsError):
    """`params["most"]` photos a report (or a fix) may have."""

    code = "too_many_photos"


class NotAnImage(RewardsError):
    """A file that is not a JPEG, PNG or WebP photo, or a broken one."""

    code = "not_an_image"


class NotAVoiceNote(RewardsError):
    code = "not_a_voice_note"


class UploadTooLarge(RewardsError):
    """Larger than `params["most_mb"]` megabytes (or than a camera's pixels)."""

    code = "upload_too_large"


class ReportingStopped(RewardsError):
    """Staff stopped this resident from reporting (rewards.cases.abuse)."""

    code = "reporting_stopped"


class TooManyReports(RewardsError):
    """`params["most"]` reports in 24 hours already."""

    code = "too_many_reports"


class CaseIncomplete(RewardsError):
    """A report without a photo, a place or a category cannot be sent."""

    code = "case_incomplete"


class WaitingForVerification(RewardsError):
    """A resident whose joining staff have not confirmed yet: reports come after."""

    code = "reporting_waits_for_verification"


class NotAHandler(RewardsError):
    """Dispatched to someone whose role does not handle cases where the case is."""

    code = "not_a_handler"
