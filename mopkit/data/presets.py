"""Platform export presets: header aliases, value maps and grain per platform, kept as data.

The table lives in ``presets.yaml`` beside this module (one entry per platform: douyin, tmall,
taobao, youzan, shopify, woocommerce); this module only reads it, matches headers and names the
preset a file looks like. Adding a platform is adding an entry there, not code.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("presets.yaml")


def norm_header(h: object) -> str:
    """Header key used for matching: no BOM, quotes or spaces (stray and full-width), lower case."""
    return re.sub(r"[\s\u3000\ufeff\"']+", "", str(h)).lower()


@lru_cache(maxsize=1)
def _load() -> dict[str, dict]:
    raw = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    out = {}
    for name, spec in raw.items():
        base = dict(raw[spec["like"]]) if "like" in spec else {}
        base.update({k: v for k, v in spec.items() if k != "like"})
        base.setdefault("values", {})
        base.setdefault("after_sale", [])
        base.setdefault("customer_from", [])
        base["columns"] = {c: [str(a) for a in al] for c, al in base["columns"].items()}
        base["values"] = {c: {str(k): str(v) for k, v in m.items()} for c, m in base["values"].items()}
        out[name] = base
    return out


def presets() -> dict[str, dict]:
    """name -> preset spec, read from presets.yaml once (on first use, not at import)."""
    return _load()


def match_columns(headers: list[str], aliases: dict[str, list[str]], skip=()) -> dict[str, str]:
    """canonical -> header for every canonical column one of whose aliases is among ``headers``."""
    by_norm = {}
    for h in headers:
        by_norm.setdefault(norm_header(h), h)
    found = {}
    for canon, names in aliases.items():
        if canon in skip:
            continue
        for a in [canon, *names]:
            h = by_norm.get(norm_header(a))
            if h is not None and h not in found.values():
                found[canon] = h
                break
    return found


def best_preset(headers: list[str]) -> tuple[str | None, float]:
    """The preset whose header aliases best cover ``headers``: (name, share of its columns found)."""
    best, score = None, 0.0
    for name, spec in presets().items():
        cols = spec["columns"]
        s = len(match_columns(headers, cols)) / max(len(cols), 1)
        if s > score:
            best, score = name, s
    return best, score
