"""The sample merchant as per-platform exports (mopkit/data/sample_platforms.py): loading the
written Douyin / Tmall / mini-program files gives back the canonical orders exactly, and the
stitching recovers the planted people who buy on two or three platforms (truth["platforms"])."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.data.sample import generate_sample_merchant, write_sample_files
from mopkit.data.sample_platforms import export_ids


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    sm = generate_sample_merchant(seed=7, n_customers=2000)
    folder = tmp_path_factory.mktemp("platform_sample")
    write_sample_files(sm, folder)
    return sm, load_tables(load_config(folder / "client.yaml"))


def _aligned(sm, res):
    c = sm.tables["orders"]
    keys = [f"{p}:{i}" for p, i in zip(sm.platform, export_ids(c, sm.platform))]
    return c, res.tables["orders"].set_index("order_id").loc[keys]


def test_exports_load_back_to_the_canonical_orders(loaded):
    sm, res = loaded
    c, o = _aligned(sm, res)
    assert len(res.tables["orders"]) == len(c)
    for col in ("amount", "refund_amount", "discount"):  # Douyin sub-orders split in cents, summed back
        np.testing.assert_allclose(o[col].to_numpy(), c[col].to_numpy(), atol=1e-9)
    assert (o["status"].to_numpy() == c["status"].to_numpy()).all()
    assert (o["channel"].astype(str).to_numpy() == c["channel"].to_numpy()).all()
    assert (o["order_time"].to_numpy() == c["order_time"].to_numpy()).all()
    assert (o["platform"].astype(str).to_numpy() == sm.platform).all()
    assert len(res.tables["order_items"]) == len(sm.tables["order_items"])  # Douyin lines + parquet lines


def test_stitching_recovers_the_planted_people_exactly(loaded):
    sm, res = loaded
    truth = sm.truth["platforms"]
    c, o = _aligned(sm, res)
    # the stitched customers are exactly the generator's people: same partition of the orders
    pairs = pd.DataFrame({"stitched": o["customer_id"].to_numpy(), "person": c["customer_id"].to_numpy()}).drop_duplicates()
    assert pairs["stitched"].is_unique and pairs["person"].is_unique
    rep = res.stitching.set_index(["measure", "platform", "identifier"])["value"]
    assert rep[("multi_platform_customers", "all", "")] == truth["multi_platform_customers"] == 60  # 600 at 20,000
    assert rep[("multi_platform_3plus", "all", "")] == truth["three_platform_customers"] == 15
    assert rep[("linked_by", "all", "phone")] == truth["multi_platform_customers"]
    for p, n in truth["customers_by_platform"].items():
        assert rep[("customers_after", p, "")] == n
    assert rep[("customers_after", "all", "")] == 2000
    # everyone else buys on one platform only
    per = res.tables["orders"].groupby("customer_id", observed=True)["platform"].nunique()
    assert (per >= 2).sum() == truth["multi_platform_customers"]


def test_truths_hold_on_the_stitched_customers(loaded):
    # the planted BG/NBD and Gamma-Gamma process lives in the paid orders per person: after loading
    # the exports and stitching, the paid orders per customer are exactly the generator's
    sm, res = loaded
    c, o = _aligned(sm, res)
    paid = c["status"].to_numpy() == "paid"
    got = pd.Series(o["amount"].to_numpy()[paid]).groupby(o["customer_id"].to_numpy()[paid]).agg(["size", "sum"])
    want = pd.Series(c["amount"].to_numpy()[paid]).groupby(c["customer_id"].to_numpy()[paid]).agg(["size", "sum"])
    assert sorted(got["size"]) == sorted(want["size"])
    np.testing.assert_allclose(np.sort(got["sum"].to_numpy()), np.sort(want["sum"].to_numpy()), atol=1e-6)


def test_stitched_customers_keep_the_crm_values(loaded):
    # one row per person; the CRM's region and first visit win over an export's "unknown" / first order
    sm, res = loaded
    c, o = _aligned(sm, res)
    person = pd.Series(c["customer_id"].to_numpy(), index=o["customer_id"].to_numpy()).groupby(level=0).first()
    got = res.tables["customers"].set_index("customer_id")
    want = sm.tables["customers"].set_index("customer_id")
    assert len(got) == len(want)
    region = got["region"].astype(str).to_numpy()
    assert (region == want.loc[person.reindex(got.index).to_numpy(), "region"].to_numpy()).all()
    seen = got["first_seen"].to_numpy()
    assert (seen == want.loc[person.reindex(got.index).to_numpy(), "first_seen"].to_numpy()).all()


def test_touches_reach_the_stitched_buyers(loaded):
    # touchpoints carry the CRM member id; a Douyin- or Tmall-only buyer's touches must land on the
    # same customer as their orders (through the CRM phone), so journeys can be built
    sm, res = loaded
    c = sm.tables["orders"]
    want = set(sm.tables["touchpoints"]["customer_id"]) & set(c["customer_id"])
    got = set(res.tables["touchpoints"]["customer_id"]) & set(res.tables["orders"]["customer_id"])
    assert len(got) == len(want)
    ev_want = set(sm.tables["events"]["customer_id"]) & set(c["customer_id"])
    ev_got = set(res.tables["events"]["customer_id"]) & set(res.tables["orders"]["customer_id"])
    assert len(ev_got) == len(ev_want)
