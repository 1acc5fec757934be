"""Signing in to the API and the caller's own account: SMS code → token for residents,
password + TOTP → token for staff, revoking a token, the profile, preferences, messages.
Every check is the accounts service the login pages use: the same limits, lockouts and audit."""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from cocreate.accounts import services as accounts
from cocreate.accounts.forms import PhoneForm
from cocreate.core.errors import DomainError
from cocreate.core.middleware import client_ip
from cocreate.notify.models import Message
from cocreate.notify.services import messages_mark_read

from . import services
from .errors import form_error
from .idempotency import idempotent
from .schemas import DetailOut, responses

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"])

CODE = r"^\s*\d{6}\s*$"


class PasswordExpired(DomainError):
    status = 403
    default_message = _("Your password has expired. Change it in the web console, then sign in again.")


# --- tokens -------------------------------------------------------------------------------

class SmsCodeIn(Schema):
    phone: str = Field(max_length=20, description="A mainland mobile number, e.g. 138 1234 5678.")
    agree: bool = Field(description="The resident has read the privacy notice and agrees.")


class SmsCodeOut(Schema):
    detail: str
    demo_code: str | None = Field(None, description="Only on demo sites (COCREATE_DEMO_MODE).")


class TokenIn(Schema):
    phone: str = Field(max_length=20)
    code: str = Field(pattern=CODE, description="The 6-digit code sent by SMS.")


class StaffTokenIn(Schema):
    username: str = Field(max_length=40)
    password: str = Field(max_length=128)
    totp: str = Field(pattern=CODE, description="The code of the authenticator app (second factor).")


class TokenOut(Schema):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`. Shown once.")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    prefix: str
    expires_at: datetime


def _token_answer(user, method: str) -> Status:
    token, raw = services.token_issue(user=user, method=method)
    return Status(201, {"token": raw, "prefix": token.prefix, "expires_at": token.expires_at})


@auth_router.post("/sms-code", auth=None, response=responses({202: SmsCodeOut}),
                  summary="Send a 6-digit sign-in code by SMS (residents)")
def sms_code(request, payload: SmsCodeIn):
    """The same answer whether or not the phone is registered. At most one code a minute and
    ten a day per phone, and 20 tries per address per 10 minutes."""
    form = PhoneForm({"phone": payload.phone, "agree": "on" if payload.agree else ""})
    if not form.is_valid():
        raise form_error(form)
    accounts.throttle_ip(client_ip(request))
    code = accounts.sms_code_request(phone=form.cleaned_data["phone"])
    return Status(202, {"detail": str(_("If this number can receive SMS, a 6-digit code is on its way.")),
                        "demo_code": code if settings.DEMO_MODE else None})


@auth_router.post("/token", auth=None, response=responses({201: TokenOut}),
                  summary="Exchange the SMS code for a token (residents, 30 days)")
def token(request, payload: TokenIn):
    accounts.throttle_ip(client_ip(request))
    phone = accounts.sms_code_verify(phone=payload.phone, code=payload.code)
    user = accounts.resident_account_for_phone(phone_e164=phone)
    if user.is_staff_member or not user.is_active:
        raise accounts.LoginRefused()
    return _token_answer(user, "sms")


@auth_router.post("/staff-token", auth=None, response=responses({201: TokenOut}),
                  summary="Password and authenticator code for a token (staff, 12 hours)")
def staff_token(request, payload: StaffTokenIn):
    """No token without the second factor. The token also ends after 15 minutes unused, like
    a staff session."""
    user = accounts.staff_check_password(username=payload.username, password=payload.password,
                                         ip=client_ip(request))
    accounts.staff_check_totp(user=user, token=payload.totp)
    if accounts.password_expired(user):
        raise PasswordExpired(code="password_expired")
    return _token_answer(user, "password+totp")


@auth_router.post("/revoke", response=responses({200: DetailOut}), summary="Sign out: this token stops working")
def revoke(request):
    api_token = getattr(request, "api_token", None)
    if api_token is None:
        raise DomainError(_("This request was not made with a token; sign out of the web page instead."))
    services.token_revoke(actor=request.user, token=api_token)
    return {"detail": str(_("Signed out. This token no longer works."))}


# --- me -----------------------------------------------------------------------------------

class PlaceOut(Schema):
    id: int
    name: str


class HouseholdOut(Schema):
    id: int
    address: str
    node: PlaceOut


class MeOut(Schema):
    id: int
    display_name: str
    masked_phone: str
    is_staff: bool
    elder_mode: bool
    language: str
    household: HouseholdOut | None
    community: PlaceOut | None


class PreferencesIn(Schema):
    elder_mode: bool | None = Field(None, description="长辈版: larger text and simpler pages.")
    language: Literal["zh-hans", "en"] | None = None


class MessageOut(Schema):
    id: int
    kind: str
    target_id: int | None
    text: str
    created_at: datetime
    read: bool


class InboxOut(Schema):
    unread: int
    items: list[MessageOut]


def _me(user) -> dict:
    from cocreate.needs.resident_views import _resident

    me = _resident(user)
    household = me.household
    return {
        "id": user.pk, "display_name": user.display_name, "masked_phone": user.masked_phone,
        "is_staff": user.is_staff_member, "elder_mode": user.elder_mode, "language": user.language,
        "household": {"id": household.pk, "address": household.address,
                      "node": {"id": household.node.pk, "name": household.node.name}} if household else None,
        "community": {"id": me.community.pk, "name": me.community.name} if me.community else None,
    }


@me_router.get("/me", response=responses({200: MeOut}), summary="My account, household and preferences")
def profile(request):
    return _me(request.user)


@me_router.post("/me/preferences", response=responses({200: MeOut}), summary="Switch 长辈版 or the language")
@idempotent
def preferences(request, payload: PreferencesIn):
    user = accounts.preferences_update(user=request.user, elder_mode=payload.elder_mode, language=payload.language)
    return _me(user)


@me_router.get("/messages", response=responses({200: InboxOut}), summary="My in-app messages (newest 50)")
def messages(request):
    rows = list(Message.objects.filter(user=request.user).order_by("-id")[:50])
    return {"unread": sum(1 for m in rows if m.read_at is None),
            "items": [{"id": m.pk, "kind": m.kind, "target_id": m.target_id, "text": m.text,
                       "created_at": m.created_at, "read": m.read_at is not None} for m in rows]}


@me_router.post("/messages/read", response=responses({200: InboxOut}), summary="Mark all my messages read")
@idempotent
def messages_read(request):
    messages_mark_read(user=request.user)
    return messages(request)
