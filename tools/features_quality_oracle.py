#!/usr/bin/env python3
"""Expected values of exg-features' SignalQuality, BeatTemplate and Ectopy extractors.

Writes crates/exg-features/tests/fixtures/quality_template_ectopy.json, read by
crates/exg-features/tests/quality_parity.rs. Definitions: docs/features.md, "Signal quality,
beat template, ectopy" (they started as the CinC 2017 prototype features of issue 11 and are
re-implemented here independently with NumPy/SciPy: scipy.signal.butter + sosfiltfilt,
scipy.signal.welch, np.median, np.corrcoef).

Two kinds of cases:

* synthetic: deterministic signals generated here (sums of Gaussian P/Q/R/S/T waves at known R
  positions, baseline wander, seeded Gaussian noise); the signal (rounded to 1e-6) and the
  peaks are committed as INPUTS;
* cinc2017: PhysioNet/CinC 2017 records A00001 (normal), A00003 (normal, inverted lead) and
  A00005 (AF). Only the peaks (from `exg peaks`, the CLI's default detector, run on the
  record here) and the expected values are committed; the Rust test re-reads the record.
  The signal is the .mat `val` divided by the header's gain (mV), as exg-data reads it.

Invalid features are stored as null.

Usage: python tools/features_quality_oracle.py [DATA_DIR]   (default ../shared/data; needs
target/release/exg built for the CinC peaks: cargo build --release -p exg-cli)
Versions: numpy 2.4, scipy 1.17.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import scipy.io
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = os.path.join(ROOT, "crates", "exg-features", "tests", "fixtures",
                   "quality_template_ectopy.json")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
EXG = os.path.join(ROOT, "target", "release", "exg")

QUALITY = ["kSQI", "sSQI", "pSQI", "basSQI", "hfSQI", "SpecEnt", "SpecPeak"]
TEMPLATE = ["TmplCorrMean", "TmplCorrStd", "TmplCorrMin", "TmplCorrFracLow", "QrsCorrMean",
            "QrsCorrFracLow", "TAmpRatio", "PAmpRatio", "SAmpRatio", "QAmpRatio", "QrsWidth30",
            "RAmpCV", "BeatResid", "TmplEnergyOutsideQrs", "Polarity"]
ECTOPY = ["PrematureFrac", "RRRatioMin", "RRRatioMax", "PauseCount", "RRFracNearMedian",
          "RREntropy", "PeakRate"]


def samples(seconds, fs):
    """exg_signal::Hz::samples: round half away from zero (positive here)."""
    return int(math.floor(seconds * fs + 0.5))


def bandpassed(x, fs):
    sos = scipy.signal.butter(2, [0.5, 40.0], "bandpass", fs=fs, output="sos")
    return scipy.signal.sosfiltfilt(sos, x)


def quality(x, fs):
    out = dict.fromkeys(QUALITY)
    if len(x) / fs < 5.0 or fs <= 80.0 or np.all(x == x[0]):
        return out
    y = bandpassed(x, fs)
    d = y - y.mean()
    m2, m3, m4 = (np.mean(d ** k) for k in (2, 3, 4))
    out["kSQI"] = m4 / m2 ** 2  # scipy.stats.kurtosis(y, fisher=False)
    out["sSQI"] = m3 / m2 ** 1.5  # scipy.stats.skew(y)
    # scipy.signal.welch defaults: periodic Hann, noverlap = nperseg // 2, nfft = nperseg,
    # detrend="constant", scaling="density".
    f, p = scipy.signal.welch(x - x.mean(), fs, nperseg=min(1024, len(x)))

    def band(lo, hi):
        return p[(f >= lo) & (f < hi)].sum()

    out["pSQI"] = band(5, 15) / band(5, 40)
    out["basSQI"] = 1 - band(0, 1) / band(0, 40)
    out["hfSQI"] = band(40, fs / 2) / band(0, fs / 2)
    sel = (f >= 0.5) & (f < 40)
    fw, pw = f[sel], p[sel]
    q = pw / pw.sum()
    q = q[q > 0]
    out["SpecEnt"] = -(q * np.log(q)).sum() / np.log(len(pw))
    out["SpecPeak"] = fw[np.argmax(pw)]
    return out


def template(x, fs, peaks):
    out = dict.fromkeys(TEMPLATE)
    pre, post = samples(0.25, fs), samples(0.45, fs)
    good = peaks[(peaks >= pre) & (peaks + post < len(x))]
    if len(good) < 4:
        return out
    y = bandpassed(x, fs)
    nb = samples(0.1, fs)
    beats = np.array([y[r - pre:r + post] for r in good])
    beats -= np.median(beats[:, :nb], axis=1, keepdims=True)
    tmpl = np.median(beats, axis=0)
    # Polarity from the median beat itself: sign of the template at R relative to its baseline.
    pol = np.sign(tmpl[pre] - np.median(tmpl[:nb]))
    if pol == 0:
        return out
    beats, tmpl = beats * pol, tmpl * pol
    rel = tmpl - np.median(tmpl[:nb])
    a = rel[pre]
    c = np.array([np.corrcoef(bt, tmpl)[0, 1] for bt in beats])
    q = samples(0.06, fs)
    qs, qe = pre - q, pre + q
    cq = np.array([np.corrcoef(bt[qs:qe], tmpl[qs:qe])[0, 1] for bt in beats])
    out["TmplCorrMean"] = c.mean()
    out["TmplCorrStd"] = c.std()
    out["TmplCorrMin"] = c.min()
    out["TmplCorrFracLow"] = np.mean(c < 0.8)
    out["QrsCorrMean"] = cq.mean()
    out["QrsCorrFracLow"] = np.mean(cq < 0.9)
    s = lambda sec: samples(sec, fs)  # noqa: E731
    t = rel[pre + s(0.15):pre + s(0.40)]
    out["TAmpRatio"] = (t.max() if abs(t.max()) > abs(t.min()) else t.min()) / a
    pw = rel[pre - s(0.22):pre - s(0.08)]
    out["PAmpRatio"] = (pw.max() - pw.min()) / a
    out["SAmpRatio"] = rel[pre:pre + s(0.08)].min() / a
    out["QAmpRatio"] = rel[pre - s(0.08):pre].min() / a
    th = 0.3 * a
    i0 = pre
    while i0 > 0 and abs(rel[i0]) > th:
        i0 -= 1
    i1 = pre
    while i1 < len(rel) - 1 and abs(rel[i1]) > th:
        i1 += 1
    out["QrsWidth30"] = (i1 - i0) / fs
    amps = beats[:, pre]
    out["RAmpCV"] = amps.std() / abs(amps.mean())
    out["BeatResid"] = np.sqrt(np.mean((beats - tmpl) ** 2)) / a
    outside = np.concatenate([rel[:qs], rel[qe:]])
    out["TmplEnergyOutsideQrs"] = np.sqrt(np.mean(outside ** 2)) / a
    out["Polarity"] = pol
    return out


def ectopy(peaks, fs, n):
    out = dict.fromkeys(ECTOPY)
    out["PeakRate"] = len(peaks) / (n / fs)
    if len(peaks) < 5:
        return out
    rr = np.diff(peaks) / fs
    r1 = rr[1:] / rr[:-1]
    out["PrematureFrac"] = np.mean((r1[:-1] < 0.8) & (r1[1:] > 1.15))
    out["RRRatioMin"] = r1.min()
    out["RRRatioMax"] = r1.max()
    med = np.median(rr)
    out["PauseCount"] = float((rr > 1.6 * med).sum())
    out["RRFracNearMedian"] = np.mean(np.abs(rr - med) < 0.05 * med)
    inside = rr[(rr >= 0.2) & (rr < 2.5)]
    if len(inside):
        k = np.minimum(np.floor((inside - 0.2) / 0.04).astype(int), 57)
        h = np.bincount(k, minlength=58)
        q = h[h > 0] / h.sum()
        out["RREntropy"] = -(q * np.log(q)).sum()
    return out


def expected(x, fs, peaks):
    e = {}
    e.update(quality(x, fs))
    e.update(template(x, fs, peaks))
    e.update(ectopy(peaks, fs, len(x)))
    return {k: (float(v) if v is not None and math.isfinite(v) else None) for k, v in e.items()}


def gauss(t, mu, sigma, amp):
    return amp * np.exp(-0.5 * ((t - mu) / sigma) ** 2)


def synth(fs, duration, rr_s, seed, waves, noise, wander, sign=1.0):
    """Beats at cumulative RR (first R at 0.6 s); `waves` = [(offset_s, sigma_s, amp)]."""
    rng = np.random.default_rng(seed)
    n = int(duration * fs)
    t = np.arange(n) / fs
    x = wander * np.sin(2 * np.pi * 0.25 * t)
    r_times = 0.6 + np.concatenate([[0.0], np.cumsum(rr_s)])
    r_times = r_times[r_times < duration - 0.05]
    peaks = np.round(r_times * fs).astype(int)
    for k, r in enumerate(peaks):
        w = waves(k) if callable(waves) else waves
        for off, sig, amp in w:
            x = x + gauss(t, r / fs + off, sig, amp)
    x = x + noise * rng.standard_normal(n)
    return np.round(sign * x, 6), peaks


SINUS = [(-0.16, 0.025, 0.12), (-0.025, 0.008, -0.1), (0.0, 0.01, 1.0), (0.03, 0.01, -0.25),
         (0.28, 0.05, 0.3)]
WIDE = [(-0.03, 0.02, -0.2), (0.0, 0.025, 0.8), (0.06, 0.03, -0.5), (0.3, 0.06, -0.35)]


def synthetic_cases():
    cases = []
    rng = np.random.default_rng(2017)
    # 1. Sinus rhythm, 250 Hz, 20 s, small RR jitter, baseline wander, mild noise.
    rr = 0.8 + 0.02 * rng.standard_normal(30)
    x, p = synth(250.0, 20.0, rr, 1, SINUS, 0.02, 0.15)
    cases.append(("sinus_250hz_20s", 250.0, x, p))
    # 2. Inverted lead at 360 Hz with premature wide beats and a pause (ectopy).
    rr = np.full(30, 0.75)
    rr[[5, 14, 22]] = 0.45
    rr[[6, 15, 23]] = 1.05
    rr[9] = 1.4
    ectopic = {6, 15, 23}
    x, p = synth(360.0, 20.0, rr, 2, lambda k: WIDE if k in ectopic else SINUS, 0.03, 0.1,
                 sign=-1.0)
    cases.append(("ectopy_inverted_360hz_20s", 360.0, x, p))
    # 3. AF-like at 128 Hz, an odd 895 samples (< 1024: one Welch segment of the record's
    # length, odd FFT): irregular RR, no P wave, fibrillatory 6 Hz activity.
    rr = rng.uniform(0.4, 1.0, 20)
    no_p = [w for w in SINUS if w[0] > -0.1]
    x, p = synth(128.0, 895 / 128.0, rr, 3, no_p, 0.02, 0.05)
    t = np.arange(len(x)) / 128.0
    x = np.round(x + 0.05 * np.sin(2 * np.pi * 6.1 * t + 0.7), 6)
    cases.append(("af_like_128hz_odd_895", 128.0, x, p))
    out = []
    for name, fs, x, p in cases:
        out.append({
            "name": name, "fs": fs, "signal_len": len(x), "signal": [float(v) for v in x],
            "peaks": [int(v) for v in p], "expected": expected(x, fs, p),
        })
    return out


def read_cinc(rec_dir, rec):
    hea = open(os.path.join(rec_dir, rec + ".hea")).read().split("\n")
    fs = float(hea[0].split()[2])
    gain = float(hea[1].split()[2].split("/")[0])
    val = scipy.io.loadmat(os.path.join(rec_dir, rec + ".mat"))["val"][0].astype(float)
    return val / gain, fs


def cinc_cases():
    rec_dir = os.path.join(DATA, "cinc2017", "training2017")
    if not os.path.isdir(rec_dir):
        print(f"skipping CinC 2017: {rec_dir} not found")
        return []
    out = []
    for rec in ["A00001", "A00003", "A00005"]:
        x, fs = read_cinc(rec_dir, rec)
        res = subprocess.run([EXG, "peaks", os.path.join(rec_dir, rec + ".hea")],
                             capture_output=True, text=True, check=True)
        det = json.loads(res.stdout)
        p = np.array(det["peaks"], dtype=int)
        out.append({
            "name": f"cinc2017_{rec}", "record": rec, "fs": fs, "signal_len": len(x),
            "detector": det.get("detector"), "peaks": [int(v) for v in p],
            "expected": expected(x, fs, p),
        })
    return out


def main():
    fixture = {
        "source": "tools/features_quality_oracle.py (numpy %s, scipy %s)"
                  % (np.__version__, scipy.__version__),
        "synthetic": synthetic_cases(),
        "cinc2017": cinc_cases(),
    }
    with open(OUT, "w") as fh:
        json.dump(fixture, fh, separators=(",", ":"))
        fh.write("\n")
    for c in fixture["synthetic"] + fixture["cinc2017"]:
        valid = sum(v is not None for v in c["expected"].values())
        print(f"{c['name']}: {len(c['peaks'])} peaks, {valid} valid features, "
              f"Polarity {c['expected']['Polarity']}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
