"""Steps shared by the browser journeys: signing in as a resident (SMS code) or as staff
(password, then the authenticator app's code). Import them with `from steps import …`
(pytest puts this directory on sys.path, as it has no __init__.py)."""

import re

RESIDENT_PHONE = "13800138000"
NEIGHBOUR_PHONE = "13900139000"
GRID_WORKER_PHONE = "13700137000"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def last_code(phone: str) -> str:
    """The 6-digit code in the last SMS to `phone`, as the resident reads it on their phone."""
    from cocreate.notify.backends import LocmemSmsBackend

    texts = [text for to, text in LocmemSmsBackend.outbox if to.endswith(phone)]
    assert texts, f"no SMS was sent to {phone[:3]}…"
    match = CODE.search(texts[-1])
    assert match, f"no 6-digit code in the SMS {texts[-1]!r}"
    return match.group(1)


def request_code(page, phone: str = RESIDENT_PHONE) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_phone").fill(phone)
    page.locator("#id_agree").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/"))


def enter_code(page, phone: str = RESIDENT_PHONE) -> None:
    page.locator("#id_code").fill(last_code(phone))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))


def resident_login(page, phone: str = RESIDENT_PHONE) -> None:
    request_code(page, phone)
    enter_code(page, phone)


def sign_out(page) -> None:
    page.locator("header form[action$='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def staff_login(page, user, password: str) -> None:
    """Password, then a TOTP code from the user's confirmed device (create one first)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/accounts/staff/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(password)
    click_and_wait(page, page.locator("main form button[type=submit]"))
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("#id_token").fill(f"{token:0{device.digits}d}")
    click_and_wait(page, page.locator("main form button[type=submit]").first)


def give_staff_password_and_app(user, password: str) -> None:
    """A known password and a confirmed authenticator app, so that `staff_login` works."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user.set_password(password)
    user.save(update_fields=["password"])
    TOTPDevice.objects.get_or_create(user=user, name="phone app", defaults={"confirmed": True})


def jpeg_file(tmp_path, name: str = "photo.jpg") -> str:
    """A small JPEG on disk, for a file input (evidence, a signed slip, the work done)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, "JPEG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)
