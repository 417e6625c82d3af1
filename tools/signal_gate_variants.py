"""Model of the R-peak quality gate (exg_signal::rpeaks::QualityGate) in NumPy, to compare
variants of its rule on genuine short signals against noise before changing the Rust gate.

The peaks are exg's own (ungated Pan-Tompkins), written by `exg score-peaks --write-peaks`:

    E=target/release/exg
    $E score-peaks ../shared/data/cpsc2019 --dataset cpsc2019 --write-peaks /tmp/gate/cpsc
    $E score-peaks ../shared/data/mitdb --window-s 10 --write-peaks /tmp/gate/mitdb
    $E score-peaks ../shared/data/ludb --dataset ludb --write-peaks /tmp/gate/ludb
    $E score-peaks ../shared/data/nstdb --dataset unannotated --channel 0 --window-s 10 --write-peaks /tmp/gate/nst0
    $E score-peaks ../shared/data/nstdb --dataset unannotated --channel 1 --window-s 10 --write-peaks /tmp/gate/nst1
    python3 tools/signal_gate_variants.py noise /tmp/gate/noise        # writes generated noise (WFDB)
    $E score-peaks /tmp/gate/noise --dataset unannotated --window-s 10 --write-peaks /tmp/gate/gen
    $E score-peaks /tmp/gate/noise --dataset unannotated --write-peaks /tmp/gate/gen60
    python3 tools/signal_gate_variants.py table /tmp/gate ../shared/data

`table` prints, per variant (alignment tolerance, slope-prominence threshold), the signals refused of
each genuine set and the signals passed of each noise set (docs/signal-rpeaks.md, "Signal-quality
gate"). `sweep` (same arguments) prints the variants measured for CPSC 2019 afterwards: the
window's half-width, smoothing and alignment tolerance, and a prominence override (a record also
passes when its slope prominence is >= P and its consistent fraction >= c); docs/benchmarks.md,
"What was tried for CPSC 2019". Needs numpy, scipy, wfdb.

`second` (same arguments; peak files of all detectors, `--detector all --write-peaks`) prints the
second opinion (`QualityGate::min_second_opinion`) of every signal the default gate refuses and
the largest second opinion of any noise signal, which set its threshold (docs/benchmarks.md,
"The gate's second opinion"). `oracle` prints the template match of the deterministic signal of
`quality.rs`'s unit test (`template_match_matches_the_numpy_model`).
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.io as sio
import scipy.signal as ss
import wfdb


def windows(x, peaks, fs, lag_s, hw_s=0.1, sm_s=0.02):
    """The ±hw windows (±hw+lag, for shifting) of x smoothed by a centred moving average."""
    hw, sm, lag = round(hw_s * fs), round(sm_s / 2 * fs), round(lag_s * fs)
    reach = hw + sm + lag
    idx = np.array([p for p in peaks if reach <= p and p + reach < len(x)], dtype=int)
    xs = np.convolve(x, np.ones(2 * sm + 1) / (2 * sm + 1), mode="same")
    return xs[idx[:, None] + np.arange(-hw - lag, hw + lag + 1)[None, :]] if len(idx) else None


def unit_residual(w):
    """Window minus its least-squares line, scaled to unit norm (Pearson's r = dot product)."""
    t = np.arange(w.shape[-1]) - (w.shape[-1] - 1) / 2
    w = w - w.mean(-1, keepdims=True)
    w = w - np.multiply.outer(w @ t / (t @ t), t)
    n = np.linalg.norm(w, axis=-1, keepdims=True)
    return w / np.where(n == 0, 1, n)


def consistent_fraction(x, fs, peaks, lag_s, thr=0.9, nb=2, hw_s=0.1, sm_s=0.02):
    wl = windows(x, peaks, fs, lag_s, hw_s, sm_s)
    if wl is None or len(wl) < 4:
        return None
    lag = round(lag_s * fs)
    length = wl.shape[1] - 2 * lag
    c = unit_residual(wl[:, lag:lag + length])
    shifted = [unit_residual(wl[:, lag + s:lag + s + length]) for s in range(-lag, lag + 1) if s]
    n, ok = len(c), 0
    for a in range(n):
        near = [b for b in range(max(0, a - nb), min(n, a + nb + 1)) if b != a]
        ok += any(c[a] @ c[b] > thr for b in near) or any(
            c[a] @ sh[b] > thr for sh in shifted for b in near)
    return ok / n


def slope_prominence(x, fs, peaks, span_s=0.01):
    k = max(1, round(span_s * fs))
    slope = np.abs(x[2 * k:] - x[:-2 * k])  # slope[j] is the slope at sample j + k
    near, gap = round(0.05 * fs), round(0.15 * fs)
    steep = [slope[max(0, p - k - near):max(0, p - k + near + 1)].max() for p in peaks
             if p - k + near + 1 > 0 and p - k - near < len(slope)]
    mask = np.ones(len(slope), bool)
    for p in peaks:
        mask[max(0, p - k - gap):max(0, p - k + gap + 1)] = False
    if not steep or mask.sum() < 0.5 * fs or np.median(slope[mask]) == 0:
        return None
    return np.median(steep) / np.median(slope[mask])


def smoothed_at(x, p, hw, sm):
    """The ±hw window at p smoothed by a centred (2 sm + 1)-sample moving average."""
    return np.convolve(x[p - hw - sm:p + hw + sm + 1], np.ones(2 * sm + 1) / (2 * sm + 1), "valid")


def line_residual(w, hw):
    t = np.arange(-hw, hw + 1.0)
    e = w - w.mean() - (t @ w) / (t @ t) * t
    return e, np.linalg.norm(e)


def upper_median(v):
    """The gate's median: the upper middle for an even count."""
    return np.sort(v, axis=0)[len(v) // 2]


def template_match(x, peaks, hw, sm, lag):
    """Median over peaks of the best-shift (±lag) Pearson's r of a beat's detrended window with
    the detrended elementwise median of the unit residual windows (QualityGate's second opinion)."""
    units = []
    for p in peaks:
        e, n = line_residual(smoothed_at(x, p, hw, sm), hw)
        units.append(e / n if n > 0 else 0 * e)
    e, n = line_residual(upper_median(np.array(units)), hw)
    if n == 0:
        return 0.0
    t = e / n
    return upper_median(np.array([
        max((smoothed_at(x, q, hw, sm) @ t) / max(line_residual(smoothed_at(x, q, hw, sm), hw)[1], 1e-300)
            for q in range(p - lag, p + lag + 1)) for p in peaks]))


def agreement(a, b, tol):
    """Beats of a and b matched one to one within tol samples over their union (1 if both empty)."""
    i = j = m = 0
    while i < len(a) and j < len(b):
        if abs(a[i] - b[j]) <= tol:
            m, i, j = m + 1, i + 1, j + 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return 1.0 if len(a) + len(b) == 0 else m / (len(a) + len(b) - m)


def oracle_signal():
    """The deterministic signal of quality.rs's unit test: a chirp plus Gaussian QRS and T waves."""
    i = np.arange(2500, dtype=float)
    noise = 0.3 * np.sin(1.7 * i + 0.013 * i * i)
    peaks = [125 + 200 * k for k in range(12)]
    beats = sum(np.exp(-((i - p) / 3.0) ** 2 / 2) + 0.3 * np.exp(-((i - p - 70) / 15.0) ** 2 / 2)
                for p in peaks)
    return noise + beats, noise, peaks


def write_noise(out):
    rng = np.random.default_rng(0)
    Path(out).mkdir(parents=True, exist_ok=True)
    for fs in [128, 250, 360, 500, 1000]:
        n = 60 * fs
        kinds = {"white": rng.standard_normal(n)}
        f = np.fft.rfftfreq(n, 1 / fs)
        f[0] = f[1]
        kinds["pink"] = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / np.sqrt(f), n)
        kinds["brown"] = ss.lfilter([1], [1, -0.999], rng.standard_normal(n))
        for lo, hi in [(5, 15), (8, 20), (3, 10), (10, 30)]:
            sos = ss.butter(4, [lo, hi], btype="band", fs=fs, output="sos")
            kinds[f"band{lo}-{hi}"] = ss.sosfilt(sos, rng.standard_normal(n))
        for name, x in kinds.items():
            wfdb.wrsamp(f"{name}_{fs}", fs=fs, units=["mV"], sig_name=["n"],
                        p_signal=(x / np.std(x))[:, None], fmt=["16"], write_dir=out)


def load(peaks_dir, data):
    """{set: [(signal, fs, peaks)]} for the sets whose peak files exist."""
    def peaks(name):
        f = Path(peaks_dir) / name / "pantompkins.json"
        return json.load(open(f))["records"] if f.exists() else {}
    sets, cache = {}, {}

    def rec(path, ch=0):
        if (path, ch) not in cache:
            r = wfdb.rdrecord(path)
            cache[(path, ch)] = (r.p_signal[:, ch], float(r.fs))
        return cache[(path, ch)]

    def windowed(name, path_of, ch=0):
        out = []
        for sig, pk in peaks(name).items():
            r, st = sig.split("@") if "@" in sig else (sig, "0")
            x, fs = rec(path_of(r), ch)
            st = int(st)
            end = st + round(10 * fs) if "@" in sig else len(x)
            out.append((x[st:end], fs, pk))
        return out
    sets["cpsc"] = [(sio.loadmat(f"{data}/cpsc2019/data/data_{r}.mat")["ecg"][:, 0].astype(float),
                     500.0, pk) for r, pk in peaks("cpsc").items()]
    sets["mitdb"] = windowed("mitdb", lambda r: f"{data}/mitdb/{r}")
    ludb = []
    for sig, pk in peaks("ludb").items():
        r, lead = sig.split("_")
        h = wfdb.rdheader(f"{data}/ludb/data/{r}")
        x, fs = rec(f"{data}/ludb/data/{r}", [s.lower() for s in h.sig_name].index(lead))
        ludb.append((x, fs, pk))
    sets["ludb"] = ludb
    sets["nst0"] = windowed("nst0", lambda r: f"{data}/nstdb/{r}", 0)
    sets["nst1"] = windowed("nst1", lambda r: f"{data}/nstdb/{r}", 1)
    sets["gen"] = windowed("gen", lambda r: f"{peaks_dir}/noise/{r}")
    sets["gen60"] = windowed("gen60", lambda r: f"{peaks_dir}/noise/{r}")
    return {k: v for k, v in sets.items() if v}


def table(peaks_dir, data):
    sets = load(peaks_dir, data)
    noise = {"nst0", "nst1", "gen", "gen60"}
    measured = {s: [(consistent_fraction(x, fs, pk, 0.0), consistent_fraction(x, fs, pk, 0.008),
                     slope_prominence(x, fs, np.asarray(pk, dtype=int)))
                    for x, fs, pk in items] for s, items in sets.items()}
    print("variant | " + " | ".join(f"{s} ({'passed' if s in noise else 'refused'} of {len(v)})"
                                    for s, v in measured.items()))
    for li, lag in enumerate((0.0, 0.008)):
        for r_min in (0.0, 4.0, 5.0, 6.0):
            cells = []
            for s, rows in measured.items():
                passed = sum(1 for row in rows if (row[li] is None or row[li] >= 0.5)
                             and (r_min == 0 or row[2] is None or row[2] >= r_min))
                cells.append(str(passed if s in noise else len(rows) - passed))
            print(f"lag {lag * 1000:.0f} ms, prominence >= {r_min} | " + " | ".join(cells))


def sweep(peaks_dir, data):
    sets = load(peaks_dir, data)
    noise = {"nst0", "nst1", "gen", "gen60"}
    sets.pop("mitdb", None)  # 8,640 windows: minutes per variant; `table` covers it
    prom = {s: [slope_prominence(x, fs, np.asarray(pk, dtype=int)) for x, fs, pk in items]
            for s, items in sets.items()}

    def count(s, ok):
        return sum(ok) if s in noise else len(ok) - sum(ok)

    print("variant | " + " | ".join(f"{s} ({'passed' if s in noise else 'refused'} of {len(v)})"
                                    for s, v in sets.items()))
    base = {}
    for hw, sm, lag in [(0.1, 0.02, 0.008), (0.1, 0.01, 0.008), (0.1, 0.0, 0.008),
                        (0.075, 0.02, 0.008), (0.075, 0.01, 0.008), (0.06, 0.02, 0.008),
                        (0.06, 0.01, 0.008), (0.1, 0.02, 0.012), (0.1, 0.02, 0.016),
                        (0.1, 0.02, 0.024)]:
        cells = []
        for s, items in sets.items():
            c = [consistent_fraction(x, fs, pk, lag, hw_s=hw, sm_s=sm) for x, fs, pk in items]
            if (hw, sm, lag) == (0.1, 0.02, 0.008):
                base[s] = c
            ok = [(ci is None or ci >= 0.5) and (p is None or p >= 5) for ci, p in zip(c, prom[s])]
            cells.append(str(count(s, ok)))
        print(f"window ±{hw * 1000:.0f} ms, smoothing {sm * 1000:.0f} ms, lag {lag * 1000:.0f} ms | "
              + " | ".join(cells), flush=True)
    for p_min in (6, 8, 10, 15):
        for c_min in (0.2, 0.25, 0.3):
            cells = []
            for s in sets:
                ok = [((c is None or c >= 0.5) or (p is not None and p >= p_min and c >= c_min))
                      and (p is None or p >= 5) for c, p in zip(base[s], prom[s])]
                cells.append(str(count(s, ok)))
            print(f"default, or prominence >= {p_min} and consistent >= {c_min} | "
                  + " | ".join(cells))


def second(peaks_dir, data):
    sets = load(peaks_dir, data)
    sets.pop("mitdb", None)
    noise = {"nst0", "nst1", "gen", "gen60"}
    others = {s: {d: list(json.load(open(Path(peaks_dir) / s / f"{d}.json"))["records"].values())
                  for d in ("pantompkins", "hamilton", "neurokit")} for s in sets}
    for s, items in sets.items():
        scores = []
        for n, (x, fs, pk) in enumerate(items):
            pk = np.asarray(pk, dtype=int)
            c, p = consistent_fraction(x, fs, pk, 0.008), slope_prominence(x, fs, pk)
            if (c is None or c >= 0.5) or (p is not None and p < 5):
                continue  # passes without a second opinion, or refused by its prominence
            hw, sm, lag = round(0.1 * fs), round(0.01 * fs), round(0.008 * fs)
            reach = hw + sm + lag
            judged = [q for q in pk if reach <= q and q + reach < len(x)]
            d = [others[s][k][n] for k in ("pantompkins", "hamilton", "neurokit")]
            tol = round(0.05 * fs)
            a = np.mean([agreement(d[i], d[j], tol) for i, j in ((0, 1), (0, 2), (1, 2))])
            scores.append(min(template_match(x, judged, hw, sm, lag), a))
        kind = "noise, largest" if s in noise else "genuine refused"
        print(s, kind, np.round(sorted(scores)[-5:] if s in noise else sorted(scores), 3))


if __name__ == "__main__":
    if sys.argv[1] == "oracle":
        x, noise, peaks = oracle_signal()
        print("beats:", repr(template_match(x, peaks, 25, 2, 2)))
        print("noise:", repr(template_match(noise, peaks, 25, 2, 2)))
    elif sys.argv[1] == "second":
        second(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "noise":
        write_noise(sys.argv[2])
    elif sys.argv[1] == "sweep":
        sweep(sys.argv[2], sys.argv[3])
    else:
        table(sys.argv[2], sys.argv[3])
