"""The benchmark's one-page invoice (argv: seconds, sender name) drawn with ReportLab (platypus, the usual way to lay out an invoice), with the
same Noto Sans TrueType font embedded, so both sides subset and embed a real font. Prints pages per second."""
import io
import sys
import time

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

pdfmetrics.registerFont(TTFont("Noto", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"))
pdfmetrics.registerFont(TTFont("NotoBold", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"))
normal = ParagraphStyle("n", fontName="Noto", fontSize=10, leading=13)
small = ParagraphStyle("s", fontName="Noto", fontSize=9, leading=11, textColor=colors.grey)
bold = ParagraphStyle("b", fontName="NotoBold", fontSize=14, leading=17)
title = ParagraphStyle("t", fontName="NotoBold", fontSize=22, leading=26, alignment=2)

ITEMS = [(f"Design work, phase {n + 1}: wireframes, review and revisions", n % 7 + 1, 85.00) for n in range(3)]


def money(value):
    return f"€{value:,.2f}"


def render(sender):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50, bottomMargin=50,
                            title="Invoice INV-2026-0042", creator="bench")
    story = [
        Paragraph(sender, bold), Paragraph("1 Rue de la Paix, 75002 Paris", small), Paragraph("+33 1 23 45 67 89", small),
        Paragraph("billing@omega.example", small), Paragraph("INVOICE", title), Paragraph("INV-2026-0042", ParagraphStyle("r", parent=normal, alignment=2)),
        Paragraph("Issue date 2026-11-27 · Due date 2026-12-27 · PO PO-7781", ParagraphStyle("r2", parent=small, alignment=2)), Spacer(1, 20),
        Paragraph("BILL TO", small), Paragraph("Müller &amp; Söhne GmbH", normal), Paragraph("Hauptstraße 5, 10115 Berlin", small), Spacer(1, 20),
    ]
    rows = [["Description", "Quantity", "Unit price", "Amount"]]
    subtotal = 0.0
    for description, quantity, price in ITEMS:
        amount = quantity * price
        subtotal += amount
        rows.append([Paragraph(description, normal), f"{quantity} hours", money(price), money(amount)])
    tax = round(subtotal * 0.20, 2)
    table = Table(rows, colWidths=[240, 75, 85, 95.28], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), "Noto"), ("FONTNAME", (0, 0), (-1, 0), "NotoBold"), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 1), (-1, -1), 0.6, colors.lightgrey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [table, Spacer(1, 12)]
    totals = Table([["Subtotal", money(subtotal)], ["Tax 20% on " + money(subtotal), money(tax)], ["Total (EUR)", money(subtotal + tax)],
                    ["Balance due", money(subtotal + tax)]], colWidths=[230, 110], hAlign="RIGHT")
    totals.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "Noto"), ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, 2), (-1, 3), "NotoBold")]))
    story += [totals, Spacer(1, 16), Paragraph("NOTES", small), Paragraph("Merci pour votre confiance !", normal),
              Paragraph("TERMS", small), Paragraph("Payable within 30 days by bank transfer.", normal)]

    def footer(canvas, _doc):
        canvas.setFont("Noto", 8)
        canvas.drawCentredString(A4[0] / 2, 40, f"Invoice INV-2026-0042 · Page {canvas.getPageNumber()} of 1")

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2
    sender = sys.argv[2] if len(sys.argv) > 2 else "Studio Omega"
    render(sender)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        render(sender)
        count += 1
    print(count / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
