"""Contact data and customer ids are pseudonymised at load time and never seen raw downstream."""
import pandas as pd
import pytest

from conftest import TEST_SALT, salted  # noqa: F401 - configs built here need a salt
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
        salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n  customers: {path: c.csv}\n"), encoding="utf-8")
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


def test_pseudonyms_carry_128_bits_and_a_collision_fails_loudly():
    from mopkit.errors import DataError

    ids = pd.Series([f"U{i}" for i in range(1000)])
    full = pseudonymise(ids, TEST_SALT, column="customer_id")
    assert full.str.fullmatch(r"c_[0-9a-f]{32}").all() and full.nunique() == 1000  # 32 hex digits = 128 bits
    # 1,000 distinct values into 2 hex digits (256 pseudonyms): collisions are certain (pigeonhole)
    with pytest.raises(DataError) as e:
        pseudonymise(ids, TEST_SALT, column="customer_id", length=2)
    import re

    assert "collision" in str(e.value) and re.search(r"U\d", str(e.value)) is None  # shows pseudonyms, never raw ids
    # two values that happen not to collide in 8 bits pass: the check is not a blanket refusal
    assert pseudonymise(pd.Series(["a", "b"]), TEST_SALT, column="customer_id", length=2).nunique() == 2


def _client_without_salt(tmp_path, salt_line=""):
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,13800000000,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(f"client: {{name: x, slug: x}}\n{salt_line}data:\n  orders: {{path: o.csv}}\n",
                                          encoding="utf-8")
    return load_config(tmp_path / "client.yaml")


def test_a_real_client_without_a_secret_salt_is_refused(tmp_path, monkeypatch):
    from mopkit.config import SALT_ENV
    from mopkit.data.privacy import SAMPLE_SALT
    from mopkit.errors import ConfigError

    monkeypatch.delenv(SALT_ENV, raising=False)
    with pytest.raises(ConfigError) as e:
        load_tables(_client_without_salt(tmp_path))
    assert "no pseudonymisation salt" in str(e.value) and "MOPKIT_SALT" in str(e.value)
    with pytest.raises(ConfigError, match="public salt"):
        load_tables(_client_without_salt(tmp_path, f"salt: {SAMPLE_SALT}\n"))
    with pytest.raises(ConfigError, match="can be guessed"):
        load_tables(_client_without_salt(tmp_path, "salt: x\n"))
    monkeypatch.setenv(SALT_ENV, TEST_SALT)  # the environment variable is enough
    a = load_tables(_client_without_salt(tmp_path)).tables["orders"]["customer_id"].iloc[0]
    monkeypatch.setenv(SALT_ENV, TEST_SALT + "-other")
    b = load_tables(_client_without_salt(tmp_path)).tables["orders"]["customer_id"].iloc[0]
    assert a != b  # the key really is the salt


def test_cli_refuses_a_run_without_salt(tmp_path):
    import os
    import subprocess
    import sys

    _client_without_salt(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "MOPKIT_SALT"}
    p = subprocess.run([sys.executable, "-m", "mopkit.cli", "run", str(tmp_path / "client.yaml"), "--runs", str(tmp_path / "runs")],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "MOPKIT_SALT" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "runs").exists()


# ---- every file of a full run, every raw value ------------------------------------------------------

