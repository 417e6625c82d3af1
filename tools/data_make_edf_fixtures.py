#!/usr/bin/env python3
"""Writes the small synthetic EDF / EDF+C / EDF+D fixtures of exg-data's EDF reader tests.

Writer: pyedflib (EDFlib), independent of the Rust reader under test. Signals are synthetic
(sines and ramps, no patient data). Output, in crates/exg-data/tests/fixtures/formats/:
  edf_plain.edf      plain EDF (no annotations), 2 signals at 100 Hz, 3 s
  edfplus_c.edf      EDF+C, 2 signals at 250 Hz, 4 s, 3 annotations (one with a duration)
  edfplus_d.edf      EDF+D, 1 signal at 50 Hz, records at t = 0, 1, 3 s (a 1 s gap), 1 annotation
  edf_fixtures.json  the physical values pyedflib reads back from each file (what the
                     quantised file really holds), plus annotations: the test's oracle.
Read by crates/exg-data/tests/formats_edf.rs.

    python3 tools/data_make_edf_fixtures.py
"""
import json
import os
import struct

import numpy as np
import pyedflib

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "exg-data", "tests", "fixtures", "formats")


def sig_header(label, fs, pmin, pmax, dim="mV"):
    return {
        "label": label,
        "dimension": dim,
        "sample_frequency": fs,
        "physical_min": pmin,
        "physical_max": pmax,
        "digital_min": -32768,
        "digital_max": 32767,
        "transducer": "synthetic",
        "prefilter": "none",
    }


def write(path, filetype, headers, signals, annotations):
    w = pyedflib.EdfWriter(path, len(headers), file_type=filetype)
    try:
        w.setSignalHeaders(headers)
        # Fixed start time so the files are reproducible byte for byte.
        import datetime
        w.setStartdatetime(datetime.datetime(2020, 1, 2, 3, 4, 5))
        w.setPatientCode("synthetic")
        for onset, dur, text in annotations:
            w.writeAnnotation(onset, dur, text)
        w.writeSamples(signals)
    finally:
        w.close()


def readback(path):
    r = pyedflib.EdfReader(path)
    try:
        out = {
            "n_signals": r.signals_in_file,
            "labels": r.getSignalLabels(),
            "fs": [r.getSampleFrequency(i) for i in range(r.signals_in_file)],
            "units": [r.getPhysicalDimension(i) for i in range(r.signals_in_file)],
            "n_samples": [int(n) for n in r.getNSamples()],
            "signals": [r.readSignal(i).tolist() for i in range(r.signals_in_file)],
            "digital_min": [r.getDigitalMinimum(i) for i in range(r.signals_in_file)],
            "digital_max": [r.getDigitalMaximum(i) for i in range(r.signals_in_file)],
            "physical_min": [r.getPhysicalMinimum(i) for i in range(r.signals_in_file)],
            "physical_max": [r.getPhysicalMaximum(i) for i in range(r.signals_in_file)],
        }
        on, du, tx = r.readAnnotations()
        out["annotations"] = [
            {"onset": float(o), "duration": float(d), "text": str(t)} for o, d, t in zip(on, du, tx)
        ]
        return out
    finally:
        r.close()


def main():
    os.makedirs(OUT, exist_ok=True)
    oracle = {}

    # Plain EDF: 2 signals, 100 Hz, 3 s.
    t = np.arange(300) / 100.0
    p = os.path.join(OUT, "edf_plain.edf")
    write(p, pyedflib.FILETYPE_EDF,
          [sig_header("ECG I", 100, -5.0, 5.0), sig_header("ECG II", 100, -5.0, 5.0)],
          [1.5 * np.sin(2 * np.pi * 1.2 * t), np.linspace(-2.0, 2.0, 300)], [])
    oracle["edf_plain.edf"] = readback(p)

    # EDF+C: 2 signals, 250 Hz, 4 s, annotations.
    t = np.arange(1000) / 250.0
    p = os.path.join(OUT, "edfplus_c.edf")
    write(p, pyedflib.FILETYPE_EDFPLUS,
          [sig_header("II", 250, -10.0, 10.0), sig_header("V5", 250, -3200.0, 3200.0, "uV")],
          [np.sin(2 * np.pi * 1.0 * t) + 0.1 * np.cos(2 * np.pi * 17 * t),
           1000.0 * np.sin(2 * np.pi * 0.5 * t)],
          [(0.5, -1, "N"), (1.25, 0.5, "AFIB"), (3.0, -1, "Noise burst")])
    oracle["edfplus_c.edf"] = readback(p)

    oracle["edfplus_d.edf"] = write_edfplus_d(os.path.join(OUT, "edfplus_d.edf"))

    with open(os.path.join(OUT, "edf_fixtures.json"), "w") as f:
        json.dump(oracle, f)
        f.write("\n")


def write_edfplus_d(path):
    """EDF+D: pyedflib writes only EDF/EDF+C/BDF (and refuses to read EDF+D), so write an EDF+C with pyedflib and turn it
    into EDF+D by hand: set the reserved field to "EDF+D" and move the third record's
    time-keeping TAL from +2 to +3 (a 1 s gap). Expected values: pyedflib's read of the EDF+C
    file (samples) and the onsets as patched."""
    t = np.arange(150) / 50.0
    tmp = path + ".tmp"
    write(tmp, pyedflib.FILETYPE_EDFPLUS, [sig_header("ECG", 50, -4.0, 4.0)],
          [2.0 * np.sin(2 * np.pi * 2.0 * t)], [(2.5, -1, "V")])
    base = readback(tmp)
    data = bytearray(open(tmp, "rb").read())
    os.remove(tmp)
    assert data[192:197] == b"EDF+C"
    data[192:197] = b"EDF+D"
    header_bytes = int(data[184:192].decode())
    ns = int(data[252:256].decode())
    nsamp = [int(data[256 + ns * 216 + i * 8: 256 + ns * 216 + i * 8 + 8].decode()) for i in range(ns)]
    rec_bytes = 2 * sum(nsamp)
    labels = [data[256 + i * 16: 256 + i * 16 + 16].decode().strip() for i in range(ns)]
    ann = labels.index("EDF Annotations")
    ann_off = 2 * sum(nsamp[:ann])
    # Record 2 (0-based) originally starts at +2; shift it and its annotation to +3.
    r2 = header_bytes + 2 * rec_bytes + ann_off
    tal = bytes(data[r2:r2 + 2 * nsamp[ann]])
    assert tal.startswith(b"+2\x14\x14\x00"), tal
    new = tal.replace(b"+2\x14\x14\x00", b"+3\x14\x14\x00", 1)
    data[r2:r2 + len(new)] = new
    # EDFlib stores annotations in the first records' TALs, whatever their onset; onsets are
    # relative to the file start, so move the beat annotation into the shifted record too.
    body = bytes(data[header_bytes:])
    assert body.count(b"+2.5000\x14V\x14") == 1, body
    data[header_bytes:] = body.replace(b"+2.5000\x14V\x14", b"+3.5000\x14V\x14")
    with open(path, "wb") as f:
        f.write(data)
    out = dict(base)
    out["record_onsets"] = [0.0, 1.0, 3.0]
    out["annotations"] = [{"onset": 3.5, "duration": -1.0, "text": "V"}]
    return out


if __name__ == "__main__":
    main()
