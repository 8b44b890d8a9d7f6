"""Reports of a run: one HTML page per executed notebook and one combined PDF, code hidden.

HTML pages use nbconvert with the ``templates/nbconvert/mopkit_page`` template; the PDF is
``templates/report.html.j2`` + ``templates/report.css`` (A4, CJK fonts) printed by WeasyPrint,
with a cover, an executive summary (key numbers and the weightiest findings), one section per
notebook (a skipped or failed notebook gets a note), and an appendix of metric definitions.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path

import nbformat
import pandas as pd

from .config import load_config
from .data.orders import counted_orders
from .layout import OUTPUTS_DIR, notebook_key, read_findings
from .i18n import register, t

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

register(
    {
        "report.title": {"zh": "经营分析报告", "en": "Marketing performance report"},
        "report.period": {"zh": "分析期间", "en": "Period"},
        "report.generated": {"zh": "生成时间", "en": "Generated"},
        "report.summary": {"zh": "执行摘要", "en": "Executive summary"},
        "report.top_findings": {"zh": "最重要的发现", "en": "Most important findings"},
        "report.appendix": {"zh": "附录：指标定义", "en": "Appendix: metric definitions"},
        "report.def.intro": {"zh": "订单数、成交额、退款和净销售额在每个部分（指标、预测、预警、CLV、归因）含义相同：CLV 的消费金额和归因的转化价值均为订单的净销售额。"
                                   "缺失、非数字或为负的广告花费在所有部分都不计入，并报告其行数。",
                             "en": "Orders, GMV, refunds and net sales mean the same in every section (KPIs, forecast, alerts, CLV, "
                                   "attribution); CLV purchase values and attribution conversion values are each order's net sales. "
                                   "Ad costs that are missing, not numbers or negative are left out everywhere and their rows counted."},
        "report.def.orders": {"zh": "订单数", "en": "Orders"},
        "report.def.gmv": {"zh": "成交额 GMV", "en": "GMV"},
        "report.def.refunds": {"zh": "退款", "en": "Refunds"},
        "report.def.net_sales": {"zh": "净销售额", "en": "Net sales"},
        "report.skipped": {"zh": "已跳过：{note}", "en": "Skipped: {note}"},
        "report.failed": {"zh": "未能完成（第 {cell} 个单元格）：{error}", "en": "Could not be completed (cell {cell}): {error}"},
        "section.data_health": {"zh": "数据体检与概览", "en": "Data health and overview"},
        "section.rfm_clv": {"zh": "客户分层与生命周期价值", "en": "Customer segments and lifetime value"},
        "section.forecast": {"zh": "销量预测", "en": "Demand forecast"},
        "section.attribution": {"zh": "多渠道归因与预算", "en": "Channel attribution and budget"},
        "section.dashboard": {"zh": "经营指标看板", "en": "KPI cockpit"},
        "section.business_case": {"zh": "投资回报测算", "en": "Business case"},
        "section.budget": {"zh": "智能预算：响应曲线与预算优化", "en": "Smart budget: response curves and optimisation"},
        "section.triggers": {"zh": "触发式营销与活动效果", "en": "Triggered marketing and campaign results"},
        "section.propensity": {"zh": "购买意向与流失风险", "en": "Purchase propensity and churn"},
        "report.orders": {"zh": "订单数", "en": "Orders"},
        "report.gmv": {"zh": "成交额", "en": "GMV"},
        "report.buyers": {"zh": "购买客户", "en": "Buyers"},
        "report.aov": {"zh": "客单价", "en": "AOV"},
    }
)


def drop_range_index(html: str) -> str:
    """Remove the 0, 1, 2, … row labels pandas prints for a default index: noise to a client.

    Tables whose row labels carry meaning (segment names, dates) are left as they are.
    """
    if "dataframe" not in html:
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    changed = False
    for table in soup.select("table.dataframe"):
        body_rows = table.select("tbody > tr")
        labels = [r.find("th", recursive=False) for r in body_rows]
        if not body_rows or any(th is None for th in labels):
            continue
        if [th.get_text(strip=True) for th in labels] != [str(i) for i in range(len(labels))]:
            continue
        for th in labels:
            th.decompose()
        for r in table.select("thead > tr"):
            first = r.find(["th", "td"], recursive=False)
            if first is not None:
                first.decompose()
        changed = True
    return str(soup) if changed else html


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop parameter cells, widget-only outputs (no static form) and stderr noise; hide default
    row numbers in tables."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        c.outputs = [
            o for o in c.get("outputs", [])
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            and WIDGET_MIME not in o.get("data", {})
        ]
        for o in c.outputs:
            html = o.get("data", {}).get("text/html")
            if html:
                o["data"]["text/html"] = drop_range_index("".join(html) if isinstance(html, list) else html)
    return nb


@functools.lru_cache(maxsize=None)
def _exporter(template: str):
    """One exporter per template for the process: building one compiles its Jinja templates
    (~0.15 s), which 9 pages and 9 report fragments would otherwise repeat."""
    from nbconvert import HTMLExporter

    ex = HTMLExporter(template_name=template, extra_template_basedirs=[str(TEMPLATES / "nbconvert")])
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.exclude_markdown = False
    return ex


def section_title(name: str, lang: str) -> str:
    key = f"section.{notebook_key(Path(name))}"
    try:
        return t(key, lang)
    except KeyError:
        return name


def notebook_page(nb_path: Path, out_path: Path, *, client: str, period: str, lang: str) -> Path:
    """Write one executed notebook as a stand-alone HTML page, code hidden."""
    nb = _clean(nbformat.read(nb_path, as_version=4))
    title = section_title(nb_path.stem, lang)
    body, _ = _exporter("mopkit_page").from_notebook_node(
        nb, resources={"mopkit": {"client": client, "period": period, "title": title}, "metadata": {"name": f"{client} · {title}"}}
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(body, encoding="utf-8")
    return out_path


def notebook_fragment(nb_path: Path) -> str:
    """The outputs of an executed notebook as an HTML fragment for the combined report."""
    nb = _clean(nbformat.read(nb_path, as_version=4))
    body, _ = _exporter("basic").from_notebook_node(nb)
    # heading anchors point into the notebook page, not into the combined report
    return re.sub(r'<a class="anchor-link" href="[^"]*">[^<]*</a>', "", body)


def _period(run_dir: Path) -> str:
    cfg = load_config(run_dir / "config.yaml")
    if cfg.start and cfg.end:
        return f"{cfg.start} – {cfg.end}"
    orders = pd.read_parquet(run_dir / "data" / "orders.parquet", columns=["order_time"])
    return f"{orders['order_time'].min().date()} – {orders['order_time'].max().date()}"


def _cards(run_dir: Path, lang: str, currency: str) -> list[dict]:
    """Key numbers for the summary: from the KPI cockpit when it ran, else from the orders."""
    kpis = run_dir / OUTPUTS_DIR / "kpis.csv"
    try:
        from .cockpit import kpi

        if kpis.exists() and hasattr(kpi, "headline"):
            return [dict(c) | {"direction": c.get("direction", "")} for c in kpi.headline(pd.read_csv(kpis), lang, currency)]
    except ImportError:
        pass
    paid = counted_orders(pd.read_parquet(run_dir / "data" / "orders.parquet"))
    return [
        {"label": t("report.orders", lang), "value": f"{len(paid):,}"},
        {"label": t("report.gmv", lang), "value": f"{paid['amount'].sum():,.0f} {currency}"},
        {"label": t("report.buyers", lang), "value": f"{paid['customer_id'].nunique():,}"},
        {"label": t("report.aov", lang), "value": f"{paid['amount'].mean():,.1f} {currency}" if len(paid) else "–"},
    ]


def _appendix(lang: str) -> str:
    try:
        from .cockpit import kpi

        cat = kpi.metric_catalogue(lang)
    except (ImportError, AttributeError):
        return ""
    cat = cat.rename(columns={c: t(f"kpi.col.{c}", lang) for c in ("metric", "name", "formula", "unit") if c in cat})
    return _money_definitions(lang) + cat.to_html(index=False, border=0, escape=True)


def _money_definitions(lang: str) -> str:
    """The one definition of orders, GMV, refunds and net sales (mopkit.data.orders), stated once."""
    import html  # noqa: PLC0415

    from .data.orders import DEFINITIONS  # noqa: PLC0415

    items = "".join(f"<li><b>{html.escape(t(f'report.def.{k}', lang))}</b>: {html.escape(v[lang])}</li>"
                    for k, v in DEFINITIONS.items())
    return f"<p>{html.escape(t('report.def.intro', lang))}</p><ul>{items}</ul>"


def build_reports(run_dir: str | Path, notebooks: list) -> Path:
    """Write ``html/<notebook>.html`` for every executed notebook and ``report.pdf``.

    ``notebooks`` are :class:`mopkit.run.NotebookResult` (name, status, note, cell, error).
    Returns the PDF's path.
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from weasyprint import HTML

    run_dir = Path(run_dir)
    cfg = load_config(run_dir / "config.yaml")
    lang = cfg.language
    period = _period(run_dir)
    sections = []
    for res in notebooks:
        executed = run_dir / "notebooks" / f"{res.name}.ipynb"
        title = section_title(res.name, lang)
        if res.status == "ok":
            notebook_page(executed, run_dir / "html" / f"{res.name}.html", client=cfg.name, period=period, lang=lang)
            sections.append({"title": title, "status": "ok", "body": notebook_fragment(executed)})
        elif res.status == "skipped":
            sections.append({"title": title, "status": "skipped", "note": t("report.skipped", lang, note=res.note)})
        else:
            if executed.exists():
                notebook_page(executed, run_dir / "html" / f"{res.name}.html", client=cfg.name, period=period, lang=lang)
            sections.append({"title": title, "status": "failed", "note": t("report.failed", lang, cell=res.cell, error=res.error)})
    findings = [f for f in read_findings(run_dir) if f.get("lang", lang) == lang][:3]
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    from markupsafe import Markup

    labels = {k: t(k, lang) for k in ["report.title", "report.period", "report.generated", "report.summary", "report.top_findings", "report.appendix"]}
    html = env.get_template("report.html.j2").render(
        lang=lang, client=cfg.name, period=period, generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        L=labels, css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        cards=_cards(run_dir, lang, cfg.currency), findings=findings,
        sections=[s | {"body": Markup(s.get("body", ""))} for s in sections], appendix=Markup(_appendix(lang)),
    )
    (run_dir / "html").mkdir(exist_ok=True)
    (run_dir / "html" / "report.html").write_text(html, encoding="utf-8")
    pdf = run_dir / "report.pdf"
    HTML(string=html, base_url=str(run_dir)).write_pdf(pdf)
    return pdf
