"""A whole business case: benefits + costs -> cash flows, scenarios, tornado, JSON for other tools."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from importlib import metadata
from pathlib import Path

import pandas as pd

from .cashflow import SCENARIOS, Benefit, CaseParams, cash_flows, metrics, tornado
from .inputs import Gathered, gather_benefits

#: Config keys of the costs and finance assumptions, in the order the tables show them.
PARAM_KEYS = ("consulting_fee", "tools_per_month", "coupon_cost_per_redemption", "extra_ad_spend_per_month",
              "staff_hours_per_month", "staff_hourly_rate", "gross_margin", "discount_rate", "horizon_months",
              "ramp_up_months", "scenario_spread")


@dataclass
class BusinessCase:
    """Result of :func:`build_case`. ``flows[scenario]`` are the monthly tables, ``scenarios``
    one row of metrics per scenario, ``tornado`` the ±20 % sensitivities of the base NPV."""

    params: CaseParams
    benefits: list[Benefit]
    missing: list[dict]
    flows: dict[str, pd.DataFrame]
    scenarios: pd.DataFrame
    tornado: pd.DataFrame
    currency: str = "CNY"
    extra: dict = field(default_factory=dict)

    def metric(self, name: str, scenario: str = "base"):
        return self.scenarios.set_index("scenario").loc[scenario, name]

    def assumptions(self) -> list[dict]:
        """Every figure the case uses, with where it came from."""
        rows = [{"key": f"benefit_{b.key}", "value": b.monthly_revenue, "low": b.low, "high": b.high,
                 "unit": "currency (one-off)" if b.one_off else "currency/month",
                 "kind": b.kind, "source": b.source, "note": b.note} for b in self.benefits]
        for k in PARAM_KEYS:
            rows.append({"key": k, "value": getattr(self.params, k), "low": None, "high": None,
                         "unit": _unit(k), "kind": "assumption", "source": self.params.sources.get(k, f"default:{k}"), "note": ""})
        return rows

    def cashflows_long(self) -> pd.DataFrame:
        """All scenarios' monthly tables stacked, with a ``scenario`` column first."""
        return pd.concat([f.assign(scenario=s)[["scenario", *f.columns]] for s, f in self.flows.items()], ignore_index=True)

    def to_json(self) -> dict:
        try:
            lib = f"numpy-financial {metadata.version('numpy-financial')}"
        except metadata.PackageNotFoundError:  # pragma: no cover
            lib = "numpy-financial"
        return {
            "currency": self.currency,
            "library": lib,
            "month_0": "one-off costs (consulting fee); benefits start in month 1",
            "assumptions": self.assumptions(),
            "missing_benefits": self.missing,
            "scenarios": {
                s: {"metrics": _clean(self.scenarios.set_index("scenario").loc[s].to_dict()),
                    "cash_flows": self.flows[s].round(2).to_dict("records")}
                for s in SCENARIOS
            },
            "tornado": {"step": self.tornado.attrs.get("step"), "base_npv": self.tornado.attrs.get("base_npv"),
                        "rows": self.tornado.to_dict("records")},
        }


_UNITS = {"gross_margin": "share", "scenario_spread": "share", "discount_rate": "annual rate", "horizon_months": "months",
          "ramp_up_months": "months", "staff_hours_per_month": "hours/month", "consulting_fee": "currency",
          "coupon_cost_per_redemption": "currency", "staff_hourly_rate": "currency"}


def _unit(k: str) -> str:
    return _UNITS.get(k, "currency/month")


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


def params_from_config(values: dict, *, source: str = "config:notebooks.business_case") -> CaseParams:
    """:class:`CaseParams` from a mapping (the notebook's parameters); each key given is sourced
    to ``source.<key>``, the others to their defaults."""
    names = {f.name for f in fields(CaseParams)} - {"sources"}
    given = {k: v for k, v in values.items() if k in names}
    return CaseParams(**given, sources={k: f"{source}.{k}" for k in given})


def build_case(benefits: list[Benefit] | Gathered, params: CaseParams, *, currency: str = "CNY", step: float = 0.2) -> BusinessCase:
    """Cash flows of every scenario, their metrics and the ±``step`` tornado of the base NPV."""
    g = benefits if isinstance(benefits, Gathered) else Gathered(list(benefits), [])
    flows = {s: cash_flows(g.benefits, params, scenario=s) for s in SCENARIOS}
    table = pd.DataFrame([{"scenario": s, **metrics(flows[s], params)} for s in SCENARIOS])
    return BusinessCase(params, g.benefits, g.missing, flows, table, tornado(g.benefits, params, step=step), currency)


def case_from_run(outputs: str | Path, params: CaseParams, *, default_period_days: float, winback_response_rate: float = 0.05,
                  currency: str = "CNY") -> BusinessCase:
    """Read the benefits a run's ``outputs/`` supports and build the case."""
    g = gather_benefits(outputs, default_period_days=default_period_days, winback_response_rate=winback_response_rate)
    case = build_case(g, params, currency=currency)
    case.extra["winback_response_rate"] = winback_response_rate
    return case


__all__ = ["BusinessCase", "PARAM_KEYS", "build_case", "case_from_run", "params_from_config"]
