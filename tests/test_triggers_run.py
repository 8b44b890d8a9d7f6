"""`mopkit run` writes the trigger files other tools read (uses the session's shared small run)."""
import json

import pandas as pd

import mopkit.triggers as T
from mopkit.config import load_config

SUMMARY_CONTRACT = ["rule", "candidates", "suppressed", "audience", "treatment", "holdout", "replay_fired_per_day",
                    "replay_conversion_7d", "expected_revenue_30d"]


def test_run_writes_trigger_outputs(small_run, small_client):
    assert small_run.ok, small_run.summary()
    out = small_run.run_dir / "outputs"
    for rule in T.PRIORITY:
        df = pd.read_csv(out / "triggers" / f"{rule}.csv", encoding="utf-8-sig")
        assert list(df.columns) == T.FILE_COLUMNS, rule
        assert (out / "triggers" / f"{rule}.xlsx").exists()
        assert df["customer_id"].astype(str).str.fullmatch(r"c_[0-9a-f]{32}").all()
    summary = pd.read_csv(out / "triggers_summary.csv", encoding="utf-8-sig")
    assert set(SUMMARY_CONTRACT) <= set(summary.columns) and summary["expected_revenue_is_estimate"].all()
    assert (summary["candidates"] == summary["audience"] + summary["suppressed"]).all()
    results = pd.read_csv(out / "campaign_results.csv", encoding="utf-8-sig")
    assert list(results.columns[:17]) == T.RESULT_COLUMNS[:17]
    assert set(results["verdict"]) <= set(T.VERDICTS)
    findings = json.loads((out / "findings" / "triggers.json").read_text(encoding="utf-8"))
    assert findings and all(f["lang"] == "zh" for f in findings)
    # the salt is used for the holdout hash and never written
    salt = load_config(small_client).resolved_salt()
    assert len(salt) >= 8  # a short test salt could occur in files by chance
    for f in small_run.run_dir.rglob("*"):
        if f.is_file() and f.suffix in {".csv", ".json", ".html", ".ipynb", ".yaml"}:
            assert salt not in f.read_text(encoding="utf-8-sig", errors="ignore"), f.name
