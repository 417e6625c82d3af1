#!/usr/bin/env python3
"""Synthetic Chapman-Shaoxing release in miniature, for exg-data tests on a fresh clone.

Writes crates/exg-data/tests/fixtures/datasets/chapman_mini/:
  Diagnostics.xlsx        3 invented rows, written by openpyxl (an independent xlsx writer),
                          with PatientAge stored as text as in the real file and the other
                          numbers as integers or floats;
  Diagnostics.csv         the same rows as CSV, columns in another order plus a Group4 column.
The matching waveform CSVs (both release layouts) are invented and written at test time by
crates/exg-data/tests/dataset_chapman.rs, so no tracked file mimics the real data's layout.
Nothing here comes from the real dataset. Run from the repository root:
  python3 tools/data_datasets_chapman_fixture.py
"""
import csv
import pathlib

import openpyxl

COLS = ["FileName", "Rhythm", "Beat", "PatientAge", "Gender", "VentricularRate", "AtrialRate",
        "QRSDuration", "QTInterval", "QTCorrected", "RAxis", "TAxis", "QRSCount", "QOnset",
        "QOffset", "TOffset"]
ROWS = [
    ["SYN_0001", "AF", "RBBB TWC", "71", "MALE", 150, 300, 96, 310, 440, 60, -12, 25, 210, 258, 370],
    ["SYN_0002", "SA", "NONE", "34", "FEMALE", 66, 66, 84.0, 390, 409, 71, 38, 11, 219, 261, 418],
    ["SYN_0003", "SAAWR", "NONE", "58", "MALE", 58, 61, 90, 420, 412, -5, 44, 10, 220, 265, 430],
]
GROUP4 = {"AF": "AFIB", "SA": "SR", "SAAWR": "GSVT"}


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    out = root / "crates/exg-data/tests/fixtures/datasets/chapman_mini"
    out.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(COLS)
    for r in ROWS:
        ws.append(r)
    wb.save(out / "Diagnostics.xlsx")

    order = ["FileName", "Rhythm", "Group4"] + [c for c in COLS if c not in ("FileName", "Rhythm")]
    with open(out / "Diagnostics.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(order)
        for r in ROWS:
            d = dict(zip(COLS, r))
            d["Group4"] = GROUP4[d["Rhythm"]]
            w.writerow([d[c] for c in order])

    print(f"wrote {out}")


if __name__ == "__main__":
    main()
