"""The benefits of a business case, read from the run's own results in ``outputs/``.

Each reader returns a :class:`~mopkit.business.cashflow.Benefit` (monthly revenue at full
run-rate, with its interval when the analysis gives one and the file it came from) or ``None``
with the reason, so a missing analysis becomes a stated gap, never a silent zero:

================================  ==========================================================
``budget_plan.csv``               Σ expected_value_change (and _low/_high) over period_days
                                  (attribution plan: the analysis window) — an estimate
``campaign_results.csv``          Σ incremental_revenue (_low/_high) of the trigger campaigns,
                                  measured against a holdout — measured
``triggers_summary.csv``          Σ expected_revenue_30d of triggers not yet measured — a
                                  replay estimate, flagged as an assumption
``audiences/winback.csv`` +       win-back audience × response rate × expected order value
``rfm_clv_customers.csv``         (the response rate is the consultant's assumption)
================================  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .cashflow import MONTH_DAYS, Benefit

BENEFIT_KEYS = ("budget_plan", "campaigns", "triggers", "winback")
TOTAL_ROWS = {"total", "all", "合计", "总计"}
#: Columns of campaign_results.csv that say whether a campaign had a holdout group (any present is used).
HOLDOUT_FLAGS = ("has_holdout", "holdout")
HOLDOUT_COUNTS = ("n_holdout", "holdout_size", "holdout_customers")


@dataclass
class Gathered:
    """Benefits found in a run's outputs and the ones left out (key -> reason code, file)."""

    benefits: list[Benefit] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)

    def skip(self, key: str, reason: str, file: str, **detail) -> None:
        self.missing.append({"benefit": key, "reason": reason, "file": file, **detail})


def _read(path: Path, need: list[str]) -> pd.DataFrame | None:
    if not path.exists() and path.with_suffix(".parquet").exists():  # a per-customer table past a sheet's rows
        path = path.with_suffix(".parquet")
    if not path.exists():
        return None
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path.name}: {exc}", file=path, fix="re-run the notebook that writes it") from None
    lack = [c for c in need if c not in df.columns]
    if lack:
        raise DataError(f"{path.name} lacks columns {lack}", file=path, column=", ".join(lack),
                        fix="re-run the notebook that writes it with this mopkit version")
    numeric = [c for c in df.columns
               if (c in need and c not in ("channel", "customer_id")) or c.endswith(("_low", "_high")) or c == "period_days"]
    for c in numeric:
        bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna()
        if bad.any():
            raise DataError(f"{path.name}: column {c} has values that are not numbers", file=path, column=c,
                            examples=df.loc[bad].head(5).to_dict("records"), fix="re-run the notebook that writes it")
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def _interval(df: pd.DataFrame, col: str, scale: float, path: Path) -> tuple[float, float | None, float | None]:
    base = float(df[col].fillna(0).sum()) * scale
    lo = hi = None
    if f"{col}_low" in df.columns and f"{col}_high" in df.columns and df[[f"{col}_low", f"{col}_high"]].notna().all().all():
        lo = float(df[f"{col}_low"].sum()) * scale
        hi = float(df[f"{col}_high"].sum()) * scale
        if lo > base + 1e-6 or hi < base - 1e-6:
            raise DataError(f"{path.name}: the interval of {col} does not contain it (low {lo:,.0f}, value {base:,.0f}, high {hi:,.0f})",
                            file=path, column=col, fix="the low bound must be <= the value <= the high bound")
    return base, lo, hi


