"""Assemble the published cockpit: one HTML file with ECharts, the data and the page script inlined.

Why ECharts (Apache ECharts 6.1.0, vendored from the npm package ``echarts`` into
``mopkit/publish/vendor/``, see ``scripts/vendor_echarts.sh``): its minified bundle is 1.1 MB
where Plotly's ``plotly.min.js`` (bundled in the ``plotly`` wheel) is 4.8 MB — alone nearly the
whole 5 MB budget of a page; it has Chinese defaults built in, decal (hatch) patterns for
partial periods, heatmaps with a colour scale, and an SVG renderer (crisp screenshots and PDFs).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import MopkitError
from .data import build_payload

HERE = Path(__file__).resolve().parent
ECHARTS = HERE / "vendor" / "echarts.min.js"
ECHARTS_VERSION = "6.1.0"


def _inline_json(obj) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` that could close it)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def render_html(payload: dict) -> str:
    """The page for a payload from :func:`mopkit.publish.data.build_payload`."""
    if not ECHARTS.exists():
        raise MopkitError("the ECharts bundle is missing from the package", file=ECHARTS,
                          fix="run scripts/vendor_echarts.sh (copies echarts.min.js from the npm package)")
    template = (HERE / "assets" / "page.html").read_text(encoding="utf-8")
    labels = payload["labels"]
    parts = {
        "css": (HERE / "assets" / "cockpit.css").read_text(encoding="utf-8"),
        "js": (HERE / "assets" / "cockpit.js").read_text(encoding="utf-8"),
        "echarts": ECHARTS.read_text(encoding="utf-8"),
        "data": _inline_json(payload),
        "echarts_version": ECHARTS_VERSION,
        "title": _esc(f"{payload['meta']['shop']} · {labels['title']}"),
    }
    for code in ("css", "js", "echarts"):
        if "</script" in parts[code].lower() or "</style" in parts[code].lower():
            raise MopkitError(f"the inlined {code} contains a closing tag", fix="check the vendored bundle")

    def fill(m: re.Match) -> str:
        key = m.group(1)
        if key in parts:
            return parts[key]
        if key in labels:
            return _esc(labels[key])
        return m.group(0)

    # one pass, so nothing inserted (data, scripts) is itself scanned for placeholders
    return re.sub(r"\{([a-z0-9_.]+)\}", fill, template)


def file_name(payload: dict) -> str:
    """The file the merchant receives, named in their language: shop, title, data period
    (``花漾美妆旗舰店_经营驾驶舱_2024-01-01_2025-12-31.html``)."""
    m = payload["meta"]
    stem = f"{m['shop']}_{payload['labels']['title']}_{m['start']}_{m['end']}"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", stem) + ".html"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def publish(run_dir: str | Path, lang: str | None = None, out: str | Path | None = None) -> Path:
    """Write the run's cockpit as one self-contained HTML file and return its path.

    Parameters
    ----------
    run_dir : a run folder made by ``mopkit run`` (``runs/<client>/<timestamp>``).
    lang : "zh" or "en" (default: the client's language).
    out : the file to write (default ``<run_dir>/html/`` + :func:`file_name`).
    """
    run_dir = Path(run_dir)
    if lang is None:
        manifest = run_dir / "manifest.json"
        lang = json.loads(manifest.read_text(encoding="utf-8")).get("client", {}).get("language", "zh") \
            if manifest.exists() else "zh"
    payload = build_payload(run_dir, lang)
    path = Path(out) if out else run_dir / "html" / file_name(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(payload), encoding="utf-8")
    return path
