#!/usr/bin/env python3
"""Side-by-side speed and peak memory on a 24-h, 2-lead, 360 Hz record: `exg peaks` (streamed)
vs NeuroKit2 (`nk.ecg_clean` + `nk.ecg_peaks`, method `neurokit`, on channel 0).

    cargo build --release -p exg-cli --bin exg --example long_record
    python3 tools/signal_long_record_speed.py [--dir /tmp/exg-long] [--hours 24] [--repeats 3] [--nk-repeats 1]

The record is the synthetic one of the long-recording test (`crates/exg-cli/tests/support/
long_record.rs`), written once by the `long_record` example into `--dir` (format 212, 93 MB for
24 h) with its true beats (`NAME.beats`). In the same run, one after the other:

  * exg: `exg peaks DIR/NAME.hea` end to end (reading and decoding both leads in chunks,
    detection with the default gated detector, JSON out), `--repeats` runs;
  * NeuroKit2, in a child Python process per run: `wfdb.rdrecord(channels=[0])`, then
    `nk.ecg_clean` + `nk.ecg_peaks` (timed apart from the reading), `--nk-repeats` runs.

Each side's peak memory is its process's own maximum resident set (GNU time's `%M`, so
/usr/bin/time must exist);
both sides' peaks are scored against the true beats (150 ms). The ratio is NeuroKit2's
detection time (reading excluded) over exg's whole run (reading included), the conservative
way round. Binaries are looked up in $CARGO_TARGET_DIR (default ./target)/release.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

FS = 360
GNU_TIME = "/usr/bin/time"


def wait_measured(argv):
    """Runs argv; returns (wall seconds, peak RSS MiB, stdout).

    The peak RSS is GNU time's `%M` (its child's `ru_maxrss`): measured from this Python
    process with `os.wait4`, a child's figure starts at the RSS of the forked Python process
    (~25 MiB), which is more than exg's own.
    """
    with tempfile.NamedTemporaryFile(mode="w+") as rss, tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        # stderr goes to a file, so that neither pipe can block the child.
        p = subprocess.run([GNU_TIME, "-f", "%M", "-o", rss.name, *argv], stdout=subprocess.PIPE,
                           stderr=err, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            err.seek(0)
            sys.exit(f"{argv[0]} failed ({p.returncode}): {err.read()}")
        return wall, int(rss.read().strip().splitlines()[-1]) / 1024, p.stdout


def score(truth, found, tol=int(0.15 * FS)):
    """Sensitivity and positive predictivity (%) of `found` against `truth`, one-to-one within tol."""
    import numpy as np

    truth, found = np.asarray(truth), np.asarray(found)
    used = np.zeros(len(found), bool)
    tp = 0
    j = 0
    for t in truth:
        while j < len(found) and found[j] < t - tol:
            j += 1
        k = j
        while k < len(found) and found[k] <= t + tol:
            if not used[k]:
                used[k] = True
                tp += 1
                break
            k += 1
    return 100 * tp / len(truth), 100 * tp / max(len(found), 1)


def nk_child(record):
    """One NeuroKit2 run (child process): prints reading and detection seconds and the peaks."""
    import neurokit2 as nk
    import wfdb

    t0 = time.perf_counter()
    x = wfdb.rdrecord(record, channels=[0]).p_signal[:, 0]
    t1 = time.perf_counter()
    clean = nk.ecg_clean(x, sampling_rate=FS, method="neurokit")
    _, info = nk.ecg_peaks(clean, sampling_rate=FS, method="neurokit")
    t2 = time.perf_counter()
    print(json.dumps({"read_s": t1 - t0, "detect_s": t2 - t1, "peaks": [int(p) for p in info["ECG_R_Peaks"]]}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/exg-long")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--nk-repeats", type=int, default=1)
    ap.add_argument("--nk-child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.nk_child:
        return nk_child(a.nk_child)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "../target"))
    exg = os.path.join(target, "release", "exg")
    writer = os.path.join(target, "release", "examples", "long_record")
    if not os.path.exists(GNU_TIME):
        sys.exit(f"{GNU_TIME} (GNU time) not found: it measures each side's peak memory")
    for exe in (exg, writer):
        if not os.path.exists(exe):
            sys.exit(f"{exe} not found: run `cargo build --release -p exg-cli --bin exg --example long_record`")
    name = f"long{a.hours:g}h"
    record = os.path.join(a.dir, name)
    if not os.path.exists(record + ".hea"):
        subprocess.run([writer, a.dir, name, str(a.hours)], check=True)
    with open(record + ".beats") as f:
        truth = [int(line) for line in f]
    mb = os.path.getsize(record + ".dat") / 1e6
    print(f"record {record}: {a.hours:g} h, 2 leads, {FS} Hz, format 212 ({mb:.0f} MB), {len(truth)} beats")

    runs = [wait_measured([exg, "peaks", record + ".hea"]) for _ in range(a.repeats)]
    exg_s = [r[0] for r in runs]
    exg_rss = max(r[1] for r in runs)
    exg_se, exg_pp = score(truth, json.loads(runs[0][2])["peaks"])

    nk = []
    for _ in range(a.nk_repeats):
        wall, rss, out = wait_measured([sys.executable, __file__, "--nk-child", record])
        nk.append((json.loads(out), rss, wall))
    nk_read = [r[0]["read_s"] for r in nk]
    nk_det = [r[0]["detect_s"] for r in nk]
    nk_rss = max(r[1] for r in nk)
    nk_se, nk_pp = score(truth, nk[0][0]["peaks"])

    print()
    print("| side | what is timed | seconds min / median | peak RSS | Se / +P |")
    print("|---|---|---|---|---|")
    print(f"| exg peaks (streamed) | whole run: read both leads, detect, gate, JSON | "
          f"{min(exg_s):.2f} / {statistics.median(exg_s):.2f} | {exg_rss:.0f} MiB | {exg_se:.3f} / {exg_pp:.3f} % |")
    print(f"| NeuroKit2 | `ecg_clean` + `ecg_peaks` (reading excluded) | "
          f"{min(nk_det):.2f} / {statistics.median(nk_det):.2f} | {nk_rss:.0f} MiB | {nk_se:.3f} / {nk_pp:.3f} % |")
    print(f"| NeuroKit2 | `wfdb.rdrecord` channel 0 | {min(nk_read):.2f} / {statistics.median(nk_read):.2f} | | |")
    print()
    print(f"ratio NeuroKit2 detection / exg whole run: {statistics.median(nk_det) / statistics.median(exg_s):.1f}x "
          f"(medians), {min(nk_det) / min(exg_s):.1f}x (minima); "
          f"peak RSS {nk_rss / exg_rss:.0f}x ({nk_rss:.0f} vs {exg_rss:.0f} MiB)")


if __name__ == "__main__":
    main()
