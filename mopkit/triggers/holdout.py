"""Holdout groups: a deterministic, salted hash puts each customer in treatment or holdout per trigger.

``u = BLAKE2b(key=salt, "<trigger>:<customer_id>")[:8] / 2**64`` is uniform on [0, 1) and the
same in every run with the same salt, so a customer stays in the same group of a trigger month
after month (and the groups of different triggers are independent). ``u < share`` -> holdout.
The salt is the client's pseudonymisation salt; it is used, never printed or written.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..errors import ConfigError

TREATMENT, HOLDOUT = "treatment", "holdout"


def _key(salt: str) -> bytes:
    key = str(salt).encode("utf-8")
    return hashlib.blake2b(key).digest() if len(key) > 64 else key  # BLAKE2b keys are at most 64 bytes


def hash_unit(customer_ids, trigger: str, salt: str) -> np.ndarray:
    """Uniform [0, 1) number per customer id for ``trigger`` (hashed once per distinct id)."""
    key = _key(salt)
    codes, uniques = pd.factorize(pd.Series(customer_ids, dtype=object).astype(str))
    vals = np.fromiter(
        (int.from_bytes(hashlib.blake2b(f"{trigger}:{u}".encode("utf-8"), key=key, digest_size=8).digest(), "big")
         for u in uniques), dtype=np.uint64, count=len(uniques))
    return (vals.astype(np.float64) / 2.0**64)[codes]


def assign_groups(customer_ids, trigger: str, salt: str, share: float = 0.10) -> np.ndarray:
    """``"holdout"`` for a ``share`` of customers (by hash), ``"treatment"`` for the rest.

    Raises ConfigError when ``share`` is not in [0, 1).
    """
    share = float(share)
    if not 0.0 <= share < 1.0:
        raise ConfigError(f"holdout_share {share} is not a share", fix="use a number in [0, 1), e.g. 0.1 for 10 %")
    u = hash_unit(customer_ids, trigger, salt)
    return np.where(u < share, HOLDOUT, TREATMENT).astype(object)
