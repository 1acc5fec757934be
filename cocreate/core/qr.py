"""QR codes as inline SVG (the TOTP enrolment page, a meeting's check-in code)."""

from functools import lru_cache


def qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    return qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")


@lru_cache(maxsize=512)
def shared_qr_svg(data: str) -> str:
    """For links shown to a room, such as a meeting's check-in code: drawing one costs tens of
    milliseconds, so each worker draws it once. Never for secrets (TOTP keys): they would stay
    in the worker's memory."""
    return qr_svg(data)
