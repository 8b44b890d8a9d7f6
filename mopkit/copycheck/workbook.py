"""The flagged workbook: one row per copy, filled by status, flagged terms in red inside the copy."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font, PatternFill

from ..i18n import t

FILLS = {
    "violation": PatternFill("solid", fgColor="F8CBAD"),  # red
    "review": PatternFill("solid", fgColor="FFE699"),  # yellow
    "ok": PatternFill("solid", fgColor="C6EFCE"),  # green
}
HEADER = PatternFill("solid", fgColor="DDEBF7")
RED = InlineFont(color="C00000", b=True)
AMBER = InlineFont(color="9C5700", b=True)


def rich_text(text: str, hits) -> CellRichText | str:
    """``text`` with each hit in red bold (violation) or amber bold (review)."""
    if not hits:
        return text
    parts, pos = [], 0
    for h in sorted(hits, key=lambda h: h.start):
        if h.start > pos:
            parts.append(text[pos:h.start])
        parts.append(TextBlock(RED if h.severity == "violation" else AMBER, text[h.start:h.end]))
        pos = h.end
    if pos < len(text):
        parts.append(text[pos:])
    return CellRichText(*parts)


def write_xlsx(result, path: Path, *, lang: str = "zh") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "copies"
    cols = list(result.copies.columns)
    ws.append([t(f"copycheck.col.{c}", lang) for c in cols])
    text_col = cols.index("text") + 1
    for r, row in enumerate(result.copies.itertuples(index=False), start=2):
        values = list(row)
        values[cols.index("status")] = t(f"copycheck.status.{row.status}", lang)
        ws.append(values)
        ws.cell(r, text_col).value = rich_text(row.text, result.raw.get(row.id, []))
        for c in range(1, len(cols) + 1):
            ws.cell(r, c).fill = FILLS[row.status]
            ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
    for c in ws[1]:
        c.font, c.fill = Font(bold=True), HEADER
    widths = {"id": 8, "platform": 10, "text": 50, "status": 8, "violations": 8, "reviews": 8, "hits": 40,
              "suggestions": 50, "basis": 40, "reasons": 40}
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(c, 14)
    ws.freeze_panes = "A2"
    wh = wb.create_sheet("hits")
    hcols = list(result.hits.columns)
    wh.append(hcols)
    for r, row in enumerate(result.hits.itertuples(index=False), start=2):
        wh.append(list(row))
        wh.cell(r, hcols.index("severity") + 1).fill = FILLS[row.severity]
    for c in wh[1]:
        c.font, c.fill = Font(bold=True), HEADER
    wb.save(path)
    return path
