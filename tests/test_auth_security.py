"""Authentication, session and data-protection behaviour, as a user or an attacker sees it.
Numbers in the section titles are the test IDs of shared/docs/security.md."""

import base64
import json
import os
import re
import secrets
import string
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cocreate.accounts import services
from cocreate.accounts.forms import CodeForm
from cocreate.accounts.models import LoginLock, SmsCode, User
from cocreate.audit.models import AuditEvent
from cocreate.core import crypto
from cocreate.core.phones import normalise_phone
from cocreate.core.testing import url_entries
from cocreate.notify.backends import LocmemSmsBackend
from cocreate.orgs import selectors
from cocreate.orgs import services as org_services
from cocreate.orgs.models import Consent, Household, Person, Role, RoleGrant

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
STAFF_PASSWORD = "Tree#Pass2026"  # the root conftest's password for every staff account
KNOWN_PHONE = "13800138000"  # 张小明, head of the household in the grid, has a resident account
UNKNOWN_PHONE = "13811118000"  # nobody's; masked like the known one: 138****8000
CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=|data-csrf=)"[^"]*"')


@pytest.fixture(autouse=True)
def _fresh_throttle_and_outbox():
    """The per-IP counter lives in the cache and the SMS outbox in a class: start empty."""
    from django.core.cache import cache

    cache.clear()
    LocmemSmsBackend.outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


# --- helpers -------------------------------------------------------------------------------

def page_text(response, echoed: str = "") -> str:
    """The body with the per-render CSRF tokens (and what the user typed) blanked out."""
    text = CSRF_TOKEN.sub(r'\1""', response.content.decode())
    return text.replace(f'value="{echoed}"', 'value=""') if echoed else text


def shows(response, message) -> bool:
    """Whether the (lazily translated) message is on the page, in the request's language."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return escape(str(message)) in response.content.decode()


def path_of(response) -> str:
    return response["Location"].split("?")[0]


def staff_login(client, username, password, ip="127.0.0.1"):
    return client.post(reverse("accounts:staff-login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def totp_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_totp(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def verify_totp(client, token: str):
    return client.post(reverse("accounts:staff-verify"), {"method": "totp", "token": token})


def sent_code(phone: str) -> str:
    """The code in the last SMS sent to this phone."""
    e164 = normalise_phone(phone)
    text = next(text for to, text in reversed(LocmemSmsBackend.outbox) if to == e164)
    return re.search(r"(?<!\d)\d{6}(?!\d)", text).group()


def request_code_by_sms_page(client, phone, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:login"), {"phone": phone, "agree": "on"})


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def events(action: str, **filters) -> int:
    return AuditEvent.objects.filter(action=action, **filters).count()


def management_urls(org_tree, *, api: bool = False) -> list[str]:
    """Every management page of the project (walked from the resolver) — or, with `api`, every
    staff endpoint of the JSON API — built with objects of the community where the parameter is
    known, so that a missing guard would answer 200. Other ids are placeholders: the callers
    accept only one answer, so a 404 fails too."""
    samples = {"node_id": org_tree.community.pk, "household_id": org_tree.household.pk,
               "person_id": org_tree.resident_person.pk}
    urls = []
    for entry in url_entries():
        if "staff/" not in entry.route or entry.name in ("accounts:staff-login", "accounts:staff-verify"):
            continue
        if entry.route.startswith("api/") == api:
            urls.append(reverse(entry.name, kwargs={p: samples.get(p, 1) for p in entry.params}))
    assert len(urls) >= 10, urls
    return urls


def api_call(client, url: str):
    """GET an endpoint, or POST an empty JSON body to a write-only one."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, data={}, content_type="application/json")
    return response


def open_sessions(client, signed_in, user, count: int) -> list[str]:
    """`count` separate signed-in sessions of one user, as from several browsers."""
    keys = []
    for _ in range(count):
        client.cookies.clear()  # a new browser; the earlier sessions stay open on the server
        signed_in(user)
        keys.append(client.session.session_key)
    return keys


def get_with_session(client, key: str, url: str):
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client.get(url)


SIGNED_OUT = gettext_lazy("You were signed out after a period without activity.")


def session_usable(key: str) -> bool:
    return bool(SessionStore(session_key=key).load())


# --- full logins through the views ---------------------------------------------------------

