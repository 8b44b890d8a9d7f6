"""Markov-chain attribution with exact removal effects.

A journey is a walk ``start -> channel -> ... -> conversion | null`` in an absorbing Markov
chain whose transition probabilities are the observed transition frequencies (order ``k``: a
state is the last ``k`` channels, shorter at the start of a path). The *removal effect* of a
channel is the relative drop in the probability of reaching ``conversion`` from ``start`` when
every state containing the channel leads to ``null`` instead (Anderl, Becker, von Wangenheim &
Schumann 2016, "Mapping the customer journey: lessons learned from graph-based online
attribution modeling", IJRM 33(3)). Credits are the removal effects rescaled to the total.

Absorption probabilities are solved exactly from the fundamental-matrix equation
``(I - Q) x = r`` (Kemeny & Snell 1960, Finite Markov Chains, ch. 3) with a sparse LU solve,
one per channel: no simulation, so no simulation noise (ChannelAttribution estimates the same
quantities by sampling paths, which at its default sample sizes moves small channels by whole
percentage points). Conversion value uses the same chain with the absorption reward "mean
value of the conversions that left this state", so value removal effects are exact too.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ..errors import ConfigError, InsufficientDataError, NotFittedError
from .journeys import SEP, Journeys, explode_paths


def _solve(A: sp.csc_matrix, b: np.ndarray) -> np.ndarray:
    """Solve ``A x = b`` for one or more right-hand sides ``b`` [S, m]."""
    return splu(A.tocsc()).solve(np.asarray(b, dtype=float))


class MarkovAttribution:
    """Absorbing Markov chain of order ``order`` (1 to 3) fitted on unique paths.

    Parameters
    ----------
    order : number of previous channels a state remembers (1, 2 or 3).

    Fitted attributes
    -----------------
    channels_ : channel names.
    states_ : state labels (``"(start)"`` first, then channel sequences joined by ``" > "``).
    conversion_probability_ : P(reach conversion from start) of the fitted chain.
    value_per_journey_ : expected conversion value per journey of the fitted chain.
    removal_effects_ : DataFrame ``channel, removal_effect, removal_effect_value`` in [0, 1].
    credits_ : DataFrame ``channel, conversions, value`` (sum to the totals).
    """

    def __init__(self, order: int = 1):
        self.order = order

    def fit(self, journeys: Journeys) -> "MarkovAttribution":
        """Estimate the chain from ``journeys.paths`` and compute removal effects and credits.

        Raises
        ------
        ConfigError : order not in 1..3.
        InsufficientDataError : no conversions.
        """
        k = self.order
        if k not in (1, 2, 3):
            raise ConfigError(f"markov_order must be 1, 2 or 3, got {k!r}",
                              fix="use 1 (the usual choice); 2-3 need many journeys per state")
        paths = journeys.paths
        conv_total = float(paths["conversions"].sum())
        if conv_total <= 0:
            raise InsufficientDataError("no conversions to attribute", fix="check the conversions column")
        channels, pidx, pos, length, code = explode_paths(paths)
        C = len(channels)
        base = C + 1
        # state id of every step: last k channel codes (1..C, 0 = before the path start)
        state = np.zeros(len(code), dtype=np.int64)  # [N]
        for lag in range(k):
            ok = pos - lag >= 0
            prev = np.zeros(len(code), dtype=np.int64)
            prev[ok] = code[np.flatnonzero(ok) - lag] + 1
            state += prev * base ** lag
        uniq, sidx = np.unique(state, return_inverse=True)
        sidx = sidx.reshape(-1) + 1  # 0 = start
        S = len(uniq) + 1
        conv = paths["conversions"].to_numpy(dtype=float)
        null = paths["non_conversions"].to_numpy(dtype=float)
        val = paths["value"].to_numpy(dtype=float)
        w = (conv + null)[pidx]  # [N] journeys passing through each step
        frm = np.where(pos == 0, 0, np.roll(sidx, 1))  # previous state (start at position 0)
        counts = sp.coo_matrix((w, (frm, sidx)), shape=(S, S)).tocsr()
        last = pos == length - 1
        r_conv = np.bincount(sidx[last], weights=conv[pidx][last], minlength=S)
        r_null = np.bincount(sidx[last], weights=null[pidx][last], minlength=S)
        r_val = np.bincount(sidx[last], weights=val[pidx][last], minlength=S)
        out = np.asarray(counts.sum(axis=1)).ravel() + r_conv + r_null  # [S] leaving each state
        inv = 1.0 / np.where(out > 0, out, 1.0)
        P = sp.diags(inv) @ counts  # transient -> transient probabilities
        A = (sp.identity(S, format="csr") - P).tocsc()
        rhs = np.column_stack([r_conv * inv, r_val * inv])  # [S, 2]: to conversion, value reward
        base_sol = _solve(A, rhs)[0]  # from start
        self.conversion_probability_ = float(base_sol[0])
        self.value_per_journey_ = float(base_sol[1])

        # which channels each state contains: decode the k slots
        digits = np.stack([(uniq // base ** lag) % base for lag in range(k)], axis=1)  # [S-1, k]
        A_csr = A.tocsr()
        re_c = np.zeros(C)
        re_v = np.zeros(C)
        for c in range(C):
            has = (digits == c + 1).any(axis=1)
            keep = np.concatenate([[True], ~has])  # start never removed
            idx = np.flatnonzero(keep)
            sub = A_csr[idx][:, idx]
            sol = _solve(sub, rhs[idx])[0]
            re_c[c] = 1.0 - sol[0] / base_sol[0] if base_sol[0] > 0 else 0.0
            re_v[c] = 1.0 - sol[1] / base_sol[1] if base_sol[1] > 0 else 0.0
        re_c = np.clip(re_c, 0.0, 1.0)  # exact values lie in [0, 1]; clip only round-off
        re_v = np.clip(re_v, 0.0, 1.0)
        val_total = float(val.sum())
        self.channels_ = list(channels)
        labels = ["(start)"]
        for row in digits:
            labels.append(SEP.join(channels[d - 1] for d in row[::-1] if d > 0))
        self.states_ = labels
        self.removal_effects_ = pd.DataFrame({"channel": channels, "removal_effect": re_c,
                                              "removal_effect_value": re_v})
        self.credits_ = pd.DataFrame({
            "channel": channels,
            "conversions": re_c / re_c.sum() * conv_total if re_c.sum() > 0 else 0.0,
            "value": re_v / re_v.sum() * val_total if re_v.sum() > 0 else 0.0,
        })
        return self

    def _check(self) -> None:
        if not hasattr(self, "credits_"):
            raise NotFittedError("this MarkovAttribution is not fitted yet", fix="call .fit(journeys) first")


def markov(j: Journeys, *, order: int = 1) -> pd.DataFrame:
    """Markov-chain credits (``channel, conversions, value``); see :class:`MarkovAttribution`."""
    return MarkovAttribution(order=order).fit(j).credits_


def transition_matrix(j: Journeys) -> pd.DataFrame:
    """First-order transition probabilities between channels, from the unique paths.

    Rows: ``(start)`` and each channel; columns: each channel, ``(conversion)``, ``(null)``.
    Each row sums to one.
    """
    channels, pidx, pos, length, code = explode_paths(j.paths)
    C = len(channels)
    conv = j.paths["conversions"].to_numpy(dtype=float)
    null = j.paths["non_conversions"].to_numpy(dtype=float)
    w = (conv + null)[pidx]
    frm = np.where(pos == 0, 0, np.roll(code, 1) + 1)
    M = np.zeros((C + 1, C + 2))
    np.add.at(M, (frm, code), w)
    last = pos == length - 1
    np.add.at(M[:, C], code[last] + 1, conv[pidx][last])
    np.add.at(M[:, C + 1], code[last] + 1, null[pidx][last])
    tot = M.sum(axis=1, keepdims=True)
    M = M / np.where(tot > 0, tot, 1.0)
    return pd.DataFrame(M, index=["(start)"] + list(channels), columns=list(channels) + ["(conversion)", "(null)"])
