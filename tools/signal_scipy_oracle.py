#!/usr/bin/env python3
"""SciPy oracle for exg-signal's filters and conditioning (crates/exg-signal/src/filter/).

Writes JSON fixtures into crates/exg-signal/tests/fixtures/filter/, read by
crates/exg-signal/tests/filter_scipy.rs:

* butter.json      scipy.signal.butter(N, Wn, btype, fs=fs, output='sos') for orders 1..8,
                   all four btypes, fs 128..1000 Hz; iirnotch(w0, Q, fs) coefficients.
* filtering.json   one SYNTHETIC input (sum of sines + baseline drift + Gaussian noise, fixed
                   seed; stored in the file) and, per filter, sosfilt_zi, sosfilt and
                   sosfiltfilt outputs; iirnotch + filtfilt (as SOS).
* resample.json    resample_poly(x, up, down) for 360->500, 500->250, 300->500, 1000->128,
                   250->360, 128->1000 (small input), and resample(x, num) (FFT), plus the
                   median-filter baseline (scipy.ndimage.median_filter, mode='reflect'),
                   zscore (scipy.stats.zscore, ddof=0) and median/IQR robust scaling
                   (np.percentile, linear interpolation).

Everything is synthetic (no real-data excerpt). Values are written with repr() (shortest
round-trip), so the fixtures carry the SciPy outputs exactly.

    python3 tools/signal_scipy_oracle.py
Versions used for the committed fixtures: see tools/requirements.txt (scipy 1.17.1, numpy 2.4.6).
"""
import json
import os
from math import gcd

import numpy as np
import scipy
import scipy.ndimage
import scipy.signal as ss
import scipy.stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "crates", "exg-signal", "tests", "fixtures", "filter")


