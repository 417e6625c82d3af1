#!/usr/bin/env python3
"""Expected class counts of exg_data::dataset::catalog on the real data, computed from the
datasets' own label files with the standard library only (no exg code).

Prints the numbers that crates/exg-data/tests/dataset_catalog.rs hard-codes (tests
`cinc2017_counts_match_reference`, `chapman_schemes_on_local_waveforms`,
`ningbo_and_cinc2021_schemes`); nothing is written.

- CinC 2017: label counts of REFERENCE.csv, classes N, A, O, ~.
- Chapman: rows of labels.csv (the Diagnostics.xlsx rows as CSV) whose waveform file exists in
  ECGDataDenoised/, by the Rhythm column: group4 = the dataset's Group4 column; paper5 as in
  docs/datasets.md (SA and SAAWR excluded, AF = flutter goes with AFIB).
- Ningbo and Georgia/PTB-XL (CinC 2021): the SNOMED codes of labels.csv (Dx_SNOMED, copied
  from the headers' #Dx lines by the data curators), rhythm codes of PROVENANCE.md; a record is
  placed when all its rhythms fall into one class and none is outside the scheme.

Run from the repository root:  python3 tools/data_datasets_catalog_counts.py
"""
import collections
import csv
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = pathlib.Path(os.environ.get("EXG_DATA_DIR", ROOT.parent / "shared/data"))

GROUP4 = ["SB", "AFIB", "GSVT", "SR"]
PAPER5 = ["SR", "SB", "ST", "AFIB/AFL", "SVT/AT"]
PAPER6 = ["SR", "SB", "ST", "SI", "AFIB/AFL", "SVT/AT"]
# Chapman acronym -> (group4, paper6 class or None); paper5 = paper6 without SI.
RHYTHM = {
    "SR": ("SR", "SR"), "SA": ("SR", "SI"), "SB": ("SB", "SB"), "ST": ("GSVT", "ST"),
    "AFIB": ("AFIB", "AFIB/AFL"), "AF": ("AFIB", "AFIB/AFL"), "SVT": ("GSVT", "SVT/AT"),
    "AT": ("GSVT", "SVT/AT"), "AVNRT": ("GSVT", "SVT/AT"), "AVRT": ("GSVT", "SVT/AT"),
    "PSVT": ("GSVT", "SVT/AT"), "SAAWR": ("GSVT", None),
}
SNOMED = {
    "426783006": "SR", "427393009": "SA", "426177001": "SB", "427084000": "ST",
    "164889003": "AFIB", "164890007": "AF", "426761007": "SVT", "713422000": "AT",
    "251166008": "AVNRT", "233896004": "AVNRT", "233897008": "AVRT", "67198005": "PSVT",
    "17366009": "SAAWR", "195101003": "SAAWR",
}


def scheme_class(rhythms, scheme):
    """Class of a record with these Chapman-style rhythm acronyms, or why it has none."""
    if not rhythms:
        return "excluded: no rhythm"
    def of(r):
        g4, p6 = RHYTHM[r]
        if scheme == "group4":
            return g4
        if scheme == "paper5" and p6 == "SI":
            return None
        return p6
    classes = {of(r) for r in rhythms} - {None}
    if len(classes) > 1:
        return "excluded: conflict"
    if any(of(r) is None for r in rhythms):
        return "excluded: outside"
    return classes.pop()


def show(name, scheme, classes, assigned):
    c = collections.Counter(assigned)
    counts = [c.pop(k, 0) for k in classes]
    print(f"{name} {scheme}: {dict(zip(classes, counts))} {dict(c)}")


def main():
    ref = DATA / "cinc2017/training2017/REFERENCE.csv"
    c = collections.Counter(line.split(",")[1].strip() for line in open(ref) if line.strip())
    print("cinc2017:", {k: c[k] for k in ["N", "A", "O", "~"]})

    chap = DATA / "chapman"
    rows = {r["FileName"]: r for r in csv.DictReader(open(chap / "labels.csv"))}
    have = sorted(f[:-4] for f in os.listdir(chap / "ECGDataDenoised") if f.endswith(".csv"))
    print(f"chapman: {len(rows)} rows, {len(have)} waveforms, {len(rows) - len(have)} absent")
    assert all(rows[f]["Group4"] == RHYTHM[rows[f]["Rhythm"]][0] for f in have)
    for scheme, classes in [("group4", GROUP4), ("paper5", PAPER5)]:
        show("chapman", scheme, classes, [scheme_class([rows[f]["Rhythm"]], scheme) for f in have])

    for sub in ["ningbo_cinc2021", "cinc2021_georgia_ptbxl"]:
        recs = list(csv.DictReader(open(DATA / sub / "labels.csv")))
        rh = [sorted({SNOMED[x] for x in r["Dx_SNOMED"].split(";") if x in SNOMED}) for r in recs]
        for scheme, classes in [("group4", GROUP4), ("paper5", PAPER5), ("paper6", PAPER6)]:
            show(sub, scheme, classes, [scheme_class(r, scheme) for r in rh])


if __name__ == "__main__":
    main()
