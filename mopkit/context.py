"""What a notebook sees of its run: config, canonical tables, outputs folder, language.

Every notebook starts with::

    from mopkit.context import open_run
    ctx = open_run(run_dir, language=language)

``run_dir`` is the folder ``mopkit run`` prepared (canonical tables already validated and
pseudonymised under ``data/``); an empty ``run_dir`` — a notebook opened by hand — prepares the
bundled sample client in a temporary folder, so every notebook runs as it is.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import ClientConfig, load_config
from .errors import InsufficientDataError
from .i18n import t as _t
from .plotting import apply_theme

DATA_DIR = "data"
OUTPUTS_DIR = "outputs"
FINDINGS_DIR = "findings"  # under outputs/


def _jsonable(obj: Any):
    if isinstance(obj, (pd.Timestamp, dt.date)):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def write_json(obj: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=_jsonable, allow_nan=False), encoding="utf-8")
    return path


@dataclass
class RunContext:
    """A run seen from inside a notebook. Build it with :func:`open_run`."""

    run_dir: Path
    config: ClientConfig
    lang: str
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _findings: dict[str, list[dict]] = field(default_factory=dict, repr=False)

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

    def table(self, name: str) -> pd.DataFrame:
        """The canonical table ``name`` (a copy: analyses never mutate the shared one).

        Raises
        ------
        InsufficientDataError
            The client's config does not supply that table.
        """
        if name not in self._tables:
            path = self.run_dir / DATA_DIR / f"{name}.parquet"
            if not path.exists():
                raise InsufficientDataError(
                    f"this client has no {name} table",
                    fix=f"add data.{name} to the client config to enable this analysis",
                )
            self._tables[name] = pd.read_parquet(path)
        return self._tables[name].copy()

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

    def write_xlsx(self, df: pd.DataFrame | dict[str, pd.DataFrame], name: str) -> Path:
        """Write one frame, or ``{sheet: frame}``, to ``outputs/<name>`` as an Excel workbook."""
        path = self.output_path(name)
        sheets = df if isinstance(df, dict) else {"data": df}
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for sheet, frame in sheets.items():
                frame.to_excel(xw, sheet_name=str(sheet)[:31], index=False)
        return path

    def write_json(self, obj: Any, name: str) -> Path:
        return write_json(obj, self.output_path(name))

    def add_finding(self, text: str, *, section: str, weight: float = 0.5) -> None:
        """Record a plain-language finding; the report's executive summary shows the weightiest.

        Findings of a section are rewritten by each run of that section's notebook.
        """
        items = self._findings.setdefault(section, [])
        items.append({"section": section, "text": str(text), "weight": float(weight), "lang": self.lang})
        write_json(items, self.outputs_dir / FINDINGS_DIR / f"{section}.json")


def read_findings(run_dir: str | Path) -> list[dict]:
    """All findings of a run, weightiest first."""
    out: list[dict] = []
    for p in sorted((Path(run_dir) / OUTPUTS_DIR / FINDINGS_DIR).glob("*.json")):
        out.extend(json.loads(p.read_text(encoding="utf-8")))
    return sorted(out, key=lambda f: -f["weight"])


def _sample_run() -> Path:
    from .run import prepare_run, sample_config_path

    return prepare_run(sample_config_path(), Path(tempfile.mkdtemp(prefix="mopkit-sample-")))


def open_run(run_dir: str | Path | None = "", *, language: str | None = None, theme: bool = True) -> RunContext:
    """Open the run folder ``run_dir`` (empty: a fresh run of the bundled sample client).

    ``language`` overrides the config's language when given. Sets the chart theme (fonts that
    draw Chinese) unless ``theme`` is false; raises :class:`mopkit.errors.FontError` with the
    install command when no CJK font is installed.
    """
    path = Path(run_dir) if run_dir else _sample_run()
    config = load_config(path / "config.yaml")
    lang = language or config.language
    if theme:
        apply_theme(lang)
        _sharp_inline_figures()
    return RunContext(path.resolve(), config, lang)


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
