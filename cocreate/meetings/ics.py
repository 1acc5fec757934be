"""A meeting as an iCalendar file (RFC 5545), written by hand: no dependency for ~30 lines.

The rules that calendar apps are strict about: CRLF line endings; lines folded at 75 octets
(not characters — a Chinese character is 3 octets in UTF-8, and a fold must not split one)
with a CRLF and one space; TEXT values escape backslash, semicolon, comma and newlines;
times in UTC with a trailing Z; a stable UID and a DTSTAMP in every event.
"""

from datetime import UTC, datetime

from django.utils import timezone

from .models import Meeting

MAX_OCTETS = 75
PRODID = "-//Cocreate//Meetings//ZH"


def escape_text(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continuation lines starting with
    one space (which counts towards their 75), never inside a UTF-8 character."""
    pieces, current, size, limit = [], [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting, *, url: str, host: str, agenda: list[str] = ()) -> bytes:
    """The meeting as one VEVENT. `host` names the site in the UID, `url` is the meeting page."""
    description = "\n".join([*(f"{n}. {title}" for n, title in enumerate(agenda, start=1)), url])
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{utc_stamp(timezone.now())}",
        f"DTSTART:{utc_stamp(meeting.starts_at)}",
        f"DTEND:{utc_stamp(meeting.ends_at)}",
        f"SUMMARY:{escape_text(f'{Meeting.Kind(meeting.kind).label} · {meeting.title}')}",
        *([f"LOCATION:{escape_text(meeting.place)}"] if meeting.place else []),
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if meeting.status == Meeting.Status.CANCELLED else 'CONFIRMED'}",
        f"SEQUENCE:{int(meeting.updated_at.timestamp())}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
