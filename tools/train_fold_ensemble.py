"""F1(N,A,O) of models trained on the same CV fold, each alone and as an ensemble (the mean of
their class probabilities per record): how much averaging different models would add
(docs/results.md, "Toward the bar").

    python3 tools/train_fold_ensemble.py FOLD SOURCE [SOURCE ...]

SOURCE: a run folder of `exg cv` (its `fold-<FOLD>/result.json` predictions), or a predictions
CSV of `tools/train_cv_last_epoch.py` (columns fold, id, label, predicted, p_N, p_A, p_O, p_~).
Every source must hold the same records. Prints each source's score, then the ensemble of all.
Needs numpy and scikit-learn.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

CLASSES = ["N", "A", "O", "~"]


def load(source, fold):
    """{record id: (label index, probabilities)} of one source."""
    p = Path(source)
    if p.suffix == ".csv":
        return {r["id"]: (CLASSES.index(r["label"]), [float(r[f"p_{c}"]) for c in CLASSES])
                for r in csv.DictReader(open(p)) if r["fold"] == str(fold)}
    preds = json.load(open(p / f"fold-{fold}" / "result.json"))["predictions"]
    return {d["id"]: (d["label"], d["probabilities"]) for d in preds}


def f1_nao(labels, probs):
    return f1_score(labels, np.argmax(probs, axis=1), labels=[0, 1, 2], average=None).mean()


def main():
    fold, sources = int(sys.argv[1]), sys.argv[2:]
    loaded = [load(s, fold) for s in sources]
    ids = sorted(loaded[0])
    if any(sorted(d) != ids for d in loaded):
        sys.exit("the sources do not hold the same records")
    labels = [loaded[0][i][0] for i in ids]
    if any([d[i][0] for i in ids] != labels for d in loaded):
        sys.exit("the sources disagree on the labels")
    probs = [np.array([d[i][1] for i in ids]) for d in loaded]
    for s, p in zip(sources, probs):
        print(f"{f1_nao(labels, p):.4f}  {s}")
    print(f"{f1_nao(labels, np.mean(probs, axis=0)):.4f}  ensemble of {len(sources)} ({len(ids)} records)")


if __name__ == "__main__":
    main()