def _raw_needles(client_dir) -> dict[str, str]:
    """Every raw contact value and customer id of the small client's export files -> its column.
    Phones also without separators (how a parser might normalise them)."""
    import re

    needles: dict[str, str] = {}
    cust = pd.read_csv(client_dir / "customers.csv", encoding="gbk", dtype=str, keep_default_na=False)
    for col in ("客户ID", "姓名", "手机号", "收货地址", "微信号", "抖音号", "邮箱"):
        for v in cust[col]:
            v = v.strip()
            if v:
                needles[v] = col
                if col == "手机号":
                    needles[re.sub(r"\D", "", v)] = col
    # the platform exports: buyer ids and every contact column each one carries
    exports = {"douyin_orders.csv": ("收件人", "收件人手机号"), "tmall_orders.xlsx": ("买家会员名", "收货人姓名", "联系手机"),
               "wechat_orders.xlsx": ("会员ID", "手机号")}
    for name, cols in exports.items():
        path = client_dir / name
        df = (pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False) if path.suffix == ".csv"
              else pd.read_excel(path, dtype=str, engine="openpyxl").fillna(""))
        for col in cols:
            for v in df[col]:
                v = str(v).strip()
                if v and "*" not in v:  # a masked phone (138****1234) is not a contact value
                    needles.setdefault(v, f"{name}:{col}")
                    if "手机" in col:
                        needles.setdefault(re.sub(r"\D", "", v), f"{name}:{col}")
    for name in ("touchpoints", "events"):
        for v in pd.read_parquet(client_dir / f"{name}.parquet")["customer_id"].astype(str):
            needles.setdefault(v.strip(), f"{name}.customer_id")
    return needles


def _file_texts(path) -> list[str]:
    """The text a person or a program could read from a run file, by file type."""
    import json
    import subprocess

    suffix = path.suffix.lower()
    if suffix in {".csv", ".json", ".html", ".ipynb", ".yaml", ".yml", ".txt", ".md", ".css", ".js", ".svg"}:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
        out = [text]
        if suffix in {".json", ".ipynb"}:  # JSON escapes non-ASCII (\u5f20): read it decoded too
            out.append(json.dumps(json.loads(text), ensure_ascii=False))
        return out
    if suffix == ".parquet":
        df = pd.read_parquet(path)
        return ["\n".join(df.columns.astype(str)), df.astype(str).to_csv(index=False)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return ["\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                          if c is not None)]
    if suffix == ".pdf":
        from pypdf import PdfReader

        poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                                 check=True).stdout
        return [poppler, "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)]
    if suffix in {".png", ".jpg", ".jpeg", ".woff", ".woff2", ".ttf"}:  # pixels/glyphs: the text is elsewhere
        return [path.read_bytes().decode("latin-1")]
    raise AssertionError(f"the privacy scan does not know how to read {path.name}: add its file type")


def test_no_raw_contact_value_or_salt_in_any_file_of_a_run(small_run, small_client):
    # Every file of a full run (CSV, Parquet, XLSX, JSON, executed notebooks, HTML pages, the PDF's
    # text by two extractors, config and manifest) is searched for every raw phone, name, address,
    # WeChat/Douyin id, e-mail and customer id of the client's exports (Aho-Corasick: all needles at
    # once), and for the salt. A positive control first: the scan finds a value planted in a copy.
    import ahocorasick

    from mopkit.config import load_config

    needles = _raw_needles(small_client.parent)
    salt = load_config(small_client).resolved_salt()
    needles[salt] = "salt"
    auto = ahocorasick.Automaton()
    for n, col in needles.items():
        auto.add_word(n, (n, col))
    auto.make_automaton()

    def hits(text):
        return {(n, col) for _, (n, col) in auto.iter(text)}

    phone = next(n for n, c in needles.items() if c == "手机号")
    name = next(n for n, c in needles.items() if c == "姓名")
    assert hits(f"x{phone}y") == {(phone, "手机号")} and (name, "姓名") in hits(f"客户{name}。")  # positive controls
    assert len(needles) > 5000  # every value, not a sample
    files = [f for f in small_run.run_dir.rglob("*") if f.is_file()]
    kinds = {f.suffix for f in files}
    assert {".csv", ".parquet", ".xlsx", ".json", ".ipynb", ".html", ".pdf", ".yaml"} <= kinds, kinds
    found = {}
    for f in files:
        for text in _file_texts(f):
            got = hits(text)
            if got:
                found[str(f.relative_to(small_run.run_dir))] = sorted(got)[:3]
    assert not found, f"raw contact data or the salt in run files: {found}"
