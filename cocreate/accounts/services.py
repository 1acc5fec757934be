"""Account writes: SMS codes, logins, lockouts, staff passwords and preferences."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.audit.services import record, record_failure
from cocreate.core.crypto import blind_index, encrypt
from cocreate.core.errors import DomainError
from cocreate.core.phones import normalise_phone
from cocreate.notify.backends import send_sms

from .models import LoginLock, PasswordHistory, SmsCode, SmsSend, User

GENERIC_LOGIN_ERROR = _("The details you entered are not right, or the account is locked for a while.")


class TooManyRequests(DomainError):
    status = 429
    default_message = _("Too many attempts. Please wait a little and try again.")


class LoginRefused(DomainError):
    status = 403
    default_message = GENERIC_LOGIN_ERROR


def phone_key(phone_e164: str) -> str:
    return blind_index(phone_e164)


# --- lockout (security.md A-4) ------------------------------------------------------------

def _is_locked(scope: str, key: str) -> bool:
    lock = LoginLock.objects.filter(scope=scope, key=key).first()
    return bool(lock and lock.locked_until and lock.locked_until > timezone.now())


def register_failure(*, scope: str, key: str, user: User | None, action: str) -> None:
    """Count one failure in its own transaction; the fifth in a row locks for 15 minutes."""
    with transaction.atomic():
        lock, _created = LoginLock.objects.select_for_update().get_or_create(scope=scope, key=key)
        lock.failures += 1
        locked = lock.failures >= settings.LOGIN_LOCK_FAILURES
        if locked:
            lock.locked_until = timezone.now() + timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
            lock.failures = 0
        lock.save()
    record_failure(actor=user, action=action, target=user, data={"scope": scope})
    if locked:
        with transaction.atomic():
            record(actor=user, action="account.locked", target=user, data={"scope": scope})


def _clear_failures(scope: str, key: str) -> None:
    LoginLock.objects.filter(scope=scope, key=key).update(failures=0, locked_until=None)


def unlock(*, actor: User, user: User) -> None:
    """An administrator ends a lock before its 15 minutes are up."""
    with transaction.atomic():
        keys = [blind_index(f"totp:{user.pk}")]
        if user.username:
            keys.append(blind_index(user.username.lower()))
        if user.phone_index:
            keys.append(user.phone_index)
        LoginLock.objects.filter(key__in=keys).update(failures=0, locked_until=None)
        record(actor=actor, action="account.unlocked", target=user)


def throttle_ip(ip: str | None) -> None:
    """At most LOGIN_IP_LIMIT credential checks per address per window (credential stuffing)."""
    if not ip:
        return
    key = f"login-ip:{ip}"
    added = cache.add(key, 1, settings.LOGIN_IP_WINDOW_SECONDS)
    count = 1 if added else cache.incr(key)
    if count > settings.LOGIN_IP_LIMIT:
        raise TooManyRequests()


# --- SMS codes (security.md test 3) -------------------------------------------------------

def _code_hash(phone_index: str, purpose: str, code: str) -> str:
    return blind_index(f"{phone_index}:{purpose}:{code}")


def sms_code_request(*, phone: str, purpose: str = SmsCode.Purpose.LOGIN) -> str:
    """Send a 6-digit code; the same answer whether or not the phone is known. Returns the
    code so that demo mode can show it; callers must not show it otherwise."""
    e164 = normalise_phone(phone)
    index = phone_key(e164)
    now = timezone.now()
    with transaction.atomic():
        last = SmsSend.objects.filter(phone_index=index).order_by("-sent_at").first()
        if last and (now - last.sent_at).total_seconds() < settings.SMS_RESEND_SECONDS:
            raise TooManyRequests(_("Please wait a minute before asking for another code."))
        today = SmsSend.objects.filter(phone_index=index, sent_at__gte=now - timedelta(days=1)).count()
        if today >= settings.SMS_DAILY_LIMIT:
            raise TooManyRequests(_("Too many codes were sent to this phone today. Try again tomorrow."))
        code = f"{secrets.randbelow(1_000_000):06d}"
        SmsCode.objects.filter(phone_index=index, purpose=purpose).delete()
        SmsCode.objects.create(
            phone_index=index, purpose=purpose, code_hash=_code_hash(index, purpose, code),
            created_at=now, expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        SmsSend.objects.create(phone_index=index, sent_at=now)
        record(actor=None, action="sms.code_sent", data={"purpose": purpose})
        transaction.on_commit(lambda: send_sms(e164, _sms_text(code, purpose)))
    return code


def _sms_text(code: str, purpose: str) -> str:
    if purpose == SmsCode.Purpose.CONFIRM:
        # The resident reads this code back to the grid worker or 联户长 recording for them.
        return str(_("[Cocreate] Someone from your community is recording a request for you. If you agree, "
                     "tell them the code %(code)s (valid for 5 minutes).") % {"code": code})
    return str(_("[Cocreate] Your code is %(code)s, valid for 5 minutes. Never tell it to anyone.")
               % {"code": code})


def sms_code_verify(*, phone: str, code: str, purpose: str = SmsCode.Purpose.LOGIN, user: User | None = None) -> str:
    """Check a code: single use, 5 minutes, 5 tries per code, lock after 5 failures in a row.
    Returns the phone in E.164 form; raises LoginRefused (same message for every failure)."""
    e164 = normalise_phone(phone)
    index = phone_key(e164)
    # Each purpose has its own failure counter: wrong consent codes must not lock a resident
    # out of signing in. Call this outside any transaction, or a failure is rolled back uncounted.
    lock_key = index if purpose == SmsCode.Purpose.LOGIN else blind_index(f"{index}:{purpose}")
    failed_action = "login.failed" if purpose != SmsCode.Purpose.CONFIRM else "sms.confirm_failed"
    if _is_locked(LoginLock.Scope.SMS, lock_key):
        raise LoginRefused()
    now = timezone.now()
    with transaction.atomic():
        stored = (SmsCode.objects.select_for_update()
                  .filter(phone_index=index, purpose=purpose, expires_at__gt=now).order_by("-created_at").first())
        ok = bool(stored) and secrets.compare_digest(stored.code_hash, _code_hash(index, purpose, code.strip()))
        if stored and ok:
            stored.delete()
        elif stored:
            stored.tries += 1
            if stored.tries >= settings.SMS_CODE_MAX_TRIES:
                stored.delete()
            else:
                stored.save(update_fields=["tries"])
    if not ok:
        register_failure(scope=LoginLock.Scope.SMS, key=lock_key, user=user, action=failed_action)
        raise LoginRefused()
    _clear_failures(LoginLock.Scope.SMS, lock_key)
    return e164


def purge_expired_codes() -> int:
    """OTP rows are deleted after use or expiry (security.md R-1)."""
    now = timezone.now()
    deleted, _by_model = SmsCode.objects.filter(expires_at__lte=now).delete()
    SmsSend.objects.filter(sent_at__lt=now - timedelta(days=2)).delete()
    return deleted


# --- residents ----------------------------------------------------------------------------

def resident_account_for_phone(*, phone_e164: str) -> User:
    """The account for a verified phone, created on first login and linked to the person
    registered with that phone (the head of household first when several share it)."""
    from cocreate.orgs.models import Person

    index = phone_key(phone_e164)
    user = User.objects.filter(phone_index=index).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User.objects.create(phone_enc=encrypt(phone_e164), phone_index=index)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            candidates = Person.objects.filter(phone_index=index, user__isnull=True).order_by("relation", "id")
            person = next((p for p in candidates if p.relation == Person.Relation.HEAD), candidates.first())
            if person is not None:
                person.user = user
                person.save(update_fields=["user", "updated_at"])
                user.display_name = person.name
                user.save(update_fields=["display_name"])
            record(actor=user, action="account.created", target=user,
                   on_behalf_of=person, node=person.node if person else None, data={"channel": "sms"})
    except IntegrityError:
        # Two first logins with the same phone at once: the other one created it.
        user = User.objects.get(phone_index=index)
    return user


# --- staff --------------------------------------------------------------------------------

def staff_check_password(*, username: str, password: str, ip: str | None) -> User:
    """Password step of the staff login, with lockout and throttling; raises LoginRefused."""
    from django.contrib.auth import authenticate

    throttle_ip(ip)
    key = blind_index((username or "").strip().lower())
    user = User.objects.filter(username__iexact=(username or "").strip(), is_staff_member=True).first()
    if _is_locked(LoginLock.Scope.PASSWORD, key):
        record_failure(actor=user, action="login.failed", target=user, data={"scope": "password", "locked": True})
        raise LoginRefused()
    authenticated = authenticate(username=username, password=password)
    if authenticated is None or not authenticated.is_staff_member:
        register_failure(scope=LoginLock.Scope.PASSWORD, key=key, user=user, action="login.failed")
        raise LoginRefused()
    _clear_failures(LoginLock.Scope.PASSWORD, key)
    return authenticated


def staff_check_totp(*, user: User, token: str) -> None:
    """Second factor by TOTP (django-otp); raises LoginRefused."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = blind_index(f"totp:{user.pk}")
    if _is_locked(LoginLock.Scope.TOTP, key):
        raise LoginRefused()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_token((token or "").strip()):
        register_failure(scope=LoginLock.Scope.TOTP, key=key, user=user, action="login.2fa_failed")
        raise LoginRefused()
    _clear_failures(LoginLock.Scope.TOTP, key)


