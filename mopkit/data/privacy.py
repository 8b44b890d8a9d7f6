"""Pseudonymisation of customer ids and contact data at load time.

Each value is replaced by a keyed hash (BLAKE2b in keyed mode, a MAC, with the client's salt), so the same person
gets the same pseudonym in every table and every run with that salt (joins and repeat-purchase
analysis still work) while nobody without the salt can go back from the pseudonym to the phone
number by hashing guesses. Nothing downstream of the loader sees the raw values.
"""
from __future__ import annotations

import hashlib

import pandas as pd

PREFIX = {"customer_id": "c", "name": "nm", "phone": "ph", "address": "ad", "wechat_id": "wx", "douyin_id": "dy", "email": "em"}


def pseudonymise(values: pd.Series, salt: str, *, column: str, length: int = 12) -> pd.Series:
    """Replace every non-empty value by ``<prefix>_<hex>``, a keyed hash of it; empties stay NA.

    The hash of each distinct value is computed once (categorical codes), so this is fast on
    millions of rows with repeated ids.
    """
    # BLAKE2b keys are at most 64 bytes: a longer salt is first hashed down to 64 bytes
    key = salt.encode("utf-8")
    if len(key) > 64:
        key = hashlib.blake2b(key).digest()
    prefix = PREFIX.get(column, column[:2])
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = [
        f"{prefix}_{hashlib.blake2b((column + ':' + u).encode('utf-8'), key=key, digest_size=length // 2).hexdigest()}"
        for u in uniques
    ]
    out = pd.Series(pd.array([None] * len(values), dtype="string"), index=values.index)
    has = codes >= 0
    if has.any():
        out[has] = pd.array(mapped, dtype="string")[codes[has]]
    return out
