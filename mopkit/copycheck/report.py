"""Read ad copies (CSV / XLSX / TXT / a text), check them all, write the flagged workbook or CSV."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..i18n import t
from . import labels  # noqa: F401  (registers the labels)
from .check import Hit, check_text, default_terms
from .terms import TermSet

#: Headers accepted for the three columns of a copy file (canonical name first).
HEADERS = {
    "id": ("id", "编号", "序号", "文案编号", "copy_id", "ID"),
    "platform": ("platform", "平台", "渠道", "channel"),
    "text": ("text", "文案", "广告文案", "内容", "copy", "广告语"),
}
FILES = (".csv", ".xlsx", ".xls", ".txt")


def _rename(df: pd.DataFrame, path) -> pd.DataFrame:
    cols = {}
    for canon, names in HEADERS.items():
        found = next((c for c in df.columns if str(c).strip() in names or str(c).strip().lower() == canon), None)
        if found is not None:
            cols[found] = canon
    df = df.rename(columns=cols)
    if "text" not in df.columns:
        raise DataError("the copy file has no text column", file=path, column="text",
                        examples=[f"headers: {list(df.columns)[:8]}"], fix=f"name the column of the copies one of {list(HEADERS['text'])}")
    if "id" not in df.columns:
        df.insert(0, "id", [str(i) for i in range(1, len(df) + 1)])
    if "platform" not in df.columns:
        df["platform"] = ""
    out = df[["id", "platform", "text"]].copy()
    out["id"] = out["id"].astype(str)
    out["platform"] = out["platform"].fillna("").astype(str)
    out["text"] = out["text"].fillna("").astype(str)
    return out


def read_copies(source: str | Path) -> pd.DataFrame:
    """Copies as a frame (id, platform, text) from a .csv (UTF-8 or GBK), .xlsx, .txt (one copy a
    line) — or, when ``source`` is not an existing file, ``source`` itself as one copy."""
    p = Path(str(source))
    is_file = p.suffix.lower() in FILES and len(str(source)) < 4096
    if not is_file or not p.exists():
        if is_file:
            raise DataError("copy file not found", file=p, fix="check the path, or pass the copy text itself in quotes")
        return pd.DataFrame({"id": ["1"], "platform": [""], "text": [str(source)]})
    suffix = p.suffix.lower()
    try:
        if suffix == ".txt":
            lines = [ln.strip() for ln in _decode(p).splitlines() if ln.strip()]
            return pd.DataFrame({"id": [str(i) for i in range(1, len(lines) + 1)], "platform": "", "text": lines})
        if suffix == ".csv":
            import io

            df = pd.read_csv(io.StringIO(_decode(p)), dtype=str)
        else:
            df = pd.read_excel(p, dtype=str, engine="openpyxl")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(f"cannot read the copy file: {exc}", file=p, fix="save it as UTF-8 CSV or .xlsx with columns id, platform, text") from None
    return _rename(df, p)


def _decode(p: Path) -> str:
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError("the copy file is neither UTF-8 nor GBK", file=p, fix="save it as UTF-8")


@dataclass
class CopyCheck:
    """Result of :func:`check_copies`: one row per copy, one row per hit, the raw hits."""

    copies: pd.DataFrame
    hits: pd.DataFrame
    raw: dict[str, list[Hit]]

    @property
    def has_violation(self) -> bool:
        return bool((self.copies["status"] == "violation").any())


def _hit_text(h: Hit, lang: str) -> str:
    sev = t(f"copycheck.status.{h.severity}", lang)
    return f"{h.term}@{h.start} [{h.entry.title(lang)} · {sev}]"


def check_copies(copies: pd.DataFrame, terms: TermSet | None = None, *, lang: str = "zh") -> CopyCheck:
    """Check every copy (columns id, platform, text). ``copies`` is not modified.

    ``copies`` result columns: id, platform, text, status (violation / review / ok), violations,
    reviews, hits, suggestions, basis, reasons. ``hits`` columns: id, platform, term, position,
    end, rule, title, basis, severity, base_severity, exception, reason, suggestion.
    """
    terms = terms or default_terms()
    missing = [c for c in ("id", "text") if c not in copies.columns]
    if missing:
        raise DataError(f"copies lack columns {missing}", column=", ".join(missing), fix="pass a frame with id, platform, text")
    rows, hit_rows, raw = [], [], {}
    sep = "；" if lang == "zh" else "; "
    for r in copies.itertuples(index=False):
        cid, platform, text = str(r.id), str(getattr(r, "platform", "") or ""), str(r.text)
        hits = check_text(text, terms, lang=lang)
        raw[cid] = hits
        nv = sum(h.severity == "violation" for h in hits)
        nr = len(hits) - nv
        rows.append({
            "id": cid, "platform": platform, "text": text,
            "status": "violation" if nv else "review" if nr else "ok", "violations": nv, "reviews": nr,
            "hits": sep.join(_hit_text(h, lang) for h in hits),
            "suggestions": sep.join(f"{h.term} → {h.entry.suggest}" for h in hits if h.entry.suggest),
            "basis": sep.join(dict.fromkeys(h.entry.basis for h in hits)),
            "reasons": sep.join(f"{h.term}: {h.reason}" for h in hits if h.reason),
        })
        for h in hits:
            hit_rows.append({"id": cid, "platform": platform, "term": h.term, "position": h.start, "end": h.end,
                             "rule": h.entry.rule, "title": h.entry.title(lang), "basis": h.entry.basis, "severity": h.severity,
                             "base_severity": h.entry.severity, "exception": h.exception, "reason": h.reason,
                             "suggestion": h.entry.suggest, "term_key": h.entry.term})
    hit_cols = ["id", "platform", "term", "position", "end", "rule", "title", "basis", "severity", "base_severity",
                "exception", "reason", "suggestion", "term_key"]
    return CopyCheck(pd.DataFrame(rows), pd.DataFrame(hit_rows, columns=hit_cols), raw)


def findings(result: CopyCheck, *, lang: str = "zh", currency: str | None = None) -> list[tuple[str, float]]:
    """Counts of violations / reviews and the most frequent prohibited terms (``currency`` is
    accepted for the common ``findings`` signature and not used)."""
    c = result.copies
    n, v, r = len(c), int((c["status"] == "violation").sum()), int((c["status"] == "review").sum())
    out = [(t("copycheck.find.summary", lang, n=n, v=v, r=r, ok=n - v - r), 0.75 if v else 0.4)]
    viol = result.hits[result.hits["severity"] == "violation"]
    if len(viol):
        top = Counter(viol["term"]).most_common(3)
        sep = "、" if lang == "zh" else ", "
        out.append((t("copycheck.find.top", lang, terms=sep.join(f"「{k}」×{m}" if lang == "zh" else f"'{k}' ×{m}" for k, m in top)), 0.5))
    return out


def display_table(result: CopyCheck, lang: str = "zh") -> pd.DataFrame:
    """The per-copy table with translated headers and statuses."""
    c = result.copies.assign(status=[t(f"copycheck.status.{s}", lang) for s in result.copies["status"]])
    return c.rename(columns={k: t(f"copycheck.col.{k}", lang) for k in c.columns})


def write_report(result: CopyCheck, path: str | Path, *, lang: str = "zh") -> list[Path]:
    """Write the result. ``.xlsx``: sheet copies (one row per copy, rows filled red / yellow /
    green by status, the flagged terms in red bold inside the copy) and sheet hits. ``.csv``:
    the per-copy table, plus ``<stem>_hits.csv``. Returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        hp = path.with_name(path.stem + "_hits.csv")
        display_table(result, lang).to_csv(path, index=False, encoding="utf-8-sig")
        result.hits.to_csv(hp, index=False, encoding="utf-8-sig")
        return [path, hp]
    from .workbook import write_xlsx

    write_xlsx(result, path, lang=lang)
    return [path]