def record_login(*, user: User, method: str) -> None:
    with transaction.atomic():
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        record(actor=user, action="login.succeeded", target=user, data={"method": method})


def record_logout(*, user: User) -> None:
    with transaction.atomic():
        record(actor=user, action="logout", target=user)


def staff_user_create(*, actor: User | None, username: str, password: str, display_name: str,
                      phone: str = "") -> User:
    """Create a staff account whose password meets the policy (A-2, A-9)."""
    with transaction.atomic():
        user = User(username=username, display_name=display_name, is_staff_member=True)
        if phone:
            e164 = normalise_phone(phone)
            user.phone_enc, user.phone_index = encrypt(e164), phone_key(e164)
        validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        PasswordHistory.objects.create(user=user, password=user.password)
        record(actor=actor, action="account.staff_created", target=user, data={"username": username})
    return user


def staff_password_change(*, user: User, new_password: str) -> None:
    """Change a staff password: policy, history of 5, and a fresh 90-day period."""
    with transaction.atomic():
        validate_password(new_password, user)
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("id", flat=True)[5:]
        PasswordHistory.objects.filter(id__in=list(stale)).delete()
        record(actor=user, action="account.password_changed", target=user)


def password_expired(user: User) -> bool:
    if not user.is_staff_member or not settings.STAFF_PASSWORD_MAX_AGE_DAYS:
        return False
    changed = user.password_changed_at or user.created_at
    return timezone.now() - changed > timedelta(days=settings.STAFF_PASSWORD_MAX_AGE_DAYS)


