"""The README documents the data model and the outputs other tools read."""
from pathlib import Path

from mopkit.data.schema import TABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_canonical_table_and_column_is_documented():
    for name, table in TABLES.items():
        assert f"**{name}**" in README, name
        for col in table.names:
            assert col in README, f"{name}.{col}"


def test_the_two_commands_and_the_outputs_are_documented():
    assert "make demo" in README and "make test" in README
    for out in ("rfm_clv_customers.csv", "clv_model.json", "forecast.csv", "forecast_backtest.csv", "attribution.csv",
                "budget_plan.csv", "kpis.csv", "alerts.csv", "manifest.json", "report.pdf"):
        assert out in README, out
