#!/usr/bin/env python3
"""Oracle for exg_signal::score: wfdb-python's Comparitor (compare_annotations) on random,
realistic reference/detection lists.

    python3 tools/signal_peaks_score_oracle.py

Writes crates/exg-signal/tests/fixtures/score_wfdb_oracle.json, read by
crates/exg-signal/tests/score_oracle.rs. wfdb matches when |d| < window_width, ours when
|d| <= tolerance, so the oracle is run with window_width = tolerance + 1 (integer samples).
"""
import json
import os

import numpy as np
from wfdb.processing import compare_annotations

rng = np.random.default_rng(20261124)
cases = []
for k in range(40):
    n = int(rng.integers(5, 150))
    rr = rng.integers(150, 450, size=n)
    ref = np.cumsum(rr) + int(rng.integers(0, 100))
    keep = rng.random(n) > rng.uniform(0, 0.15)
    test = ref[keep] + rng.integers(-30, 31, size=keep.sum())
    extra = rng.integers(0, int(ref[-1]) + 100, size=int(rng.integers(0, max(1, n // 8))))
    test = np.unique(np.concatenate([test, extra]))
    test = test[test >= 0]
    tol = int(rng.choice([18, 36, 54]))
    c = compare_annotations(ref, test, tol + 1)
    cases.append({
        "reference": [int(v) for v in ref],
        "detected": [int(v) for v in test],
        "tolerance": tol,
        "tp": int(c.tp), "fp": int(c.fp), "fn": int(c.fn),
    })
out = os.path.join(os.path.dirname(__file__), "../crates/exg-signal/tests/fixtures/score_wfdb_oracle.json")
with open(out + ".tmp", "w") as f:
    json.dump({"source": "wfdb.processing.compare_annotations (wfdb 4.3.1), window_width = tolerance + 1",
               "cases": cases}, f)
os.replace(out + ".tmp", out)
print(f"{len(cases)} cases -> {out}")
