#!/usr/bin/env python3
"""Golden HRV values from NeuroKit2 for the exg-features parity tests.

Writes crates/exg-features/tests/fixtures/neurokit_hrv.json. Two kinds of cases:

* synthetic: deterministic peak sequences generated here (seeded numpy), committed as INPUTS
  (they are ours, not taken from any database);
* mitdb: MIT-BIH Arrhythmia records; peaks = every beat annotation of the .atr file (the 19 WFDB
  beat symbols), either the whole 30-min record or a 10-s window [start, start + 10 s). Only
  NeuroKit's OUTPUT values are committed; the Rust test re-reads the .atr file at test time.

Features compared: hrv_time (all), hrv_frequency (welch and lomb, normalize=False so powers are
in ms^2/Hz integrated = ms^2), and the hrv_nonlinear subset exg implements (Poincare, ApEn,
SampEn, DFA_alpha1). NaN/inf/exceptions are stored as null ("NeuroKit gives no value").

Usage: python tools/features_neurokit_oracle.py [DATA_DIR]   (default ../shared/data)
Versions: see tools/requirements.txt (neurokit2 0.2.13, numpy 2.4, scipy 1.17, astropy).
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import neurokit2 as nk

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "exg-features", "tests", "fixtures", "neurokit_hrv.json")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data")

BEATS = set("N L R B A a J S V r F e j n E / f Q ?".split())
NONLINEAR = ["SD1", "SD2", "SD1SD2", "S", "CSI", "CVI", "CSI_Modified", "ApEn", "SampEn", "DFA_alpha1"]


def clean(v):
    v = float(v)
    return v if math.isfinite(v) else None


def frame(fn):
    try:
        df = fn()
        return {k[len("HRV_"):]: clean(df[k].iloc[0]) for k in df.columns}
    except Exception as e:  # NeuroKit raised: record it, the Rust side must give "invalid"
        return {"error": f"{type(e).__name__}: {e}"}


BANDS = [("ULF", 0.0, 0.0033), ("VLF", 0.0033, 0.04), ("LF", 0.04, 0.15), ("HF", 0.15, 0.4), ("VHF", 0.4, 0.5)]


def lomb_exg(peaks, fs):
    """exg's Lomb-Scargle band powers (raw RR, no interpolation) computed with astropy.

    Definition (see crates/exg-features/src/hrv/frequency.rs): t = cumsum(RR)/1000 s,
    y = RR - mean(RR) (ms), grid f_k = k / (4 T), k = 1.. up to 0.5 Hz with T = t[-1] - t[0],
    PSD = 2 T / N * P_LS(f) with astropy's classical (fit_mean=False) 'psd' periodogram,
    band power = trapezoid over lines lo <= f < hi; empty bands are null.
    """
    from astropy.timeseries import LombScargle

    rr = np.diff(np.asarray(peaks, dtype=np.int64)) / fs * 1000
    if len(rr) < 3:
        return {"error": "fewer than 3 RR"}
    t = np.cumsum(rr / 1000)
    y = rr - np.mean(rr)
    T = t[-1] - t[0]
    df = 1 / (4 * T)
    f = np.arange(1, int(np.floor(0.5 / df)) + 1) * df
    p = LombScargle(t, y, fit_mean=False, center_data=False, normalization="psd").power(f, method="slow")
    p = p * 2 * T / len(t)
    out = {}
    for name, lo, hi in BANDS:
        m = (f >= lo) & (f < hi)
        v = np.trapezoid(p[m], f[m]) if m.sum() > 1 else 0.0
        out[name + "_Lomb"] = clean(v) if v != 0 else None
    bands = [out[n + "_Lomb"] for n, _, _ in BANDS]
    tp = sum(b for b in bands if b is not None)
    out["TP_Lomb"] = tp if tp != 0 else None
    lf, hf = out["LF_Lomb"], out["HF_Lomb"]
    out["LFHF_Lomb"] = lf / hf if lf and hf else None
    out["LFn_Lomb"] = lf / tp if lf and tp else None
    out["HFn_Lomb"] = hf / tp if hf and tp else None
    out["LnHF_Lomb"] = float(np.log(hf)) if hf else None
    return out


def oracle(peaks, fs, freq=True):
    peaks = np.asarray(peaks, dtype=np.int64)
    out = {"time": frame(lambda: nk.hrv_time(peaks, sampling_rate=fs))}
    if freq:
        for method in ["welch", "lomb"]:
            out["frequency_" + method] = frame(
                lambda: nk.hrv_frequency(peaks, sampling_rate=fs, psd_method=method, normalize=False)
            )
        out["frequency_welch_normalized"] = frame(
            lambda: nk.hrv_frequency(peaks, sampling_rate=fs, psd_method="welch", normalize=True)
        )
        out["frequency_lomb_exg"] = lomb_exg(peaks, fs)
    nl = frame(lambda: nk.hrv_nonlinear(peaks, sampling_rate=fs))
    out["nonlinear"] = {k: nl.get(k) for k in NONLINEAR} if "error" not in nl else nl
    return out


def synthetic_cases():
    rng = np.random.RandomState(20240517)
    cases = []

    def add(name, fs, rr_s):
        t = np.cumsum(np.concatenate([[0.37], rr_s]))
        peaks = np.round(t * fs).astype(np.int64)
        peaks = np.unique(peaks)
        cases.append({"name": name, "fs": fs, "peaks": peaks.tolist()})

    # 10-s windows, regular sinus rhythm with respiratory modulation, several rates and fs
    for fs in [128.0, 250.0, 360.0, 500.0, 1000.0]:
        for hr in [48.0, 75.0, 140.0]:
            n = int(9.0 * hr / 60.0)
            k = np.arange(n)
            rr = 60.0 / hr * (1 + 0.04 * np.sin(2 * np.pi * 0.25 * k * 60 / hr)) + rng.normal(0, 0.01, n)
            add(f"sinus_{int(hr)}bpm_{int(fs)}hz_10s", fs, rr)
    # 10-s AF-like: irregularly irregular
    for fs in [250.0, 500.0]:
        rr = rng.uniform(0.35, 1.0, 14)
        add(f"af_like_{int(fs)}hz_10s", fs, rr)
    # ectopy: one premature beat + compensatory pause
    rr = np.full(11, 0.8)
    rr[5], rr[6] = 0.5, 1.1
    add("ectopic_500hz_10s", 500.0, rr)
    # minimal sequences
    add("three_beats_500hz", 500.0, np.array([0.8, 0.9]))
    add("four_beats_500hz", 500.0, np.array([0.8, 0.9, 0.7]))
    add("constant_rr_500hz", 500.0, np.full(12, 0.8))
    # 5-min and 20-min sequences for the frequency domain (LF 0.1 Hz and HF 0.25 Hz modulation)
    for minutes, fs in [(5, 250.0), (20, 500.0)]:
        n = int(minutes * 60 / 0.85)
        t = np.cumsum(np.full(n, 0.85))
        rr = 0.85 + 0.03 * np.sin(2 * np.pi * 0.1 * t) + 0.02 * np.sin(2 * np.pi * 0.25 * t) + rng.normal(0, 0.008, n)
        add(f"modulated_{minutes}min_{int(fs)}hz", fs, rr)
    return cases


def mitdb_cases():
    import wfdb

    root = os.path.join(DATA, "mitdb")
    if not os.path.isdir(root):
        print("skipping MIT-BIH: no", root)
        return []
    cases = []
    full = ["100", "103", "106", "119", "201", "203", "208", "210", "222", "232"]
    windows = {"100": [0, 600, 1200], "106": [300], "119": [900], "201": [60, 1500], "203": [0, 1000],
               "208": [420], "222": [1700], "232": [30]}
    for rec in full:
        ann = wfdb.rdann(os.path.join(root, rec), "atr")
        fs = float(ann.fs)
        beats = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym in BEATS], dtype=np.int64)
        cases.append({"name": f"mitdb_{rec}_full", "fs": fs, "record": rec, "start_s": None, "len_s": None,
                      **oracle(beats, fs)})
        for start in windows.get(rec, []):
            a, b = int(start * fs), int((start + 10) * fs)
            w = beats[(beats >= a) & (beats < b)]
            cases.append({"name": f"mitdb_{rec}_{start}s_10s", "fs": fs, "record": rec, "start_s": start,
                          "len_s": 10, **oracle(w, fs)})
    return cases


def main():
    out = {
        "generator": "tools/features_neurokit_oracle.py",
        "neurokit2": nk.__version__,
        "numpy": np.__version__,
        "synthetic": [],
        "mitdb": mitdb_cases(),
    }
    for c in synthetic_cases():
        out["synthetic"].append({**c, **oracle(c["peaks"], c["fs"])})
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, OUT)
    print("wrote", OUT, len(out["synthetic"]), "synthetic,", len(out["mitdb"]), "mitdb cases")


if __name__ == "__main__":
    main()
