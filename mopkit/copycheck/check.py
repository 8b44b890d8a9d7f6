"""Find flagged terms in ad copies: jieba word boundaries, overlaps resolved, 2023-guide exceptions.

Chinese has no spaces, so a plain substring search reads 最近 ("recently") as 最 ("most") and
第一次 ("the first time") as 第一 ("number one"). Each copy is segmented with jieba and a term
only counts where it sits on word boundaries (``match: word``) or starts a word
(``match: prefix``, e.g. 最 → 最好, 最受欢迎, minus harmless words such as 最近). English terms
are regular expressions with ``\\b`` boundaries.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import numpy as np

from .terms import Term, TermSet, load_terms

_PRIORITY = {"word": 0, "regex": 0, "substring": 1, "prefix": 2}
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


@functools.lru_cache(maxsize=8)
def _tokenizer(words: tuple[str, ...]):
    """A private jieba tokenizer (the global one is left alone) that knows the flagged terms."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its dictionary load at DEBUG to stderr
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in words:
        if not tok.FREQ.get(w):
            tok.add_word(w)
    return tok


def _tokens(text: str, terms: TermSet) -> list[tuple[str, int, int]]:
    words = tuple(sorted({t.term for t in terms.terms if t.match == "word" and len(t.term) > 1 and not t.term.isascii()}
                         | {n for n in terms.names if not n.isascii()}))
    return list(_tokenizer(words).tokenize(text))


@dataclass(frozen=True)
class Hit:
    """One flagged expression in one copy. ``start``/``end``: 0-based character offsets."""

    term: str  # the text as it appears in the copy
    start: int
    end: int
    entry: Term
    severity: str
    exception: str = ""
    reason: str = ""


def _find_all(text: str, needle: str):
    hay, nd = (text.lower(), needle.lower()) if needle.isascii() else (text, needle)
    i = hay.find(nd)
    while i >= 0:
        yield i, i + len(nd)
        i = hay.find(nd, i + 1)


def _candidates(text: str, toks, terms: TermSet):
    bounds = {s for _, s, _ in toks} | {e for _, _, e in toks}
    tok_at = {s: k for k, (_, s, _) in enumerate(toks)}
    for term in terms.terms:
        if term.match == "regex":
            for m in re.finditer(term.regex, text):
                if m.end() > m.start():
                    yield m.start(), m.end(), term
            continue
        for s, e in _find_all(text, term.term):
            if term.match == "substring":
                yield s, e, term
            elif term.match == "word":
                if s in bounds and e in bounds:
                    yield s, e, term
            elif s in tok_at:  # prefix: the term starts a word; the hit is that word
                k = tok_at[s]
                word, _, end = toks[k]
                if len(word) == len(term.term) and k + 1 < len(toks) and _WORDLIKE.match(toks[k + 1][0]):
                    end = toks[k + 1][2]  # 最 / 受欢迎 -> 最受欢迎
                if word in term.not_words or text[s:end] in term.not_words:
                    continue
                yield s, end, term


def _resolve(cands) -> list[tuple[int, int, Term]]:
    """Keep the earliest, longest candidate; drop those overlapping a kept one (全网第一 ⊃ 第一)."""
    kept: list[tuple[int, int, Term]] = []
    for s, e, term in sorted(cands, key=lambda c: (c[0], -(c[1] - c[0]), _PRIORITY[c[2].match])):
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, term))
    return kept


def _exception(text: str, s: int, e: int, term: Term, terms: TermSet, lang: str) -> tuple[str, str]:
    for name in terms.names:  # the client's registered trademarks / product names
        for ns, ne in _find_all(text, name):
            if ns <= s and e <= ne:
                rule = next((x for x in terms.exceptions if x.key == "trademark_or_name"), None)
                return "trademark_or_name", rule.reason(lang) if rule else name
    for ex in terms.exceptions:
        if term.rule not in ex.applies_to or (ex.only_terms and term.term not in ex.only_terms):
            continue
        lo, hi = max(0, s - ex.window), min(len(text), e + ex.window)
        near_ok = all(any(m.start() < hi and m.end() > lo for m in p.finditer(text)) and
                      (ex.key != "usage_tip" or any(m.start() <= s and m.end() >= e for m in p.finditer(text)))
                      for p in ex.near)
        if near_ok and all(p.search(text) for p in ex.anywhere):
            return ex.key, ex.reason(lang)
    return "", ""


def check_text(text: str, terms: TermSet | None = None, *, lang: str = "zh") -> list[Hit]:
    """Every flagged term in ``text``, in order of position, with severity after exceptions."""
    terms = terms or default_terms()
    text = "" if text is None else str(text)
    if not text.strip():
        return []
    toks = _tokens(text, terms)
    hits = []
    for s, e, term in _resolve(_candidates(text, toks, terms)):
        key, reason = _exception(text, s, e, term, terms, lang)
        hits.append(Hit(text[s:e], s, e, term, "review" if key else term.severity, key, reason))
    return hits


@functools.lru_cache(maxsize=1)
def default_terms() -> TermSet:
    """The packaged term lists (no client extras)."""
    return load_terms()


def highlight_spans(hits: list[Hit]) -> np.ndarray:
    """``[[start, end], …]`` of the hits (for rich-text highlighting)."""
    return np.array([[h.start, h.end] for h in hits], dtype=int).reshape(-1, 2)
