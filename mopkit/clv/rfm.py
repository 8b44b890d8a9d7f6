"""RFM: recency, frequency, monetary value per customer, scores 1-5, named segments and tiers.

Two segment schemes the field uses:

- ``classic``: the 11 segments popularised by Putler (Champions, Loyal, Potential loyalists,
  New customers, Promising, Need attention, About to sleep, At risk, Can't lose them,
  Hibernating, Lost) placed on the grid of R score x FM score, FM = round-half-up of
  (F + M) / 2. :data:`CLASSIC_GRID` spells the grid out so every cell has exactly one segment.
- ``cn8``: the 8-class scheme common in China (重要价值客户 ...): R, F and M are each "high" or
  "low" against the customers' mean (R high = more recent than the mean; equality counts as low).

Scores (:data:`SCORERS`, chosen by name):

- ``quantile`` (default): score = 1 + floor(5 x share of customers strictly worse). Ties always
  share a score (sixty percent of one-time buyers all get F = 1, not 1, 2 and 3 at random).
- ``rank``: equal-sized quintiles of the rank (ties broken by order; the textbook "qcut").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..registry import lookup
from ..i18n import register

SEGMENTS_CLASSIC = (
    "champions", "loyal", "potential_loyalist", "new_customers", "promising", "need_attention",
    "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost",
)
#: CLASSIC_GRID[R - 1][FM - 1] -> segment; rows R = 1..5 (5 = most recent), columns FM = 1..5.
CLASSIC_GRID = (
    ("lost", "hibernating", "at_risk", "cant_lose", "cant_lose"),  # R = 1
    ("about_to_sleep", "about_to_sleep", "at_risk", "at_risk", "cant_lose"),  # R = 2
    ("promising", "need_attention", "need_attention", "loyal", "loyal"),  # R = 3
    ("promising", "potential_loyalist", "loyal", "champions", "champions"),  # R = 4
    ("new_customers", "potential_loyalist", "potential_loyalist", "champions", "champions"),  # R = 5
)
#: (R high, F high, M high) -> 8-class segment key.
CN8 = {
    (True, True, True): "important_value",
    (False, True, True): "important_keep",
    (True, False, True): "important_develop",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (False, True, False): "general_keep",
    (True, False, False): "general_develop",
    (False, False, False): "general_winback",
}

LABELS = {
    "seg.champions": {"zh": "冠军客户", "en": "Champions"},
    "seg.loyal": {"zh": "忠诚客户", "en": "Loyal"},
    "seg.potential_loyalist": {"zh": "潜在忠诚客户", "en": "Potential loyalists"},
    "seg.new_customers": {"zh": "新客户", "en": "New customers"},
    "seg.promising": {"zh": "有潜力客户", "en": "Promising"},
    "seg.need_attention": {"zh": "需要关注", "en": "Need attention"},
    "seg.about_to_sleep": {"zh": "即将沉睡", "en": "About to sleep"},
    "seg.at_risk": {"zh": "流失风险", "en": "At risk"},
    "seg.cant_lose": {"zh": "不能失去", "en": "Can't lose them"},
    "seg.hibernating": {"zh": "沉睡客户", "en": "Hibernating"},
    "seg.lost": {"zh": "已流失", "en": "Lost"},
    "seg.important_value": {"zh": "重要价值客户", "en": "Important value"},
    "seg.important_keep": {"zh": "重要保持客户", "en": "Important to keep"},
    "seg.important_develop": {"zh": "重要发展客户", "en": "Important to develop"},
    "seg.important_winback": {"zh": "重要挽留客户", "en": "Important to win back"},
    "seg.general_value": {"zh": "一般价值客户", "en": "General value"},
    "seg.general_keep": {"zh": "一般保持客户", "en": "General to keep"},
    "seg.general_develop": {"zh": "一般发展客户", "en": "General to develop"},
    "seg.general_winback": {"zh": "一般挽留客户", "en": "General to win back"},
    "tier.base": {"zh": "普通", "en": "Regular"},
    "rfm.recency_days": {"zh": "最近购买距今（天）", "en": "Days since last purchase"},
    "rfm.frequency": {"zh": "购买次数", "en": "Orders"},
    "rfm.monetary": {"zh": "累计消费", "en": "Total spend"},
}
register(LABELS)


def rfm_table(
    transactions: pd.DataFrame,
    observation_end=None,
    *,
    customer_col: str = "customer_id",
    time_col: str = "order_time",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Recency, frequency and monetary value of each customer at ``observation_end``.

    Required columns: ``customer_id``, ``order_time``, ``amount`` (purchases only, e.g. from
    :func:`mopkit.clv.prepare_transactions`). Purchases after ``observation_end``'s day are ignored
    (``None`` = the last purchase's day).

    Returns
    -------
    DataFrame indexed by customer id: ``recency_days`` (whole days from the last purchase's day to
    the observation day), ``order_count`` (orders), ``total_spend`` (sum of amounts; named apart from the CLV summary's ``frequency`` = repeat periods and ``monetary_value`` = mean repeat value), ``first_purchase``,
    ``last_purchase``.
    """
    missing = [c for c in (customer_col, time_col, amount_col) if c not in transactions.columns]
    if missing:
        raise DataError(f"transactions lack the columns {missing}", column=missing[0],
                        fix="pass purchases with customer_id, order_time and amount")
    from .grouping import customer_codes  # noqa: PLC0415 - shared fast customer grouping

    times = transactions[time_col]
    if times.dtype.kind != "M":
        times = pd.to_datetime(times)
    end = times.max().normalize() if observation_end in (None, "") else pd.Timestamp(observation_end).normalize()
    keep = (times < end + pd.Timedelta(days=1)).to_numpy()
    if not keep.any():
        raise DataError(f"no purchase on or before the observation end {end.date()}", fix="check observation_end")
    t = times.to_numpy()[keep]
    tn = t.view(np.int64)
    amount = transactions[amount_col].to_numpy(dtype=float)[keep]
    codes, index = customer_codes(transactions[customer_col][keep] if not keep.all() else transactions[customer_col])
    k = len(index)
    lo = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, codes, tn)
    np.maximum.at(hi, codes, tn)
    out = pd.DataFrame({"first_purchase": lo.view(t.dtype), "last_purchase": hi.view(t.dtype),
                        "order_count": np.bincount(codes, minlength=k).astype(int),
                        "total_spend": np.bincount(codes, weights=amount, minlength=k)}, index=index)
    out["recency_days"] = (end - out["last_purchase"].dt.normalize()).dt.days.astype(int)
    out.index.name = customer_col
    return out[["recency_days", "order_count", "total_spend", "first_purchase", "last_purchase"]]


