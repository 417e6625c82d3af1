#!/usr/bin/env python3
"""Run NeuroKit2's default R-peak pipeline on MIT-BIH (channel 0) and dump the peaks.

    python3 tools/signal_peaks_neurokit_mitdb.py [--data ../shared/data] [--out /tmp/nk_mitdb.json]
        [--noisy DIR]

Writes `{"detector": "neurokit2", "records": {"100": [peak, ...], ...}}` (0-based sample
indices) to `--out`. Those peaks are then scored by OUR scorer, so NeuroKit2 and exg are judged
by exactly the same matching rule:

    exg score-peaks ../shared/data/mitdb --peaks-json /tmp/nk_mitdb.json

Pipeline: `nk.ecg_clean(x, fs, method="neurokit")` then
`nk.ecg_peaks(clean, fs, method="neurokit")` -- NeuroKit2's defaults.

With `--noisy DIR` it reads the noise-stress signals written by
`exg score-peaks --noise-stress --write-noisy DIR` (one `<name>.f64` little-endian file per
signal, see docs/benchmarks.md) instead of MIT-BIH, so both tools see the same noisy samples.
The peak lists are derived values, not data; they stay in /tmp (never committed).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import neurokit2 as nk
import wfdb


def nk_peaks(x, fs):
    clean = nk.ecg_clean(x, sampling_rate=fs, method="neurokit")
    _, info = nk.ecg_peaks(clean, sampling_rate=fs, method="neurokit")
    return [int(p) for p in info["ECG_R_Peaks"]]


def main():
    ap = argparse.ArgumentParser()
    default_data = os.environ.get("EXG_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../shared/data"))
    ap.add_argument("--data", default=default_data)
    ap.add_argument("--out", default="/tmp/nk_mitdb.json")
    ap.add_argument("--noisy", default=None, help="directory of <name>.f64 files (360 Hz) to run on instead")
    a = ap.parse_args()
    out = {"detector": "neurokit2", "records": {}}
    t_total = 0.0
    if a.noisy:
        names = sorted(f[:-4] for f in os.listdir(a.noisy) if f.endswith(".f64"))
        for name in names:
            x = np.fromfile(os.path.join(a.noisy, name + ".f64"), dtype="<f8")
            t0 = time.perf_counter()
            out["records"][name] = nk_peaks(x, 360)
            t_total += time.perf_counter() - t0
    else:
        mitdb = os.path.join(a.data, "mitdb")
        names = sorted(f[:-4] for f in os.listdir(mitdb) if f.endswith(".hea"))
        for name in names:
            rec = wfdb.rdrecord(os.path.join(mitdb, name), channels=[0])
            x = rec.p_signal[:, 0]
            t0 = time.perf_counter()
            out["records"][name] = nk_peaks(x, rec.fs)
            t_total += time.perf_counter() - t0
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, a.out)
    print(f"{len(out['records'])} signals, NeuroKit2 clean+peaks {t_total:.2f} s total -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
