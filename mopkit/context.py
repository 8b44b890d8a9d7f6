"""What a notebook sees of its run: config, canonical tables, outputs folder, language.

Every notebook starts with::

    from mopkit.context import open_run
    ctx = open_run(run_dir, lang=lang)

``run_dir`` is the folder ``mopkit run`` prepared (canonical tables already validated and
pseudonymised under ``data/``); an empty ``run_dir`` — a notebook opened by hand — prepares the
bundled sample client in a temporary folder, so every notebook runs as it is.
"""
from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import ClientConfig, load_config
from .errors import InsufficientDataError
from .i18n import register
from .i18n import t as _t
from .layout import (DATA_DIR, FALLBACKS_DIR, FINDINGS_DIR, OUTPUTS_DIR, PERSON_MAX_ROWS, SHEET_MAX_ROWS, XLSX_MAX_ROWS,  # noqa: F401
                     read_findings, read_output, write_json)  # read_findings, read_output re-exported
from .plotting import apply_theme

register({
    "ctx.list.tried": {"zh": "写出 {name}", "en": "writing {name}"},
    "ctx.list.reason": {"zh": "名单有 {rows} 行，超过表格软件里能逐行处理的 {limit} 行",
                        "en": "the list has {rows} rows, more than a person works through in a spreadsheet ({limit})"},
    "ctx.list.used": {"zh": "只写 {name}（每一行都在，可直接导入投放或 CRM 平台）",
                      "en": "{name} only (every row, ready to import into ad or CRM platforms)"},
})


class SampleDataWarning(UserWarning):
    """``open_run("")``: the notebook analyses the bundled sample merchant, not a client."""