def user_disable(*, actor: User | None, user: User, reason: str) -> None:
    """Disable an account; its open sessions are refused from their next request (A-10)."""
    with transaction.atomic():
        user.is_active = False
        user.disabled_at = timezone.now()
        user.save(update_fields=["is_active", "disabled_at"])
        record(actor=actor, action="account.disabled", target=user, data={"reason": reason})


def disable_inactive_staff() -> int:
    """Staff with no login for 90 days are disabled (security.md A-10)."""
    cutoff = timezone.now() - timedelta(days=settings.STAFF_INACTIVE_DISABLE_DAYS)
    stale = User.objects.filter(is_staff_member=True, is_active=True).exclude(last_login__gte=cutoff).exclude(
        last_login__isnull=True, created_at__gte=cutoff
    )
    count = 0
    for user in stale:
        user_disable(actor=None, user=user, reason="inactive 90 days")
        count += 1
    return count


def preferences_update(*, user: User, elder_mode: bool | None = None, language: str | None = None) -> User:
    with transaction.atomic():
        changed = {}
        if elder_mode is not None and elder_mode != user.elder_mode:
            user.elder_mode = changed["elder_mode"] = elder_mode
        if language is not None and language != user.language:
            user.language = changed["language"] = language
        if changed:
            user.save(update_fields=list(changed))
            record(actor=user, action="account.preferences_changed", target=user, data=changed)
    return user


def totp_device_start(*, user: User):
    """Begin enrolling an authenticator app: an unconfirmed device until a code proves it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_device_confirm(*, user: User, token: str) -> None:
    """Confirm the pending device with a first code; it replaces any earlier device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token((token or "").strip()):
            raise DomainError(_("That code is not right. Check the time on your phone and try again."))
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(actor=user, action="account.2fa_changed", target=user, data={"method": "totp"})
