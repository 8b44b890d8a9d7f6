"""The merchant's cockpit as one offline HTML file (``mopkit publish RUN_DIR``).

:func:`publish` writes ``<run>/html/cockpit_<lang>.html``: ECharts, the pre-aggregated data
(:func:`build_payload`) and the page script inlined; it opens from ``file://`` and makes no
network request.
"""
from .data import ADDITIVE, BUYER_METRICS, RATIOS, build_payload
from .page import publish, render_html

__all__ = ["ADDITIVE", "BUYER_METRICS", "RATIOS", "build_payload", "publish", "render_html"]
