#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

Seeds come from the project's own fixtures (crates/*/tests/fixtures), never from ../shared data:
the WFDB, EDF, WAV and Chapman fixtures as they are; WFDB signal files wrapped in the harness's
4-byte prefix (see fuzz/src/lib.rs); the described-model seed is the torch-oracle fixture's
`net.*` weights with the exg metadata that `ExgNet::save_described` writes. Formats without a
fixture (MAT v4, MAT v5, CSV, CinC 2017 REFERENCE.csv, the standardiser JSON) get small files
built here from their specifications, as the crates' unit tests build them.

Standard library only. Run from anywhere: python3 fuzz/make_seeds.py
"""

import json
import pathlib
import shutil
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "crates/exg-data/tests/fixtures"
WFDB = FIX / "formats/wfdb"
OUT = ROOT / "fuzz/seeds"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def copy(target, src):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, d / src.name)


def wfdb_signal_seed(nsig, flags, word, dat):
    """The harness's prefix: signal count, flags, a 16-bit word, then the signal file."""
    return bytes([nsig - 1, flags]) + struct.pack("<H", word) + dat


def mat4(mopt, rows, cols, name, body):
    return struct.pack("<5I", mopt, rows, cols, 0, len(name)) + name + body


def mat5_element(ty, data):
    out = struct.pack("<2I", ty, len(data)) + data
    return out + b"\0" * (-len(out) % 8)


def mat5_matrix(name, rows, cols, values, ty=2):
    packers = {2: "B", 3: "h", 9: "d"}
    body = mat5_element(6, bytes([6, 0, 0, 0, 0, 0, 0, 0]))  # class double
    body += mat5_element(5, struct.pack("<2i", rows, cols))
    body += mat5_element(1, name)
    body += mat5_element(ty, struct.pack("<%d%s" % (len(values), packers[ty]), *values))
    return struct.pack("<2I", 14, len(body)) + body


def mat5_file(elements):
    head = b"MATLAB 5.0 MAT-file, written by exg fuzz/make_seeds.py".ljust(124, b" ")
    return head + b"\x00\x01IM" + elements


def safetensors(tensors, metadata):
    """tensors: list of (name, dtype, shape, bytes)."""
    header = {"__metadata__": metadata}
    off = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(t[3] for t in tensors)


