import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from cocreate.core.auth import SESSION_2FA, staff_required
from cocreate.core.errors import DomainError
from cocreate.core.masking import mask_phone
from cocreate.core.middleware import client_ip
from cocreate.core.phones import national_number
from cocreate.core.qr import qr_svg

from . import services
from .forms import CodeForm, PasswordChangeForm, PhoneForm, StaffLoginForm, TotpForm
from .middleware import ELDER_COOKIE, SESSION_AUTH_AT, SESSION_LAST_SEEN
from .models import SmsCode

BACKEND = "cocreate.accounts.backends.StaffPasswordBackend"
SESSION_LOGIN_PHONE = "cocreate_login_phone"
SESSION_DEMO_CODE = "cocreate_demo_code"


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _start_session(request, user) -> None:
    login(request, user, backend=BACKEND)  # rotates the session key (ASVS 7.2.4)
    if request.COOKIES.get(ELDER_COOKIE) == "1" and not user.elder_mode:
        # 长辈版 chosen on the login page stays on after signing in.
        services.preferences_update(user=user, elder_mode=True)
    now = int(time.time())
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now


def _demo_logins():
    if not settings.DEMO_MODE:
        return []
    from cocreate.orgs.demo import DEMO_LOGINS

    return DEMO_LOGINS


def resident_login(request):
    """Step 1 of the resident login: the phone number."""
    form = PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.throttle_ip(client_ip(request))
            code = services.sms_code_request(phone=form.cleaned_data["phone"])
        except services.TooManyRequests as refused:
            form.add_error(None, str(refused.message))
            status = 429
        else:
            request.session[SESSION_LOGIN_PHONE] = form.cleaned_data["phone"]
            if settings.DEMO_MODE:
                request.session[SESSION_DEMO_CODE] = code
            return redirect(f"{reverse('accounts:login-code')}?next={_safe_next(request, '')}")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "demo_logins": _demo_logins(),
                                                   "next": _safe_next(request, "")}, status=status)


def resident_login_code(request):
    """Step 2: the 6-digit code sent by SMS."""
    phone = request.session.get(SESSION_LOGIN_PHONE)
    if not phone:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.throttle_ip(client_ip(request))
            services.sms_code_verify(phone=phone, code=form.cleaned_data["code"])
            user = services.resident_account_for_phone(phone_e164=phone)
            if user.is_staff_member or not user.is_active:
                raise services.LoginRefused()
        except (services.LoginRefused, services.TooManyRequests) as refused:
            form.add_error(None, str(refused.message))
            status = refused.status
        else:
            _start_session(request, user)
            request.session.pop(SESSION_LOGIN_PHONE, None)  # no phone left in the session store
            services.record_login(user=user, method="sms")
            return redirect(_safe_next(request, reverse("residents:home")))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "masked_phone": mask_phone(national_number(phone)),
               "demo_code": request.session.get(SESSION_DEMO_CODE) if settings.DEMO_MODE else None,
               "next": _safe_next(request, "")}
    return render(request, "accounts/login_code.html", context, status=status)


def staff_login(request):
    form = StaffLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_check_password(ip=client_ip(request), **form.cleaned_data)
        except (services.LoginRefused, services.TooManyRequests) as refused:
            form.add_error(None, str(refused.message))
            status = refused.status
        else:
            _start_session(request, user)
            request.session[SESSION_2FA] = ""
            return redirect(f"{reverse('accounts:staff-verify')}?next={_safe_next(request, '')}")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/staff_login.html",
                  {"form": form, "demo_logins": _demo_logins(), "next": _safe_next(request, "")}, status=status)


def _has_totp(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@login_required(login_url="accounts:staff-login")
def staff_verify(request):
    """Second factor: a TOTP code, or an SMS code to the staff member's own phone."""
    user = request.user
    if not user.is_staff_member:
        return redirect("core:home")
    step = request.POST.get("method", "")
    totp_form = TotpForm(request.POST if step == "totp" else None)
    sms_form = CodeForm(request.POST if step == "sms" else None)
    status, demo_code = 200, None
    try:
        if step == "sms-send" and user.phone_enc:
            code = services.sms_code_request(phone=user.phone_national(), purpose=SmsCode.Purpose.STAFF_2FA)
            demo_code = code if settings.DEMO_MODE else None
            messages.info(request, _("A code was sent to %(phone)s.") % {"phone": user.masked_phone})
        elif step == "totp" and totp_form.is_valid():
            services.staff_check_totp(user=user, token=totp_form.cleaned_data["token"])
            return _finish_second_factor(request, "totp")
        elif step == "sms" and sms_form.is_valid():
            services.sms_code_verify(phone=user.phone_national(), code=sms_form.cleaned_data["code"],
                                     purpose=SmsCode.Purpose.STAFF_2FA, user=user)
            return _finish_second_factor(request, "sms")
        elif request.method == "POST":
            status = 400
    except (services.LoginRefused, services.TooManyRequests) as refused:
        (totp_form if step == "totp" else sms_form).add_error(None, str(refused.message))
        status = refused.status
    context = {"totp_form": totp_form, "sms_form": sms_form, "has_totp": _has_totp(user),
               "has_phone": bool(user.phone_enc), "masked_phone": user.masked_phone, "demo_code": demo_code,
               "next": _safe_next(request, "")}
    return render(request, "accounts/staff_verify.html", context, status=status)


def _finish_second_factor(request, method: str):
    request.session.cycle_key()  # a new session id at step-up (ASVS 7.2.4)
    request.session[SESSION_2FA] = method
    services.record_login(user=request.user, method=f"password+{method}")
    return redirect(_safe_next(request, reverse("orgs:console")))


@require_POST
def logout_view(request):
    user = request.user
    staff = user.is_authenticated and user.is_staff_member
    if user.is_authenticated:
        services.record_logout(user=user)
    logout(request)
    return redirect("accounts:staff-login" if staff else "accounts:login")


@login_required(login_url="accounts:staff-login")
def password_change(request):
    if not request.user.is_staff_member:
        raise Http404  # residents sign in by SMS code and have no password to change
    form = PasswordChangeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        try:
            services.staff_password_change(user=request.user, new_password=form.cleaned_data["new_password"])
        except ValidationError as invalid:
            form.add_error("new_password", invalid)
            status = 400
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("core:home")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@require_POST
def elder_mode(request):
    """Switch 长辈版 on or off; remembered on the account, or in a cookie before login."""
    enabled = request.POST.get("elder") == "1"
    if request.user.is_authenticated:
        services.preferences_update(user=request.user, elder_mode=enabled)
    response = redirect(_safe_next(request, reverse("core:home")))
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=365 * 86400, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    return response


@require_POST
def set_language(request):
    """Django's set_language, also remembered on the account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.preferences_update(user=request.user, language=language)
    return django_set_language(request)


@staff_required
def totp_setup(request):
    """Enrol an authenticator app (TOTP): scan the QR code, then type the first code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and device is not None:
        try:
            services.totp_device_confirm(user=request.user, token=form.cleaned_data["token"])
        except DomainError as wrong:
            form.add_error("token", str(wrong.message))
            status = 400
        else:
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("orgs:console")
    if device is None:
        device = services.totp_device_start(user=request.user)
    import base64

    context = {"form": form, "qr_svg": qr_svg(device.config_url),
               "key": base64.b32encode(device.bin_key).decode()}
    return render(request, "accounts/totp_setup.html", context, status=status)