def synth(n, fs, seed):
    """Sum of sines (ECG-band and mains), a slow drift and noise; deterministic."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    x = (
        1.0 * np.sin(2 * np.pi * 1.2 * t)
        + 0.5 * np.sin(2 * np.pi * 8.0 * t + 0.3)
        + 0.3 * np.sin(2 * np.pi * 25.0 * t + 1.1)
        + 0.2 * np.sin(2 * np.pi * 50.0 * t)
        + 0.8 * np.sin(2 * np.pi * 0.15 * t + 0.7)
        + 0.4 * t / t[-1]
        + 0.1 * rng.standard_normal(n)
    )
    return x


def lst(a):
    return [float(v) for v in np.asarray(a).ravel()]


def sos_list(sos):
    return [lst(row) for row in sos]


def band_wn(btype, f):
    return f if btype in ("lowpass", "highpass") else list(f)


def real_data_oracle():
    """Oracle OUTPUT summaries on MIT-BIH record 100 (first 60 s of channel 0), when
    ../shared/data (or $EXG_DATA_DIR) is present. No samples of the record are written: only
    sums and values of SciPy's filtered/resampled outputs at fixed indices."""
    data = os.environ.get("EXG_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
    rec = os.path.join(data, "mitdb", "100")
    if not os.path.exists(rec + ".hea"):
        print("skipping real-data oracle: no", rec)
        return
    import wfdb
    x = wfdb.rdrecord(rec, channels=[0], sampto=21600).p_signal[:, 0]
    idx = [0, 1, 2, 100, 1000, 5000, 10000, 20000, 21598, 21599]
    sos = ss.butter(4, (0.5, 40.0), "bandpass", fs=360.0, output="sos")
    bp = ss.sosfiltfilt(sos, x)
    b, a = ss.iirnotch(60.0, 30.0, 360.0)
    nt = ss.sosfiltfilt(ss.tf2sos(b, a), bp)
    rp = ss.resample_poly(nt, 25, 18)
    ridx = [0, 1, 500, 10000, 29999]
    out = {"record": "mitdb/100", "channel": 0, "n": len(x), "idx": idx, "ridx": ridx,
           "bandpass": {"sum": float(bp.sum()), "sumsq": float((bp ** 2).sum()),
                        "at": lst(bp[idx])},
           "notch60": {"sum": float(nt.sum()), "sumsq": float((nt ** 2).sum()), "at": lst(nt[idx])},
           "resample_500": {"len": len(rp), "sum": float(rp.sum()), "sumsq": float((rp ** 2).sum()),
                            "at": lst(rp[ridx])}}
    # Read by the root package's tests/filter_mitdb.rs (exg-signal itself reads no files).
    real_out = os.path.join(ROOT, "tests", "fixtures", "filter")
    os.makedirs(real_out, exist_ok=True)
    with open(os.path.join(real_out, "mitdb100_oracle.json"), "w") as f:
        json.dump(out, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"scipy": scipy.__version__, "numpy": np.__version__,
            "script": "tools/signal_scipy_oracle.py"}

    # ---- butter coefficients -------------------------------------------------------------
    cases = []
    for fs in (128.0, 250.0, 360.0, 500.0, 1000.0):
        for order in range(1, 9):
            for btype, wn in (
                ("lowpass", 40.0),
                ("highpass", 0.5),
                ("bandpass", (0.5, 40.0)),
                ("bandstop", (45.0, 55.0)),
            ):
                if order > 4 and fs not in (250.0, 1000.0):
                    continue  # keep the file small; high orders at two rates suffice
                sos = ss.butter(order, wn, btype, fs=fs, output="sos")
                cases.append({"order": order, "btype": btype, "cutoffs": np.atleast_1d(wn).tolist(),
                              "fs": fs, "sos": sos_list(sos)})
    # a few odd ones: narrow band, cut-off near Nyquist, odd-order band-pass
    for order, btype, wn, fs in ((3, "bandpass", (5.0, 15.0), 200.0),
                                 (5, "lowpass", 120.0, 250.0),
                                 (2, "highpass", 0.05, 1000.0),
                                 (6, "bandpass", (0.67, 45.0), 300.0),
                                 (7, "bandstop", (59.0, 61.0), 500.0)):
        sos = ss.butter(order, wn, btype, fs=fs, output="sos")
        cases.append({"order": order, "btype": btype, "cutoffs": np.atleast_1d(wn).tolist(),
                      "fs": fs, "sos": sos_list(sos)})
    notches = []
    for w0, q, fs in ((50.0, 30.0, 500.0), (60.0, 30.0, 360.0), (50.0, 10.0, 250.0),
                      (60.0, 35.0, 1000.0), (50.0, 30.0, 128.0)):
        b, a = ss.iirnotch(w0, q, fs)
        notches.append({"w0": w0, "q": q, "fs": fs, "b": lst(b), "a": lst(a)})
    with open(os.path.join(OUT, "butter.json"), "w") as f:
        json.dump({"meta": meta, "butter": cases, "iirnotch": notches}, f)

    # ---- filtering -----------------------------------------------------------------------
    n = 1200
    x = synth(n, 360.0, seed=20260611)
    filt = []
    for order, btype, wn, fs in ((2, "lowpass", 40.0, 360.0),
                                 (1, "highpass", 0.5, 500.0),
                                 (4, "bandpass", (0.5, 40.0), 360.0),
                                 (3, "bandpass", (1.0, 30.0), 128.0),
                                 (2, "bandstop", (45.0, 55.0), 1000.0),
                                 (8, "lowpass", 30.0, 250.0)):
        sos = ss.butter(order, wn, btype, fs=fs, output="sos")
        ntaps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
        filt.append({"order": order, "btype": btype, "cutoffs": np.atleast_1d(wn).tolist(),
                     "fs": fs, "padlen": int(3 * ntaps),
                     "zi": sos_list(ss.sosfilt_zi(sos)),
                     "sosfilt": lst(ss.sosfilt(sos, x)),
                     "sosfiltfilt": lst(ss.sosfiltfilt(sos, x))})
    notch_f = []
    for w0, q, fs in ((50.0, 30.0, 500.0), (60.0, 30.0, 360.0)):
        b, a = ss.iirnotch(w0, q, fs)
        sos = ss.tf2sos(b, a)
        notch_f.append({"w0": w0, "q": q, "fs": fs,
                        "filtfilt": lst(ss.sosfiltfilt(sos, x))})
    # too-short inputs: SciPy raises ValueError for len(x) <= padlen
    sos = ss.butter(4, (0.5, 40.0), "bandpass", fs=360.0, output="sos")
    try:
        ss.sosfiltfilt(sos, x[:27])
        short_raises = False
    except ValueError:
        short_raises = True
    with open(os.path.join(OUT, "filtering.json"), "w") as f:
        json.dump({"meta": meta, "x": lst(x), "filters": filt, "notch": notch_f,
                   "bandpass4_len27_raises": short_raises,
                   "bandpass4_len28_ok": len(ss.sosfiltfilt(sos, x[:28])) == 28}, f)

    # ---- resampling and conditioning -----------------------------------------------------
    xr = x[:1000]
    poly = []
    for f_in, f_out in ((360, 500), (500, 250), (300, 500), (1000, 128), (250, 360)):
        g = gcd(f_in, f_out)
        up, down = f_out // g, f_in // g
        poly.append({"fs_in": f_in, "fs_out": f_out, "up": up, "down": down,
                     "y": lst(ss.resample_poly(xr, up, down))})
    poly_mean = {"up": 25, "down": 18, "y": lst(ss.resample_poly(xr + 3.0, 25, 18, padtype="mean"))}
    small = x[:40]
    poly_small = {"fs_in": 128, "fs_out": 1000, "up": 125, "down": 16,
                  "x": lst(small), "y": lst(ss.resample_poly(small, 125, 16))}
    fft = []
    for num in (1389, 500, 1001, 999, 128):
        fft.append({"num": num, "y": lst(ss.resample(xr, num))})
    fft_odd = {"x": lst(x[:601]), "num": 835, "y": lst(ss.resample(x[:601], 835))}
    xb = x[:1000]
    fs_b = 360.0
    k1 = int(round(0.2 * fs_b)) | 1
    k2 = int(round(0.6 * fs_b)) | 1
    base = scipy.ndimage.median_filter(scipy.ndimage.median_filter(xb, size=k1, mode="reflect"),
                                       size=k2, mode="reflect")
    q1, med, q3 = np.percentile(xb, [25, 50, 75])
    with open(os.path.join(OUT, "resample.json"), "w") as f:
        json.dump({"meta": meta, "x": lst(xr), "resample_poly": poly,
                   "resample_poly_small": poly_small,
                   "resample_poly_mean_offset3": poly_mean, "resample": fft,
                   "resample_odd": fft_odd,
                   "median_baseline": {"fs": fs_b, "k1": k1, "k2": k2, "n": len(xb),
                                       "baseline": lst(base)},
                   "zscore": lst(scipy.stats.zscore(xb)),
                   "robust": lst((xb - med) / (q3 - q1)),
                   "mad": lst((xb - med) / scipy.stats.median_abs_deviation(xb, scale="normal"))},
                  f)
    real_data_oracle()
    total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
    print(f"wrote {OUT} ({total} bytes)")


def speed():
    """Side-by-side speed, one run: SciPy timed here (median of 7 runs), then the Rust criterion
    bench `cargo bench --bench filter` (root package) run from here; prints a Markdown table with
    the ratio SciPy / exg for the docs/benchmarks.md section."""
    import re
    import subprocess
    import time

    data = os.environ.get("EXG_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
    rec = os.path.join(data, "mitdb", "100")
    if os.path.exists(rec + ".hea"):
        import wfdb
        x = wfdb.rdrecord(rec, channels=[0]).p_signal[:, 0].copy()
    else:
        t = np.arange(650_000) / 360.0
        x = np.sin(7.5 * t) + 0.3 * np.sin(157.0 * t) + 0.5 * np.sin(1.1 * t)
    fs = 360.0
    sos = ss.butter(4, (0.5, 40.0), "bandpass", fs=fs, output="sos")
    b, a = ss.iirnotch(60.0, 30.0, fs)
    nsos = ss.tf2sos(b, a)
    k1, k2 = int(round(0.2 * fs)) | 1, int(round(0.6 * fs)) | 1
    cases = {
        "butter_design_bp4": lambda: ss.butter(4, (0.5, 40.0), "bandpass", fs=fs, output="sos"),
        "sosfilt_bp4": lambda: ss.sosfilt(sos, x),
        "sosfiltfilt_bp4": lambda: ss.sosfiltfilt(sos, x),
        "sosfiltfilt_notch60": lambda: ss.sosfiltfilt(nsos, x),
        "median_baseline_200_600ms": lambda: scipy.ndimage.median_filter(
            scipy.ndimage.median_filter(x, size=k1, mode="reflect"), size=k2, mode="reflect"),
        "resample_poly_360_500": lambda: ss.resample_poly(x, 25, 18),
        "resample_fft_360_500": lambda: ss.resample(x, len(x) * 25 // 18),
    }
    py = {}
    for name, f in cases.items():
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            f()
            runs.append(time.perf_counter() - t0)
        py[name] = (float(np.median(runs)), min(runs), max(runs))
    env = dict(os.environ)
    out = subprocess.run(["cargo", "bench", "--bench", "filter"], cwd=ROOT,
                         capture_output=True, text=True, env=env).stdout
    unit = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    rust = {}
    for m in re.finditer(r"filter_30min_360hz/(\S+)\s+time:\s+\[([\d.]+) (\S+) ([\d.]+) (\S+) ([\d.]+) (\S+)\]", out):
        rust[m.group(1)] = (float(m.group(4)) * unit[m.group(5)], float(m.group(2)) * unit[m.group(3)],
                            float(m.group(6)) * unit[m.group(7)])
    print(f"input: {len(x)} samples at 360 Hz; scipy {scipy.__version__}, numpy {np.__version__}")
    print("| step | SciPy median (min-max) | exg median (criterion CI) | SciPy / exg |")
    print("|---|---|---|---|")
    for name in list(cases) + ["sosfilter_push_bp4"]:
        p_ = py.get(name)
        r_ = rust.get(name)
        fmt = lambda v: f"{v[0]*1e3:.3f} ms ({v[1]*1e3:.3f}-{v[2]*1e3:.3f})" if v else "-"
        ratio = f"{p_[0] / r_[0]:.1f}x" if p_ and r_ else "-"
        print(f"| {name} | {fmt(p_)} | {fmt(r_)} | {ratio} |")


if __name__ == "__main__":
    import sys
    if "--speed" in sys.argv:
        speed()
    else:
        main()
