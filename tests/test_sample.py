"""The sample merchant generator: deterministic, canonical, and carrying its planted truths.

Expected values come from the generator's own planted parameters (``truth``), from closed forms
(Fader, Hardie & Lee 2005 eq. 7 for BG/NBD E[X(t)]; Gamma-Gamma mean p*gamma/(q-1) from Fader &
Hardie 2013) and from the absorbing-chain algebra of the true transition matrix. This file does
not test other helpers' models.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from mopkit.data import sample_calendar as cal
from mopkit.data import sample_journeys as jr
from mopkit.data.sample import generate_sample_merchant, write_sample_files
from mopkit.data.schema import ORDER_STATUSES, TABLES

# The sample has touch-level journeys; `paths` is the aggregated alternative for clients without them.
SAMPLE_TABLES = set(TABLES) - {"paths"}

COMMITTED = Path(__file__).resolve().parents[1] / "data_samples" / "sample_merchant"
BYTE_FILES = ("douyin_orders.csv", "tmall_orders.xlsx", "wechat_orders.xlsx", "customers.csv", "truth.json",
              "client.yaml", "ad_spend.xlsx", "ad_copies.csv", "campaigns.csv", "opt_out.csv")  # written by our own code


@pytest.fixture(scope="module")
def small():
    return generate_sample_merchant(seed=7, n_customers=2000)


@pytest.fixture(scope="module")
def full():
    """The committed sample (seed and size read from the committed truth.json)."""
    g = json.loads((COMMITTED / "truth.json").read_text(encoding="utf-8"))["generator"]
    return generate_sample_merchant(seed=g["seed"], n_customers=g["n_customers"], start=g["start"], end=g["end"])


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# --- determinism ---------------------------------------------------------------------------------

def test_same_seed_same_tables_and_bytes(small, tmp_path):
    again = generate_sample_merchant(seed=7, n_customers=2000)
    for name, df in small.tables.items():
        pd.testing.assert_frame_equal(df, again.tables[name], check_exact=True)
    assert small.truth == again.truth
    a = write_sample_files(small, tmp_path / "a")
    b = write_sample_files(again, tmp_path / "b")
    assert {k: _sha(p) for k, p in a.items()} == {k: _sha(p) for k, p in b.items()}


def test_different_seed_differs(small):
    other = generate_sample_merchant(seed=8, n_customers=2000)
    assert not small.tables["orders"]["amount"].equals(other.tables["orders"]["amount"])
    assert not small.tables["touchpoints"]["channel"].equals(other.tables["touchpoints"]["channel"])


# --- schema ---------------------------------------------------------------------------------------

_KIND_CHECK = {
    "time": pd.api.types.is_datetime64_any_dtype,
    "date": pd.api.types.is_datetime64_any_dtype,
    "money": pd.api.types.is_float_dtype,
    "number": pd.api.types.is_float_dtype,
    "count": pd.api.types.is_integer_dtype,
    "id": pd.api.types.is_string_dtype,
    "text": pd.api.types.is_string_dtype,
    "contact": pd.api.types.is_string_dtype,
}


def test_tables_follow_schema(small):
    assert set(small.tables) == SAMPLE_TABLES
    for name, df in small.tables.items():
        table = TABLES[name]
        assert list(df.columns) == table.names, name
        for col in table.columns:
            assert _KIND_CHECK[col.kind](df[col.name]), (name, col.name, df[col.name].dtype)
        for col in table.required_names:
            assert df[col].notna().all(), (name, col)
        if table.key:
            assert not df.duplicated(list(table.key)).any(), name
    o = small.tables["orders"]
    assert set(o["status"]) == set(ORDER_STATUSES)
    assert set(o["channel"]) <= set(jr.CHANNELS)
    assert (o["amount"] > 0).all() and (o["discount"] >= 0).all()
    assert (o["refund_amount"] <= o["amount"]).all()
    assert (o.loc[o["status"] != "refunded", "refund_amount"] == 0).all()
    assert o["order_time"].between("2024-01-01", "2025-12-31 23:59:59").all()
    assert set(small.tables["order_items"]["order_id"]) == set(o["order_id"])
    assert set(o["customer_id"]) == set(small.tables["customers"]["customer_id"])


def test_contacts_are_gbk_and_look_real(small):
    c = small.tables["customers"]
    for col in ("name", "address", "region"):
        assert c[col].str.encode("gbk").notna().all()
    digits = c["phone"].str.replace(r"\D", "", regex=True).str.removeprefix("86")
    assert digits.str.fullmatch(r"1[3-9]\d{9}").all()
    assert c["name"].str.len().between(2, 3).all()


def test_json_and_config_parse(small, tmp_path):
    from mopkit.config import load_config

    paths = write_sample_files(small, tmp_path)
    assert json.loads(paths["truth.json"].read_text(encoding="utf-8")) == small.truth
    cfg = load_config(paths["client.yaml"])
    assert cfg.name == "花漾美妆旗舰店" and cfg.slug == "sample" and cfg.language == "zh"
    assert set(cfg.sources) == SAMPLE_TABLES
    assert all(s.path.exists() for srcs in cfg.sources.values() for s in srcs)
    assert [s.preset for s in cfg.sources["orders"]] == ["douyin", "tmall", None]
    raw = paths["douyin_orders.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "主订单编号".encode() in raw[:40]
    assert b"\n\t69" in raw[:1000]  # Douyin ids protected by a leading tab
    paths["customers.csv"].read_bytes().decode("gbk")  # GBK, not UTF-8


# --- committed files ------------------------------------------------------------------------------

def test_committed_files_match_regeneration(full, tmp_path):
    paths = write_sample_files(full, tmp_path)
    for name, p in paths.items():
        committed = COMMITTED / name
        assert committed.exists(), f"{name} missing: run scripts/make_sample.py"
        if name in BYTE_FILES:
            assert _sha(committed) == _sha(p), f"{name} differs: run scripts/make_sample.py"
        else:  # parquet: compare content, the bytes may vary with the pyarrow version
            pd.testing.assert_frame_equal(pd.read_parquet(committed), pd.read_parquet(p))
    total = sum((COMMITTED / n).stat().st_size for n in paths)
    assert total < 12_000_000  # a sample a consultant downloads with the kit: per-platform exports (issue 11), send log (13)


# --- planted truths -------------------------------------------------------------------------------

def test_extra_rows_never_first_order(full):
    o = full.tables["orders"].sort_values(["order_time", "order_id"])
    assert (o.groupby("customer_id")["status"].first() == "paid").all()
    rates = o["status"].value_counts(normalize=True)
    t = full.truth["orders"]["status_rates"]
    assert abs(rates["refunded"] - t["refunded"]) < 0.003 and abs(rates["cancelled"] - t["cancelled"]) < 0.003


def test_bgnbd_mean_repeats_match_closed_form(full):
    # E[X(t)] of BG/NBD (Fader, Hardie & Lee 2005, eq. 7) at each customer's operational T
    t = full.truth
    r, alpha, a, b = (t["bgnbd"][k] for k in ("r", "alpha", "a", "b"))
    days, mult, _ = cal.daily_multipliers(t["generator"]["start"], t["generator"]["end"])
    warp = cal.TimeWarp(mult)
    paid = full.tables["orders"].query("status == 'paid'")
    first = paid.groupby("customer_id")["order_time"].min()
    x = paid.groupby("customer_id").size() - 1
    T = warp.total - warp.to_operational((first - days[0]).dt.total_seconds().to_numpy() / 86400)
    ex = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + T)) ** r * hyp2f1(r, b, a + b - 1, T / (alpha + T)))
    assert x.mean() == pytest.approx(ex.mean(), rel=0.06)


def test_gamma_gamma_mean_spend(full):
    # E[amount] = p * gamma / (q - 1) (Fader & Hardie 2013); 46k orders: SE about 1%
    paid = full.tables["orders"].query("status == 'paid'")
    assert paid["amount"].mean() == pytest.approx(full.truth["gamma_gamma"]["expected_order_value"], rel=0.05)
    assert (paid["amount"] == paid["amount"].round(2)).all()


def test_weekday_pattern_and_festivals(full):
    t = full.truth
    paid = full.tables["orders"].query("status == 'paid'")
    days = pd.DatetimeIndex(pd.to_datetime(list(t["calendar"]["daily_multiplier"])))
    m = pd.Series(list(t["calendar"]["daily_multiplier"].values()), index=days)
    counts = paid["order_time"].dt.normalize().value_counts().reindex(days, fill_value=0)
    base = (counts / m).rolling(35, center=True, min_periods=10).mean()  # slow level, free of weekday
    expected = (m * base).groupby(days.day_of_week).sum()
    observed = counts.groupby(days.day_of_week).sum()
    share_e, share_o = expected / expected.sum(), observed / observed.sum()
    assert np.abs(share_o - share_e).max() < 0.006, (share_o, share_e)
    wk = list(t["calendar"]["weekday_factors"].values())
    assert share_o.iloc[5] > share_o.iloc[0] * (wk[5] / wk[0]) * 0.9  # Saturday vs Monday
    for y in (2024, 2025):
        d11 = counts[f"{y}-11-11"]
        before = counts[f"{y}-10-01":f"{y}-10-15"].mean()
        assert d11 > 2.5 * before
        sf = counts[pd.Timestamp(cal.SPRING_FESTIVAL[y]) - pd.Timedelta(days=3): pd.Timestamp(cal.SPRING_FESTIVAL[y]) + pd.Timedelta(days=5)].mean()
        assert sf < 0.75 * counts[f"{y}-03-10":f"{y}-03-31"].mean()


def test_planted_association(full):
    a = full.truth["products"]["association"]
    items = full.tables["order_items"]
    baskets = items.groupby("order_id")["sku"].agg(set)
    has_a = baskets.map(lambda s: a["antecedent"] in s)
    has_b = baskets.map(lambda s: a["consequent"] in s)
    lift = (has_a & has_b).mean() / (has_a.mean() * has_b.mean())
    assert lift > 3
    assert lift == pytest.approx(a["lift"], rel=0.1)
    assert (has_a & has_b).mean() == pytest.approx(a["support_pair"], rel=0.1)


def _journeys(tables) -> tuple[list[list[str]], list[bool], pd.DataFrame]:
    """Split each customer's touches at their orders: touches before an order (after the previous
    one) form a converting path; touches after the last order form a non-converting one."""
    o = tables["orders"][["customer_id", "order_time", "order_id", "channel"]].rename(columns={"order_time": "t"})
    tp = tables["touchpoints"][["customer_id", "touch_time", "channel"]].rename(columns={"touch_time": "t"})
    ev = pd.concat([tp.assign(kind=0), o.assign(kind=1)], ignore_index=True).sort_values(["customer_id", "t", "kind"])
    paths, conv, ends = [], [], []
    for cid, g in ev.groupby("customer_id", sort=False):
        cur = []
        for kind, ch, oid, och in zip(g["kind"], g["channel"], g["order_id"], g["channel"]):
            if kind == 0:
                cur.append(ch)
            elif cur:
                paths.append(cur), conv.append(True), ends.append((oid, cur[-1]))
                cur = []
        if cur:
            paths.append(cur), conv.append(False)
    return paths, conv, pd.DataFrame(ends, columns=["order_id", "last"])


def test_journeys_follow_true_chain(small):
    t = small.truth["markov"]
    paths, conv, ends = _journeys(small.tables)
    assert sum(conv) == t["n_converting_journeys"] and len(conv) - sum(conv) == t["n_null_journeys"]
    counts: dict[str, dict[str, int]] = {}
    for p, c in zip(paths, conv):
        seq = ["start", *p, "conv" if c else "null"]
        for s, u in zip(seq[:-1], seq[1:]):
            counts.setdefault(s, {}).setdefault(u, 0)
            counts[s][u] += 1
    for s, row in t["transition_matrix"].items():
        n = sum(counts[s].values())
        for u, p in row.items():
            # binomial SE at n >= 1000 transitions per row is below 0.016; tolerance 4 SE
            assert abs(counts[s].get(u, 0) / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-3, (s, u)
        assert counts[s].get(s, 0) == 0  # no self-transitions
    o = small.tables["orders"].set_index("order_id")
    assert (o.loc[ends["order_id"], "channel"].to_numpy() == ends["last"].to_numpy()).all()
    assert (o.loc[ends["order_id"], "status"] == "paid").all()


def test_touches_precede_orders_within_lookback(small):
    o = small.tables["orders"]
    tp = small.tables["touchpoints"].merge(o.groupby("customer_id")["order_time"].min().rename("first"),
                                           on="customer_id", how="left")
    before = tp[tp["touch_time"] < tp["first"]]
    assert ((before["first"] - before["touch_time"]) <= pd.Timedelta(days=30)).all()
    assert tp["touch_time"].between("2024-01-01", "2025-12-31 23:59:59").all()


def test_markov_truth_is_consistent():
    t = jr.markov_truth()
    assert sum(t["markov_shares"].values()) == pytest.approx(1.0)
    assert all(0 < v < 1 for v in t["removal_effects"].values())
    # Removing every channel's outgoing path leaves nothing: P(conv) without tmall must drop the most
    assert max(t["removal_effects"], key=t["removal_effects"].get) == "tmall"
    m = jr.transition_matrix()
    assert np.allclose(m.sum(axis=1), 1.0)


def test_ad_spend_rates(full):
    ad = full.tables["ad_spend"].groupby("channel")[["impressions", "clicks", "cost"]].sum()
    for ch, p in full.truth["ad_spend"]["params"].items():
        assert ad.loc[ch, "clicks"] / ad.loc[ch, "impressions"] == pytest.approx(p["ctr"], rel=0.03)
        # cost noise is LogNormal(0, 0.08): mean exp(0.0032) ~ 1.003
        assert ad.loc[ch, "cost"] / ad.loc[ch, "clicks"] == pytest.approx(p["cpc"], rel=0.03)
