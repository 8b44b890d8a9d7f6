"""Reading one export file into a DataFrame of raw values (CSV, XLSX, Parquet).

CSV and XLSX are read as text, so that parsing (dates, amounts) happens in one place with
counted repairs; Parquet keeps its own types. Encodings: UTF-8 with or without BOM, GBK and
GB18030 (a superset of GBK, which is what Chinese Excel writes).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..config import TableSource
from ..errors import DataError

def _corrupt_file_errors() -> tuple[type[BaseException], ...]:
    """What the readers raise on a file that is not what its format says (corrupt, truncated,
    another format): zip errors (xlsx), Arrow errors (parquet), OS and key errors (openpyxl),
    calamine's error."""
    import zipfile  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    errors = (zipfile.BadZipFile, pa.ArrowException, InvalidFileException, OSError, KeyError, EOFError)
    try:  # calamine's own error for a workbook it cannot open (python-calamine is optional)
        from python_calamine import CalamineError  # noqa: PLC0415

        errors += (CalamineError,)
    except ImportError:
        pass
    return errors


def _too_many_fields(text: str, sep: str, path: Path, table: str) -> DataError:
    """Rows with more fields than the header: pandas would silently shift every column of them."""
    import csv  # noqa: PLC0415

    rows = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(rows))
    bad = [f"line {i}: {len(r)} fields, the header has {width}" for i, r in enumerate(rows, start=2) if len(r) > width]
    return DataError(f"{len(bad)} rows of the {table} file have more fields than its header", file=path, examples=bad,
                     fix=f"a value contains the separator {sep!r} without quotes (e.g. ¥1,234.50): re-export with "
                         "quoted fields, or save the sheet as XLSX")


_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def detect_format(src: TableSource) -> str:
    if src.format != "auto":
        return src.format
    suffixes = [s.lower() for s in src.path.suffixes]
    for s in reversed(suffixes):
        if s in _FORMATS:
            return _FORMATS[s]
    raise DataError(
        f"cannot tell the format of the {src.table} file from its name",
        file=src.path,
        fix="name it .csv, .xlsx or .parquet, or set data.%s.format in the client config" % src.table,
    )


def decode(raw: bytes, encoding: str, path: Path) -> tuple[str, str]:
    """Decode file bytes; ``auto`` tries UTF-8 (BOM or not), then GB18030. Returns (text, encoding)."""
    tries = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    for enc in tries:
        try:
            return raw.decode("utf-8-sig" if enc == "utf-8" else enc), enc
        except UnicodeDecodeError as exc:
            last = exc
    bad = raw[max(0, last.start - 20) : last.end + 20]
    raise DataError(
        f"the file is not valid {' or '.join(tries)} text (byte {last.start})",
        file=path,
        examples=[repr(bad)],
        fix="save it as UTF-8 (Excel: 'CSV UTF-8'), or set the right encoding (gbk / gb18030) in the client config",
    )


def sniff_separator(text: str, path: Path) -> str:
    """Comma, tab, semicolon or '|', whichever splits the header line into the most fields."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    header = text.split("\n", 1)[0]
    return max([",", "\t", ";", "|"], key=header.count)


def _xlsx_engine() -> str:
    """calamine (Rust, ~20x faster on big exports) when installed, else openpyxl."""
    import importlib.util

    return "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"


#: A Parquet text column is read as a dictionary when its first rows hold at most this share of distinct values.
REPEATED_SHARE = 0.2


def _repeated_text_columns(path: Path, sample_rows: int = 100_000) -> list[str]:
    """Text columns of a Parquet file whose values repeat (channel, status; not order ids), judged on
    its first rows: read as Arrow dictionaries they cost a code per row. A column of mostly distinct
    values is cheaper as plain text (a dictionary as long as the column helps nobody)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    pf = pq.ParquetFile(path)
    cols = [f.name for f in pf.schema_arrow if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    if not cols or pf.metadata.num_rows == 0:
        return []
    head = next(pf.iter_batches(batch_size=sample_rows, columns=cols))
    return [c for c in cols if pc.count_distinct(head.column(c)).as_py() <= REPEATED_SHARE * head.num_rows]


def read_raw(src: TableSource, *, categorical: bool = False) -> pd.DataFrame:
    """Read the file behind ``src``; raise :class:`DataError` naming the file for anything wrong.

    ``categorical``: Parquet text columns whose values repeat come as categoricals (Arrow
    dictionaries: each distinct value stored once), for a caller that works on distinct values.
    """
    path = src.path
    if not path.exists():
        raise DataError(f"the {src.table} file does not exist", file=path, fix=f"check data.{src.table}.path in the client config (relative paths are relative to the config file)")
    if path.is_dir():
        raise DataError(f"the {src.table} path is a folder, not a file", file=path, fix="point it at the export file itself")
    fmt = detect_format(src)
    if fmt == "csv" and src.format == "auto":
        with open(path, "rb") as fh:
            if fh.read(4) == b"PK\x03\x04":  # a workbook saved under a .csv name (Youzan and others do this)
                fmt = "xlsx"
    try:
        if fmt == "csv":
            data = path.read_bytes()
            text, enc = decode(data, src.encoding, path)
            if not text.strip():
                raise DataError(f"the {src.table} file is empty", file=path, fix="export the table again; it has no header and no rows")
            sep = sniff_separator(text, path)
            # the parser reads the bytes in the encoding just checked (the decoded text through a
            # StringIO would be encoded again, chunk by chunk, in Python)
            encoding = "utf-8-sig" if enc in ("utf-8", "utf-8-sig") else enc
            df = pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, keep_default_na=False, sep=sep,
                             skipinitialspace=True)
            if not isinstance(df.index, pd.RangeIndex):  # pandas moved surplus fields into the index
                raise _too_many_fields(text, sep, path, src.table)
        elif fmt == "xlsx":
            df = pd.read_excel(path, sheet_name=src.sheet or 0, dtype=str, keep_default_na=False, engine=_xlsx_engine())
        else:
            df = pd.read_parquet(path, read_dictionary=_repeated_text_columns(path) if categorical else None)
    except DataError:
        raise
    except pd.errors.ParserError as exc:
        raise DataError(f"the {src.table} file is not a well-formed CSV: {exc}", file=path,
                        fix="check quoting and the number of fields on the line named; re-export from the platform if needed") from None
    except ValueError as exc:  # wrong sheet name, unreadable workbook
        raise DataError(f"cannot read the {src.table} {fmt} file: {exc}", file=path,
                        fix=f"check the file opens in Excel, and data.{src.table}.sheet if set") from None
    except _corrupt_file_errors() as exc:  # not the format it claims: a DataError naming the file (a bug still raises)
        raise DataError(f"cannot read the {src.table} file as {fmt}: {type(exc).__name__}: {exc}", file=path,
                        fix=f"check the file is really {fmt} (set data.{src.table}.format if its name misleads)") from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise DataError(f"the {src.table} file has duplicate column headers {dup}", file=path, fix="rename or remove the duplicate columns")
    return df