def budget_benefit(outputs: Path, g: Gathered, *, default_period_days: float) -> None:
    """Gain of the budget plan: Σ expected_value_change per ``period_days`` (column, else the
    analysis window), scaled to a month. ``method`` (mmm / attribution) goes into the note."""
    path = outputs / "budget_plan.csv"
    df = _read(path, ["channel", "expected_value_change"])
    if df is None:
        g.skip("budget_plan", "missing_file", path.name)
        return
    if "period_days" in df.columns and df["period_days"].notna().any():
        period = float(pd.to_numeric(df["period_days"], errors="coerce").dropna().iloc[0])
        period_src = f"{path.name}:period_days"
    else:
        period, period_src = float(default_period_days), "config:window"
    if not period > 0:
        raise DataError(f"{path.name}: period_days must be > 0", file=path, column="period_days", fix="re-run the budget notebook")
    df = df[~df["channel"].astype(str).str.strip().str.lower().isin(TOTAL_ROWS)]  # a total row would count twice
    method = str(df["method"].dropna().iloc[0]) if "method" in df.columns and df["method"].notna().any() else "attribution"
    base, lo, hi = _interval(df, "expected_value_change", MONTH_DAYS / period, path)
    if method == "attribution" and hi is None:
        hi = base  # the attribution plan assumes constant returns to spend: already an upper bound
    g.benefits.append(Benefit("budget_plan", base, f"outputs/{path.name}", "estimate", lo, hi,
                              note=f"method={method}; period_days={period:g} ({period_src})",
                              detail={"method": method, "period_days": period, "period_source": period_src}))


def campaign_benefits(outputs: Path, g: Gathered) -> None:
    """Measured uplift of campaigns with a holdout; replay estimates for triggers not measured yet."""
    cpath, tpath = outputs / "campaign_results.csv", outputs / "triggers_summary.csv"
    camp = _read(cpath, ["incremental_revenue"])
    trig = _read(tpath, ["expected_revenue_30d"])
    measured: set[str] = set()
    had_rows = camp is not None and len(camp) > 0
    if had_rows:
        keep = camp["incremental_revenue"].notna()
        for c in HOLDOUT_FLAGS:
            if c in camp.columns:
                keep &= camp[c].astype(str).str.strip().str.lower().isin({"true", "1", "yes", "1.0"})
        for c in HOLDOUT_COUNTS:
            if c in camp.columns:
                keep &= pd.to_numeric(camp[c], errors="coerce").fillna(0) > 0
        camp = camp[keep]  # campaigns without a holdout measure nothing: their triggers stay estimates
    if camp is None:
        g.skip("campaigns", "missing_file", cpath.name)
    elif not len(camp):
        g.skip("campaigns", "no_holdout" if had_rows else "empty_file", cpath.name)
    else:
        period = 30.0
        src = "assumed 30 days"
        if "period_days" in camp.columns and camp["period_days"].notna().any():
            period, src = float(camp["period_days"].dropna().iloc[0]), f"{cpath.name}:period_days"
        elif {"sent_from", "sent_to"} <= set(camp.columns):
            # the log's span (first send to last send + the conversion window): a year of campaigns
            # is not one month's uplift; under 30 days stays 30 (one burst is not repeated monthly)
            first, last = pd.to_datetime(camp["sent_from"], errors="coerce").min(), pd.to_datetime(camp["sent_to"], errors="coerce").max()
            win = pd.to_numeric(camp["window_days"], errors="coerce").max() if "window_days" in camp.columns else 0.0
            span = (last - first) / pd.Timedelta(days=1) + (0.0 if pd.isna(win) else float(win))
            if pd.notna(span) and span > period:
                period, src = float(span), f"{cpath.name}:sent_from..sent_to + window_days"
        base, lo, hi = _interval(camp, "incremental_revenue", MONTH_DAYS / period, cpath)
        for key in ("trigger", "campaign"):
            if key in camp.columns:
                measured |= set(camp[key].dropna().astype(str))
        g.benefits.append(Benefit("campaigns", base, f"outputs/{cpath.name}", "measured", lo, hi,
                                  note=f"{len(camp)} campaigns; period {period:g} days ({src})",
                                  detail={"n": len(camp), "period_days": period, "period_source": src}))
    if trig is None:
        g.skip("triggers", "missing_file", tpath.name)
        return
    key = next((k for k in ("trigger", "campaign") if k in trig.columns), None)
    if camp is not None and len(camp):
        if key is None or not measured:
            g.skip("triggers", "no_common_key", tpath.name)  # cannot tell which are measured: no double count
            return
        trig = trig[~trig[key].astype(str).isin(measured)]
        if not len(trig):
            g.skip("triggers", "all_measured", tpath.name)
            return
    base, lo, hi = _interval(trig, "expected_revenue_30d", MONTH_DAYS / 30.0, tpath)
    g.benefits.append(Benefit("triggers", base, f"outputs/{tpath.name}", "assumption", lo, hi,
                              note=f"{len(trig)} triggers; replay estimate, not yet measured against a holdout",
                              detail={"n": len(trig)}))