def _score_quantile(values: pd.Series, higher_is_better: bool, n: int) -> pd.Series:
    v = values if higher_is_better else -values
    worse = v.rank(method="min") - 1  # customers strictly worse
    return (1 + np.floor(n * worse / len(v))).clip(1, n).astype(int)


def _score_rank(values: pd.Series, higher_is_better: bool, n: int) -> pd.Series:
    v = values if higher_is_better else -values
    r = v.rank(method="first") - 1
    return (1 + np.floor(n * r / len(v))).clip(1, n).astype(int)


SCORERS = {"quantile": _score_quantile, "rank": _score_rank}


def rfm_scores(rfm: pd.DataFrame, *, method: str = "quantile", n_bins: int = 5) -> pd.DataFrame:
    """Add ``R``, ``F``, ``M`` scores (1 = worst, ``n_bins`` = best) and ``FM`` to an RFM table.

    Required columns: ``recency_days``, ``order_count``, ``total_spend``. Lower recency is better.
    ``method`` is a key of :data:`SCORERS`.
    """
    score = lookup(SCORERS, method, what="RFM scoring method")
    out = rfm.copy()
    out["R"] = score(out["recency_days"].astype(float), False, n_bins)
    out["F"] = score(out["order_count"].astype(float), True, n_bins)
    out["M"] = score(out["total_spend"].astype(float), True, n_bins)
    out["FM"] = (out["F"] + out["M"] + 1) // 2  # round half up
    return out


def classic_segments(scores: pd.DataFrame, grid=CLASSIC_GRID) -> pd.Series:
    """Classic segment key per customer from the ``R`` and ``FM`` scores (1-5) via ``grid``."""
    g = np.asarray(grid, dtype=object)
    return pd.Series(g[scores["R"].to_numpy() - 1, scores["FM"].to_numpy() - 1], index=scores.index, name="segment")


def cn8_segments(rfm: pd.DataFrame) -> pd.Series:
    """8-class segment key per customer: R/F/M above or below the customers' mean.

    R is high when ``recency_days`` is below the mean (more recent), F and M when ``order_count``
    and ``total_spend`` are above their means; a value equal to the mean counts as low.
    """
    r = (rfm["recency_days"] < rfm["recency_days"].mean()).to_numpy()
    f = (rfm["order_count"] > rfm["order_count"].mean()).to_numpy()
    m = (rfm["total_spend"] > rfm["total_spend"].mean()).to_numpy()
    keys = [CN8[(a, b, c)] for a, b, c in zip(r, f, m)]
    return pd.Series(keys, index=rfm.index, name="segment_cn8")


def assign_tiers(values: pd.Series, thresholds: dict, *, base: str) -> pd.Series:
    """Value tier per customer: the highest tier whose threshold ``values`` reach (>=), else ``base``.

    ``thresholds`` maps tier name -> minimum value, e.g. ``{"钻石": 5000, "VIP": 1500}``.

    Raises
    ------
    ConfigError
        A threshold is not a number.
    """
    out = pd.Series(base, index=values.index, name="tier", dtype=object)
    try:
        items = sorted(((float(v), str(k)) for k, v in (thresholds or {}).items()))
    except (TypeError, ValueError):
        raise ConfigError(f"tier_thresholds must map tier names to numbers, got {thresholds!r}",
                          fix='e.g. tier_thresholds: {"钻石": 5000, "VIP": 1500}') from None
    v = values.to_numpy(dtype=float)
    for thr, name in items:  # ascending: higher tiers overwrite lower ones
        out[v >= thr] = name
    return out


def segment_summary(table: pd.DataFrame, segment_col: str = "segment", *, value_col: str = "total_spend") -> pd.DataFrame:
    """Customers, share, total and mean value, mean recency/frequency per segment (largest first)."""
    g = table.groupby(segment_col)
    out = pd.DataFrame({
        "customers": g.size(),
        "value": g[value_col].sum(),
        "mean_value": g[value_col].mean(),
        "mean_recency_days": g["recency_days"].mean(),
        "mean_order_count": g["order_count"].mean(),
    })
    out["share"] = out["customers"] / out["customers"].sum()
    out["value_share"] = out["value"] / out["value"].sum()
    return out.sort_values("value", ascending=False)


def rfm_heatmap_table(scores: pd.DataFrame, *, value: str = "customers") -> pd.DataFrame:
    """R (rows, 5 at top) x FM (columns) grid of customer counts (``value="customers"``) or
    mean total spend (``value="total_spend"``)."""
    if value == "customers":
        m = scores.groupby(["R", "FM"]).size().unstack(fill_value=0)
    else:
        m = scores.groupby(["R", "FM"])["total_spend"].mean().unstack()
    idx = range(1, 6)
    return m.reindex(index=list(idx)[::-1], columns=list(idx))
