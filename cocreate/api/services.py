"""Writes for the API: issuing and revoking bearer tokens, and the housekeeping of tokens and
idempotency keys. A token is the API's session: issuing one is a login, revoking one a logout,
and both are audited like their web counterparts (with `channel: api`)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cocreate.audit.services import record

from .models import ApiToken, IdempotencyKey

TOKEN_PREFIX = "cc_"  # noqa: S105 - marks our tokens, not a secret
RESIDENT_TOKEN_DAYS = 30
STAFF_TOKEN_HOURS = 12  # the absolute lifetime of a staff session (security.md A-5)
LAST_USED_PRECISION = timedelta(minutes=1)
IDEMPOTENCY_KEEP = timedelta(hours=24)
REVOKED_TOKEN_KEEP = timedelta(days=30)


def token_hash(raw: str) -> str:
    # A 256-bit random token needs no slow hash: SHA-256 is enough to make a leaked table useless.
    return hashlib.sha256(raw.encode()).hexdigest()


def _lifetime(user) -> timedelta:
    return timedelta(hours=STAFF_TOKEN_HOURS) if user.is_staff_member else timedelta(days=RESIDENT_TOKEN_DAYS)


@transaction.atomic
def token_issue(*, user, method: str) -> tuple[ApiToken, str]:
    """A new token for a user who has just proved who they are. Returns the row and the
    token itself, which is shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(user=user, key_hash=token_hash(raw), prefix=raw[:10], method=method,
                                    created_at=now, expires_at=now + _lifetime(user))
    user.last_login = now
    user.save(update_fields=["last_login"])
    record(actor=user, action="login.succeeded", target=user,
           data={"method": method, "channel": "api", "token": token.prefix})
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        return  # already revoked: nothing happened, nothing to audit
    record(actor=actor, action="logout", target=token.user, data={"channel": "api", "token": token.prefix})


def token_user(raw: str) -> tuple[object, ApiToken] | None:
    """(user, token) for a live token, or None: unknown, revoked, expired, a disabled account,
    a staff token idle for longer than a staff session may be, or a staff password past its
    age. One query, plus one UPDATE at most once a minute for `last_used_at`."""
    from cocreate.accounts.services import password_expired

    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
    now = timezone.now()
    if token is None or not token.is_live or not token.user.is_active:
        return None
    user = token.user
    if user.is_staff_member:
        idle_since = token.last_used_at or token.created_at
        if (now - idle_since).total_seconds() > settings.STAFF_IDLE_SECONDS or password_expired(user):
            return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


def purge_expired(*, now=None) -> int:
    """Idempotency keys older than 24 hours, and tokens expired or revoked a month ago."""
    now = now or timezone.now()
    keys, _by_model = IdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_KEEP).delete()
    tokens, _by_model = ApiToken.objects.filter(expires_at__lt=now - REVOKED_TOKEN_KEEP).delete()
    revoked, _by_model = ApiToken.objects.filter(revoked_at__lt=now - REVOKED_TOKEN_KEEP).delete()
    return keys + tokens + revoked
