"""Contact data and customer ids are pseudonymised at load time and never seen raw downstream."""
import pandas as pd

from mopkit.config import load_config
from mopkit.data.loader import load_tables
from mopkit.data.privacy import pseudonymise


def test_pseudonyms_are_stable_keyed_and_distinct():
    s = pd.Series(["13800000000", "13900000000", "13800000000", None, ""])
    a = pseudonymise(s, "salt-1", column="phone")
    b = pseudonymise(s, "salt-2", column="phone")
    assert a.iloc[0] == a.iloc[2] != a.iloc[1]
    assert a.iloc[0] != b.iloc[0]  # another salt, another pseudonym
    assert a.iloc[3:].isna().all()  # empties stay empty
    assert a.iloc[0].startswith("ph_") and "138" not in a.iloc[0]


def test_customer_ids_join_across_tables(tmp_path):
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,13800000000,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("customer_id,phone,姓名\n13800000000,13800000000,张伟\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(
        "client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n  customers: {path: c.csv}\n", encoding="utf-8")
    t = load_tables(load_config(tmp_path / "client.yaml")).tables
    assert t["orders"]["customer_id"].iloc[0] == t["customers"]["customer_id"].iloc[0]
    flat = pd.concat([t["orders"].astype(str), t["customers"].astype(str)]).to_csv()
    assert "13800000000" not in flat and "张伟" not in flat


def test_sample_client_has_no_raw_contact_data_after_load():
    from mopkit.run import sample_config_path

    cfg = load_config(sample_config_path())
    raw = pd.read_csv(cfg.sources["customers"][0].path, encoding="gbk", dtype=str)
    phones = set(raw["手机号"].dropna().head(200))
    names = set(raw["姓名"].dropna().head(200))
    tables = load_tables(cfg).tables
    for name, df in tables.items():
        values = set(df.astype(str).to_numpy().ravel())
        assert not values & phones, name
        assert not values & names, name