def read_safetensors(path):
    b = path.read_bytes()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8 : 8 + n])
    header.pop("__metadata__", None)
    body = b[8 + n :]
    return [
        (k, v["dtype"], v["shape"], body[v["data_offsets"][0] : v["data_offsets"][1]])
        for k, v in sorted(header.items())
    ]


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    # WFDB headers and annotations: the fixtures.
    for hea in sorted(WFDB.glob("*.hea")):
        copy("wfdb_header", hea)
    for ann in ["syn212.atr", "syn212.skp"]:
        copy("wfdb_annotations", WFDB / ann)
    # WFDB signal files, one target per format.
    syn16 = (WFDB / "syn16.dat").read_bytes()
    syn212 = (WFDB / "syn212.dat").read_bytes()
    syn212odd = (WFDB / "syn212odd.dat").read_bytes()
    syn80 = (WFDB / "syn80.dat").read_bytes()
    put("wfdb_signal_16", "syn16", wfdb_signal_seed(2, 0x31, 750, syn16))
    put("wfdb_signal_16", "cinc_16+24", wfdb_signal_seed(1, 0x02, 0, bytes(24) + syn16[:600]))
    put("wfdb_signal_61", "syn16_as_61", wfdb_signal_seed(2, 0x11, 750, syn16))
    put("wfdb_signal_212", "syn212", wfdb_signal_seed(2, 0x71, 1001, syn212))
    put("wfdb_signal_212", "syn212odd", wfdb_signal_seed(1, 0x21, 999, syn212odd))
    put("wfdb_signal_80", "syn80", wfdb_signal_seed(1, 0x41, 300, syn80))
    put("wfdb_signal_24", "syn16_as_24", wfdb_signal_seed(2, 0x51, 500, syn16))
    put("wfdb_signal_32", "syn16_as_32", wfdb_signal_seed(3, 0x61, 250, syn16))
    # MAT v4: a CinC-like int16 `val` (2 x 50, column-major) and a double matrix.
    val = struct.pack("<100h", *[(i * 37) % 2001 - 1000 for i in range(100)])
    put("mat4", "cinc_val", mat4(30, 2, 50, b"val\0", val))
    put("mat4", "val_and_double", mat4(30, 1, 4, b"val\0", struct.pack("<4h", 1, -2, 3, -4))
        + mat4(0, 1, 2, b"x\0", struct.pack("<2d", 0.5, -1.5)))
    # Big-endian (M = 1) single precision (P = 1): type 1010, every field big-endian.
    put("mat4", "big_endian_single",
        struct.pack(">5I", 1010, 1, 3, 0, 4) + b"val\0" + struct.pack(">3f", 1, 2, 3))
    # MAT v5: CPSC 2019-like `ecg` (uint8-narrowed doubles), int16 `R_peak`, and compressed.
    ecg = mat5_matrix(b"ecg", 40, 1, [(i * 7) % 200 for i in range(40)])
    rpk = mat5_matrix(b"R_peak", 3, 1, [10, 20, 30], ty=3)
    put("mat5", "ecg_uint8", mat5_file(ecg))
    put("mat5", "rpeak_int16", mat5_file(rpk))
    comp = zlib.compress(ecg)
    put("mat5", "compressed", mat5_file(struct.pack("<2I", 15, len(comp)) + comp))
    # EDF / EDF+ and WAV: the fixtures.
    for f in sorted((FIX / "formats").glob("*.edf")):
        copy("edf", f)
    for f in sorted((FIX / "formats").glob("*.wav")):
        copy("wav", f)
    # CSV: the harness's option byte, then text (auto header / `,`; absent / tab; present / `;`).
    put("csv", "header_comma", bytes([0]) + b"I,II\n0.1,0.2\n0.3,-0.4\nNaN,1e-3\n")
    put("csv", "tab_no_header", bytes([2 + 3 * 2]) + b"1\t2\t3\n4\t5\t6\n")
    put("csv", "semicolon_quoted", bytes([1 + 3 * 3]) + '\ufeff"I";"II"\n1;2\n'.encode())
    put("csv", "whitespace", bytes([0 + 3 * 4]) + b"1 2\n3 4\n5 6\n")
    # Chapman: the fixtures.
    copy("chapman_diagnostics_csv", FIX / "datasets/chapman_mini/Diagnostics.csv")
    copy("chapman_diagnostics_xlsx", FIX / "datasets/chapman_mini/Diagnostics.xlsx")
    # CinC 2017 REFERENCE.csv.
    put("cinc2017_reference", "reference", b"A00001,N\nA00002,A\nA00003,O\nA00004,~\n")
    # Standardisers: exg_features::Standardizer (as `save` writes it) and exg-train's.
    spec = lambda n, u, b: {"name": n, "unit": u, "min_beats": b, "min_duration_s": 0.0}
    feat = {
        "schema": {"specs": [spec("MeanNN", "ms", 2), spec("RMSSD", "ms", 3), spec("HR", "bpm", 2)]},
        "mean": [800.0, 35.5, 75.0],
        "std": [120.0, 12.25, 9.0],
        "n_valid": [40, 39, 40],
    }
    put("standardizer_json", "exg_features", json.dumps(feat, indent=2).encode())
    put("standardizer_json", "exg_train", json.dumps({"mean": [0.5, -1.0], "sd": [2.0, 1.0]}).encode())
    # The described model: the torch-oracle fixture's `net.*` tensors plus exg metadata.
    oracle = ROOT / "crates/exg-model/tests/fixtures/torch_oracle"
    cfg = json.loads((oracle / "oracle.json").read_text())["config"]
    tensors = [t for t in read_safetensors(oracle / "weights.safetensors") if t[0].startswith("net.")]
    pre = {"resample_hz": cfg["sample_rate_hz"], "highpass_hz": 0.5, "lowpass_hz": None,
           "normalise": "zscore"}
    meta = {
        "exg.format": "exg-model/1",
        "exg.config": json.dumps(cfg, separators=(",", ":")),
        "exg.classes": json.dumps(["N", "A", "O"]),
        "exg.sample_rate_hz": json.dumps(cfg["sample_rate_hz"]),
        "exg.input_len": str(cfg["input_len"]),
        "exg.preprocessing": json.dumps(pre, separators=(",", ":")),
        "exg.version": "0.1.0",
        "exg.dataset": "torch-oracle fixture",
    }
    put("model_file", "oracle_net.safetensors", safetensors(tensors, meta))
    # The same network with a small feature classifier (`exg.feature_fusion`): two iterations
    # of one 3-node tree per class on three named features.
    def tree(f, t):
        return {"feature": [f, 0, 0], "threshold": [t, 0.0, 0.0],
                "missing_left": [True, False, False], "left": [1, 0, 0], "right": [2, 0, 0],
                "value": [0.0, -0.1, 0.1]}
    trees = [[tree(c % 3, 0.5 * c) for c in range(3)] for _ in range(2)]
    fusion = {"features": ["HR", "SDNN", "kSQI"],
              "trees": {"n_features": 3, "baseline": [0.0] * 3, "trees": trees}, "weight": 0.5}
    fused = dict(meta, **{"exg.feature_fusion": json.dumps(fusion, separators=(",", ":"))})
    put("model_file", "oracle_net_fused.safetensors", safetensors(tensors, fused))
    # An ensemble of two copies of the network (`exg.networks`; the second one's tensors under
    # `ensemble.1.`), as `Ensemble::save_described` writes it.
    pair = tensors + [("ensemble.1." + name, *rest) for name, *rest in tensors]
    put("model_file", "oracle_net_ensemble.safetensors",
        safetensors(pair, dict(fused, **{"exg.networks": "2"})))
    n = sum(1 for _ in OUT.rglob("*") if _.is_file())
    print(f"{n} seed files under {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
