#!/usr/bin/env python3
"""Oracle for the MIT-BIH windows of exg_data::dataset::catalog (DatasetSpec::Mitdb).

Writes crates/exg-data/tests/fixtures/datasets/catalog_mitdb_windows.json, read by
crates/exg-data/tests/dataset_catalog.rs (test `mitdb_windows_match_wfdb`).

Computed with wfdb-python only (rdheader, rdann), independently of the Rust readers:
- a rhythm change is an annotation with symbol '+' whose aux_note starts with '(' (NULs and
  spaces stripped); the rhythm is the aux text without the '(';
- a stretch runs from a change to the next change (or the end of the record), changes at or
  after the record's end are ignored, consecutive changes to the same rhythm are one stretch;
  samples before the first change belong to no stretch;
- windows of round(window_s * fs) samples tile each stretch from its first sample, without
  overlap, and must end inside it: floor(len / win) windows per stretch;
- window id: "<record>:<start / fs to 0.1 s>s".

For every record: fs, length, and the number of windows per rhythm code; for the records in
DETAILED also the id of every window of the N and AFIB classes, in time order.

Data: ../shared/data/mitdb (or $EXG_DATA_DIR/mitdb). Only derived numbers are written.
Run from the repository root:  python3 tools/data_datasets_catalog_mitdb.py
"""
import json
import os
import pathlib

import wfdb

WINDOW_S = 10.0
DETAILED = ["201", "203"]
ROOT = pathlib.Path(__file__).resolve().parent.parent


def stretches(ann, n_samples):
    changes = []
    for s, sym, aux in zip(ann.sample, ann.symbol, ann.aux_note):
        aux = (aux or "").replace("\x00", "").strip()
        if sym == "+" and aux.startswith("(") and len(aux) > 1 and s < n_samples:
            changes.append((int(s), aux[1:]))
    changes.sort(key=lambda c: c[0])  # stable: equal samples keep file order
    out = []
    for i, (s, r) in enumerate(changes):
        end = changes[i + 1][0] if i + 1 < len(changes) else n_samples
        out.append([s, end, r])
    # Drop empty stretches, then merge neighbours of the same rhythm.
    merged = []
    for s, e, r in (x for x in out if x[1] > x[0]):
        if merged and merged[-1][2] == r and merged[-1][1] == s:
            merged[-1][1] = e
        else:
            merged.append([s, e, r])
    return merged


def main():
    data = pathlib.Path(os.environ.get("EXG_DATA_DIR", ROOT.parent / "shared/data")) / "mitdb"
    records = sorted(p.stem for p in data.glob("*.hea"))
    result = {"window_s": WINDOW_S, "wfdb_version": wfdb.__version__, "records": {}}
    for rec in records:
        head = wfdb.rdheader(str(data / rec))
        ann = wfdb.rdann(str(data / rec), "atr")
        fs, n = float(head.fs), int(head.sig_len)
        win = int(round(WINDOW_S * fs))
        counts = {}
        ids = {"N": [], "AFIB": []}
        for s, e, r in stretches(ann, n):
            k = (e - s) // win
            if k == 0:
                continue
            counts[r] = counts.get(r, 0) + k
            if r in ids:
                ids[r] += [f"{rec}:{(s + j * win) / fs:.1f}s" for j in range(k)]
        entry = {"fs": fs, "n_samples": n, "windows": dict(sorted(counts.items()))}
        if rec in DETAILED:
            entry["ids"] = ids
        result["records"][rec] = entry
    out = ROOT / "crates/exg-data/tests/fixtures/datasets/catalog_mitdb_windows.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    total = {}
    for e in result["records"].values():
        for r, k in e["windows"].items():
            total[r] = total.get(r, 0) + k
    print(f"wrote {out}: {len(records)} records, windows {dict(sorted(total.items()))}")


if __name__ == "__main__":
    main()