@dataclass
class RunContext:
    """A run seen from inside a notebook. Build it with :func:`open_run`."""

    run_dir: Path
    config: ClientConfig
    lang: str
    _findings: dict[str, list[dict]] = field(default_factory=dict, repr=False)
    _fallbacks: dict[str, list[dict]] = field(default_factory=dict, repr=False)
    sample: bool = False  # True when open_run("") prepared the bundled sample client

    @property
    def outputs_dir(self) -> Path:
        return self.run_dir / OUTPUTS_DIR

    @property
    def currency(self) -> str:
        return self.config.currency

    def t(self, key: str, **fmt) -> str:
        """Label ``key`` in the run's language."""
        return _t(key, self.lang, **fmt)

    def has(self, name: str) -> bool:
        """Whether the client supplied the optional table ``name``."""
        return (self.run_dir / DATA_DIR / f"{name}.parquet").exists()

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The canonical table ``name``, read from the run's Parquet file: all columns, or only
        ``columns`` (those of them the table has; optional columns a client did not supply are
        simply absent, as in the full table). Each call reads afresh, so an analysis may change
        what it gets and a notebook holds only the columns it uses (a 10M-order table is GBs).

        Raises
        ------
        InsufficientDataError
            The client's config does not supply that table.
        """
        path = self.run_dir / DATA_DIR / f"{name}.parquet"
        if not path.exists():
            raise InsufficientDataError(
                f"this client has no {name} table",
                fix=f"add data.{name} to the client config to enable this analysis",
            )
        if columns is not None:
            import pyarrow.parquet as pq

            have = set(pq.read_schema(path).names)
            columns = [c for c in dict.fromkeys(columns) if c in have]
        return pd.read_parquet(path, columns=columns)

    def health(self) -> pd.DataFrame:
        """The data-health ledger of the load (table, file, kind, reason, rows)."""
        return pd.read_csv(self.run_dir / DATA_DIR / "health.csv")

    def stitching(self) -> pd.DataFrame:
        """The cross-platform stitching report of the load (measure, platform, identifier, value)."""
        path = self.run_dir / DATA_DIR / "stitching.csv"
        if not path.exists():
            return pd.DataFrame(columns=["measure", "platform", "identifier", "value"])
        return pd.read_csv(path, keep_default_na=False)

    def output_path(self, name: str) -> Path:
        path = (self.outputs_dir / name).resolve()
        if self.outputs_dir.resolve() not in path.parents:
            raise ValueError(f"output name {name!r} leaves the outputs folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_csv(self, df: pd.DataFrame, name: str, *, index: bool = False) -> Path:
        """Write ``df`` to ``outputs/<name>`` as UTF-8 with BOM (so Excel opens Chinese correctly)."""
        path = self.output_path(name)
        df.to_csv(path, index=index, encoding="utf-8-sig")
        return path

    def write_table(self, df: pd.DataFrame, stem: str, *, csv_max_rows: int = PERSON_MAX_ROWS) -> Path:
        """A table that can be large (one row per customer): ``outputs/<stem>.csv`` while a person
        can work through it in a spreadsheet (:data:`PERSON_MAX_ROWS`), else
        ``outputs/<stem>.parquet`` (same columns and rows; a CSV no one opens is slow to write and
        read). Returns the path written; read it back with :func:`read_output`.
        """
        small = len(df) <= csv_max_rows
        stale = self.output_path(f"{stem}.parquet" if small else f"{stem}.csv")
        if stale.exists():  # a rerun must not leave an older table beside the new one
            stale.unlink()
        if small:
            return self.write_csv(df, f"{stem}.csv")
        path = self.output_path(f"{stem}.parquet")
        df.to_parquet(path, index=False)
        return path

    def write_list(self, df: pd.DataFrame, name: str, *, xlsx_max_rows: int = XLSX_MAX_ROWS):
        """An audience list: ``outputs/<name>.csv`` (what ad and CRM platforms import) and, while a
        person works through it in a spreadsheet (:data:`XLSX_MAX_ROWS`), ``outputs/<name>.xlsx``. Returns
        None, or the :class:`mopkit.fallbacks.Fallback` to show when the XLSX was left out."""
        from .fallbacks import Fallback

        self.write_csv(df, f"{name}.csv")
        if len(df) <= xlsx_max_rows:
            self.write_xlsx(df, f"{name}.xlsx")
            return None
        stale = self.output_path(f"{name}.xlsx")
        if stale.exists():
            stale.unlink()
        return Fallback(tried=_t("ctx.list.tried", self.lang, name=f"{name}.xlsx"),
                        reason=_t("ctx.list.reason", self.lang, rows=f"{len(df):,}", limit=f"{xlsx_max_rows:,}"),
                        used=_t("ctx.list.used", self.lang, name=f"{name}.csv"))

    def write_xlsx(self, df: pd.DataFrame | dict[str, pd.DataFrame], name: str, *,
                   max_rows: int = SHEET_MAX_ROWS) -> Path:
        """Write one frame, or ``{sheet: frame}``, to ``outputs/<name>`` as an Excel workbook.

        A frame longer than a sheet holds (``max_rows`` data rows) is split over consecutive
        sheets ``<sheet> 1``, ``<sheet> 2``, … each with the header, so no row is lost.
        """
        path = self.output_path(name)
        sheets = df if isinstance(df, dict) else {"data": df}
        # xlsxwriter streams rows: 2.4x faster than openpyxl at 100k rows, same cells read back
        with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
            for sheet, frame in sheets.items():
                if len(frame) <= max_rows:
                    frame.to_excel(xw, sheet_name=str(sheet)[:31], index=False)
                    continue
                for k, lo in enumerate(range(0, len(frame), max_rows), 1):
                    part = f" {k}"
                    frame.iloc[lo:lo + max_rows].to_excel(xw, sheet_name=str(sheet)[:31 - len(part)] + part, index=False)
        return path

    def write_json(self, obj: Any, name: str) -> Path:
        return write_json(obj, self.output_path(name))

    def note_fallback(self, fallback, *, section: str):
        """Record a :class:`mopkit.fallbacks.Fallback` in ``outputs/fallbacks/<section>.json`` and
        return it as a Markdown note; the notebook displays it, so it reaches the HTML page and
        the PDF report too."""
        from IPython.display import Markdown  # noqa: PLC0415 - notebooks only

        items = self._fallbacks.setdefault(section, [])
        items.append({"section": section, "lang": self.lang, "text": fallback.text(self.lang), **fallback.as_dict()})
        write_json(items, self.outputs_dir / FALLBACKS_DIR / f"{section}.json")
        return Markdown("> **" + fallback.text(self.lang) + "**")

    def add_finding(self, text: str, *, section: str, weight: float = 0.5) -> None:
        """Record a plain-language finding; the report's executive summary shows the weightiest.

        Findings of a section are rewritten by each run of that section's notebook.
        """
        items = self._findings.setdefault(section, [])
        items.append({"section": section, "text": str(text), "weight": float(weight), "lang": self.lang})
        write_json(items, self.outputs_dir / FINDINGS_DIR / f"{section}.json")


def _sample_run() -> Path:
    from .prepare import prepare_run, sample_config_path

    return prepare_run(sample_config_path(), Path(tempfile.mkdtemp(prefix="mopkit-sample-")))


def open_run(run_dir: str | Path | None = "", *, lang: str | None = None, theme: bool = True) -> RunContext:
    """Open the run folder ``run_dir`` (empty: a fresh run of the bundled sample client).

    With an empty ``run_dir`` a :class:`SampleDataWarning` says loudly that the data are the
    bundled sample's (shown under the cell in a notebook), and ``ctx.sample`` is true.

    ``lang`` overrides the config's language when given. Sets the chart theme (fonts that
    draw Chinese) unless ``theme`` is false; raises :class:`mopkit.errors.FontError` with the
    install command when no CJK font is installed.
    """
    path = Path(run_dir) if run_dir else _sample_run()
    config = load_config(path / "config.yaml")
    lang = lang or config.language
    if theme:
        apply_theme(lang)
        _sharp_inline_figures()
    ctx = RunContext(path.resolve(), config, lang, sample=not run_dir)
    if not run_dir:
        warnings.warn(
            f"run_dir is empty: this notebook analyses the BUNDLED SAMPLE MERCHANT ({config.name}, made-up data), "
            f"not a client. Its run folder is {path}. Run a client with `mopkit run clients/<slug>/client.yaml`, "
            "or set run_dir to a run folder.",
            SampleDataWarning,
            stacklevel=2,
        )
    return ctx


def _sharp_inline_figures() -> None:
    """In a notebook, draw inline figures at twice the resolution so the PDF charts stay sharp."""
    try:
        from IPython import get_ipython

        if get_ipython() is None:
            return
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:  # pragma: no cover - IPython always comes with ipykernel
        return
