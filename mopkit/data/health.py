"""The data-health ledger: what was read, kept, dropped and repaired, per table and reason.

Every row the loader reads ends up either kept or dropped with one reason, so per table
``rows_read == rows_kept + sum(dropped)``; :meth:`HealthLedger.check` asserts it.
Repairs (a cleaned amount, a filled default) change values but keep the row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

KINDS = ("read", "dropped", "repaired", "kept", "note")


@dataclass
class HealthLedger:
    rows: list[dict] = field(default_factory=list)

    def add(self, table: str, file: str, kind: str, reason: str, rows: int) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        if rows or kind in ("read", "kept"):
            self.rows.append({"table": table, "file": file, "kind": kind, "reason": reason, "rows": int(rows)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["table", "file", "kind", "reason", "rows"])

    def check(self) -> None:
        """Raise ``AssertionError`` if any table's, or any file's, counts do not reconcile."""
        reconcile(self.frame())
        reconcile(self.frame(), by_file=True)


def reconcile(health: pd.DataFrame, by_file: bool = False) -> pd.DataFrame:
    """Per table (and per file with ``by_file``): rows read, kept, dropped and whether they add up.

    Raises ``AssertionError`` if they do not.
    """
    index = ["table", "file"] if by_file else "table"
    piv = health.pivot_table(index=index, columns="kind", values="rows", aggfunc="sum", fill_value=0)
    for k in ("read", "kept", "dropped", "repaired"):
        if k not in piv:
            piv[k] = 0
    piv = piv[["read", "kept", "dropped", "repaired"]].astype(int)
    piv["balanced"] = piv["read"] == piv["kept"] + piv["dropped"]
    if not piv["balanced"].all():
        bad = piv[~piv["balanced"]]
        raise AssertionError(f"data-health counts do not reconcile:\n{bad}")
    return piv.reset_index()
