#!/usr/bin/env python3
"""scikit-learn oracle for exg-train's classification metrics.

Writes crates/exg-train/tests/fixtures/metrics_sklearn.json, read by
crates/exg-train/tests/metrics_sklearn.rs: for seeded random label pairs (some with a class
absent from the truth, some never predicted), scikit-learn's confusion matrix, accuracy,
macro-F1 and per-class precision / recall / F1 with zero_division=0.

    python3 tools/train_metrics_oracle.py
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

rng = np.random.default_rng(2017)
cases = []
for case, (k, n, absent_truth, never_pred) in enumerate(
    [(2, 40, None, None), (3, 60, None, None), (4, 100, None, None), (4, 50, 3, None),
     (5, 80, None, 1), (5, 30, 2, 4)]
):
    truth = rng.integers(0, k, n)
    # Predictions right about 70 % of the time.
    pred = np.where(rng.random(n) < 0.7, truth, rng.integers(0, k, n))
    if absent_truth is not None:
        truth[truth == absent_truth] = (absent_truth + 1) % k
    if never_pred is not None:
        pred[pred == never_pred] = (never_pred + 1) % k
    labels = list(range(k))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    cases.append({
        "n_classes": k,
        "truth": truth.tolist(),
        "pred": pred.tolist(),
        "confusion": confusion_matrix(truth, pred, labels=labels).tolist(),
        "accuracy": accuracy_score(truth, pred),
        # No `labels`: averages over the classes present in truth or predictions.
        "macro_f1": f1_score(truth, pred, average="macro", zero_division=0),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": s.tolist(),
    })

out = Path(__file__).resolve().parent.parent / "crates/exg-train/tests/fixtures/metrics_sklearn.json"
out.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}, indent=1) + "\n")
print(f"wrote {out} ({len(cases)} cases, scikit-learn {sklearn.__version__})")
