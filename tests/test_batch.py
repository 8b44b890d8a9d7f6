"""mopkit batch: many clients side by side, one failure isolated, a local pool and a Dask cluster
giving the same outputs; kernels that cannot take each other's ports.

Small clients (2,000 customers) and only the fast notebooks (00, 04) keep this under a minute.
"""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook
from conftest import TEST_SALT

from mopkit.batch import find_configs, run_batch
from mopkit.cli import main
from mopkit.data.orders import counted_orders
from mopkit.errors import ConfigError

ONLY = ["00", "04"]


@pytest.fixture(scope="module")
def clients(tmp_path_factory) -> Path:
    """clients/shop1, clients/shop2 (2,000 customers each, different seeds) and clients/broken,
    whose config names a language mopkit does not have."""
    from mopkit.data.sample import generate_sample_merchant, write_sample_files

    root = tmp_path_factory.mktemp("clients")
    for i, seed in ((1, 31), (2, 32)):
        folder = root / f"shop{i}"
        write_sample_files(generate_sample_merchant(seed=seed, n_customers=2000), folder)
        cfg = yaml.safe_load((folder / "client.yaml").read_text(encoding="utf-8"))
        cfg["client"] = {"name": f"店铺{i}", "slug": f"shop{i}"}
        cfg["salt"] = f"{TEST_SALT}-{i}"  # a client of its own needs its own secret salt
        (folder / "client.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    broken = root / "broken"
    broken.mkdir()
    cfg["client"] = {"name": "坏配置", "slug": "broken"}
    cfg["language"] = "fr"
    (broken / "client.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def local_batch(clients, tmp_path_factory):
    """`mopkit batch --clients DIR -j 2 --only 00 04` through the command line: (exit code, runs folder)."""
    runs = tmp_path_factory.mktemp("runs_local")
    code = main(["batch", "--clients", str(clients), "--runs", str(runs), "-j", "2", "--only", *ONLY])
    return code, runs


def _summary(runs: Path) -> dict:
    [path] = runs.glob("batch-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_one_broken_client_fails_alone_and_the_exit_code_says_so(local_batch, clients):
    code, runs = local_batch
    assert code == 1  # a client failed
    s = _summary(runs)
    rows = {r["slug"]: r for r in s["clients"]}
    assert [r["slug"] for r in s["clients"]] == ["broken", "shop1", "shop2"]  # config order, not finish order
    assert s["ok"] is False
    bad = rows["broken"]
    assert bad["status"] == "failed" and bad["run_dir"] is None and bad["report"] is None
    assert "ConfigError" in bad["error"] and "fr" in bad["error"]  # names what is wrong
    assert "ConfigError" in Path(bad["log"]).read_text(encoding="utf-8")
    for slug in ("shop1", "shop2"):
        r = rows[slug]
        assert r["status"] == "ok", r["error"]
        assert Path(r["report"]).stat().st_size > 10_000 and Path(r["report"]).name == "report.pdf"
        assert r["notebooks"] == {"00_data_health": "ok", "04_dashboard": "ok"}
        assert Path(r["run_dir"]).parent == runs / slug
        assert r["seconds"] > 0
    assert not (runs / "broken").exists()


def test_summary_figures_match_the_runs_data(local_batch):
    """Headline GMV and orders against the orders table itself; alerts against alerts.csv."""
    _, runs = local_batch
    for r in _summary(runs)["clients"]:
        if r["status"] != "ok":
            continue
        run = Path(r["run_dir"])
        orders = counted_orders(pd.read_parquet(run / "data" / "orders.parquet"))
        kpis = {k["metric"]: k for k in r["kpis"]}
        month = pd.Period(kpis["gmv"]["period"], "M")
        in_month = orders[orders["order_time"].dt.to_period("M") == month]
        prev = orders[orders["order_time"].dt.to_period("M") == month - 1]
        assert kpis["gmv"]["raw"] == pytest.approx(in_month["amount"].sum(), abs=0.01)
        assert kpis["orders"]["raw"] == len(in_month)
        assert kpis["gmv"]["raw_change"] == pytest.approx(in_month["amount"].sum() / prev["amount"].sum() - 1, rel=1e-9)
        assert r["alerts"] == len(pd.read_csv(run / "outputs" / "alerts.csv"))


def test_dask_cluster_gives_the_same_outputs_as_the_local_pool(local_batch, clients, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, runs_local = local_batch
    configs = find_configs([clients / "shop1", clients / "shop2"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        # reports carry their build time and are not compared: skip them to save time
        res = run_batch(configs, tmp_path / "runs", scheduler=cluster.scheduler_address, only=ONLY, report=False,
                        progress=None)
    assert res.ok, [r["error"] for r in res.rows]
    assert res.where.startswith("dask tcp://127.0.0.1:")
    local = {r["slug"]: Path(r["run_dir"]) for r in _summary(runs_local)["clients"] if r["run_dir"]}
    for r in res.rows:
        a, b = local[r["slug"]], Path(r["run_dir"])
        files = sorted(p.relative_to(a) for p in [*(a / "outputs").rglob("*"), *(a / "data").rglob("*")] if p.is_file())
        assert len(files) >= 8
        for rel in files:  # outputs and canonical tables carry no timestamps: byte for byte
            assert (b / rel).read_bytes() == (a / rel).read_bytes(), f"{r['slug']}: {rel} differs"
        ma, mb = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (a, b))
        assert ma["outputs"] == mb["outputs"] and ma["rows"] == mb["rows"]


def test_find_configs_refuses_what_is_not_there(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        find_configs([tmp_path / "nope.yaml"])
    with pytest.raises(ConfigError, match="no client configs"):
        find_configs([], tmp_path)


# --- kernel ports -------------------------------------------------------------------------------

def _tiny_notebook(path: Path) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_code_cell("import json, ipykernel.connect\nprint(json.dumps(ipykernel.connect.get_connection_info(unpack=True), default=str))")]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def port_taken_by_another_kernel(monkeypatch):
    """Replays the race of parallel papermill runs: the port jupyter_client hands the next kernel
    is already bound by another process's kernel (here: a socket this test holds)."""
    from jupyter_client.connect import LocalPortCache

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]
    original = LocalPortCache.find_available_port
    calls = []

    def same_port_as_the_other_process(self, ip):
        calls.append(ip)
        return port if len(calls) == 1 else original(self, ip)

    monkeypatch.setattr(LocalPortCache, "find_available_port", same_port_as_the_other_process)
    yield port
    held.close()


def test_tcp_kernels_collide_on_a_taken_port(port_taken_by_another_kernel, tmp_path):
    """The root cause, reproduced: a TCP kernel whose port was taken meanwhile dies on start."""
    import papermill as pm

    nb = _tiny_notebook(tmp_path / "t.ipynb")
    with pytest.raises(RuntimeError, match="Kernel died"):
        pm.execute_notebook(str(nb), str(tmp_path / "o.ipynb"), kernel_name="python3", progress_bar=False,
                            start_timeout=30)


def test_mopkit_kernels_use_private_unix_sockets_and_survive_the_same_race(port_taken_by_another_kernel, tmp_path):
    import papermill as pm

    from mopkit.kernels import private_kernel

    nb = _tiny_notebook(tmp_path / "t.ipynb")
    with private_kernel() as kw:
        folder = Path(kw["config"]["KernelManager"]["connection_file"]).parent
        out = pm.execute_notebook(str(nb), str(tmp_path / "o.ipynb"), kernel_name="python3", progress_bar=False,
                                  start_timeout=30, **kw)
    info = json.loads(out.cells[0].outputs[0]["text"])
    assert info["transport"] == "ipc"
    assert info["ip"] == str(folder / "k")  # sockets k-1 … k-5 in a folder of this kernel's own
    assert port_taken_by_another_kernel not in {info[f"{c}_port"] for c in ("shell", "iopub", "stdin", "control", "hb")}
    assert not folder.exists()  # removed afterwards
    with private_kernel() as kw2:
        assert Path(kw2["config"]["KernelManager"]["connection_file"]).parent != folder


def test_a_run_over_its_time_limit_is_stopped_with_everything_it_started(clients, tmp_path):
    import psutil

    from mopkit.batch import ClientJob, run_one

    job = ClientJob(config=str(clients / "shop1" / "client.yaml"), runs_root=str(tmp_path / "runs"),
                    log=str(tmp_path / "shop1.log"), only=ONLY, timeout=6.0, label="店铺1", slug="shop1")
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}  # e.g. multiprocessing's resource tracker
    row = run_one(job)
    assert row["status"] == "failed" and "time limit of 6 s" in row["error"]
    assert 6.0 <= row["seconds"] < 30
    time.sleep(0.5)
    left = [p for p in me.children(recursive=True)
            if p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, [p.cmdline()[:4] for p in left]
    runs = str(tmp_path / "runs")
    orphans = []  # kernels run in sessions of their own: look for any process working in our runs
    for p in psutil.process_iter(["cwd", "status"]):
        if p.info["cwd"] and p.info["cwd"].startswith(runs) and p.info["status"] != psutil.STATUS_ZOMBIE:
            orphans.append(p.pid)
    assert not orphans
