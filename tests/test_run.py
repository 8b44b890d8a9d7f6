"""End-to-end runs: folder layout, manifest, reports, isolation of a failing notebook, skips."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook

from conftest import TEST_SALT, salted  # noqa: F401 - configs built here need a salt
from mopkit.run import list_notebooks, notebook_key, run_client


def _notebook(path: Path, body: str) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_code_cell('run_dir: str = ""\nlang: str = "zh"', metadata={"tags": ["parameters"]}), new_code_cell(body)]
    nbformat.write(nb, path)
    return path


def test_full_run_layout_and_manifest(small_run):
    res = small_run
    assert res.ok, res.summary()
    run = res.run_dir
    names = [p.stem for p in list_notebooks()]
    assert [n.name for n in res.notebooks] == names
    for n in names:
        assert (run / "notebooks" / f"{n}.ipynb").exists()
        assert (run / "html" / f"{n}.html").exists()
    assert (run / "report.pdf").stat().st_size > 20_000
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["ok"] is True
    assert {n["name"] for n in m["notebooks"]} == set(names)
    assert all(n["status"] == "ok" and n["seconds"] > 0 for n in m["notebooks"])
    assert len(m["inputs"]["orders"][0]["sha256"]) == 64
    assert m["versions"]["pandas"] == pd.__version__
    assert "salt" not in m["config"]
    assert "outputs/daily_orders.csv" in m["outputs"]


def test_run_outputs_reconcile_with_the_data(small_run):
    run = small_run.run_dir
    orders = pd.read_parquet(run / "data" / "orders.parquet")
    daily = pd.read_csv(run / "outputs" / "daily_orders.csv")
    counted = orders[orders["status"] != "cancelled"]  # GMV counts every order not cancelled
    assert 0 < len(counted) < len(orders)  # the sample has cancelled orders, so the filter matters
    assert daily["orders"].sum() == len(counted)
    assert abs(daily["gmv"].sum() - counted["amount"].sum()) < 0.01


def test_pdf_is_chinese_and_names_the_client(small_run):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(small_run.run_dir / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "花漾美妆旗舰店" in text
    assert "执行摘要" in text and "数据体检" in text
    assert "run_dir" not in text and "import " not in text  # no code in the report


def test_failing_notebook_is_isolated_and_reported(small_client, tmp_path):
    import yaml

    # the same client in English: the report must then read in English
    cfg = yaml.safe_load(small_client.read_text(encoding="utf-8"))
    cfg["language"] = "en"
    cfg_en = small_client.parent / "client_en.yaml"
    cfg_en.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    first = list_notebooks()[0]
    shutil.copy(first, nbs / first.name)
    boom = _notebook(nbs / "05_boom.ipynb", "x = 1\nraise ValueError('planted failure')")
    after = _notebook(nbs / "06_after.ipynb", "from mopkit.context import open_run\nctx = open_run(run_dir)\nctx.write_csv(ctx.table('orders').head(), 'after.csv')")
    res = run_client(cfg_en, tmp_path / "runs", notebooks=[nbs / first.name, boom, after], progress=None)
    status = {n.name: n for n in res.notebooks}
    assert status["05_boom"].status == "failed"
    # execution count as the executed notebook shows it: parameters (1), papermill's injected
    # parameters (2), the raising cell (3)
    assert status["05_boom"].cell == 3 and "ValueError: planted failure" in status["05_boom"].error
    assert status[first.stem].status == "ok" and status["06_after"].status == "ok"
    assert (res.run_dir / "outputs" / "after.csv").exists()
    assert not res.ok and "05_boom: FAILED in cell 3" in res.summary()
    assert res.report.exists()  # the report still builds and carries the failure note
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(res.report), "-"], capture_output=True, text=True, check=True).stdout
    assert "Executive summary" in text and "Data health" in text and "Could not be completed (cell 3)" in text
    assert "执行摘要" not in text and "数据体检" not in text
    m = json.loads((res.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["ok"] is False


def test_notebook_needing_a_missing_table_is_skipped(tmp_path):
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\nA2,U1,2024-01-03,7\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: 小店, slug: tiny}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    nb = _notebook(tmp_path / "03_attribution.ipynb", "raise RuntimeError('must not run')")
    res = run_client(tmp_path / "client.yaml", tmp_path / "runs", notebooks=[nb], report=False, progress=None)
    (r,) = res.notebooks
    assert r.status == "skipped" and "touchpoints" in r.note
    assert res.ok


def test_runs_never_overwrite(tmp_path):
    from mopkit.run import prepare_run

    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    a = prepare_run(tmp_path / "client.yaml", tmp_path / "runs")
    b = prepare_run(tmp_path / "client.yaml", tmp_path / "runs")
    assert a != b and a.parent == b.parent


def test_unknown_notebook_parameter_is_refused(small_client, tmp_path):
    from mopkit.errors import ConfigError
    import pytest
    import yaml

    cfg = yaml.safe_load(small_client.read_text(encoding="utf-8"))
    cfg["notebooks"] = {"data_health": {"trend_windw": 7}}
    p = small_client.parent / "typo.yaml"
    p.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        run_client(p, tmp_path / "runs", progress=None)
    assert "trend_windw" in str(e.value) and "trend_window" in str(e.value)


def test_cli_bad_config_exits_2_with_clear_message(tmp_path):
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: missing.csv}\n"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "mopkit.cli", "run", str(tmp_path / "client.yaml"), "--runs", str(tmp_path / "runs")],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "missing.csv" in p.stderr and "fix:" in p.stderr and "Traceback" not in p.stderr


def test_cli_init_writes_a_valid_config(tmp_path):
    from mopkit.cli import main
    from mopkit.config import load_config

    assert main(["init", "acme", "--display-name", "阿克美", "--clients-dir", str(tmp_path)]) == 0
    cfg = load_config(tmp_path / "acme" / "client.yaml")
    assert cfg.name == "阿克美" and cfg.slug == "acme" and "orders" in cfg.sources
    assert main(["init", "acme", "--clients-dir", str(tmp_path)]) == 2  # never overwrites


def test_every_notebook_has_documented_parameters():
    from mopkit.run import notebook_parameters

    for nb in list_notebooks():
        params = notebook_parameters(nb)
        assert {"run_dir", "lang"} <= set(params), nb.name
        assert all(p["help"] for p in params.values()), f"{nb.name}: every parameter needs a comment"
        raw = nbformat.read(nb, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count") for c in raw.cells if c.cell_type == "code"), nb.name
        assert notebook_key(nb)


def test_missing_cjk_font_stops_the_run_with_the_install_command(tmp_path, monkeypatch):
    import pytest

    from mopkit import plotting
    from mopkit.errors import FontError

    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    monkeypatch.setattr(plotting, "CJK_FONTS", ("No Such CJK Font",))
    plotting.cjk_font.cache_clear()
    try:
        with pytest.raises(FontError) as e:
            run_client(tmp_path / "client.yaml", tmp_path / "runs", progress=None)
    finally:
        plotting.cjk_font.cache_clear()
    assert "fonts-noto-cjk" in str(e.value)
    assert not (tmp_path / "runs").exists()  # nothing half-made


def test_attribution_runs_from_an_aggregated_path_table(tmp_path):
    """Consultants often get conversion-path reports instead of touch data: either is enough."""
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\nA2,U2,2024-01-03,7\n", encoding="utf-8")
    # the ChannelAttribution paper's example with Chinese channel names: exact Markov gives A=2, B=1
    (tmp_path / "paths.csv").write_text(
        "路径,转化数\n抖音 > 天猫 > 抖音 > 天猫 > 天猫 > 抖音,1\n抖音 > 天猫 > 天猫 > 抖音 > 抖音,1\n抖音 > 抖音,1\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(
        f"client: {{name: 小店, slug: tiny}}\nsalt: {TEST_SALT}\nlanguage: en\ndata:\n  orders: {{path: o.csv}}\n"
        "  paths: {path: paths.csv, columns: {path: 路径, conversions: 转化数}}\n"
        "notebooks:\n  attribution: {models: [last_touch, markov], collapse_repeats: false}\n", encoding="utf-8")
    nb = next(p for p in list_notebooks() if notebook_key(p) == "attribution")
    res = run_client(tmp_path / "client.yaml", tmp_path / "runs", notebooks=[nb], report=False, progress=None)
    assert res.ok, res.summary()
    att = pd.read_csv(res.run_dir / "outputs" / "attribution.csv", encoding="utf-8-sig")
    markov = att[att["model"] == "markov"].set_index("channel")["conversions"]
    assert markov["douyin"] == pytest.approx(2.0) and markov["tmall"] == pytest.approx(1.0)


def test_output_csvs_start_with_a_utf8_bom(small_run):
    # Excel opens Chinese CSVs correctly only with a BOM: every CSV under outputs/ must have one
    csvs = sorted((small_run.run_dir / "outputs").rglob("*.csv"))
    assert len(csvs) >= 8
    without = [p.name for p in csvs if not p.read_bytes().startswith(b"\xef\xbb\xbf")]
    assert not without, without


def test_pdf_notes_a_skipped_section(tmp_path):
    # no touchpoints and no paths: the attribution notebook is skipped and the PDF says so, in Chinese
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\nA2,U1,2024-01-03,7\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: 小店, slug: tiny}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    nbs = [p for p in list_notebooks() if notebook_key(p) in ("data_health", "attribution")]
    res = run_client(tmp_path / "client.yaml", tmp_path / "runs", notebooks=nbs, progress=None)
    assert [n.status for n in res.notebooks] == ["ok", "skipped"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(res.report), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "已跳过" in text and "touchpoints" in text


def test_cli_exits_non_zero_when_a_notebook_fails(tmp_path):
    # two orders cannot hold a forecast backtest: the forecast notebook fails, the CLI says which
    # notebook and exits 1 (a config error would be 2)
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_time,amount\nA1,U1,2024-01-01,5\nA2,U1,2024-01-03,7\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text(salted("client: {name: x, slug: x}\ndata:\n  orders: {path: o.csv}\n"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "mopkit.cli", "run", str(tmp_path / "client.yaml"), "--runs",
                        str(tmp_path / "runs"), "--only", "02", "--no-report"], capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "02_forecast: FAILED" in p.stdout


def test_every_parameter_of_every_notebook_is_seen_by_papermill():
    # papermill skips a parameter line it cannot parse (e.g. '=' inside the comment) with only a
    # log line; a config setting that parameter would then be refused as unknown
    import re

    from mopkit.run import notebook_parameters

    for nb in list_notebooks():
        cell = next(c for c in nbformat.read(nb, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
        names = re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", cell.source, flags=re.M)
        assert names and set(names) == set(notebook_parameters(nb)), nb.name


def test_notebooks_run_side_by_side_and_wait_for_the_outputs_they_read():
    import threading
    import time

    from mopkit.run import NotebookResult, _run_notebooks

    nbs = [Path(n) for n in ("01_rfm_clv.ipynb", "02_forecast.ipynb", "05_triggers.ipynb")]
    both = threading.Barrier(2, timeout=10)  # 01 and 02 can only pass it together
    log = []

    def execute(nb: Path) -> NotebookResult:
        log.append(("start", nb.stem, time.perf_counter()))
        if nb.stem != "05_triggers":
            both.wait()
        time.sleep(0.05 if nb.stem == "02_forecast" else 0.2)
        log.append(("end", nb.stem, time.perf_counter()))
        return NotebookResult(nb.stem, "ok")

    done = _run_notebooks(nbs, execute, 2, lambda m: None)
    assert [done[nb].name for nb in nbs] == [nb.stem for nb in nbs]
    when = {(kind, name): t for kind, name, t in log}
    # 05 reads 01's outputs: it starts after 01 ended, although a slot was free once 02 ended
    assert when[("start", "05_triggers")] >= when[("end", "01_rfm_clv")]
    assert when[("end", "02_forecast")] < when[("end", "01_rfm_clv")]
    with pytest.raises(threading.BrokenBarrierError):  # one at a time: 01 waits for 02 in vain
        one = threading.Barrier(2, timeout=0.5)
        _run_notebooks(nbs[:2], lambda nb: one.wait() and NotebookResult(nb.stem, "ok"), 1, lambda m: None)


def test_a_notebook_marked_alone_runs_with_no_other_beside_it(tmp_path):
    import threading
    import time

    from mopkit.run import ALONE, NotebookResult, _alone, _run_notebooks

    nbs = [Path(n) for n in ("00_data_health.ipynb", "01_rfm_clv.ipynb", "03_attribution.ipynb", "06_propensity.ipynb")]
    live, overlap, lock = set(), [], threading.Lock()

    def execute(nb: Path) -> NotebookResult:
        with lock:
            live.add(nb.stem)
            overlap.append(set(live))
        time.sleep(0.05)
        with lock:
            live.discard(nb.stem)
        return NotebookResult(nb.stem, "ok")

    done = _run_notebooks(nbs, execute, 2, lambda m: None, alone={nbs[2]})
    assert len(done) == 4
    assert all(s == {"03_attribution"} for s in overlap if "03_attribution" in s)  # nobody beside it
    assert any(len(s) == 2 for s in overlap)  # the others did run side by side
    # which notebooks run alone depends on the client's size (orders + touchpoints rows)
    (tmp_path / "data").mkdir()
    pd.DataFrame({"x": range(10)}).to_parquet(tmp_path / "data" / "orders.parquet")
    assert _alone(nbs, tmp_path) == set()
    ALONE["data_health"] = 10
    try:
        assert _alone(nbs, tmp_path) == {nbs[0]}
    finally:
        del ALONE["data_health"]
