#!/usr/bin/env python3
"""exg-features vs NeuroKit2 HRV speed, side by side in one run, on MIT-BIH (peaks = .atr beats).

Usage: python tools/features_bench.py [MITDB_DIR] [REPS]
Runs `cargo run --release -p exg-features --example bench_hrv` and times the corresponding
NeuroKit2 calls (hrv_time; hrv_frequency welch normalize=False; the Poincare + ApEn + SampEn + DFA
part via hrv_nonlinear, which computes ~60 indices, so that row over-states NeuroKit's cost for
those four) in-process. Medians of REPS runs per record, then summed over the 10 records.
"""
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import neurokit2 as nk
import wfdb

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data", "mitdb")
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
BEATS = set("N L R B A a J S V r F e j n E / f Q ?".split())

rust = subprocess.run(
    ["cargo", "run", "-q", "--release", "-p", "exg-features", "--example", "bench_hrv", "--", DIR, str(REPS)],
    cwd=os.path.join(HERE, ".."), check=True, capture_output=True, text=True).stdout
rows = [json.loads(l) for l in rust.splitlines() if l.startswith("{")]
exg = {}
for r in rows:
    exg[r["block"]] = exg.get(r["block"], 0.0) + r["ms"]

calls = {
    "hrv_time": lambda p: nk.hrv_time(p, sampling_rate=360),
    "hrv_frequency_welch": lambda p: nk.hrv_frequency(p, sampling_rate=360, normalize=False),
    "poincare_sampen_apen_dfa": lambda p: nk.hrv_nonlinear(p, sampling_rate=360),
}
neuro = {}
for rec in sorted({r["record"] for r in rows}):
    ann = wfdb.rdann(os.path.join(DIR, rec), "atr")
    p = np.array([s for s, y in zip(ann.sample, ann.symbol) if y in BEATS])
    for name, fn in calls.items():
        reps = REPS if name != "poincare_sampen_apen_dfa" else 1
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn(p)
            ts.append((time.perf_counter() - t0) * 1000)
        neuro[name] = neuro.get(name, 0.0) + float(np.median(ts))

print("| block | exg (ms, 10 records) | NeuroKit2 (ms) | NeuroKit2 / exg |")
print("|---|---|---|---|")
for name in calls:
    print(f"| {name} | {exg[name]:.1f} | {neuro[name]:.1f} | {neuro[name] / exg[name]:.0f}x |")
