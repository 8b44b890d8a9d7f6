"""Tables for people and files: the per-rule audience files, localised summaries, opt-out lists."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..config import load_config
from ..data.privacy import PSEUDONYM_RE, pseudonymise
from ..errors import ConfigError, DataError
from ..i18n import t
from .labels import offer_text, rule_label

#: Columns of ``outputs/triggers/<rule>.csv`` (the contract other tools read).
FILE_COLUMNS = ["customer_id", "trigger", "product", "trigger_time", "send_at", "channel", "offer", "coupon_value",
                "group", "reason", "p_alive", "tier"]
SUMMARY_COLUMNS = ["rule", "candidates", "suppressed", "audience", "treatment", "holdout", "replay_fired_per_day",
                   "replay_conversion_7d", "expected_revenue_30d"]


def rule_files(audience: pd.DataFrame, rules: list[str], *, lang: str = "zh", currency: str = "CNY") -> dict[str, pd.DataFrame]:
    """One frame per rule with :data:`FILE_COLUMNS` (offer worded in ``lang``), also for empty rules."""
    a = audience.copy()
    a["offer"] = offer_text(a["coupon_value"], lang, currency) if len(a) else []
    return {r: a[a["trigger"] == r][FILE_COLUMNS].reset_index(drop=True) for r in rules}


def send_log(audience: pd.DataFrame, as_of) -> pd.DataFrame:
    """This period's audience in the form of the ``campaigns`` table (customer_id, campaign, group,
    sent_at, coupon_cost), so next month's run can measure it: campaign = ``<trigger>_<YYYYMM>``;
    holdout rows keep the time they would have been sent. The merchant removes rows that were not
    sent and fills ``coupon_cost`` with redeemed coupons before handing it back."""
    tag = pd.Timestamp(as_of).strftime("%Y%m")
    return pd.DataFrame({"customer_id": audience["customer_id"], "campaign": audience["trigger"] + f"_{tag}",
                         "group": audience["group"], "sent_at": audience["send_at"], "coupon_cost": 0.0})


def preview_table(files: dict[str, pd.DataFrame], lang: str = "zh", n: int = 2) -> pd.DataFrame:
    """The first ``n`` rows of each rule's file, narrow and in ``lang`` (for the report)."""
    rows = pd.concat([f.head(n) for f in files.values()], ignore_index=True)
    out = pd.DataFrame({
        "rule": [rule_label(r, lang) for r in rows["trigger"]], "customer_id": rows["customer_id"],
        "product": rows["product"].fillna(""), "send_at": rows["send_at"].dt.strftime("%m-%d %H:%M"),
        "channel": [t(f"triggers.channel.{c}", lang) for c in rows["channel"]], "offer": rows["offer"],
        "group": [t(f"triggers.col.{g}", lang) for g in rows["group"]], "reason_text": rows["reason"],
    })
    return out.rename(columns={c: t(f"triggers.col.{c}", lang) for c in out.columns})


