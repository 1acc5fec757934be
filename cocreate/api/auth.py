"""Who is calling: a bearer token (the mini-program) or the Django session of the web front
end (with CSRF on writes). Either way `request.user` is the account, so services and
permission checks run exactly as they do for the pages."""

from django.core.exceptions import PermissionDenied
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from cocreate.core.auth import SESSION_2FA, _network_allowed

from . import services


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = services.token_user(token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        request.api_token = api_token
        if user.language:  # the account's language wins, as on the pages
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class VerifiedSessionAuth(SessionAuth):
    """A signed-in session; a staff session only once the second factor is done (A-7)."""

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if user.is_staff_member and not request.session.get(SESSION_2FA):
            return None
        return user


AUTH = [TokenAuth(), VerifiedSessionAuth()]


def require_staff(request) -> None:
    """Management endpoints: staff only (a resident gets 403, like on the pages), and only
    from the allowed networks (I-3). Tokens of staff were issued after the second factor."""
    if not _network_allowed(request) or not request.user.is_staff_member:
        raise PermissionDenied
