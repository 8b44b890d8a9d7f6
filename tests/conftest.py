"""Shared fixtures: a small sample client on disk and one full run of it.

The full run (every notebook, HTML, PDF) is made once per test session and shared by the tests
that only read it (outputs, PDF, dashboard), to keep ``make test`` within its time budget.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

#: The salt of configs written by tests: mopkit refuses a real client without one. Not a secret.
TEST_SALT = "mopkit-tests-only-salt-0123456789"


def salted(config_text: str) -> str:
    """A client.yaml text with the tests' salt added (``salt:`` is a top-level key)."""
    return f"salt: {TEST_SALT}\n" + config_text


# Parameters that keep the small run fast; they exist in the notebooks' parameters cells.
FAST_PARAMS = {
    "forecast": {"epochs": 15, "folds": 2, "horizon": 14},
    "budget": {"n_boot": 10},
}


@pytest.fixture(scope="session")
def small_client(tmp_path_factory) -> Path:
    """A sample merchant with 1,500 customers written as export files + client.yaml."""
    from mopkit.data.sample import generate_sample_merchant, write_sample_files

    folder = tmp_path_factory.mktemp("small_client")
    sample = generate_sample_merchant(seed=11, n_customers=1500)
    write_sample_files(sample, folder)
    cfg_path = folder / "client.yaml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    nb_params = dict(cfg.get("notebooks") or {})
    from mopkit.run import list_notebooks, notebook_key, notebook_parameters

    for nb in list_notebooks():
        key = notebook_key(nb)
        declared = notebook_parameters(nb)
        extra = {k: v for k, v in FAST_PARAMS.get(key, {}).items() if k in declared}
        if extra:
            nb_params[key] = {**nb_params.get(key, {}), **extra}
    cfg["notebooks"] = nb_params
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cfg_path


@pytest.fixture(scope="session")
def small_run(small_client, tmp_path_factory):
    """One full `mopkit run` of the small client (all notebooks, reports)."""
    from mopkit.run import run_client

    runs = tmp_path_factory.mktemp("runs")
    result = run_client(small_client, runs, progress=None)
    return result


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    return path
