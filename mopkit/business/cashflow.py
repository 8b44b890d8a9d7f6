"""Monthly cash flows of a consulting plan and their metrics: ROI, NPV, IRR, payback.

The money model, stated once:

* month 0 carries the one-off costs (the consulting fee); months 1..H the running ones;
* a recurring benefit is a monthly revenue at full run-rate; month ``m`` earns
  ``min(1, m / ramp_up_months)`` of it (a linear ramp-up, 0 months = full from month 1);
  a one-off benefit (a win-back campaign) is a total, spread evenly over months
  ``1..max(1, ramp_up_months)``;
* gross profit = revenue × gross margin; coupons cost ``coupon_cost_per_redemption`` for each
  redemption (redemptions ramp up with the benefit that brings them);
* tools, extra ad spend and staff (hours × rate) are paid every month from month 1.

NPV, IRR come from numpy-financial (``npf.npv`` discounts the first flow at t = 0, the textbook
convention; ``npf.irr`` solves the polynomial with ``numpy.roots``; see
``benchmarks/bench_business_irr.py`` for the comparison with pyxirr). Rates are annual in the
inputs and converted to monthly as ``(1 + r) ** (1 / 12) - 1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy_financial as npf
import pandas as pd

from ..errors import ConfigError
from ..registry import lookup

MONTH_DAYS = 365.25 / 12
COST_COLUMNS = ("coupon_cost", "extra_ad_spend", "tools", "staff", "consulting_fee")
SCENARIOS = ("pessimistic", "base", "optimistic")


@dataclass(frozen=True)
class Benefit:
    """One source of extra revenue, per month at full run-rate (``one_off``: a total, see module doc).

    ``low``/``high`` bound it for the pessimistic/optimistic scenarios; ``kind`` is
    ``measured`` (uplift against a holdout), ``estimate`` (a model's expectation) or
    ``assumption`` (a replay or a rate the consultant set); ``source`` names the file or key.
    """

    key: str
    monthly_revenue: float
    source: str
    kind: str = "estimate"
    low: float | None = None
    high: float | None = None
    redemptions: float = 0.0  # coupon redemptions per month at full run-rate (one_off: in total)
    note: str = ""
    one_off: bool = False
    detail: dict = field(default_factory=dict, compare=False)  # figures behind the note (localised display)

    def at(self, scenario: str, spread: float) -> float:
        """Monthly revenue in ``scenario``; without an interval, base × (1 ∓ ``spread``)."""
        return lookup(_SCENARIO_VALUE, scenario, what="scenario")(self, spread)


_SCENARIO_VALUE = {
    "pessimistic": lambda b, spread: b.low if b.low is not None else b.monthly_revenue * (1 - spread),
    "base": lambda b, spread: b.monthly_revenue,
    "optimistic": lambda b, spread: b.high if b.high is not None else b.monthly_revenue * (1 + spread),
}


@dataclass(frozen=True)
class CaseParams:
    """The consultant's cost and finance assumptions (``notebooks.business_case`` in the config)."""

    consulting_fee: float = 0.0  # one-off, month 0
    tools_per_month: float = 0.0
    coupon_cost_per_redemption: float = 0.0
    extra_ad_spend_per_month: float = 0.0
    staff_hours_per_month: float = 0.0
    staff_hourly_rate: float = 0.0
    gross_margin: float = 0.6  # share of revenue kept after cost of goods
    discount_rate: float = 0.10  # annual
    horizon_months: int = 12
    ramp_up_months: int = 3
    scenario_spread: float = 0.3  # ± for benefits without an interval
    sources: dict = field(default_factory=dict)  # assumption -> where its value came from

    def __post_init__(self):
        checks = [
            ("gross_margin", 0 < self.gross_margin <= 1, "a share in (0, 1], e.g. 0.6"),
            ("discount_rate", -1 < self.discount_rate < 10, "an annual rate, e.g. 0.10"),
            ("horizon_months", int(self.horizon_months) == self.horizon_months and 1 <= self.horizon_months <= 120,
             "a whole number of months between 1 and 120"),
            ("ramp_up_months", int(self.ramp_up_months) == self.ramp_up_months and 0 <= self.ramp_up_months <= self.horizon_months,
             "a whole number of months between 0 and the horizon"),
            ("scenario_spread", 0 <= self.scenario_spread < 1, "a share in [0, 1), e.g. 0.3"),
        ]
        for name in ("consulting_fee", "tools_per_month", "coupon_cost_per_redemption", "extra_ad_spend_per_month",
                     "staff_hours_per_month", "staff_hourly_rate"):
            checks.append((name, np.isfinite(getattr(self, name)) and getattr(self, name) >= 0, "an amount >= 0"))
        for name, ok, want in checks:
            if not ok:
                raise ConfigError(f"business case: {name} = {getattr(self, name)!r} is not valid",
                                  fix=f"set notebooks.business_case.{name} to {want}")

    @property
    def monthly_rate(self) -> float:
        return (1 + self.discount_rate) ** (1 / 12) - 1


def ramp(params: CaseParams) -> np.ndarray:
    """Share of full run-rate earned in months 0..H (month 0 earns nothing)."""
    m = np.arange(params.horizon_months + 1, dtype=float)
    if params.ramp_up_months == 0:
        return (m >= 1).astype(float)
    return np.minimum(1.0, m / params.ramp_up_months)


def one_off_share(params: CaseParams) -> np.ndarray:
    """Share of a one-off benefit paid in months 0..H: evenly over months 1..max(1, ramp-up)."""
    m = np.arange(params.horizon_months + 1)
    k = max(1, params.ramp_up_months)
    return ((m >= 1) & (m <= k)) / k


def cash_flows(benefits: list[Benefit], params: CaseParams, *, scenario: str = "base") -> pd.DataFrame:
    """Month-by-month table (months 0..H) of revenue per benefit, gross profit, costs and net flow.

    Columns: month, ramp, revenue_<key> per benefit, revenue, gross_profit, coupon_cost,
    extra_ad_spend, tools, staff, consulting_fee, costs, net, cumulative, discount_factor, pv,
    cumulative_pv.
    """
    r = ramp(params)
    once = one_off_share(params)
    running = (np.arange(params.horizon_months + 1) >= 1).astype(float)
    out = pd.DataFrame({"month": np.arange(params.horizon_months + 1), "ramp": r})
    revenue = np.zeros_like(r)
    redemptions = np.zeros_like(r)
    for b in benefits:
        shape = once if b.one_off else r
        col = shape * b.at(scenario, params.scenario_spread)
        out[f"revenue_{b.key}"] = col
        revenue += col
        base = b.monthly_revenue
        # redemptions move with the benefit's revenue in each scenario (same response per coupon)
        scale = b.at(scenario, params.scenario_spread) / base if base else 1.0
        redemptions += shape * b.redemptions * scale
    out["revenue"] = revenue
    out["gross_profit"] = revenue * params.gross_margin
    out["coupon_cost"] = redemptions * params.coupon_cost_per_redemption
    out["extra_ad_spend"] = running * params.extra_ad_spend_per_month
    out["tools"] = running * params.tools_per_month
    out["staff"] = running * params.staff_hours_per_month * params.staff_hourly_rate
    out["consulting_fee"] = np.where(out["month"] == 0, params.consulting_fee, 0.0)
    out["costs"] = out[list(COST_COLUMNS)].sum(axis=1)
    out["net"] = out["gross_profit"] - out["costs"]
    out["cumulative"] = out["net"].cumsum()
    out["discount_factor"] = (1 + params.monthly_rate) ** -out["month"].astype(float)
    out["pv"] = out["net"] * out["discount_factor"]
    out["cumulative_pv"] = out["pv"].cumsum()
    return out


def payback_month(net) -> int | None:
    """First month whose cumulative net flow is >= 0 after having been negative (0 when it never
    is negative); ``None`` when the plan does not pay back within the horizon."""
    cum = np.cumsum(np.asarray(net, dtype=float))
    negative = np.flatnonzero(cum < -1e-9)
    if not len(negative):
        return 0
    month = int(negative.max()) + 1  # the month after the last one still under water
    return month if month < len(cum) else None


def sign_changes(values) -> int:
    """Number of sign changes in a sequence (zeros skipped): Descartes' bound on the IRRs."""
    s = np.sign(np.asarray(values, dtype=float))
    s = s[s != 0]
    return int((s[1:] != s[:-1]).sum())


def metrics(flows: pd.DataFrame, params: CaseParams) -> dict:
    """ROI, NPV, IRR (monthly and annualised), payback month and totals of a cash-flow table.

    ROI = (total gross profit − total costs) / total costs, undiscounted over the horizon.
    IRR is ``None`` with a note when the flows do not change sign (no rate makes NPV zero) and
    flagged when they change sign more than once (several rates may solve it; numpy-financial
    returns one of them).
    """
    net = flows["net"].to_numpy(dtype=float)
    costs = float(flows["costs"].sum())
    gp = float(flows["gross_profit"].sum())
    changes = sign_changes(net)
    irr_m = float(npf.irr(net)) if changes else float("nan")
    note = ""
    if changes == 0:
        note = "irr_undefined_positive" if net.sum() > 0 else "irr_undefined_negative"
    elif changes > 1:
        note = "irr_multiple"
    if changes and not np.isfinite(irr_m):
        note = "irr_not_found"
    irr_ok = bool(changes) and np.isfinite(irr_m)
    return {
        "revenue": float(flows["revenue"].sum()),
        "gross_profit": gp,
        "costs": costs,
        "net": float(net.sum()),
        "roi": (gp - costs) / costs if costs > 0 else None,
        "npv": float(npf.npv(params.monthly_rate, net)),
        "irr_monthly": irr_m if irr_ok else None,
        "irr_annual": (1 + irr_m) ** 12 - 1 if irr_ok else None,
        "irr_note": note,
        "payback_month": payback_month(net),
    }


def scenario_table(benefits: list[Benefit], params: CaseParams) -> pd.DataFrame:
    """Metrics of the pessimistic, base and optimistic scenarios (one row each)."""
    rows = [{"scenario": s, **metrics(cash_flows(benefits, params, scenario=s), params)} for s in SCENARIOS]
    return pd.DataFrame(rows)


def _npv(benefits, params) -> float:
    return metrics(cash_flows(benefits, params), params)["npv"]


def tornado(benefits: list[Benefit], params: CaseParams, *, step: float = 0.2) -> pd.DataFrame:
    """Base-scenario NPV when each assumption moves by ``-step`` and ``+step`` (others fixed).

    Assumptions: each benefit's monthly revenue, the gross margin (capped at 1), each cost
    item, and the discount rate. Rows sorted by swing (|NPV high − NPV low|), largest first.
    Columns: assumption, kind (benefit / finance / cost), base_value, npv_minus, npv_plus, swing.
    """
    base = _npv(benefits, params)
    rows = []
    for i, b in enumerate(benefits):
        v = []
        for f in (1 - step, 1 + step):
            moved = list(benefits)
            moved[i] = replace(b, monthly_revenue=b.monthly_revenue * f, redemptions=b.redemptions * f)
            v.append(_npv(moved, params))
        rows.append(("benefit_" + b.key, "benefit", b.monthly_revenue, *v))
    for name, kind in (("gross_margin", "finance"), ("discount_rate", "finance"), ("consulting_fee", "cost"),
                       ("tools_per_month", "cost"), ("coupon_cost_per_redemption", "cost"),
                       ("extra_ad_spend_per_month", "cost"), ("staff_hourly_rate", "cost")):
        value = getattr(params, name)
        if value == 0:
            continue
        v = []
        for f in (1 - step, 1 + step):
            new = value * f
            if name == "gross_margin":
                new = min(new, 1.0)
            v.append(_npv(benefits, replace(params, **{name: new})))
        rows.append((name, kind, value, *v))
    out = pd.DataFrame(rows, columns=["assumption", "kind", "base_value", "npv_minus", "npv_plus"])
    out["swing"] = (out["npv_plus"] - out["npv_minus"]).abs()
    out.attrs["base_npv"] = base
    out.attrs["step"] = step
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
