#!/usr/bin/env python3
"""wfdb-python oracle for exg-data's WFDB reader (signals and annotations).

1. Writes small SYNTHETIC WFDB records with wfdb-python's own writer (wrsamp/wrann) into
   crates/exg-data/tests/fixtures/formats/wfdb/ (formats 212 with an odd sample count, 16,
   80; invalid-sample sentinels; an annotation file with SKIP, AUX, SUB, CHN and NUM fields),
   so tests pass on a fresh clone without ../shared/data.
2. Reads those records and a set of REAL records of ../shared/data (MIT-BIH, CinC 2017,
   Ningbo, Georgia, PTB-XL) with wfdb.rdrecord / wfdb.rdann and writes summaries of what it
   read (no data copies): per channel the sum, sum of squares, NaN count, min, max, the first
   10 values and the values at fixed indices; per annotation file the count, the sum of
   sample indices, symbol counts, the first 20 (sample, symbol) pairs, every aux note with its
   sample, and sums of subtype/chan/num.
   Output: crates/exg-data/tests/fixtures/formats/wfdb_oracle.json, read by
   crates/exg-data/tests/formats_wfdb_oracle.rs.

    python3 tools/data_wfdb_oracle.py      # EXG_DATA_DIR overrides ../shared/data
"""
import collections
import json
import os

import numpy as np
import wfdb

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "crates", "exg-data", "tests", "fixtures", "formats")
SYN = os.path.join(FIX, "wfdb")
DATA = os.environ.get("EXG_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))

REAL = {
    "mitdb": ["100", "105", "114", "203", "207", "232"],
    "cinc2017/training2017": ["A00001", "A00005", "A00100"],
    "ningbo_cinc2021": ["JS20000", "JS20007"],
    "cinc2021_georgia_ptbxl": ["E07500", "HR06000"],
}
ANN = {"mitdb": "atr"}


def write_synthetic():
    os.makedirs(SYN, exist_ok=True)
    rng = np.random.default_rng(7)
    # Format 212, 2 signals, one invalid sample (-2048) in signal 1.
    n = 1001
    d = np.stack([
        np.round(400 * np.sin(np.arange(n) / 20.0)).astype(int),
        rng.integers(-2047, 2048, n),
    ], axis=1)
    d[17, 1] = -2048
    wfdb.wrsamp("syn212", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"], d_signal=d,
                fmt=["212", "212"], adc_gain=[200.0, 150.0], baseline=[1024, -3],
                write_dir=SYN, comments=["synthetic record for exg-data tests"])
    # Format 212, 1 signal, odd sample count: the file ends with a 2-byte half pair.
    d = np.round(300 * np.cos(np.arange(999) / 7.0)).astype(int).reshape(-1, 1)
    wfdb.wrsamp("syn212odd", fs=250, units=["mV"], sig_name=["II"], d_signal=d, fmt=["212"],
                adc_gain=[100.0], baseline=[0], write_dir=SYN)
    # Format 16, 3 signals, CinC-style comments, gain 1000 and an invalid sample.
    n = 500
    d = rng.integers(-32767, 32768, (n, 3))
    d[3, 2] = -32768
    wfdb.wrsamp("syn16", fs=500, units=["mV", "mV", "uV"], sig_name=["I", "II", "V1"], d_signal=d,
                fmt=["16", "16", "16"], adc_gain=[1000.0, 1000.0, 2.5], baseline=[0, 5, -7],
                write_dir=SYN, comments=["Age: 61", "Sex: Female", "Dx: 426783006,164889003"])
    # Format 80, 1 signal.
    n = 300
    d = rng.integers(-127, 128, (n, 1))
    wfdb.wrsamp("syn80", fs=128, units=["mV"], sig_name=["ECG"], d_signal=d, fmt=["80"],
                adc_gain=[50.0], baseline=[10], write_dir=SYN)
    # Annotations on syn212: a gap > 1023 samples forces SKIP; aux, subtype, chan, num.
    sample = np.array([5, 40, 300, 301, 900, 1000])
    symbol = ["+", "N", "V", "~", "N", "A"]
    aux = ["(N", "", "", "noise\u0020burst", "", "(AFIB"]
    wfdb.wrann("syn212", "atr", sample, symbol=symbol, aux_note=aux,
               subtype=np.array([0, 0, 2, 1, 0, 0]), chan=np.array([0, 0, 1, 1, 0, 0]),
               num=np.array([0, 0, 3, 3, 0, 0]), write_dir=SYN)
    # A second annotator with a > 1023-sample interval (SKIP) on a long virtual record.
    wfdb.wrann("syn212", "skp", np.array([2, 70000, 70001]), symbol=["N", "V", "N"], write_dir=SYN)


def signal_summary(path):
    r = wfdb.rdrecord(path)
    p = r.p_signal
    n = p.shape[0]
    idx = sorted({0, 1, 2, 17, n // 3, n // 2, n - 2, n - 1})
    chans = []
    for c in range(p.shape[1]):
        x = p[:, c]
        chans.append({
            "name": r.sig_name[c],
            "units": r.units[c],
            "gain": float(r.adc_gain[c]),
            "baseline": int(r.baseline[c]),
            "sum": float(np.nansum(x)),
            "sum_sq": float(np.nansum(x * x)),
            "n_nan": int(np.isnan(x).sum()),
            "min": float(np.nanmin(x)),
            "max": float(np.nanmax(x)),
            "first10": [None if np.isnan(v) else float(v) for v in x[:10]],
            "at": [[int(i), None if np.isnan(x[i]) else float(x[i])] for i in idx],
        })
    return {
        "fs": float(r.fs),
        "n_samples": int(n),
        "comments": list(r.comments),
        "channels": chans,
    }


def ann_summary(path, ext):
    a = wfdb.rdann(path, ext)
    s = [int(v) for v in a.sample]
    return {
        "count": len(s),
        "sample_sum": int(sum(s)),
        "symbols": dict(collections.Counter(a.symbol)),
        "first20": [[s[i], a.symbol[i]] for i in range(min(20, len(s)))],
        # wfdb-python keeps the NUL terminator MIT-BIH writes into aux strings ("(N\0");
        # exg-data strips trailing NULs, so compare without them.
        "aux": [[s[i], a.aux_note[i].rstrip("\x00")] for i in range(len(s)) if a.aux_note[i]],
        "subtype_sum": int(np.sum(a.subtype)),
        "chan_sum": int(np.sum(a.chan)),
        "num_sum": int(np.sum(a.num)),
        "last": [s[-1], a.symbol[-1]],
    }


def main():
    write_synthetic()
    out = {"wfdb_python": wfdb.__version__, "synthetic": {}, "real": {}}
    for name in ["syn212", "syn212odd", "syn16", "syn80"]:
        out["synthetic"][name] = signal_summary(os.path.join(SYN, name))
    out["synthetic"]["syn212"]["annotations"] = {
        "atr": ann_summary(os.path.join(SYN, "syn212"), "atr"),
        "skp": ann_summary(os.path.join(SYN, "syn212"), "skp"),
    }
    for folder, names in REAL.items():
        for name in names:
            path = os.path.join(DATA, folder, name)
            if not os.path.exists(path + ".hea"):
                print("missing", path)
                continue
            entry = signal_summary(path)
            if folder in ANN:
                entry["annotations"] = {ANN[folder]: ann_summary(path, ANN[folder])}
            out["real"][f"{folder}/{name}"] = entry
    with open(os.path.join(FIX, "wfdb_oracle.json"), "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
