#!/usr/bin/env python3
"""Oracle fixtures of exg-data's WAV and CSV readers.

WAV: small synthetic files written with SciPy (scipy.io.wavfile, independent of hound) into
crates/exg-data/tests/fixtures/formats/: wav_int16_2ch.wav (500 Hz), wav_int32.wav (360 Hz),
wav_float32.wav (250 Hz), wav_uint8.wav (128 Hz). Their sample values (as SciPy reads them
back) go into wav_csv_fixtures.json.

CSV: per-column sums, sums of squares and position-weighted sums of the 35 Chapman ECGDataDenoised
CSVs of ../shared/data (numpy.loadtxt), so the Rust CSV reader is checked against NumPy's
parser on real files (values only, no data copied).

Read by crates/exg-data/tests/formats_wav_csv.rs.

    python3 tools/data_make_wav_csv_fixtures.py      # EXG_DATA_DIR overrides ../shared/data
"""
import json
import os

import numpy as np
from scipy.io import wavfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "crates", "exg-data", "tests", "fixtures", "formats")
DATA = os.environ.get("EXG_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))


def main():
    rng = np.random.default_rng(11)
    out = {"wav": {}, "chapman": {}}
    t = np.arange(400) / 500.0
    files = {
        "wav_int16_2ch.wav": (500, np.stack([np.round(8000 * np.sin(2 * np.pi * 3 * t)),
                                             rng.integers(-32768, 32767, 400)], axis=1).astype(np.int16)),
        "wav_int32.wav": (360, rng.integers(-2**31, 2**31 - 1, 200).astype(np.int32)),
        "wav_float32.wav": (250, (0.7 * np.cos(np.arange(300) / 9.0)).astype(np.float32)),
        "wav_uint8.wav": (128, rng.integers(0, 256, 100).astype(np.uint8)),
    }
    for name, (fs, data) in files.items():
        path = os.path.join(FIX, name)
        wavfile.write(path, fs, data)
        rfs, back = wavfile.read(path)
        back = back.reshape(len(back), -1)
        if back.dtype == np.uint8:
            # 8-bit WAV is unsigned with 128 as zero; hound (and exg-data) centre it.
            back = back.astype(np.int64) - 128
        out["wav"][name] = {"fs": int(rfs), "channels": [back[:, c].astype(float).tolist()
                                                         for c in range(back.shape[1])]}

    folder = os.path.join(DATA, "chapman", "ECGDataDenoised")
    if os.path.isdir(folder):
        for f in sorted(os.listdir(folder)):
            x = np.loadtxt(os.path.join(folder, f), delimiter=",")
            out["chapman"][f] = {
                "shape": list(x.shape),
                "sum": x.sum(axis=0).tolist(),
                "sum_sq": (x * x).sum(axis=0).tolist(),
                # Position-weighted sums catch row-order mistakes without storing samples.
                "wsum": (x * np.arange(1, x.shape[0] + 1)[:, None]).sum(axis=0).tolist(),
            }
    with open(os.path.join(FIX, "wav_csv_fixtures.json"), "w") as fh:
        json.dump(out, fh)
        fh.write("\n")


if __name__ == "__main__":
    main()
