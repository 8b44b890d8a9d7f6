"""The triggers analysis recovers what the sample merchant planted (truth.json, "triggers").

The committed sample is loaded through the real loader (pseudonymised ids), so the campaign log,
opt-out list and browse events go through the same path as a client's exports.
"""
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEST_SALT

import mopkit.triggers as T
from mopkit.errors import DataError
from mopkit.run import prepare_run, sample_config_path

TRUTH = json.loads((Path(__file__).resolve().parents[1] / "data_samples" / "sample_merchant" / "truth.json").read_text(encoding="utf-8"))["triggers"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return prepare_run(sample_config_path(), tmp_path_factory.mktemp("trg_runs"))


@pytest.fixture(scope="module")
def tables(run):
    return {p.stem: pd.read_parquet(p) for p in (run / "data").glob("*.parquet")}


@pytest.fixture(scope="module")
def campaign_results(tables):
    window = TRUTH["campaigns"]["老客召回_2025Q4"]["window_days"]
    rec, dropped = T.campaign_outcomes(tables["campaigns"], tables["orders"], window_days=window)
    assert dropped.empty
    return T.campaign_results(rec, seed=0, window_days=window).set_index("campaign")


def test_planted_uplift_inside_the_interval(campaign_results):
    truth = TRUTH["campaigns"]["老客召回_2025Q4"]
    r = campaign_results.loc["老客召回_2025Q4"]
    assert r["group_treatment_n"] + r["group_holdout_n"] == truth["recipients"]
    assert r["uplift_abs_low"] <= truth["true_uplift_abs"] <= r["uplift_abs_high"]
    true_rev = truth["true_incremental_revenue_per_recipient"] * r["group_treatment_n"]
    assert r["incremental_revenue_low"] <= true_rev <= r["incremental_revenue_high"]
    assert r["uplift_abs_low"] > 0 and r["verdict"] == "win"  # 0.02 on ~4 % with 1,500 held out: z ~ 4


def test_no_effect_campaign_is_not_declared_a_win(campaign_results):
    truth = TRUTH["campaigns"]["新年短信_2025"]
    r = campaign_results.loc["新年短信_2025"]
    assert truth["true_uplift_abs"] == 0.0
    assert r["uplift_abs_low"] <= 0.0 <= r["uplift_abs_high"]
    assert r["verdict"] not in ("win", "more_buyers")


@pytest.fixture(scope="module")
def triggers(run, tables):
    data = T.prepare_data(tables["orders"], events=tables["events"], order_items=tables["order_items"],
                          customers=tables["customers"])
    salt = T.client_salt(run)
    links = pd.read_parquet(run / "data" / "customer_links.parquet")  # the stitched people
    opt_out = T.read_opt_out("opt_out.csv", salt, base_dir=T.config_dir(run), links=links)
    return T.build_triggers(data, salt=salt, opt_out=opt_out, replay_days=TRUTH["browse_abandonment"]["window_days"])


def test_browse_abandonment_recovers_the_planted_viewers(triggers):
    truth = TRUTH["browse_abandonment"]
    s = triggers.summary.set_index("rule").loc["browse_abandonment"]
    # every planted viewer of the last 2 days is a candidate; the opted-out ones are suppressed as such
    assert s["candidates"] >= truth["n_in_last_2_days"]
    assert s["suppressed_opted_out"] == truth["opt_out_in_last_2_days"] == 5
    assert s["audience"] >= truth["n_in_last_2_days"] - truth["opt_out_in_last_2_days"]
    # replay: planted viewers fire about n / 90 per day, and those who came back convert within 7 days
    assert s["replay_fired_per_day"] == pytest.approx(truth["n_abandoners"] / truth["window_days"], rel=0.1)
    assert s["replay_conversion_7d"] == pytest.approx(truth["n_came_back"] / truth["n_abandoners"], abs=0.05)


def test_audience_files_hold_pseudonyms_and_groups(triggers):
    files = T.rule_files(triggers.audience, triggers.rules, lang="en")
    raw_ids = set(TRUTH["opt_out_ids"])
    for rule, df in files.items():
        assert list(df.columns) == T.FILE_COLUMNS
        assert df["customer_id"].str.fullmatch(r"c_[0-9a-f]{32}").all(), rule
        assert not raw_ids & set(df["customer_id"])
        assert set(df["group"]) <= {"treatment", "holdout"}
    preview = T.preview_table(files, "en", n=1)
    assert list(preview.columns) == ["Rule", "Customer (pseudonym)", "Product", "Send at", "Channel", "Offer", "Group", "Reason"]
    assert len(preview) == sum(len(f) > 0 for f in files.values())
    both = pd.concat(files.values())
    assert (both["group"] == "holdout").mean() == pytest.approx(0.1, abs=0.02)
    # at most one message per customer within 16 h, across every rule
    gaps = both.sort_values("send_at").groupby("customer_id")["send_at"].diff().dropna()
    assert (gaps >= pd.Timedelta(hours=16)).all()


def test_opt_out_list_errors(tmp_path):
    with pytest.raises(DataError, match="opt-out"):
        T.read_opt_out("missing.csv", "s", base_dir=tmp_path)
    (tmp_path / "two.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="customer_id"):
        T.read_opt_out("two.csv", "s", base_dir=tmp_path)
    (tmp_path / "ok.csv").write_text("customer_id\nc_0123456789abcdef0123456789abcdef\nU1\n", encoding="utf-8")
    ids = T.read_opt_out(tmp_path / "ok.csv", "s")
    assert "c_0123456789abcdef0123456789abcdef" in ids and "U1" not in ids and len(ids) == 2  # raw ids pseudonymised


def test_send_log_comes_back_as_a_campaigns_table(triggers, tables, tmp_path):
    """This period's send log has the campaigns table's columns and loads as one; analysed against
    the orders, every trigger becomes a campaign. (Real hand-backs carry the merchant's own ids,
    mapped back from the pseudonyms; the loader pseudonymises them again like every table.)"""
    from mopkit.config import parse_config
    from mopkit.data.loader import load_tables
    from mopkit.data.schema import TABLES

    log = T.send_log(triggers.audience, triggers.as_of)
    assert list(log.columns) == TABLES["campaigns"].names
    log.to_csv(tmp_path / "send_log.csv", index=False)
    tables["orders"].to_csv(tmp_path / "orders.csv", index=False)
    cfg = parse_config({"client": {"name": "t", "slug": "t"}, "salt": TEST_SALT,
                        "data": {"orders": {"path": "orders.csv"}, "campaigns": {"path": "send_log.csv"}}},
                       tmp_path / "client.yaml")
    loaded = load_tables(cfg).tables["campaigns"]
    assert len(loaded) == len(log) and set(loaded["group"]) == {"treatment", "holdout"}
    assert set(loaded["campaign"]) == {f"{r}_202512" for r in triggers.audience["trigger"].unique()}
    rec, dropped = T.campaign_outcomes(log, tables["orders"])
    assert dropped.empty and len(T.campaign_results(rec)) == loaded["campaign"].nunique()



def test_an_opt_out_under_one_id_covers_the_stitched_person():
    # a person who bought on two platforms is one customer after stitching; an opt-out given
    # under the id of the row that lost the merge must still reach the stitched id
    links = pd.DataFrame({"source_id": ["c_" + "1" * 32], "customer_id": ["c_" + "2" * 32]})
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "o.csv").write_text("customer_id\nc_" + "1" * 32 + "\n", encoding="utf-8")
        ids = T.read_opt_out(Path(d) / "o.csv", "salt-not-used-here", links=links)
    assert "c_" + "2" * 32 in ids
