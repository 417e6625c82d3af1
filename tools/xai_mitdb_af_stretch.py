#!/usr/bin/env python3
"""Writes 30 s of MIT-BIH record 201, channel 0 (mV, 360 Hz, one value per line), starting 5 s
after its first `(AFIB` rhythm annotation, for the real-record figure of docs/xai.md:

    python3 tools/xai_mitdb_af_stretch.py /tmp/mitdb201_afib.csv
    target/release/exg explain --model runs/cinc2017/model.safetensors /tmp/mitdb201_afib.csv \
        --fs 360 --out docs/figures/mitdb201_explain_afib.png

Reads ../shared/data/mitdb (or $EXG_DATA_DIR/mitdb); writes only the derived CSV.
"""
import os
import sys
from pathlib import Path

import numpy as np
import wfdb

root = Path(os.environ.get("EXG_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared/data"))
rec = str(root / "mitdb/201")
ann = wfdb.rdann(rec, "atr")
start = next(s for s, a in zip(ann.sample, ann.aux_note) if a.startswith("(AFIB"))
x = wfdb.rdrecord(rec, sampfrom=start + 5 * 360, sampto=start + 35 * 360, channels=[0]).p_signal[:, 0]
np.savetxt(sys.argv[1], x, fmt="%.4f")
print(f"{sys.argv[1]}: {len(x)} samples from sample {start + 5 * 360}")
