"""Action lists on a hand-made customer table: who is in which list, and why."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mopkit.clv.audiences import AUDIENCES, build_audiences, likely_buyers, top_tiers, winback
from mopkit.errors import ConfigError


@pytest.fixture
def cust() -> pd.DataFrame:
    return pd.DataFrame({
        "M": [5, 4, 5, 2, 1], "R": [1, 2, 5, 5, 1], "F": [4, 3, 5, 4, 1],
        "churn_risk": ["high", "medium", "low", "low", "high"],
        "total_spend": [3000.0, 900.0, 8000.0, 100.0, 20.0], "order_count": [5, 3, 9, 4, 1],
        "recency_days": [200, 90, 2, 1, 300], "tier": ["VIP", "普通", "钻石", "普通", "普通"],
        "segment": ["x"] * 5, "p_alive": [0.2, 0.5, 0.95, 0.9, 0.1],
        "exp_purchases_30d": [0.05, 0.1, 0.9, 0.5, 0.01], "clv": [100.0, 80.0, 2000.0, 60.0, 1.0],
    }, index=pd.Index(["p1", "p2", "p3", "p4", "p5"], name="customer_id"))


def test_winback_is_high_spenders_at_risk(cust):
    w = winback(cust, lang="en")
    assert w["customer_id"].tolist() == ["p1", "p2"]  # M >= 4 and risk high/medium, largest CLV first
    assert "P(active) 20%" in w.loc[0, "reason"] and "high" in w.loc[0, "reason"]
    assert "活跃概率" in winback(cust, lang="zh").loc[0, "reason"]


def test_top_tiers_and_likely_buyers(cust):
    assert top_tiers(cust, lang="zh")["customer_id"].tolist() == ["p3", "p1"]  # all but the base tier 普通
    lb = likely_buyers(cust, lang="en", top_share=0.4, min_expected=0.2)
    assert lb["customer_id"].tolist() == ["p3", "p4"]  # top 40 % by expected 30-day purchases, both >= 0.2


def test_fallback_without_clv_uses_rfm(cust):
    rfm_only = cust.drop(columns=["p_alive", "exp_purchases_30d", "clv"])
    assert likely_buyers(rfm_only, lang="en")["customer_id"].tolist() == ["p3", "p4"]  # R 5 and F >= 4
    assert "no purchase for 200 days" in winback(rfm_only, lang="en").loc[0, "reason"]


def test_lists_carry_ids_only(cust):
    lists = build_audiences(cust.assign(phone="13800000000"), lang="zh")
    assert set(lists) == set(AUDIENCES)
    for df in lists.values():
        assert "phone" not in df.columns and df["customer_id"].notna().all()
    with pytest.raises(ConfigError, match="winback"):
        build_audiences(cust, names=("spam",))


def test_overview_names_the_file_a_person_gets():
    # a list past XLSX_MAX_ROWS is written as CSV only (RunContext.write_list): the overview says so
    from mopkit.clv.audiences import audience_overview
    from mopkit.layout import XLSX_MAX_ROWS

    small = pd.DataFrame({"total_spend": [1.0, 2.0]})
    big = pd.DataFrame({"total_spend": np.ones(XLSX_MAX_ROWS + 1)})
    ov = audience_overview({"winback": small, "top_tiers": big}, lang="en")
    files = ov[[c for c in ov.columns if "File" in c or "文件" in c][0]].tolist()
    assert files == ["audiences/winback.xlsx", "audiences/top_tiers.csv"]
