#!/usr/bin/env python3
"""Reading all 48 MIT-BIH records (signals + .atr annotations): wfdb-python vs exg-data,
side by side in one run. Prints a Markdown table for docs/benchmarks.md ("Reading MIT-BIH").

    python3 tools/data_bench_mitdb.py [REPEATS]        # EXG_DATA_DIR overrides ../shared/data

wfdb-python: wfdb.rdrecord(path) (physical signals, float64) + wfdb.rdann(path, "atr").
exg-data:    format::wfdb::read_record + read_annotations (and the chunked SignalReader),
             `cargo run --release -p exg-data --example read_mitdb`.
The two sides alternate per repetition so machine noise hits both alike.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import wfdb

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.environ.get("EXG_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
MITDB = os.path.abspath(os.path.join(DATA, "mitdb"))


def python_once(names):
    t = time.perf_counter()
    n_s = n_a = 0
    for name in names:
        p = os.path.join(MITDB, name)
        r = wfdb.rdrecord(p)
        n_s += r.p_signal.size
        n_a += len(wfdb.rdann(p, "atr").sample)
    return time.perf_counter() - t, n_s, n_a


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    names = sorted(f[:-4] for f in os.listdir(MITDB) if f.endswith(".hea"))
    assert len(names) == 48, len(names)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "exg-data", "--example", "read_mitdb"],
                   cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    exe = os.path.join(target, "release", "examples", "read_mitdb")
    py, rs_whole, rs_chunk = [], [], []
    for _ in range(repeats):
        t, n_s, n_a = python_once(names)
        py.append(t)
        out = json.loads(subprocess.run([exe, MITDB, "1"], capture_output=True, text=True, check=True).stdout)
        assert out["samples"] == n_s and out["annotations"] == n_a, (out, n_s, n_a)
        rs_whole += out["whole_s"]
        rs_chunk += out["chunked_s"]

    def cell(xs):
        return f"{statistics.median(xs):.3f} (min {min(xs):.3f}, max {max(xs):.3f})"

    med = statistics.median
    print(f"48 records, {n_s} samples, {n_a} annotations; {repeats} alternating repetitions; "
          f"wfdb-python {wfdb.__version__}")
    print()
    print("| reader | seconds, median (min, max) | wfdb-python / this |")
    print("|---|---|---|")
    print(f"| wfdb-python rdrecord + rdann | {cell(py)} | 1.0 |")
    print(f"| exg-data read_record + read_annotations | {cell(rs_whole)} | {med(py) / med(rs_whole):.1f}x |")
    print(f"| exg-data SignalReader (10 s chunks) + read_annotations | {cell(rs_chunk)} | {med(py) / med(rs_chunk):.1f}x |")


if __name__ == "__main__":
    main()