def test_resident_signs_in_with_phone_and_sms_code(client, cast, django_capture_on_commit_callbacks):
    response = request_code_by_sms_page(client, "138 0013 8000", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert path_of(response) == reverse("accounts:login-code")

    code_page = client.get(response["Location"])
    assert "138****8000" in code_page.content.decode()

    response = client.post(reverse("accounts:login-code"), {"code": sent_code(KNOWN_PHONE)})
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:home")
    home = client.get(reverse("residents:home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == cast["resident"]
    assert "1栋101" in home.content.decode()
    assert events("login.succeeded", actor=cast["resident"]) == 1
    assert not [v for v in client.session.values() if KNOWN_PHONE in str(v)], "the phone stays out of the session"


def test_staff_signs_in_with_password_then_totp_and_reaches_the_console(client, cast, org_tree):
    device = totp_device(cast["cadre"])
    response = staff_login(client, "cadre", STAFF_PASSWORD)
    assert response.status_code == 302
    assert path_of(response) == reverse("accounts:staff-verify")
    assert client.get(reverse("orgs:console"))["Location"] == reverse("accounts:staff-verify")

    response = verify_totp(client, current_totp(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:console")
    console = client.get(reverse("orgs:console"))
    assert console["Location"] == reverse("orgs:node", args=[org_tree.community.pk])
    assert client.get(console["Location"]).status_code == 200
    assert AuditEvent.objects.get(action="login.succeeded").data == {"method": "password+totp"}


def test_wrong_totp_is_refused_and_the_session_stays_half_authenticated(client, cast):
    device = totp_device(cast["cadre"])
    staff_login(client, "cadre", STAFF_PASSWORD)
    response = verify_totp(client, other_code(current_totp(device)))
    assert response.status_code == 403
    assert shows(response, services.GENERIC_LOGIN_ERROR)
    assert client.get(reverse("orgs:console"))["Location"] == reverse("accounts:staff-verify")
    assert events("login.2fa_failed", outcome="failure") == 1


# --- 1. lockout ----------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_for_15_minutes(client, cast, clock):
    wrong = [staff_login(client, "cadre", "Wrong#Pass1") for _ in range(5)]
    assert {r.status_code for r in wrong} == {403}
    assert all(shows(r, services.GENERIC_LOGIN_ERROR) for r in wrong)
    assert events("login.failed", outcome="failure", actor=cast["cadre"]) == 5
    assert events("account.locked", actor=cast["cadre"]) == 1

    locked = staff_login(client, "cadre", STAFF_PASSWORD)
    assert locked.status_code == 403
    assert page_text(locked) == page_text(wrong[0]), "a locked account must look like a wrong password"

    clock.shift(timedelta(minutes=14, seconds=59))
    assert staff_login(client, "cadre", STAFF_PASSWORD).status_code == 403
    clock.shift(timedelta(seconds=2))
    response = staff_login(client, "cadre", STAFF_PASSWORD)
    assert response.status_code == 302
    assert path_of(response) == reverse("accounts:staff-verify")


def test_one_locked_account_does_not_lock_another(client, cast):
    for _ in range(5):
        staff_login(client, "cadre", "Wrong#Pass1")
    assert staff_login(client, "street", STAFF_PASSWORD).status_code == 302


def test_four_failures_then_a_success_reset_the_count(client, cast):
    for _ in range(4):
        staff_login(client, "cadre", "Wrong#Pass1")
    assert staff_login(client, "cadre", STAFF_PASSWORD).status_code == 302
    for _ in range(4):
        staff_login(client, "cadre", "Wrong#Pass1")
    assert staff_login(client, "cadre", STAFF_PASSWORD).status_code == 302
    assert events("account.locked") == 0


def test_admin_unlock_ends_the_lock_early_and_is_audited(client, cast):
    for _ in range(5):
        staff_login(client, "cadre", "Wrong#Pass1")
    assert staff_login(client, "cadre", STAFF_PASSWORD).status_code == 403

    services.unlock(actor=cast["security_admin"], user=cast["cadre"])
    assert staff_login(client, "cadre", STAFF_PASSWORD).status_code == 302
    unlocked = AuditEvent.objects.get(action="account.unlocked")
    assert (unlocked.actor, unlocked.target_id) == (cast["security_admin"], str(cast["cadre"].pk))


def test_totp_failures_lock_the_second_factor_but_not_the_password(client, cast):
    device = totp_device(cast["cadre"])
    staff_login(client, "cadre", STAFF_PASSWORD)
    for _ in range(5):
        verify_totp(client, other_code(current_totp(device)))
    assert verify_totp(client, current_totp(device)).status_code == 403  # TOTP locked

    other = Client()
    assert staff_login(other, "cadre", STAFF_PASSWORD).status_code == 302  # separate counter


# --- 2. per-IP throttle --------------------------------------------------------------------

def test_one_address_reaches_the_password_check_20_times_per_10_minutes(client, cast, clock):
    attacker = "203.0.113.9"
    statuses = [staff_login(client, f"user{i}", "Summer#2026", ip=attacker).status_code for i in range(100)]
    assert statuses[:20] == [403] * 20
    assert set(statuses[20:]) == {429}
    assert events("login.failed") == 20, "only 20 attempts may reach the password check"

    # Another address is not affected, and no real account was locked by the stuffing.
    assert staff_login(client, "cadre", STAFF_PASSWORD, ip="198.51.100.7").status_code == 302
    clock.shift(timedelta(minutes=10, seconds=1))
    assert staff_login(client, "nobody", "Summer#2026", ip=attacker).status_code == 403


def test_sms_code_requests_from_one_address_are_throttled_too(client, org_tree):
    statuses = [client.post(reverse("accounts:login"), {"phone": f"1390000{i:04d}", "agree": "on"}).status_code
                for i in range(25)]
    assert statuses[:20] == [302] * 20
    assert set(statuses[20:]) == {429}


# --- 3. SMS code lifecycle -----------------------------------------------------------------

def test_sms_code_is_six_digits_from_secrets_and_arrives_by_sms(org_tree, django_capture_on_commit_callbacks):
    with mock.patch.object(services.secrets, "randbelow", return_value=4217) as randbelow, \
            django_capture_on_commit_callbacks(execute=True):
        code = services.sms_code_request(phone=KNOWN_PHONE)
    randbelow.assert_called_once_with(1_000_000)
    assert code == "004217"
    assert LocmemSmsBackend.outbox == [("+8613800138000", mock.ANY)]
    assert "004217" in LocmemSmsBackend.outbox[0][1]


def test_sms_code_is_valid_for_5_minutes(org_tree, clock):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert services.sms_code_verify(phone=KNOWN_PHONE, code=code) == "+8613800138000"

    code = services.sms_code_request(phone=KNOWN_PHONE)
    clock.shift(timedelta(minutes=5, seconds=1))
    with pytest.raises(services.LoginRefused):
        services.sms_code_verify(phone=KNOWN_PHONE, code=code)


def test_sms_code_works_once(org_tree):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    services.sms_code_verify(phone=KNOWN_PHONE, code=code)
    with pytest.raises(services.LoginRefused):
        services.sms_code_verify(phone=KNOWN_PHONE, code=code)


def test_five_wrong_codes_invalidate_the_code(org_tree):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    for _ in range(5):
        with pytest.raises(services.LoginRefused):
            services.sms_code_verify(phone=KNOWN_PHONE, code=other_code(code))
    assert not SmsCode.objects.exists()
    LoginLock.objects.all().delete()  # even with the lockout lifted, the code is spent
    with pytest.raises(services.LoginRefused):
        services.sms_code_verify(phone=KNOWN_PHONE, code=code)


def test_four_wrong_codes_still_leave_the_right_one_usable(org_tree):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    for _ in range(4):
        with pytest.raises(services.LoginRefused):
            services.sms_code_verify(phone=KNOWN_PHONE, code=other_code(code))
    assert services.sms_code_verify(phone=KNOWN_PHONE, code=code)


def test_a_new_code_waits_60_seconds_and_a_phone_gets_at_most_10_a_day(org_tree, clock):
    services.sms_code_request(phone=KNOWN_PHONE)
    clock.shift(timedelta(seconds=59))
    with pytest.raises(services.TooManyRequests):
        services.sms_code_request(phone=KNOWN_PHONE)
    services.sms_code_request(phone=UNKNOWN_PHONE)  # the limit is per phone
    for _ in range(9):
        clock.shift(timedelta(seconds=61))
        services.sms_code_request(phone=KNOWN_PHONE)
    clock.shift(timedelta(hours=1))
    with pytest.raises(services.TooManyRequests):
        services.sms_code_request(phone=KNOWN_PHONE)  # the 11th today
    clock.shift(timedelta(days=1))
    services.sms_code_request(phone=KNOWN_PHONE)


def _database_text() -> str:
    """Every value of every table, as text: for "is this secret stored anywhere?"."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            chunks.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(chunks)


def test_sms_code_is_stored_only_as_a_hash(org_tree):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    stored = SmsCode.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", stored.code_hash)
    assert code not in _database_text()


def test_sms_code_is_bound_to_its_phone_and_purpose(org_tree):
    code = services.sms_code_request(phone=KNOWN_PHONE)
    with pytest.raises(services.LoginRefused):
        services.sms_code_verify(phone=UNKNOWN_PHONE, code=code)
    with pytest.raises(services.LoginRefused):
        services.sms_code_verify(phone=KNOWN_PHONE, code=code, purpose=SmsCode.Purpose.STAFF_2FA)
    assert services.sms_code_verify(phone=KNOWN_PHONE, code=code)


# --- 4. no account enumeration -------------------------------------------------------------

def _resident_login_answers(phone, capture) -> list:
    client = Client()
    sent = request_code_by_sms_page(client, phone, capture)
    code_page = client.get(sent["Location"])
    wrong = client.post(reverse("accounts:login-code"), {"code": "654321"})
    return [sent, code_page, wrong]


def test_known_and_unknown_phones_get_identical_answers(cast, django_capture_on_commit_callbacks):
    with mock.patch.object(services.secrets, "randbelow", return_value=123456):  # the same code for both
        known = _resident_login_answers(KNOWN_PHONE, django_capture_on_commit_callbacks)
        unknown = _resident_login_answers(UNKNOWN_PHONE, django_capture_on_commit_callbacks)
    assert [r.status_code for r in known] == [302, 200, 403]
    assert [r.status_code for r in unknown] == [r.status_code for r in known]
    assert known[0]["Location"] == unknown[0]["Location"]
    assert [page_text(r) for r in known[1:]] == [page_text(r) for r in unknown[1:]]


def test_known_and_unknown_usernames_get_identical_answers(client, cast):
    known = staff_login(client, "cadre", "Wrong#Pass1")
    unknown = staff_login(client, "no-such-user", "Wrong#Pass1")
    assert known.status_code == unknown.status_code == 403
    assert page_text(known, echoed="cadre") == page_text(unknown, echoed="no-such-user")


# --- 5. staff password policy --------------------------------------------------------------

@pytest.mark.parametrize(("password", "accepted"), [
    pytest.param("Rivq7Tmx", True, id="8 characters, 3 classes"),
    pytest.param("abcdef1!", True, id="lower digit symbol"),
    pytest.param("ABCDEF1!", True, id="upper digit symbol"),
    pytest.param("Quiet river 7 stones & a lantern over the old bridge at dawn!!!", True, id="64 characters"),
    pytest.param("社区共建Ab12", True, id="Chinese counts as a symbol"),
    pytest.param("Abcde1!", False, id="7 characters"),
    pytest.param("abcdefgh1", False, id="2 classes"),
    pytest.param("ABCDEFGHIJ", False, id="1 class"),
    pytest.param("Password1", False, id="common"),
    pytest.param("P@ssw0rd", False, id="common with 4 classes"),
    pytest.param("My#GridWorker1", False, id="contains the username"),
    pytest.param("Tel#13700137000", False, id="contains the phone"),
    pytest.param("Tel#00137000x", False, id="contains the phone's last 8 digits"),
    pytest.param(STAFF_PASSWORD, False, id="the current password"),
    pytest.param("Aa1!" * 33, False, id="132 characters"),
])
def test_staff_password_policy(cast, password, accepted):
    user = cast["grid_worker"]  # username "gridworker", phone 13700137000
    if accepted:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_the_last_five_passwords_cannot_be_reused(cast):
    user = cast["cadre"]
    recent = [f"Rotate#{n}Pass" for n in range(1, 6)]
    for password in recent:
        services.staff_password_change(user=user, new_password=password)
    for password in recent:
        with pytest.raises(ValidationError):
            validate_password(password, user)
    validate_password(STAFF_PASSWORD, user)  # six changes ago: allowed again


RECENT = [f"Hist#Pass0{n}" for n in range(1, 6)]
CLASSES = [re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"\d"), re.compile(r"[^a-zA-Z\d]")]
COMMON = CommonPasswordValidator().passwords
candidate_passwords = st.one_of(
    st.text(alphabet="aBzZ09#! 中", max_size=14),
    st.text(alphabet=string.ascii_letters + string.digits + string.punctuation, min_size=6, max_size=12),
    st.sampled_from([*RECENT, STAFF_PASSWORD, "Password1", "P@ssw0rd", "Qwerty123", "Iloveyou1"]),
    st.tuples(st.text(alphabet="aB3#", max_size=5), st.sampled_from(["gridworker", "GridWorker", "00137000"]),
              st.text(alphabet="aB3#", max_size=5)).map("".join),
)


def policy_accepts(password: str) -> bool:
    """security.md A-2, written out independently of the validators."""
    return (8 <= len(password) <= 128
            and sum(bool(c.search(password)) for c in CLASSES) >= 3
            and "gridworker" not in password.lower()
            and "00137000" not in password  # the last 8 digits of the phone 13700137000
            and password.lower().strip() not in COMMON
            and password not in RECENT)


@pytest.fixture
def grid_worker_with_history(cast):
    user = cast["grid_worker"]
    for password in RECENT:
        services.staff_password_change(user=user, new_password=password)
    return user


@hypothesis_settings(max_examples=200, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=candidate_passwords)
def test_staff_password_accepted_iff_the_policy_says_so(grid_worker_with_history, password):
    try:
        validate_password(password, grid_worker_with_history)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == policy_accepts(password), password


# --- 6. 90-day password expiry -------------------------------------------------------------

def test_expired_password_sends_every_staff_url_to_the_change_page_until_changed(client, signed_in, cast, org_tree):
    change = reverse("accounts:password-change")
    urls = [*management_urls(org_tree), reverse("core:home"), reverse("accounts:staff-verify")]
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        signed_in(cast["cadre"])
        assert {url: path_of(client.get(url)) for url in urls} == dict.fromkeys(urls, change)
        # A program gets the reason in JSON rather than a page to fill in.
        api = {url: api_call(client, url) for url in management_urls(org_tree, api=True)}
        assert {url: (r.status_code, r.json()["code"]) for url, r in api.items()} == dict.fromkeys(
            api, (403, "password_expired"))
        assert client.get(change).status_code == 200

        response = client.post(change, {"old_password": STAFF_PASSWORD, "new_password": "Fresh#Pass2099",
                                        "new_password2": "Fresh#Pass2099"})
        assert response.status_code == 302
        for url in urls:
            response = client.get(url)
            assert response.status_code != 302 or path_of(response) != change, url
        assert client.get(reverse("orgs:node", args=[org_tree.community.pk])).status_code == 200


def test_password_younger_than_90_days_is_not_sent_to_the_change_page(client, signed_in, cast, org_tree):
    with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
        signed_in(cast["cadre"])
        assert client.get(reverse("orgs:node", args=[org_tree.community.pk])).status_code == 200


# --- 7. second factor before any management page -------------------------------------------

@pytest.mark.parametrize("username", ["cadre", "county", "gridworker"])
def test_password_only_session_reaches_no_management_page(client, cast, org_tree, username):
    assert staff_login(client, username, STAFF_PASSWORD).status_code == 302
    verify = reverse("accounts:staff-verify")
    households = Household.objects.count()
    answers = {}
    for url in management_urls(org_tree):
        answers[f"GET {url}"] = client.get(url)
        answers[f"POST {url}"] = client.post(url, {"address": "x", "reason": "x", "name": "x"})
    not_sent_to_verify = {k: r.status_code for k, r in answers.items()
                          if r.status_code != 302 or path_of(r) != verify}
    assert not not_sent_to_verify
    # The API does not know the session at all until the second factor is done.
    api = {url: api_call(client, url).status_code for url in management_urls(org_tree, api=True)}
    assert api == dict.fromkeys(api, 401)
    assert Household.objects.count() == households


# --- 8. session time-outs ------------------------------------------------------------------

def test_staff_session_ends_after_15_minutes_idle(client, signed_in, cast, org_tree, clock):
    signed_in(cast["cadre"])
    key = client.session.session_key
    clock.shift(timedelta(minutes=14, seconds=50))
    assert client.get(reverse("orgs:console")).status_code == 302
    assert client.get(reverse("orgs:node", args=[org_tree.community.pk])).status_code == 200
    clock.shift(timedelta(minutes=15, seconds=1))
    response = client.get(reverse("orgs:node", args=[org_tree.community.pk]))
    assert path_of(response) == reverse("accounts:staff-login")
    assert not Session.objects.filter(session_key=key).exists()
    assert shows(client.get(response["Location"]), SIGNED_OUT)


def test_resident_session_ends_after_30_minutes_idle(client, signed_in, cast, clock):
    signed_in(cast["resident"])
    key = client.session.session_key
    clock.shift(timedelta(minutes=29, seconds=50))
    assert client.get(reverse("residents:home")).status_code == 200
    clock.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("residents:home"))
    assert path_of(response) == reverse("accounts:login")
    assert not session_usable(key)


def test_housekeeping_deletes_sessions_that_timed_out_unseen(client, signed_in, cast, clock):
    signed_in(cast["resident"])
    abandoned = client.session.session_key
    clock.shift(timedelta(minutes=31))
    client.cookies.clear()
    signed_in(cast["resident"])  # another device, still in use
    call_command("housekeeping", stdout=StringIO())
    assert not Session.objects.filter(session_key=abandoned).exists()
    assert session_usable(client.session.session_key)


def test_active_session_still_ends_12_hours_after_login(client, signed_in, cast, clock):
    signed_in(cast["resident"])
    key = client.session.session_key
    for _ in range(28):  # 11 h 40 min of activity, a request every 25 minutes
        clock.shift(timedelta(minutes=25))
        assert client.get(reverse("residents:home")).status_code == 200
    clock.shift(timedelta(minutes=21))
    response = client.get(reverse("residents:home"))
    assert path_of(response) == reverse("accounts:login")
    assert not Session.objects.filter(session_key=key).exists()


def test_logout_deletes_the_session_and_the_old_cookie_is_worthless(client, signed_in, cast):
    signed_in(cast["resident"])
    key = client.session.session_key
    response = client.post(reverse("accounts:logout"))
    assert path_of(response) == reverse("accounts:login")
    assert not Session.objects.filter(session_key=key).exists()
    assert events("logout", actor=cast["resident"]) == 1

    replay = get_with_session(client, key, reverse("residents:home"))
    assert path_of(replay) == reverse("accounts:login")


# --- 9. session id rotation ----------------------------------------------------------------

def test_session_key_changes_at_staff_login_and_again_at_the_second_factor(client, cast):
    device = totp_device(cast["cadre"])
    planted = client.session.session_key  # e.g. fixed by an attacker before the login
    staff_login(client, "cadre", STAFF_PASSWORD)
    after_password = client.session.session_key
    verify_totp(client, current_totp(device))
    after_totp = client.session.session_key

    assert len({planted, after_password, after_totp}) == 3
    assert not Session.objects.filter(session_key__in=[planted, after_password]).exists()
    assert client.get(reverse("orgs:console")).status_code == 302


def test_session_key_changes_at_resident_login(client, cast, django_capture_on_commit_callbacks):
    request_code_by_sms_page(client, KNOWN_PHONE, django_capture_on_commit_callbacks)
    before = client.session.session_key
    client.post(reverse("accounts:login-code"), {"code": sent_code(KNOWN_PHONE)})
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_session_cookie_is_httponly_and_samesite_lax(client, cast, django_capture_on_commit_callbacks):
    request_code_by_sms_page(client, KNOWN_PHONE, django_capture_on_commit_callbacks)
    response = client.post(reverse("accounts:login-code"), {"code": sent_code(KNOWN_PHONE)})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# --- 10. disabling or a new password ends open sessions ------------------------------------

def test_disabling_a_user_refuses_all_their_open_sessions(client, signed_in, cast):
    keys = open_sessions(client, signed_in, cast["cadre"], 3)
    services.user_disable(actor=cast["security_admin"], user=cast["cadre"], reason="left the post")
    for key in keys:
        assert path_of(get_with_session(client, key, reverse("orgs:console"))) == reverse("accounts:staff-login")
    assert staff_login(Client(), "cadre", STAFF_PASSWORD).status_code == 403


def test_a_password_change_elsewhere_refuses_the_other_sessions(client, signed_in, cast, org_tree):
    keys = open_sessions(client, signed_in, cast["cadre"], 3)
    response = client.post(reverse("accounts:password-change"), {
        "old_password": STAFF_PASSWORD, "new_password": "Fresh#Pass2099", "new_password2": "Fresh#Pass2099"})
    assert response.status_code == 302
    node = reverse("orgs:node", args=[org_tree.community.pk])
    assert client.get(node).status_code == 200  # the session that changed the password lives on
    for key in keys[:2]:
        assert path_of(get_with_session(client, key, reverse("orgs:console"))) == reverse("accounts:staff-login")


def test_a_password_reset_by_service_refuses_every_session(client, signed_in, cast):
    keys = open_sessions(client, signed_in, cast["cadre"], 3)
    services.staff_password_change(user=cast["cadre"], new_password="Fresh#Pass2099")
    for key in keys:
        assert path_of(get_with_session(client, key, reverse("orgs:console"))) == reverse("accounts:staff-login")


# --- 11. inactive staff --------------------------------------------------------------------

def test_staff_without_a_login_for_90_days_are_disabled(cast):
    now = timezone.now()
    User.objects.filter(pk=cast["cadre"].pk).update(last_login=now - timedelta(days=91))
    User.objects.filter(pk=cast["street_official"].pk).update(last_login=now - timedelta(days=89))
    User.objects.filter(pk=cast["county_official"].pk).update(created_at=now - timedelta(days=91))  # never in
    User.objects.filter(pk=cast["resident"].pk).update(last_login=now - timedelta(days=200))

    assert services.disable_inactive_staff() == 2
    active = dict(User.objects.values_list("username", "is_active"))
    assert (active["cadre"], active["county"]) == (False, False)
    assert active["street"] and active["gridworker"] and User.objects.get(pk=cast["resident"].pk).is_active
    assert events("account.disabled") == 2
    assert staff_login(Client(), "cadre", STAFF_PASSWORD).status_code == 403


# --- 14. separation of the security and audit administrators -------------------------------

def test_one_person_cannot_be_security_admin_and_audit_admin(cast, org_tree):
    grants, audit_rows = RoleGrant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        org_services.role_grant(actor=cast["security_admin"], user=cast["audit_admin"], node=org_tree.county,
                                role=Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        org_services.role_grant(actor=cast["security_admin"], user=cast["security_admin"], node=org_tree.street,
                                role=Role.AUDIT_ADMIN)
    assert (RoleGrant.objects.count(), AuditEvent.objects.count()) == (grants, audit_rows)


# --- 15. mass assignment -------------------------------------------------------------------

def test_extra_fields_in_a_household_registration_are_ignored(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    data = {
        "address": "2栋201", "occupancy": "resident", "consent_channel": "staff", "consent_confirmed": "on",
        "m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0", "m-MIN_NUM_FORMS": "1", "m-MAX_NUM_FORMS": "20",
        "m-0-name": "钱多多", "m-0-relation": "head", "m-0-phone": "13500135000",
        # not in the forms:
        "node": org_tree.neighbour_grid.pk, "path": "0001", "member_count": "99", "is_staff_member": "on",
        "custodian": org_tree.resident_person.pk, "m-0-node": org_tree.neighbour_grid.pk, "m-0-path": "0001",
        "m-0-user": cast["grid_worker"].pk, "m-0-household": org_tree.neighbour_household.pk,
        "m-0-phone_index": "forged", "m-0-is_staff_member": "on",
    }
    assert client.post(reverse("orgs:household-create", args=[org_tree.grid.pk]), data).status_code == 302
    household = Household.objects.get(address="2栋201")
    person = household.members.get()
    assert (household.node, household.path, household.member_count, household.custodian) == (
        org_tree.grid, org_tree.grid.path, 1, None)
    assert (person.node, person.path, person.user, person.household) == (
        org_tree.grid, org_tree.grid.path, None, household)
    assert person.phone_index == crypto.blind_index("+8613500135000")


def test_extra_fields_in_person_and_household_edits_are_ignored(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    person, household = org_tree.resident_person, org_tree.household
    household.refresh_from_db()
    members = household.member_count
    forged = {"node": org_tree.neighbour_grid.pk, "path": "0001", "household": org_tree.neighbour_household.pk,
              "user": cast["grid_worker"].pk, "phone_index": "forged", "phone_enc": "forged",
              "member_count": "99", "custodian": person.pk}
    client.post(reverse("orgs:person-edit", args=[person.pk]),
                {"name": "张小明", "relation": "head", "birth_year": "1950", **forged})
    client.post(reverse("orgs:household-edit", args=[household.pk]),
                {"address": "1栋101", "occupancy": "resident", **forged})
    person.refresh_from_db()
    household.refresh_from_db()
    assert (person.node, person.household, person.user, person.phone_national()) == (
        org_tree.building, household, cast["resident"], KNOWN_PHONE)
    assert (household.node, household.path, household.member_count, household.custodian) == (
        org_tree.building, org_tree.building.path, members, None)


def test_a_resident_cannot_make_themselves_staff(client, signed_in, cast):
    signed_in(cast["resident"])
    client.post(reverse("accounts:elder-mode"), {"elder": "1", "is_staff_member": "on", "username": "boss"})
    client.post(reverse("accounts:set-language"), {"language": "en", "is_staff_member": "1"})
    resident = User.objects.get(pk=cast["resident"].pk)
    assert (resident.is_staff_member, resident.username, resident.elder_mode) == (False, None, True)


# --- 20. revealing a phone number ----------------------------------------------------------

def reveal(client, person, reason):
    return client.post(reverse("orgs:reveal-phone", args=[person.pk]), {"reason": reason})


def test_grid_worker_reveals_a_phone_with_a_reason_and_one_audit_row(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    response = reveal(client, org_tree.resident_person, "上门核实独居老人情况")
    assert response.status_code == 200
    assert KNOWN_PHONE in response.content.decode()
    event = AuditEvent.objects.get(action="person.phone_revealed")
    assert (event.actor, event.on_behalf_of_id, event.data) == (
        cast["grid_worker"], org_tree.resident_person.pk, {"reason": "上门核实独居老人情况"})


@pytest.mark.parametrize("reason", ["", " ", "x"])
def test_revealing_without_a_reason_is_400_and_not_audited(client, signed_in, cast, org_tree, reason):
    signed_in(cast["grid_worker"])
    response = reveal(client, org_tree.resident_person, reason)
    assert response.status_code == 400
    assert KNOWN_PHONE not in response.content.decode()
    assert events("person.phone_revealed") == 0


def test_revealing_without_the_permission_is_refused_and_not_audited(client, signed_in, cast, org_tree):
    signed_in(cast["street_official"])  # sees the household, may not unmask its phones
    response = reveal(client, org_tree.resident_person, "想知道")
    assert response.status_code == 403
    assert KNOWN_PHONE not in response.content.decode()
    assert events("person.phone_revealed") == 0


def test_household_page_shows_phones_masked(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    body = client.get(reverse("orgs:household", args=[org_tree.household.pk])).content.decode()
    assert "138****8000" in body
    assert KNOWN_PHONE not in body


# --- 21. encryption at rest ----------------------------------------------------------------

PLAIN_PHONE = re.compile(r"1[3-9]\d{9}")


def test_no_phone_number_is_stored_in_plain_text(client, cast, org_tree, django_capture_on_commit_callbacks):
    request_code_by_sms_page(client, UNKNOWN_PHONE, django_capture_on_commit_callbacks)
    client.post(reverse("accounts:login-code"), {"code": sent_code(UNKNOWN_PHONE)})  # a new resident account
    with connection.cursor() as cursor:
        for table in ("orgs_person", "accounts_user"):
            cursor.execute(f"SELECT phone_enc, phone_index FROM {table} WHERE phone_enc <> ''")  # noqa: S608
            rows = cursor.fetchall()
            assert len(rows) >= 2, table
            for enc, index in rows:
                assert re.fullmatch(r"(A256GCM|SM4GCM):\w+:[A-Za-z0-9+/]+=*", enc)
                assert not PLAIN_PHONE.search(enc)
                assert re.fullmatch(r"[0-9a-f]{64}", index)
    everything = _database_text()
    for phone in (KNOWN_PHONE, UNKNOWN_PHONE, "13900139000", "13700137000"):
        assert phone not in everything, f"{phone[:3]}… is stored in plain text somewhere"


def test_a_person_is_found_by_phone_through_the_blind_index(org_tree):
    index = crypto.blind_index(normalise_phone("138-0013-8000"))
    assert Person.objects.get(phone_index=index) == org_tree.resident_person


def test_sm4_and_sm3_settings_encrypt_index_and_chain(org_tree):
    sha_index = crypto.blind_index("+8613500135000")
    with override_settings(FIELD_CIPHER="SM4GCM", HASH_ALGORITHM="SM3"):
        token = crypto.encrypt("+8613500135000")
        assert token.startswith("SM4GCM:") and crypto.decrypt(token) == "+8613500135000"
        household = org_services.household_register(
            actor=None, node=org_tree.grid, address="国密楼1号", occupancy="resident",
            members=[{"name": "孙国密", "phone": "13500135000", "relation": "head"}])
        person = household.members.get()
        assert person.phone_enc.startswith("SM4GCM:")
        assert person.phone_national() == "13500135000"
        sm3_index = crypto.blind_index("+8613500135000")
        assert Person.objects.get(phone_index=sm3_index) == person
        assert AuditEvent.objects.get(action="household.registered", target_id=str(household.pk)).hash_alg == "SM3"
        assert org_tree.resident_person.phone_national() == KNOWN_PHONE  # AES rows still read
    assert sm3_index != sha_index and re.fullmatch(r"[0-9a-f]{64}", sm3_index)
    assert person.phone_national() == "13500135000"  # SM4 rows read after switching back
    from cocreate.audit.services import verify_chain

    assert verify_chain() == []  # SHA-256 and SM3 rows in one chain both verify


# --- 24. consent when staff register a resident --------------------------------------------

def test_registering_a_person_with_a_phone_records_consent(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    data = {"name": "钱多多", "relation": "child", "phone": "13500135000", "consent_channel": "staff",
            "consent_evidence": "", "consent_confirmed": "on"}
    assert client.post(reverse("orgs:member-add", args=[org_tree.household.pk]), data).status_code == 302
    consent = Consent.objects.get(person__name="钱多多")
    assert (consent.policy_version, consent.channel, consent.purpose, consent.recorded_by) == (
        settings.PRIVACY_POLICY_VERSION, Consent.Channel.STAFF, Consent.Purpose.REGISTRATION, cast["grid_worker"])
    assert consent.given_at is not None and consent.withdrawn_at is None


def test_registering_without_confirmed_consent_is_refused(client, signed_in, cast, org_tree):
    signed_in(cast["grid_worker"])
    data = {"name": "钱多多", "relation": "child", "phone": "13500135000", "consent_channel": "staff"}
    response = client.post(reverse("orgs:member-add", args=[org_tree.household.pk]), data)
    assert response.status_code == 400
    assert not Person.objects.filter(name="钱多多").exists()


# --- 26. residual information --------------------------------------------------------------

@pytest.mark.parametrize(("role", "url"), [
    ("cadre", "orgs:console"), ("cadre", "orgs:household"), ("cadre", "orgs:node"),
    ("street_official", "audit:list"), ("resident", "residents:home"),
])
def test_authenticated_pages_are_not_cached(client, signed_in, cast, org_tree, role, url):
    args = {"orgs:household": [org_tree.household.pk], "orgs:node": [org_tree.community.pk]}.get(url, [])
    signed_in(cast[role])
    response = client.get(reverse(url, args=args))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_expired_sms_codes_are_purged(org_tree, clock):
    services.sms_code_request(phone=KNOWN_PHONE)
    clock.shift(timedelta(minutes=4))
    services.sms_code_request(phone=UNKNOWN_PHONE)
    clock.shift(timedelta(minutes=1, seconds=1))
    assert services.purge_expired_codes() == 1
    assert SmsCode.objects.count() == 1
    clock.shift(timedelta(minutes=4))
    assert services.purge_expired_codes() == 1
    assert not SmsCode.objects.exists()


# --- 48. production deploy check -----------------------------------------------------------

def production_env(tmp_path, **extra) -> dict:
    key = base64.b64encode(os.urandom(32)).decode()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),  # 80 random characters
        "DJANGO_ALLOWED_HOSTS": "cocreate.example.gov.cn",
        "COCREATE_FIELD_KEYS": f"k2026:{key}", "COCREATE_FIELD_KEY_ID": "k2026",
        "COCREATE_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "COCREATE_VAR_DIR": str(tmp_path), **extra,
    }


def run_python(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=180, check=False)


def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path):
    env = production_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")  # the check connects to nothing
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_asks_for_redis_when_the_cache_is_per_process(tmp_path):
    env = production_env(tmp_path)
    env.pop("REDIS_URL", None)
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "cocreate.W001" in result.stdout + result.stderr and "REDIS_URL" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_long_secret_key(tmp_path):
    result = run_python(["manage.py", "check"], production_env(tmp_path, DJANGO_SECRET_KEY="short"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
https = client.get("/robots.txt", secure=True)
http = client.get("/robots.txt")
print(json.dumps({
    "hsts": https.get("Strict-Transport-Security"), "http": [http.status_code, http.get("Location")],
    "session": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                settings.SESSION_COOKIE_SAMESITE],
    "csrf": [settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_SECURE], "debug": settings.DEBUG,
}))
"""


def test_production_sends_hsts_redirects_http_and_uses_host_only_secure_cookies(tmp_path):
    result = run_python(["-c", PRODUCTION_PROBE], production_env(tmp_path, DJANGO_ALLOWED_HOSTS="testserver"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["http"] == [301, "https://testserver/robots.txt"]
    assert seen["session"] == ["__Host-sessionid", True, True, "Lax"]
    assert seen["csrf"] == ["__Host-csrftoken", True]
    assert seen["debug"] is False


# --- 51. security headers ------------------------------------------------------------------

@pytest.mark.parametrize(("role", "url", "status"), [
    (None, "/accounts/login/", 200),
    (None, "/no-such-page/", 404),
    ("cadre", "/staff/households/987654/", 404),
    ("cadre", "/staff/", 302),
    ("resident", "/me/", 200),
])
def test_every_response_carries_the_security_headers(client, signed_in, cast, role, url, status):
    if role:
        signed_in(cast[role])
    response = client.get(url)
    assert response.status_code == status
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("tiles", "source"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", " https://tile.openstreetmap.org"),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY", " https://t*.tianditu.gov.cn"),
    ("/tiles/{z}/{x}/{y}.png", ""),  # served by ourselves: 'self' already allows it
    ("javascript:alert(1)", ""),
])
def test_the_csp_allows_images_from_the_map_tile_server_only(tiles, source):
    from cocreate.core.middleware import tile_source

    assert tile_source(tiles) == source


# --- 52. unexpected errors -----------------------------------------------------------------

def test_an_unexpected_error_shows_a_generic_page_with_the_request_id(client, signed_in, cast, org_tree,
                                                                       monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("SELECT name, phone_enc FROM orgs_person -- secret detail")

    monkeypatch.setattr(selectors, "node_coverage", broken)
    client.raise_request_exception = False
    signed_in(cast["cadre"])
    response = client.get(reverse("orgs:node", args=[org_tree.community.pk]))
    body = response.content.decode()
    assert response.status_code == 500
    assert response["X-Request-ID"] in body
    for leak in ("Traceback", "RuntimeError", "SELECT", "secret detail", "orgs_person", settings.SECRET_KEY):
        assert leak not in body


# --- invalid input answers 4xx with a message, never 500 -----------------------------------

def test_a_malformed_phone_is_400_with_a_message_and_sends_nothing(client, org_tree):
    response = client.post(reverse("accounts:login"), {"phone": "1234567", "agree": "on"})
    assert response.status_code == 400
    with pytest.raises(ValidationError) as invalid:
        normalise_phone("1234567")
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        message = invalid.value.messages[0]
    assert escape(message) in response.content.decode()
    assert not SmsCode.objects.exists()


def test_a_five_digit_code_is_400_with_a_message(client, cast, django_capture_on_commit_callbacks):
    request_code_by_sms_page(client, KNOWN_PHONE, django_capture_on_commit_callbacks)
    response = client.post(reverse("accounts:login-code"), {"code": "12345"})
    assert response.status_code == 400
    assert shows(response, CodeForm.base_fields["code"].error_messages["invalid"])
    assert not LoginLock.objects.exists()  # a malformed code costs no try


@pytest.mark.parametrize(("role", "method", "url", "data", "status"), [
    ("cadre", "get", "/staff/nodes/abc/", {}, 404),
    ("cadre", "get", "/staff/nodes/99999999999999999999999999/", {}, 404),
    ("cadre", "get", "/staff/households/-1/", {}, 404),
    ("cadre", "get", "/staff/nodes/{community}/?after=zzz.99999999999999999999999999&q=%00%ff", {}, 200),
    ("cadre", "get", "/staff/nodes/{community}/?after=%00.5", {}, 200),
    ("cadre", "get", "/staff/nodes/{community}/?after=0001.%C2%B2", {}, 200),
    ("street_official", "get", "/staff/audit/?before=99999999999999999999999999&since=yesterday&node=x", {}, 200),
    ("cadre", "post", "/staff/households/{household}/move/", {"to_node": "99999999999999999999999"}, 400),
    ("cadre", "post", "/staff/households/{household}/move/", {"to_node": "abc"}, 400),
    ("cadre", "post", "/staff/people/{person}/edit/", {"name": "张小明", "relation": "head", "birth_year": "abc"}, 400),
    ("cadre", "post", "/staff/people/{person}/edit/", {"name": "张小明", "relation": "king"}, 400),
    ("cadre", "post", "/staff/households/{household}/members/new/",
     {"name": "钱", "relation": "child", "phone": "12345", "consent_channel": "staff", "consent_confirmed": "on"}, 400),
])
def test_garbage_input_answers_4xx_never_500(client, signed_in, cast, org_tree, role, method, url, data, status):
    signed_in(cast[role])
    url = url.format(community=org_tree.community.pk, household=org_tree.household.pk,
                     person=org_tree.resident_person.pk)
    response = getattr(client, method)(url, data)
    assert response.status_code == status
    if status == 400:
        assert 'role="alert"' in response.content.decode()
