"""The business case as an Excel workbook the consultant can edit: formulas, not pasted numbers.

Sheet ``assumptions``: one row per assumption (value in column C, source in E). Sheet
``cashflow``: the base scenario month by month, every cell a formula over ``assumptions``
(edit a value there and Excel recalculates NPV, IRR, ROI and payback). Sheets ``scenarios``
and ``tornado`` hold the computed figures as values, ``cashflows_all`` every scenario's table.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..i18n import t
from .case import BusinessCase
from .labels import item_label

HEADER = PatternFill("solid", fgColor="DDEBF7")
INPUT = PatternFill("solid", fgColor="FFF2CC")  # cells the consultant may edit


def _append_frame(ws, df) -> None:
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = HEADER


def write_workbook(case: BusinessCase, path: str | Path, *, lang: str = "zh") -> Path:
    """Write ``case`` to ``path`` (.xlsx). Returns the path."""
    wb = Workbook()
    wa = wb.active
    wa.title = "assumptions"
    wa.append(["key", t("business.col.assumption", lang), t("business.col.value", lang), t("business.col.kind", lang),
               t("business.col.source", lang), t("business.col.note", lang)])
    ref: dict[str, str] = {}
    for i, a in enumerate(case.assumptions(), start=2):
        wa.append([a["key"], item_label(a["key"], lang), a["value"], t(f"business.kind.{a['kind']}", lang), a["source"], a["note"]])
        wa.cell(i, 3).fill = INPUT
        ref[a["key"]] = f"assumptions!$C${i}"
    # redemptions per month at full run-rate of each benefit (for coupon cost)
    red_row = {}
    for b in case.benefits:
        if b.redemptions:
            wa.append([f"redemptions_{b.key}", f"{item_label('benefit_' + b.key, lang)} · {t('business.redemptions', lang)}", b.redemptions,
                       t("business.kind.assumption", lang), b.source, ""])
            red_row[b.key] = f"assumptions!$C${wa.max_row}"
            wa.cell(wa.max_row, 3).fill = INPUT
    for c in wa[1]:
        c.font, c.fill = Font(bold=True), HEADER
    for col, w in zip("ABCDEF", (28, 34, 14, 10, 48, 60)):
        wa.column_dimensions[col].width = w

    ws = wb.create_sheet("cashflow")
    rev_cols = [f"revenue_{b.key}" for b in case.benefits]
    cols = ["month", "ramp", *rev_cols, "revenue", "gross_profit", "coupon_cost", "extra_ad_spend", "tools", "staff",
            "consulting_fee", "costs", "net", "cumulative", "discount_factor", "pv"]
    L = {c: get_column_letter(i + 1) for i, c in enumerate(cols)}
    ws.append([t(f"business.col.{c}", lang) if not c.startswith("revenue_") else item_label("benefit_" + c[8:], lang) for c in cols])
    H = case.params.horizon_months
    first, last = 2, H + 2
    ramp_m = ref["ramp_up_months"]
    monthly_rate = f"((1+{ref['discount_rate']})^(1/12)-1)"
    keys = {b.key: b for b in case.benefits}

    def shape(key: str, r: int) -> str:  # share of a benefit earned in the month of row r
        if keys[key].one_off:
            return f"IF(AND({L['month']}{r}>=1,{L['month']}{r}<=MAX(1,{ramp_m})),1/MAX(1,{ramp_m}),0)"
        return f"{L['ramp']}{r}"

    for m in range(H + 1):
        r = m + 2
        row = {
            "month": m,
            "ramp": f"=IF({L['month']}{r}=0,0,IF({ramp_m}=0,1,MIN(1,{L['month']}{r}/{ramp_m})))",
            "revenue": f"=SUM({L[rev_cols[0]]}{r}:{L[rev_cols[-1]]}{r})" if rev_cols else 0,
            "gross_profit": f"={L['revenue']}{r}*{ref['gross_margin']}",
            "coupon_cost": "=(" + ("+".join(f"{shape(k, r)}*{red_row[k]}" for k in red_row) or "0") + f")*{ref['coupon_cost_per_redemption']}",
            "extra_ad_spend": f"=IF({L['month']}{r}=0,0,{ref['extra_ad_spend_per_month']})",
            "tools": f"=IF({L['month']}{r}=0,0,{ref['tools_per_month']})",
            "staff": f"=IF({L['month']}{r}=0,0,{ref['staff_hours_per_month']}*{ref['staff_hourly_rate']})",
            "consulting_fee": f"=IF({L['month']}{r}=0,{ref['consulting_fee']},0)",
            "costs": f"=SUM({L['coupon_cost']}{r}:{L['consulting_fee']}{r})",
            "net": f"={L['gross_profit']}{r}-{L['costs']}{r}",
            "cumulative": f"=SUM({L['net']}${first}:{L['net']}{r})",
            "discount_factor": f"=1/(1+{monthly_rate})^{L['month']}{r}",
            "pv": f"={L['net']}{r}*{L['discount_factor']}{r}",
        }
        for rc in rev_cols:
            row[rc] = f"={shape(rc[8:], r)}*{ref['benefit_' + rc[8:]]}"
        ws.append([row[c] for c in cols])
    net = f"{L['net']}{first}:{L['net']}{last}"
    summary = [
        (t("business.col.npv", lang), f"=SUM({L['pv']}{first}:{L['pv']}{last})"),
        (t("business.col.irr_annual", lang), f'=IFERROR((1+IRR({net}))^12-1,"{t("business.undefined", lang)}")'),
        (t("business.col.roi", lang), f"=(SUM({L['gross_profit']}{first}:{L['gross_profit']}{last})-SUM({L['costs']}{first}:{L['costs']}{last}))"
                                      f"/SUM({L['costs']}{first}:{L['costs']}{last})"),
        (t("business.col.payback_month", lang),
         # months whose cumulative is still negative = the payback month, when the plan ends in profit
         f'=IF({L["cumulative"]}{last}>=0,COUNTIF({L["cumulative"]}{first}:{L["cumulative"]}{last},"<0"),"{t("business.never", lang)}")'),
    ]
    ws.append([])
    for label, formula in summary:
        ws.append([label, formula])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    for c in ws[1]:
        c.font, c.fill = Font(bold=True), HEADER
    for i in range(1, len(cols) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14

    from .findings import scenario_display, tornado_display

    _append_frame(wb.create_sheet("scenarios"), scenario_display(case, lang))
    _append_frame(wb.create_sheet("tornado"), tornado_display(case, lang))
    _append_frame(wb.create_sheet("cashflows_all"), case.cashflows_long().round(2))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