def winback_benefit(outputs: Path, g: Gathered, *, response_rate: float) -> None:
    """One win-back campaign: audience × ``response_rate`` customers come back, each placing one
    order of their expected order value (``rfm_clv_customers.csv``: expected_order_value, else
    avg_repeat_value) and redeeming one coupon. A one-off benefit; the repeat orders a won-back
    customer may place later are left out (conservative)."""
    apath, cpath = outputs / "audiences" / "winback.csv", outputs / "rfm_clv_customers.csv"
    aud = _read(apath, ["customer_id"])
    if aud is None:
        g.skip("winback", "missing_file", "audiences/winback.csv")
        return
    if not len(aud):
        g.skip("winback", "empty_file", "audiences/winback.csv")
        return
    cust = _read(cpath, ["customer_id"])
    value_col = None
    if cust is not None:
        value_col = next((c for c in ("expected_order_value", "avg_repeat_value") if c in cust.columns), None)
    if cust is None or value_col is None:
        g.skip("winback", "missing_value", cpath.name)
        return
    vals = cust.set_index(cust["customer_id"].astype(str))[value_col]
    v = pd.to_numeric(aud["customer_id"].astype(str).map(vals), errors="coerce")
    if v.isna().all():
        g.skip("winback", "no_matching_customers", cpath.name)
        return
    n = len(aud)
    order_value = float(v.dropna().mean())
    rate = float(response_rate)
    g.benefits.append(Benefit("winback", n * rate * order_value, f"outputs/audiences/winback.csv + outputs/{cpath.name}:{value_col}",
                              "assumption", redemptions=n * rate, one_off=True,
                              note=f"one-off: {n} customers × response rate {rate:.1%} (config) × mean {value_col} "
                                   f"{order_value:,.0f}; {int(v.isna().sum())} without a value count at the mean",
                              detail={"n": n, "rate": rate, "value_col": value_col, "order_value": order_value}))


def gather_benefits(outputs: str | Path, *, default_period_days: float, winback_response_rate: float = 0.05,
                    include: tuple[str, ...] = BENEFIT_KEYS) -> Gathered:
    """Every benefit the run's ``outputs/`` folder supports, and the ones it does not (with why).

    Raises :class:`DataError` when a file is present but unreadable or inconsistent.
    """
    outputs = Path(outputs)
    g = Gathered()
    if "budget_plan" in include:
        budget_benefit(outputs, g, default_period_days=default_period_days)
    if "campaigns" in include or "triggers" in include:
        campaign_benefits(outputs, g)
        g.benefits = [b for b in g.benefits if b.key in include]
        g.missing = [m for m in g.missing if m["benefit"] in include]
    if "winback" in include and winback_response_rate > 0:
        winback_benefit(outputs, g, response_rate=winback_response_rate)
    elif "winback" in include:
        g.skip("winback", "rate_zero", "config:winback_response_rate")
    for b in g.benefits:
        if not np.isfinite(b.monthly_revenue):
            raise DataError(f"benefit {b.key} is not a finite number", file=b.source, fix="re-run the notebook that writes it")
    return g


def window_days(start, end, orders: pd.DataFrame | None = None, *, time_col: str = "order_time") -> float:
    """Days of the analysis window (``start``..``end`` inclusive); without a configured window,
    the span of ``orders``' ``time_col``. The attribution budget plan's gain covers this period."""
    if start is not None and end is not None:
        return float((pd.Timestamp(end) - pd.Timestamp(start)).days + 1)
    if orders is not None and len(orders):
        t = pd.to_datetime(orders[time_col])
        return float((t.max().normalize() - t.min().normalize()).days + 1)
    raise DataError("cannot tell the analysis period of the budget plan", fix="set window: {start, end} in the client config")
