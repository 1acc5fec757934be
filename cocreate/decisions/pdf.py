"""The printable A4 notice of a published result (公示), drawn server-side with reportlab in the
built-in CID font STSong-Light (no font file to ship), with a QR code back to the public result
page. Only aggregate figures: no voter appears on it."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from cocreate.core.pdf import LINE, MARGIN, qr_image, wrap
from cocreate.core.pdf import font as cid_font

from .selectors import Result


def _rows(result: Result) -> list[str]:
    rows = []
    for row in result.rows:
        mark = " ★" if row["winner"] or row["selected"] else ""
        line = _("%(label)s: %(count)s votes") % {"label": row["label"], "count": row["count"]}
        if row["borda"] is not None:
            line += " · " + _("Borda %(points)s points") % {"points": row["borda"]}
        if row["area"] is not None:
            line += " · " + _("%(area)s m²") % {"area": row["area"]}
        rows.append(line + mark)
    return rows


def _verdict_line(result: Result) -> str:
    ballot = result.ballot
    if result.verdict is not None:
        return _("Outcome: passed") if result.verdict.passed else _("Outcome: not passed")
    if ballot.kind == ballot.Kind.BUDGET:
        return _("Selected within the limit: %(spent)s of %(limit)s yuan") % {
            "spent": f"{result.spent_fen / 100:,.2f}", "limit": f"{(ballot.budget_limit_fen or 0) / 100:,.2f}"}
    winners = [result.labels[k] for k in result.winners]
    return _("Most supported: %(winners)s") % {"winners": "、".join(winners) or "—"}


def notice_pdf(result: Result, *, public_url: str) -> bytes:
    """One A4 page: title, topic, dates, turnout, per-choice counts, outcome, note, QR code."""
    ballot = result.ballot
    font = cid_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{ballot.title} — {_('Result notice')}")
    width, height = A4
    y = height - MARGIN - 10 * mm
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, y, _("Result notice (公示)"))
    y -= 12 * mm
    canvas.setFont(font, 16)
    for line in wrap(ballot.title, width - 2 * MARGIN, 16):
        canvas.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    canvas.setFont(font, 12)
    local = timezone.localtime
    facts = [
        _("Topic: %(topic)s") % {"topic": ballot.topic.title},
        _("Voting: %(opens)s to %(closes)s") % {"opens": local(ballot.opens_at).strftime("%Y-%m-%d %H:%M"),
                                                 "closes": local(ballot.closes_at).strftime("%Y-%m-%d %H:%M")},
        _("Type: %(kind)s; voters: %(unit)s") % {"kind": ballot.get_kind_display(),
                                                 "unit": ballot.get_voter_unit_display()},
        _("Turnout: %(voted)s of %(eligible)s eligible (%(percent)s%%), of which %(offline)s on paper or by "
          "show of hands") % {"voted": result.voted, "eligible": result.eligible,
                              "percent": result.turnout_percent, "offline": result.offline},
    ]
    if result.eligible_area is not None:
        facts.append(_("Area: %(voted)s of %(total)s m² took part") % {"voted": result.voted_area or 0,
                                                                       "total": result.eligible_area})
    for fact in facts:
        for line in wrap(fact, width - 2 * MARGIN, 12):
            canvas.drawString(MARGIN, y, line)
            y -= LINE
    y -= 3 * mm
    canvas.setFont(font, 14)
    canvas.drawString(MARGIN, y, _("Results"))
    y -= LINE + 1 * mm
    canvas.setFont(font, 12)
    for row in _rows(result):
        for line in wrap(row, width - 2 * MARGIN - 5 * mm, 12):
            canvas.drawString(MARGIN + 5 * mm, y, line)
            y -= LINE
    y -= 3 * mm
    canvas.setFont(font, 14)
    canvas.drawString(MARGIN, y, _verdict_line(result))
    y -= LINE + 3 * mm
    canvas.setFont(font, 12)
    for line in wrap(ballot.public_note, width - 2 * MARGIN, 12)[:12]:
        canvas.drawString(MARGIN, y, line)
        y -= LINE
    size = 40 * mm
    canvas.drawImage(qr_image(public_url), width - MARGIN - size, MARGIN + 8 * mm, size, size)
    canvas.setFont(font, 10)
    canvas.drawRightString(width - MARGIN, MARGIN + 3 * mm, _("Scan to see the result online"))
    published = local(ballot.published_at).strftime("%Y-%m-%d") if ballot.published_at else ""
    canvas.drawString(MARGIN, MARGIN + 15 * mm, f"{ballot.community.name} {published}")
    canvas.drawString(MARGIN, MARGIN + 8 * mm, _("Ballot fingerprint: %(hash)s") % {"hash": ballot.ballots_hash[:16]})
    canvas.showPage()
    canvas.save()
    return out.getvalue()
