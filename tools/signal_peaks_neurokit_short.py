#!/usr/bin/env python3
"""NeuroKit2's default R-peaks on short records, cached as JSON for `exg score-peaks --peaks-json`.

    python3 tools/signal_peaks_neurokit_short.py SET [--data ../shared/data] [--out FILE]
        [--window-s 10] [--noisy DIR]

SET is one of
  * `mitdb`   every full 10-s window of the 48 MIT-BIH records, channel 0, each on its own;
  * `qtdb`    every full 10-s window of the 10 QTDB records, channel 0;
  * `cpsc2019` the 99 CPSC 2019 records (`data/data_XXXXX.mat`, 500 Hz, 10 s);
  * `ludb`    the 200 LUDB records, each of the 12 leads on its own;
  * `noisy`   every full 10-s window of the `<name>.f64` signals (little-endian f64, 360 Hz)
              written by `exg score-peaks --noise-stress --write-noisy DIR` (`--noisy DIR`).

Signal names are those `exg score-peaks` gives the same signals, so the file scores directly:
a window starting at sample S of record R is `R@S` (peaks relative to the window), a LUDB lead
`<n>_<lead>` (`1_ii`), a CPSC record its number (`00001`). Default output:
/tmp/nk_<SET>.json. Pipeline: `nk.ecg_clean(x, fs, method="neurokit")` then
`nk.ecg_peaks(clean, fs, method="neurokit")` -- NeuroKit2's defaults; a signal on which
NeuroKit2 raises gets no peaks (counted and printed). The peak lists are derived values, not
data; they stay in /tmp (never committed). The commands that score them are in
docs/benchmarks.md §"R-peaks on short records".
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import neurokit2 as nk
import scipy.io as sio
import wfdb

LUDB_LEADS = ["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]


def nk_peaks(x, fs):
    clean = nk.ecg_clean(x, sampling_rate=fs, method="neurokit")
    _, info = nk.ecg_peaks(clean, sampling_rate=fs, method="neurokit")
    return [int(p) for p in info["ECG_R_Peaks"]]


def windows(name, x, fs, window_s):
    n = int(round(window_s * fs))
    for s in range(0, len(x) - n + 1, n):
        yield f"{name}@{s}", x[s : s + n]


def signals(a):
    """Yields (name, samples, fs) for the set."""
    d = a.data
    if a.set in ("mitdb", "qtdb"):
        folder = os.path.join(d, a.set)
        names = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".hea"))
        for r in names:
            rec = wfdb.rdrecord(os.path.join(folder, r), channels=[0])
            for w, x in windows(r, rec.p_signal[:, 0], rec.fs, a.window_s):
                yield w, x, rec.fs
    elif a.set == "cpsc2019":
        folder = os.path.join(d, "cpsc2019", "data")
        for f in sorted(os.listdir(folder)):
            if f.startswith("data_") and f.endswith(".mat"):
                yield f[5:-4], sio.loadmat(os.path.join(folder, f))["ecg"].ravel(), 500
    elif a.set == "ludb":
        folder = os.path.join(d, "ludb", "data")
        for n in range(1, 201):
            rec = wfdb.rdrecord(os.path.join(folder, str(n)))
            for j, lead in enumerate(LUDB_LEADS):
                yield f"{n}_{lead}", rec.p_signal[:, j], rec.fs
    elif a.set == "noisy":
        if not a.noisy:
            sys.exit("set `noisy` needs --noisy DIR")
        for f in sorted(os.listdir(a.noisy)):
            if f.endswith(".f64"):
                x = np.fromfile(os.path.join(a.noisy, f), dtype="<f8")
                yield from ((w, y, 360) for w, y in windows(f[:-4], x, 360, a.window_s))
    else:
        sys.exit(f"unknown set {a.set}")


def main():
    ap = argparse.ArgumentParser()
    default_data = os.environ.get("EXG_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../shared/data"))
    ap.add_argument("set", choices=["mitdb", "qtdb", "cpsc2019", "ludb", "noisy"])
    ap.add_argument("--data", default=default_data)
    ap.add_argument("--out", default=None)
    ap.add_argument("--window-s", type=float, default=10.0)
    ap.add_argument("--noisy", default=None)
    a = ap.parse_args()
    out_path = a.out or f"/tmp/nk_{a.set}.json"
    out = {"detector": "neurokit2", "records": {}}
    t_total, failed = 0.0, []
    warnings.simplefilter("ignore")
    for name, x, fs in signals(a):
        t0 = time.perf_counter()
        try:
            out["records"][name] = nk_peaks(np.asarray(x, dtype=float), fs)
        except Exception:  # NeuroKit2 raises on some flat or very noisy signals
            out["records"][name] = []
            failed.append(name)
        t_total += time.perf_counter() - t0
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, out_path)
    print(
        f"{len(out['records'])} signals, NeuroKit2 {nk.__version__} clean+peaks {t_total:.1f} s, "
        f"{len(failed)} raised {failed[:10]} -> {out_path}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
