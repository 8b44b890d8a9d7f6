"""Term lists of the ad-copy check: YAML files with the legal basis cited, extendable per client.

The package ships ``terms/absolute.yaml`` (Advertising Law Art. 9(3)), ``terms/medical.yaml``
(Art. 17/18), ``terms/cosmetics.yaml`` (化妆品监督管理条例 Art. 37/43, 化妆品标签管理办法 Art. 19)
and ``terms/exceptions.yaml`` (SAMR 2023 guide on absolute terms, Art. 5). A client's extra file
has the same form as a rule file (``rule``, ``title``, ``basis``, ``severity``, ``terms``) and may
add ``names:`` — the client's registered trademarks and product names: a hit inside one is
lowered to review (guide Art. 5(4)).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from ..errors import ConfigError

SEVERITIES = ("violation", "review")
MATCHES = ("word", "prefix", "substring", "regex")


@dataclass(frozen=True)
class Term:
    """One flagged expression. ``match`` says how it must sit in the text (see absolute.yaml)."""

    term: str
    rule: str
    severity: str
    basis: str
    title_zh: str
    title_en: str
    suggest: str = ""
    match: str = "word"
    regex: str = ""
    not_words: tuple[str, ...] = ()
    source: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@dataclass(frozen=True)
class ExceptionRule:
    """A case of the 2023 guide that lowers an absolute-term hit to review."""

    key: str
    reason_zh: str
    reason_en: str
    basis: str
    window: int
    near: tuple[re.Pattern, ...]  # every pattern group must match (near the hit / anywhere)
    anywhere: tuple[re.Pattern, ...]
    only_terms: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ("absolute",)

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class TermSet:
    terms: tuple[Term, ...]
    exceptions: tuple[ExceptionRule, ...]
    names: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


def _err(path, msg, fix="see mopkit/copycheck/terms/absolute.yaml for the format") -> ConfigError:
    return ConfigError(msg, file=path, fix=fix)


def _load_yaml(path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("term file not found", file=path, fix="check the path given to --terms or copycheck.terms") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise _err(path, f"term file is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise _err(path, "a term file must be a mapping with rule, title, basis, severity and terms")
    return data


def parse_rule_file(data: dict, path) -> list[Term]:
    """The :class:`Term` entries of one rule file (validated)."""
    if not data.get("terms"):
        return []
    for k in ("rule", "basis"):
        if not data.get(k):
            raise _err(path, f"term file lacks {k!r}")
    title = data.get("title") or {}
    if isinstance(title, str):
        title = {"zh": title, "en": title}
    sev = data.get("severity", "violation")
    out = []
    for i, e in enumerate(data["terms"], 1):
        if isinstance(e, str):
            e = {"term": e}
        if not isinstance(e, dict) or not e.get("term"):
            raise _err(path, f"entry {i} of terms has no 'term'", fix="write entries as {term: 最佳, suggest: 优选}")
        match = e.get("match", "regex" if e.get("regex") else "word")
        if match not in MATCHES:
            raise _err(path, f"entry {e['term']!r}: match {match!r} is not one of {list(MATCHES)}")
        severity = e.get("severity", sev)
        if severity not in SEVERITIES:
            raise _err(path, f"entry {e['term']!r}: severity {severity!r} is not one of {list(SEVERITIES)}")
        if match == "regex":
            try:
                re.compile(e.get("regex") or "")
            except re.error as exc:
                raise _err(path, f"entry {e['term']!r}: bad regular expression: {exc}") from None
            if not e.get("regex"):
                raise _err(path, f"entry {e['term']!r}: match regex needs a 'regex'")
        out.append(Term(str(e["term"]), str(data["rule"]), severity, str(e.get("basis", data["basis"])),
                        str(title.get("zh", data["rule"])), str(title.get("en", data["rule"])), str(e.get("suggest", "")),
                        match, str(e.get("regex", "")), tuple(e.get("not_words", ())), str(path)))
    return out


def parse_exceptions(data: dict, path) -> list[ExceptionRule]:
    out = []
    for e in data.get("exceptions", []):
        reason = e.get("reason") or {}
        groups = e.get("all_of") or []
        near = [g for grp in groups for k, g in grp.items() if k == "near"]
        anywhere = [g for grp in groups for k, g in grp.items() if k == "anywhere"]
        out.append(ExceptionRule(
            str(e["key"]), str(reason.get("zh", e["key"])), str(reason.get("en", e["key"])), str(data.get("basis", "")),
            int(e.get("window", 10)),
            tuple(re.compile("|".join(f"(?:{p})" for p in g), re.IGNORECASE) for g in near),
            tuple(re.compile("|".join(f"(?:{p})" for p in g), re.IGNORECASE) for g in anywhere),
            tuple(str(x) for x in e.get("only_terms", ())), tuple(data.get("applies_to", ("absolute",))),
        ))
    return out


def load_terms(extra: list[str | Path] | tuple = ()) -> TermSet:
    """The packaged term lists plus the client's ``extra`` files (same format; may add ``names``)."""
    folder = resources.files("mopkit.copycheck") / "terms"
    terms: list[Term] = []
    exceptions: list[ExceptionRule] = []
    names: list[str] = []
    files = []
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    for p in [*paths, *(Path(x) for x in extra)]:
        data = _load_yaml(p)
        files.append(str(p))
        if "exceptions" in data:
            try:
                exceptions += parse_exceptions(data, p)
            except (KeyError, TypeError, re.error) as exc:
                raise _err(p, f"malformed exceptions entry: {exc}") from None
        terms += parse_rule_file(data, p)
        names += [str(n) for n in data.get("names", []) or []]
    return TermSet(tuple(terms), tuple(exceptions), tuple(names), tuple(files))
