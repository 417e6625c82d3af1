#!/usr/bin/env python3
"""Side-by-side speed of whole-record R-peak detection: exg-signal vs NeuroKit2.

    cargo build --release --example rpeaks_time
    python3 tools/signal_peaks_speed.py [--records 100,119,203,208] [--detector pantompkins]

For each 30-min MIT-BIH record (channel 0, 650,000 samples at 360 Hz) it times, in the same run:
  * NeuroKit2: nk.ecg_clean(method="neurokit") + nk.ecg_peaks(method="neurokit"), `--nk-repeats`
    repetitions after one warm-up;
  * exg-signal: the root package's `rpeaks_time` example (detector `--detector`), which loads the record once and
    times `detect` `--repeats` times in-process (file reading excluded on both sides).
It prints min and median seconds per record and the ratio NeuroKit2 / exg (median and min).
The example binary is looked up in $CARGO_TARGET_DIR (default ./target)/release/examples.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import neurokit2 as nk
import wfdb


def main():
    ap = argparse.ArgumentParser()
    default_data = os.environ.get("EXG_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../shared/data"))
    ap.add_argument("--data", default=default_data)
    ap.add_argument("--records", default="100,119,203,208")
    ap.add_argument("--detector", default="pantompkins")
    ap.add_argument("--nk-repeats", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=30)
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "../target"))
    exe = os.path.join(target, "release", "examples", "rpeaks_time")
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: run `cargo build --release --example rpeaks_time` first")
    print(f"| record | NeuroKit2 min / median s | exg {a.detector} min / median s | ratio (median) | ratio (min) |")
    print("|---|---|---|---|---|")
    ratios = []
    for r in a.records.split(","):
        path = os.path.join(a.data, "mitdb", r)
        x = wfdb.rdrecord(path, channels=[0]).p_signal[:, 0]
        nk.ecg_peaks(nk.ecg_clean(x, sampling_rate=360), sampling_rate=360)  # warm-up
        ts = []
        for _ in range(a.nk_repeats):
            t0 = time.perf_counter()
            clean = nk.ecg_clean(x, sampling_rate=360, method="neurokit")
            nk.ecg_peaks(clean, sampling_rate=360, method="neurokit")
            ts.append(time.perf_counter() - t0)
        out = subprocess.run([exe, path, a.detector, str(a.repeats)], check=True, capture_output=True, text=True)
        rs = json.loads(out.stdout.strip().splitlines()[-1])
        nk_min, nk_med = min(ts), statistics.median(ts)
        ratio_med, ratio_min = nk_med / rs["median_s"], nk_min / rs["min_s"]
        ratios.append(ratio_med)
        print(f"| {r} | {nk_min:.4f} / {nk_med:.4f} | {rs['min_s']:.4f} / {rs['median_s']:.4f} | {ratio_med:.1f}x | {ratio_min:.1f}x |")
    print(f"\nmedian-time ratio over records: min {min(ratios):.1f}x, max {max(ratios):.1f}x")


if __name__ == "__main__":
    main()
