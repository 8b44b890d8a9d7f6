"""Per-client settings of the copy check: ``copycheck:`` in the client config.

    copycheck:
      copies: ads/this_month.xlsx      # ad copies to check on every run (id, platform, text)
      terms: [terms/huayang.yaml]      # the client's extra term lists (trademarks under names:)

Paths are relative to the config file.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import ConfigError


def settings(raw: dict, base: Path) -> tuple[Path | None, list[Path]]:
    """``(copies file or None, extra term files)`` from a config mapping; paths resolved from ``base``."""
    cc = raw.get("copycheck") or {}
    if not isinstance(cc, dict) or set(cc) - {"copies", "terms"}:
        raise ConfigError("copycheck must be a mapping with copies and/or terms", file=base,
                          fix="e.g. copycheck: {copies: ads.xlsx, terms: [extra_terms.yaml]}")
    terms = cc.get("terms") or []
    if isinstance(terms, str):
        terms = [terms]
    copies = cc.get("copies")
    return (base / copies if copies else None), [base / p for p in terms]


def config_settings(config_path: str | Path) -> tuple[Path | None, list[Path]]:
    """Settings of a client config file."""
    from ..config import load_config

    cfg = load_config(config_path)
    return settings(cfg.raw, Path(cfg.path).parent)


def run_settings(run_dir: str | Path) -> tuple[Path | None, list[Path]]:
    """Settings of the config a run was made from (paths relative to the original config file)."""
    manifest = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
    return settings(manifest.get("config") or {}, Path(manifest["config_file"]).parent)
