"""Pseudonymisation of customer ids and contact data at load time.

Each value is replaced by a keyed hash (BLAKE2b in keyed mode, a MAC, with the client's salt), so the same person
gets the same pseudonym in every table and every run with that salt (joins and repeat-purchase
analysis still work) while nobody without the salt can go back from the pseudonym to the phone
number by hashing guesses. Nothing downstream of the loader sees the raw values.

Pseudonyms carry 128 bits (32 hex digits): at 10 million distinct values the chance that two
share a pseudonym is about 1e-25 (birthday bound n²/2^129); the 48 bits used before gave about
16 %. Each call still checks that distinct values got distinct pseudonyms and raises
:class:`~mopkit.errors.DataError` otherwise, so a collision can never merge two people silently.

The salt is the secret: a real client must set one (config ``salt:`` or ``$MOPKIT_SALT``,
checked by :meth:`mopkit.config.ClientConfig.resolved_salt`). Only the bundled, made-up sample
merchant uses the public :data:`SAMPLE_SALT`.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..errors import DataError

PREFIX = {"customer_id": "c", "name": "nm", "phone": "ph", "address": "ad", "wechat_id": "wx", "douyin_id": "dy", "email": "em"}
#: Hex digits of a pseudonym: 32 digits = 128 bits.
HEX_DIGITS = 32
#: What a customer pseudonym looks like (``c_`` + 32 hex digits).
PSEUDONYM_RE = r"c_[0-9a-f]{32}"
#: The sample merchant's salt. Public on purpose (the sample is made up, and its runs must be
#: reproducible by anyone); a config for any other client that uses it is refused.
SAMPLE_SALT = "mopkit-sample-merchant-public-salt"
#: Shortest salt accepted for a real client (a short key can be guessed).
MIN_SALT_CHARS = 16


def _key(salt: str) -> bytes:
    # BLAKE2b keys are at most 64 bytes: a longer salt is first hashed down to 64 bytes
    key = salt.encode("utf-8")
    if len(key) > 64:
        key = hashlib.blake2b(key).digest()
    return key


def pseudonymise(values: pd.Series, salt: str, *, column: str, length: int = HEX_DIGITS,
                 known: dict[str, str] | None = None) -> pd.Series:
    """Replace every non-empty value by ``<prefix>_<hex>``, a keyed hash of it; empties stay NA.

    ``length`` hex digits are kept (default 32 = 128 bits; shorter only for tests). The hash of
    each distinct value is computed once (categorical codes), so this is fast on millions of
    rows with repeated ids. ``known`` (value -> pseudonym, same salt, column and length) is read
    and filled: a loader passes one per load, so an id in several files or tables is hashed once.

    Raises
    ------
    DataError
        Two distinct values received the same pseudonym (a hash collision): continuing would
        merge two people's records.
    """
    key = _key(salt)
    prefix = PREFIX.get(column, column[:2])
    if not (pd.api.types.is_string_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype)):
        values = values.astype("string")  # numbers, dates: their text first, as a whole column
    # every step below is per value, so it runs on the distinct values (an id repeats once per
    # order) and is mapped back with their codes (Arrow's take: no Python object per row)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques).astype("string").str.strip()
    text = text.mask(text == "")
    inner, distinct = pd.factorize(text, use_na_sentinel=True)  # cleaning may merge raw values (" a" and "a")
    digest = max((length + 1) // 2, 1)
    # blake2b(column + ":" + value, key): the keyed state after "column:" is computed once and copied
    # per value (the same hash; a fresh keyed hash per value costs half again as much)
    keyed = hashlib.blake2b(key=key, digest_size=digest)
    keyed.update((column + ":").encode("utf-8"))

    def mac(value: str) -> str:
        h = keyed.copy()
        h.update(value.encode("utf-8"))
        return h.hexdigest()[:length]

    values_ = distinct.tolist()  # plain str objects: iterating the Arrow array is slow
    if known is None:
        mapped = [f"{prefix}_{mac(u)}" for u in values_]
    else:
        mapped = [known.get(u) for u in values_]
        for i in (i for i, m in enumerate(mapped) if m is None):
            mapped[i] = known[values_[i]] = f"{prefix}_{mac(values_[i])}"
    check_distinct(mapped, column=column)
    rows = np.where(codes >= 0, inner[np.maximum(codes, 0)], -1) if len(inner) else np.full(len(codes), -1)
    out = pd.api.extensions.take(pd.array(mapped, dtype="string"), rows, allow_fill=True)
    return pd.Series(out, index=values.index)


def check_distinct(pseudonyms: list[str], *, column: str) -> None:
    """Raise :class:`DataError` if pseudonyms of distinct raw values are not all distinct."""
    seen = pd.Index(pseudonyms)
    if seen.has_duplicates:
        dup = seen[seen.duplicated()].unique()
        raise DataError(
            f"{len(dup)} pseudonym(s) of column {column!r} were given to more than one distinct value "
            "(a hash collision): their records would be merged",
            column=column,
            examples=list(dup[:5]),  # pseudonyms only, never the raw values
            fix="use the default 128-bit pseudonyms (length=32); if this happens with them, report it",
        )
