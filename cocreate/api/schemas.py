"""Schemas shared by every router of the API."""

from ninja import Schema

from .errors import require_valid


class ErrorOut(Schema):
    detail: str
    code: str
    request_id: str


class DetailOut(Schema):
    detail: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
          429: ErrorOut}


def responses(ok: dict) -> dict:
    """The documented answers of an endpoint: its own, plus the error shape for every 4xx."""
    return {**ERRORS, **ok}


def cursor_text(cursor: tuple[int, int] | None) -> str | None:
    """A keyset position for the next page ("<sort value>.<id>"), opaque to the client."""
    return f"{cursor[0]}.{cursor[1]}" if cursor else None


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    import re

    match = re.fullmatch(r"([0-9]{1,10})\.([0-9]{1,19})", text or "")
    return (int(match[1]), int(match[2])) if match else None


def form_data(payload: Schema, *, prefix: str = "") -> dict:
    """A payload as the form data the page would post (each endpoint runs the page's form):
    numbers and ids as text, None as "", lists as lists of text, names with the form's prefix."""
    def text(value):
        if isinstance(value, list):
            return [str(v) for v in value]
        return "" if value is None else str(value)

    return {f"{prefix}-{k}" if prefix else k: text(v) for k, v in payload.dict().items()}


def valid_form(form_class, payload: Schema, **kwargs):
    """The step most write endpoints take: the page's form, filled from the payload, must be
    valid, or the answer is a 400 with its errors. Returns the bound form (its cleaned data,
    and whatever the form offers the service, such as `service_kwargs()`)."""
    form = form_class(form_data(payload), **kwargs)
    require_valid(form)
    return form
