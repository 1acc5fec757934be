"""Domain errors. Views turn them into 4xx answers with the message in the user's language."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["Conflict", "DomainError", "InvalidTransition", "PermissionDenied", "ValidationError"]


class DomainError(Exception):
    """A request that breaks a business rule; answered with HTTP 400."""

    status = 400
    default_message = _("This action is not allowed.")

    def __init__(self, message=None, *, code: str = "invalid") -> None:
        self.message = message or self.default_message
        self.code = code
        super().__init__(str(self.message))


class Conflict(DomainError):
    """The request clashes with the current state (already done, taken, locked); HTTP 409."""

    status = 409
    default_message = _("This was already done or is taken by someone else.")


class InvalidTransition(DomainError):
    default_message = _("This change of status is not allowed.")
