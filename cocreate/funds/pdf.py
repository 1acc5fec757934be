"""The printable A4 allocation notice of a fund (公示), drawn with reportlab like the ballot notice:
the same CID font, text wrapping and QR code (`cocreate/core/pdf.py`). Project titles, communities, amounts
and the reason of each award; no person's name."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from cocreate.core.pdf import LINE, MARGIN, qr_image, wrap
from cocreate.core.pdf import font as cid_font

from .selectors import Notice
from .wording import yuan

QR_SIZE = 36 * mm


def notice_pdf(notice: Notice, *, public_url: str) -> bytes:
    """Title, fund, budget, method and its explanation, one block per project, QR code; new pages
    as needed."""
    pool = notice.pool
    font = cid_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{pool.name} — {_('Allocation notice')}")
    width, height = A4
    text_width = width - 2 * MARGIN
    y = height - MARGIN - 10 * mm

    def line(text: str, size: int = 12, indent: float = 0) -> None:
        nonlocal y
        canvas.setFont(font, size)
        for part in wrap(text, text_width - indent, size):
            if y < MARGIN + QR_SIZE + 12 * mm:
                canvas.showPage()
                y = height - MARGIN
                canvas.setFont(font, size)
            canvas.drawString(MARGIN + indent, y, part)
            y -= LINE if size <= 12 else LINE + 2 * mm

    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, y, _("Reward fund allocation notice (公示)"))
    y -= 12 * mm
    canvas.setFont(font, 16)
    for part in wrap(f"{pool.name} ({pool.year})", text_width, 16):
        canvas.drawCentredString(width / 2, y, part)
        y -= 9 * mm
    line(_("Fund of %(area)s; budget %(budget)s; allocated %(allocated)s") % {
        "area": pool.node.name, "budget": yuan(pool.budget_fen), "allocated": yuan(notice.allocated_fen)})
    line(_("Method: %(method)s") % {"method": notice.method})
    line(notice.explanation, size=11)
    if notice.voters is not None:
        line(_("%(n)s residents voted.") % {"n": notice.voters}, size=11)
    y -= 3 * mm
    for n, row in enumerate(notice.rows, start=1):
        line(f"{n}. {row.project} · {row.community} · {yuan(row.amount_fen)}", size=13)
        line(_("Requested %(requested)s; award under the rules %(award)s") % {
            "requested": yuan(row.requested_fen), "award": yuan(row.award_fen)}, size=11, indent=5 * mm)
        line(row.reason, size=11, indent=5 * mm)
        y -= 2 * mm
    if not notice.rows:
        line(_("No allocation has been approved yet."))
    if notice.pending:
        line(_("%(n)s approved applications are waiting for their allocation to be approved.")
             % {"n": notice.pending}, size=11)
    for part in wrap(pool.notes, text_width, 11)[:8]:
        line(part, size=11)
    canvas.drawImage(qr_image(public_url), width - MARGIN - QR_SIZE, MARGIN + 8 * mm, QR_SIZE, QR_SIZE)
    canvas.setFont(font, 10)
    canvas.drawRightString(width - MARGIN, MARGIN + 3 * mm, _("Scan to see the notice online"))
    canvas.drawString(MARGIN, MARGIN + 8 * mm, f"{pool.node.name} {timezone.localdate().isoformat()}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
