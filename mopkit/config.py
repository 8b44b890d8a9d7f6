"""A client's settings: one YAML file per client, validated where it enters.

Layout of ``clients/<slug>/client.yaml`` (``mopkit init NAME`` writes one from
``templates/client.yaml``)::

    client: {name: 花漾美妆旗舰店, slug: huayang}
    language: zh            # zh | en: every chart, table and report heading
    currency: CNY
    salt: null              # pseudonymisation key (secret); else $MOPKIT_SALT; one is required
    window: {start: 2024-01-01, end: 2025-12-31}
    data:
      orders:               # the only required table
        path: orders.csv    # relative to this file
        format: auto        # auto | csv | xlsx | parquet
        encoding: auto      # auto | utf-8 | utf-8-sig | gbk | gb18030
        sheet: null         # xlsx sheet name (default: first)
        columns: {order_id: 订单编号, customer_id: 买家ID, ...}   # canonical: source
        values: {status: {已支付: paid, 已退款: refunded}}       # optional value mapping
      # or a list of sources, stacked (globs allowed; a glob matching nothing is an error):
      # orders:
      #   - {path: exports/douyin_2025-*.csv, preset: douyin}     # platform preset: headers, values, lines
      #   - {path: mini_program.csv, platform: wechat, columns: {order_id: 单号, ...}}
      #   - {path: online_retail.csv, grain: line}                # one row per order line
    notebooks:              # per-notebook papermill parameters, one to one
      rfm_clv: {horizon_days: 365}
      forecast: {...}

Paths are resolved against the config file's folder.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .data.schema import TABLES
from .errors import ConfigError

LANGUAGES = ("zh", "en")
FORMATS = ("auto", "csv", "xlsx", "parquet")
GRAINS = ("row", "line")
_SOURCE_KEYS = {"path", "format", "encoding", "sheet", "columns", "values", "preset", "platform", "grain"}
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030")
SALT_ENV = "MOPKIT_SALT"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOP_KEYS = {"client", "language", "currency", "salt", "window", "data", "notebooks", "copycheck"}


@dataclass(frozen=True)
class TableSource:
    """Where one canonical table comes from."""

    table: str
    path: Path
    format: str = "auto"
    encoding: str = "auto"
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {source value: canonical value}
    preset: str | None = None  # platform export layout (mopkit/data/presets.yaml)
    platform: str | None = None  # where the orders were placed (a preset sets it)
    grain: str = "row"  # "row": one row per table row; "line": one row per order line (orders table)


@dataclass(frozen=True)
class ClientConfig:
    """A validated client config. Build it with :func:`load_config`."""

    path: Path
    name: str
    slug: str
    language: str
    currency: str
    salt: str | None
    start: dt.date | None
    end: dt.date | None
    sources: dict[str, tuple[TableSource, ...]]  # table -> its sources (files), stacked in this order
    notebooks: dict[str, dict[str, Any]]
    raw: dict[str, Any]

    def notebook_params(self, key: str) -> dict[str, Any]:
        """Parameters the config sets for notebook ``key`` (e.g. ``"rfm_clv"``)."""
        return dict(self.notebooks.get(key, {}))

    def resolved_salt(self) -> str:
        """The pseudonymisation salt: config ``salt``, else ``$MOPKIT_SALT``.

        There is no default: a salt anybody can know (the slug is in every run path) would let
        anyone with a run folder recover phone numbers by hashing the ~10⁹ possible ones. Only
        the bundled sample merchant (slug ``sample``) uses the public
        :data:`mopkit.data.privacy.SAMPLE_SALT`, written in its client.yaml.

        Raises
        ------
        ConfigError
            No salt is set, it is shorter than 16 characters, or a client other than the sample
            uses the sample's public salt.
        """
        from .data.privacy import MIN_SALT_CHARS, SAMPLE_SALT  # noqa: PLC0415

        salt = self.salt or os.environ.get(SALT_ENV) or ""
        where = "config key salt" if self.salt else f"${SALT_ENV}"
        fix = (f"export {SALT_ENV}='<a long random secret for this client>' before `mopkit run` "
               f"(e.g. from: python -c \"import secrets; print(secrets.token_urlsafe(32))\"), keep it with "
               "the client's records and use the same one every month so pseudonyms stay comparable")
        if not salt:
            raise _err(self.path, f"no pseudonymisation salt for client {self.slug!r}: customer ids and contact data "
                       "cannot be pseudonymised safely without a secret key", fix)
        if salt == SAMPLE_SALT and self.slug != "sample":
            raise _err(self.path, f"{where} is the bundled sample's public salt: pseudonyms of a real client made "
                       "with it could be reversed by anyone", fix)
        if len(salt) < MIN_SALT_CHARS and salt != SAMPLE_SALT:
            raise _err(self.path, f"{where} has {len(salt)} characters: a short key can be guessed "
                       f"(at least {MIN_SALT_CHARS} needed)", fix)
        return salt


def _err(path: Path, msg: str, fix: str, column: str | None = None) -> ConfigError:
    return ConfigError(msg, file=path, column=column, fix=fix)


def _date(path: Path, key: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _err(path, f"window.{key} is not a date: {value!r}", "write it as YYYY-MM-DD, e.g. 2025-12-31") from None


def _parse_source(path: Path, table: str, key: str, spec: Any) -> list[TableSource]:
    """One source entry of ``data.<table>`` -> one TableSource per file its path (or glob) names."""
    from .data.presets import presets  # data, not code: mopkit/data/presets.yaml

    PRESETS = presets()

    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict) or not spec.get("path"):
        raise _err(path, f"{key}.path is missing", f"give the file of the {table} table, relative to {path.name}")
    unknown = set(spec) - _SOURCE_KEYS
    if unknown:
        raise _err(path, f"{key} has unknown keys {sorted(unknown)}", f"valid keys are {sorted(_SOURCE_KEYS)}")
    fmt = str(spec.get("format", "auto"))
    if fmt not in FORMATS:
        raise _err(path, f"{key}.format {fmt!r} is not supported", f"use one of {list(FORMATS)}")
    enc = str(spec.get("encoding", "auto")).lower()
    if enc not in ENCODINGS:
        raise _err(path, f"{key}.encoding {enc!r} is not supported", f"use one of {list(ENCODINGS)}")
    preset = spec.get("preset")
    if preset is not None:
        preset = str(preset)
        if preset not in PRESETS:
            from .errors import UnknownNameError

            raise UnknownNameError(f"{key}.preset {preset!r} is not a known platform preset", file=path,
                                   fix=f"use one of {sorted(PRESETS)}, or map the columns by hand")
        if table != "orders":
            raise _err(path, f"{key}.preset: presets describe order exports", f"move this source under data.orders (it fills {table} too)")
    grain = str(spec.get("grain", PRESETS[preset]["grain"] if preset else "row"))
    if grain not in GRAINS or (grain == "line" and table != "orders"):
        raise _err(path, f"{key}.grain {grain!r} is not valid here", "grain: line is for order exports with one row per order line; else leave it out")
    platform = spec.get("platform", PRESETS[preset]["platform"] if preset else None)
    platform = None if platform in (None, "") else str(platform)
    columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    allowed = set(TABLES[table].names)
    if table == "orders":  # an order export may carry lines and buyer contacts too (mopkit.data.exports)
        allowed |= {c for t in ("order_items", "customers") for c in TABLES[t].names} | {"line_id", "after_sale"}
    bad = [k for k in columns if k not in allowed]
    if bad:
        raise _err(
            path,
            f"{key}.columns maps unknown canonical columns {bad}",
            f"keys are canonical names ({', '.join(sorted(allowed))}), values are your file's headers",
        )
    values = spec.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise _err(path, f"{key}.values must map a column to {{file value: canonical value}}",
                   "e.g. values: {status: {已支付: paid, 已退款: refunded, 已取消: cancelled}}")
    values = {str(c): {str(k): str(v) for k, v in m.items()} for c, m in values.items()}
    pattern = Path(str(spec["path"])).expanduser()
    if not pattern.is_absolute():
        pattern = path.parent / pattern
    if glob.has_magic(str(pattern)):
        files = sorted(Path(f).resolve() for f in glob.glob(str(pattern)) if Path(f).is_file())
        if not files:
            raise _err(path, f"{key}.path {spec['path']!r} matches no file", f"check the folder and the pattern (relative to {path.name})")
    else:
        files = [pattern.resolve()]
    return [TableSource(table, f, fmt, enc, spec.get("sheet"), columns, values, preset, platform, grain) for f in files]


def parse_config(raw: dict[str, Any], path: Path) -> ClientConfig:
    """Validate a config mapping read from ``path``; raise :class:`ConfigError` naming the key."""
    if not isinstance(raw, dict):
        raise _err(path, "the client config is not a YAML mapping", "start from templates/client.yaml (mopkit init NAME)")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise _err(path, f"unknown top-level keys: {sorted(unknown)}", f"valid keys are {sorted(_TOP_KEYS)}")
    client = raw.get("client") or {}
    name = str(client.get("name") or "").strip()
    if not name:
        raise _err(path, "client.name is missing", "give the client's display name, e.g. client: {name: 花漾美妆旗舰店, slug: huayang}")
    slug = str(client.get("slug") or "").strip()
    if not _SLUG.match(slug):
        raise _err(path, f"client.slug {slug!r} is not a valid folder name", "use lower-case letters, digits, '-' or '_', e.g. huayang")
    language = str(raw.get("language", "zh"))
    if language not in LANGUAGES:
        raise _err(path, f"language {language!r} is not supported", f"use one of {list(LANGUAGES)}")
    window = raw.get("window") or {}
    start, end = _date(path, "start", window.get("start")), _date(path, "end", window.get("end"))
    if start and end and start > end:
        raise _err(path, f"window.start {start} is after window.end {end}", "swap them or fix the typo")

    data = raw.get("data") or {}
    if not isinstance(data, dict) or "orders" not in data:
        raise _err(path, "data.orders is missing: the orders table is required", "add data: {orders: {path: orders.csv, columns: {...}}}")
    sources: dict[str, tuple[TableSource, ...]] = {}
    for table, spec in data.items():
        if table not in TABLES:
            raise _err(path, f"data.{table} is not a known table", f"known tables are {sorted(TABLES)}")
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise _err(path, f"data.{table} is an empty list", f"list the {table} files, e.g. - {{path: {table}.csv}}")
        found: list[TableSource] = []
        for i, one in enumerate(specs):
            key = f"data.{table}" if not isinstance(spec, list) else f"data.{table}[{i}]"
            found.extend(_parse_source(path, table, key, one))
        sources[table] = tuple(found)

    notebooks = raw.get("notebooks") or {}
    if not isinstance(notebooks, dict) or not all(isinstance(v, dict) or v is None for v in notebooks.values()):
        raise _err(path, "notebooks must map a notebook key to its parameters", "e.g. notebooks: {forecast: {horizon: 14}}")
    notebooks = {k: dict(v or {}) for k, v in notebooks.items()}
    return ClientConfig(
        path=path,
        name=name,
        slug=slug,
        language=language,
        currency=str(raw.get("currency", "CNY")),
        salt=None if raw.get("salt") in (None, "") else str(raw["salt"]),
        start=start,
        end=end,
        sources=sources,
        notebooks=notebooks,
        raw=raw,
    )


def load_config(path: str | os.PathLike) -> ClientConfig:
    """Read and validate a client config file.

    Raises
    ------
    ConfigError
        The file is missing, is not valid YAML, or a key is wrong; the message names the key
        and the fix.
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        path = path / "client.yaml"
    if not path.exists():
        raise _err(path, "client config not found", "check the path, or create one with: mopkit init NAME")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise _err(path, f"the client config is not valid YAML{where}: {getattr(exc, 'problem', exc)}",
                   "fix the indentation or quoting there (YAML needs spaces, not tabs)") from None
    except UnicodeDecodeError:
        raise _err(path, "the client config is not UTF-8 text", "save it as UTF-8") from None
    return parse_config(raw, path)
