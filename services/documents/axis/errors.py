"""What can go wrong talking to the axis, as errors of the platform.

Each names the operation that failed and the axis's URL in its metadata, with the
HTTP status and the axis's own ``ErrorCode`` and ``ErrorDesc`` when it answered.
:class:`AxisUnavailable` is transient (retry later); the others are not.
"""

from __future__ import annotations

from lienthong.errors import FailedPrecondition, LienthongError, Unavailable


class AxisError(LienthongError):
    """A call to the axis failed."""

    reason = "AXIS_ERROR"

    def __init__(self, message: str, *, operation: str, url: str,
                 details: dict[str, str] | None = None) -> None:
        super().__init__(message, metadata={"operation": operation, "axis_url": url,
                                            **(details or {})})
        self.operation = operation
        self.url = url

    @property
    def transient(self) -> bool:
        """Whether the same call may succeed later."""
        return False


class AxisUnavailable(AxisError, Unavailable):
    """The axis could not be reached or could not answer now: refused connection,
    timeout, 408, 429 or 5xx. ``retry_after_s`` is the axis's ``Retry-After``, if any."""

    reason = "AXIS_UNAVAILABLE"

    def __init__(self, message: str, *, operation: str, url: str,
                 details: dict[str, str] | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, operation=operation, url=url, details=details)
        self.retry_after_s = retry_after_s

    @property
    def transient(self) -> bool:
        return True


class AxisBadAnswer(AxisUnavailable):
    """The axis answered something that is not an answer of its protocol (not JSON,
    no status); treated as transient, like a broken proxy in the way."""

    reason = "AXIS_BAD_ANSWER"


class AxisRejected(AxisError, FailedPrecondition):
    """The axis refused the call (a 4xx other than 408 and 429, or ``status: FAIL``);
    sending it again unchanged will be refused again."""

    reason = "AXIS_REJECTED"


class AxisAnswerTooLarge(AxisError):
    """The answer is larger than the bound set for it; it was not read whole."""

    reason = "AXIS_ANSWER_TOO_LARGE"