def summary_table(summary: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The trigger summary with rule names and headers in ``lang`` (for display)."""
    s = summary[SUMMARY_COLUMNS].copy()
    s["rule"] = [rule_label(r, lang) for r in s["rule"]]
    s["replay_fired_per_day"] = s["replay_fired_per_day"].map(lambda x: "" if pd.isna(x) else f"{x:.1f}")
    s["replay_conversion_7d"] = s["replay_conversion_7d"].map(lambda x: "" if pd.isna(x) else f"{x:.1%}")
    s["expected_revenue_30d"] = s["expected_revenue_30d"].map(lambda x: "" if pd.isna(x) else f"{x:,.0f}")
    return s.rename(columns={c: t(f"triggers.col.{c}", lang) for c in s.columns})


def results_table(results: pd.DataFrame, lang: str = "zh", currency: str = "CNY") -> pd.DataFrame:
    """Campaign results with intervals written out and the verdict in words (for display)."""
    r = results
    pct = lambda x: "" if pd.isna(x) else f"{100 * x:+.1f}"  # percentage points  # noqa: E731
    money = lambda x: "" if pd.isna(x) else f"{x:,.0f}"  # noqa: E731
    out = pd.DataFrame({
        "campaign": r["campaign"], "group_treatment_n": r["group_treatment_n"], "group_holdout_n": r["group_holdout_n"],
        "conv_treatment": r["conv_treatment"].map(lambda x: "" if pd.isna(x) else f"{x:.1%}"),
        "conv_holdout": r["conv_holdout"].map(lambda x: "" if pd.isna(x) else f"{x:.1%}"),
        "uplift": [f"{pct(u)} ({pct(lo)} … {pct(hi)})" if not pd.isna(u) else "" for u, lo, hi in
                   zip(r["uplift_abs"], r["uplift_abs_low"], r["uplift_abs_high"])],
        "incremental_revenue": [f"{money(v)} ({money(lo)} … {money(hi)}) {currency}" if not pd.isna(v) else "" for v, lo, hi in
                                zip(r["incremental_revenue"], r["incremental_revenue_low"], r["incremental_revenue_high"])],
        "incremental_orders": r["incremental_orders"].round(1),
        "cost_per_incremental_order": r["cost_per_incremental_order"].map(money),
        "verdict": [t(f"triggers.verdict.{v}", lang) for v in r["verdict"]],
    })
    return out.rename(columns={c: t(f"triggers.col.{c}", lang) for c in out.columns})


def client_salt(run_dir: str | Path) -> str:
    """The client's pseudonymisation salt for a run, never written anywhere.

    A run folder's ``config.yaml`` has no salt (by design), so the client's own config file named
    in ``manifest.json`` is read when it still exists; else ``$MOPKIT_SALT`` or the per-client
    default, as at load time.
    """
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        return load_config(manifest["config_file"]).resolved_salt()
    except (OSError, KeyError, ValueError, ConfigError):
        return load_config(run_dir / "config.yaml").resolved_salt()


def read_opt_out(path: str | Path, salt: str, *, base_dir: str | Path | None = None,
                 links: pd.DataFrame | None = None) -> set[str]:
    """Customer ids that opted out, pseudonymised like the loader does (already-pseudonymised ids
    ``c_<hex>`` are kept as they are), then mapped to the stitched person through ``links``
    (the run's ``customer_links`` table: source_id -> customer_id), so an opt-out given under one
    platform's or the CRM's id covers the person on every platform.

    The file is a CSV or Excel sheet with a ``customer_id`` column (or a single column); relative
    paths are resolved against ``base_dir`` (the client config's folder).

    Raises DataError when the file is missing or has no usable column.
    """
    p = Path(path)
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    if not p.exists():
        raise DataError("the opt-out list named in the config does not exist", file=p,
                        fix="fix notebooks.triggers.opt_out_path (relative to the client config) or remove it")
    df = pd.read_excel(p, dtype=str) if p.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(p, dtype=str, encoding="utf-8-sig")
    if "customer_id" in df:
        ids = df["customer_id"]
    elif df.shape[1] == 1:
        ids = df.iloc[:, 0]
    else:
        raise DataError("the opt-out list has no customer_id column", file=p, examples=[f"headers: {list(df.columns)[:10]}"],
                        fix="name the column with the buyer ids customer_id")
    ids = ids.dropna().astype(str).str.strip()
    ids = ids[ids != ""]
    done = ids.str.fullmatch(PSEUDONYM_RE)
    raw = pseudonymise(ids[~done], salt, column="customer_id")
    out = set(ids[done]) | set(raw.dropna().astype(str))
    if links is not None and len(links):
        to = dict(zip(links["source_id"].astype(str), links["customer_id"].astype(str)))
        out |= {to[i] for i in out if i in to}
    return out


def config_dir(run_dir: str | Path) -> Path | None:
    """Folder of the client's config file (where relative paths in it point), if known."""
    try:
        manifest = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
        return Path(manifest["config_file"]).parent
    except (OSError, KeyError, ValueError):
        return None

