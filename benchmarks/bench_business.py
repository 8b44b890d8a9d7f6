"""Business case and copy check speed, and the NPV/IRR library choice (issue 17).

A. numpy-financial vs pyxirr on the same monthly cash flows: IRR/NPV agreement and time per call.
   Baseline: pyxirr (Rust), the faster of the two; the question is whether numpy-financial's
   speed matters at the case's size (3 scenarios + a tornado of ~20 NPVs = ~25 calls).
B. A whole case (3 scenarios, tornado) and its workbook.
C. Copy check: jieba start-up, then copies per second on the test corpus repeated to 3,000 copies.
   Baseline: a plain substring search over the same terms (what jieba segmentation costs).

pyxirr is not a mopkit dependency: install it to run part A (`pip install pyxirr`).
Run:  .venv/bin/python benchmarks/bench_business.py
"""
from __future__ import annotations

import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import yaml

from mopkit import business as B
from mopkit import copycheck as CC


def part_a() -> None:
    flows = {
        "typical (fee, ramp, 12 months)": np.array([-50000, 3000, 6000] + [9000] * 10, float),
        "36 months": np.array([-200000] + [8000] * 36, float),
        "two sign changes": np.array([-100, 230, -132], float),
        "no sign change": np.array([100, 200, 300], float),
    }
    try:
        import pyxirr
    except ImportError:
        print("A. pyxirr not installed: skipping the comparison")
        return
    print("A. IRR per month  numpy-financial | pyxirr   (time per call)")
    for name, cf in flows.items():
        a = npf.irr(cf)
        try:
            b = pyxirr.irr(cf)
        except Exception as exc:  # pyxirr raises on flows without a sign change
            b = f"raises {type(exc).__name__}"
        ta = timeit.timeit(lambda: npf.irr(cf), number=2000) / 2000 * 1e6
        try:
            tb = timeit.timeit(lambda: pyxirr.irr(cf), number=2000) / 2000 * 1e6
        except Exception:
            tb = float("nan")
        print(f"   {name:32s} {a!s:>22} | {b!s:>22}   {ta:6.1f} µs | {tb:5.1f} µs")
    cf = flows["typical (fee, ramp, 12 months)"]
    r = 0.00797
    print(f"   NPV at {r}: numpy-financial {npf.npv(r, cf):.6f}, pyxirr {pyxirr.npv(r, cf):.6f}")


def part_b() -> None:
    benefits = [B.Benefit("budget_plan", 9000, "a", "estimate", 6000, 12000), B.Benefit("campaigns", 4000, "b", "measured", 2500, 5500),
                B.Benefit("triggers", 2000, "c", "assumption"), B.Benefit("winback", 20000, "d", "assumption", redemptions=80, one_off=True)]
    p = B.CaseParams(consulting_fee=30000, tools_per_month=800, coupon_cost_per_redemption=15, staff_hours_per_month=20,
                     staff_hourly_rate=80, extra_ad_spend_per_month=1000)
    t0 = time.perf_counter()
    case = B.build_case(benefits, p)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        B.write_workbook(case, Path(d) / "bc.xlsx")
    t2 = time.perf_counter()
    print(f"B. case with 4 benefits, 3 scenarios, {len(case.tornado)}-row tornado: {t1 - t0:.3f} s; workbook {t2 - t1:.3f} s")


def part_c() -> None:
    corpus = yaml.safe_load((Path(__file__).resolve().parents[1] / "tests" / "data" / "copycheck_corpus.yaml").read_text(encoding="utf-8"))
    texts = [c["text"] for c in corpus["copies"]]
    t0 = time.perf_counter()
    CC.check_text("最近上新")  # loads the term lists and jieba's dictionary
    t1 = time.perf_counter()
    n = 3000
    frame = pd.DataFrame({"id": [str(i) for i in range(n)], "platform": "", "text": (texts * (n // len(texts) + 1))[:n]})
    t2 = time.perf_counter()
    res = CC.check_copies(frame)
    t3 = time.perf_counter()
    words = [t.term for t in CC.default_terms().terms if t.match != "regex"]
    t4 = time.perf_counter()
    naive = sum(any(w in x for w in words) for x in frame["text"])
    t5 = time.perf_counter()
    print(f"C. start-up (terms + jieba dictionary) {t1 - t0:.2f} s; {n} copies in {t3 - t2:.2f} s "
          f"({n / (t3 - t2):,.0f} copies/s, {int((res.copies['status'] != 'ok').sum())} flagged); "
          f"plain substring search {t5 - t4:.3f} s ({naive} flagged, look-alikes included) -> {(t3 - t2) / (t5 - t4):.0f}x slower")


if __name__ == "__main__":
    part_a()
    part_b()
    part_c()
