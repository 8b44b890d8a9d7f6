"""The KPI cockpit: metric catalogue, cohorts, product associations, GMV waterfall, alerts, dashboard.

Typical use (notebook ``04_dashboard``)::

    from mopkit import cockpit
    cube = cockpit.prepare_cube(orders, order_items, ad_spend)
    kpis = cockpit.compute_kpis(cube, freq="M")
    alerts = cockpit.check_alerts(cube, cockpit.rules_from_config({"roas_target": 5}), lang="zh")
    for text, weight in cockpit.findings(kpis, lang="zh", currency="CNY"): ...

Layout, as in :mod:`mopkit.forecast` and :mod:`mopkit.attribution`: ``kpi`` (catalogue and the
pre-aggregated cube), ``cohorts``, ``basket``, ``waterfall``, ``alerts``, ``plots`` (matplotlib
for the report, SVG for the live page), ``dashboard`` (the ipywidgets app Voila serves), ``findings``.
"""
from .alerts import AlertRules, check_alerts, forecast_error, last_complete_week, rules_from_config
from .basket import association_rules, basket_matrix, pair_matrix
from .cohorts import cohort_counts, retention_at, retention_from_cube, retention_matrix
from .dashboard import Cockpit, alerts_html, in_voila, render_views
from .findings import findings
from .kpi import (ALL, HEADLINE_METRICS, ITEM_COLUMNS, ORDER_COLUMNS, KpiCube, compute_kpis, format_change, format_value, headline, metric_catalogue,
                  metric_unit, prepare_cube, summarize)
from .plots import (plot_association_heatmap, plot_channel_heatmap, plot_cohort_heatmap, plot_kpi_cards, plot_trend,
                    plot_waterfall)
from .waterfall import gmv_waterfall

__all__ = [
    "AlertRules", "check_alerts", "forecast_error", "last_complete_week", "rules_from_config",
    "association_rules", "basket_matrix", "pair_matrix", "cohort_counts", "retention_at", "retention_from_cube", "retention_matrix",
    "Cockpit", "alerts_html", "in_voila", "render_views", "findings",
    "ALL", "HEADLINE_METRICS", "ITEM_COLUMNS", "ORDER_COLUMNS", "KpiCube", "compute_kpis", "format_change", "format_value", "headline",
    "metric_catalogue", "metric_unit", "prepare_cube", "summarize",
    "plot_association_heatmap", "plot_channel_heatmap", "plot_cohort_heatmap", "plot_kpi_cards", "plot_trend",
    "plot_waterfall", "gmv_waterfall",
]
