"""How much would quantitative features *kept at deployment* add to the CNN on CinC 2017?
(docs/results.md, "Toward the bar": late fusion with a feature classifier.)

    # 1. every record's features, once (68 HRV / rhythm / morphology features, ~25 s):
    mkdir -p /tmp/hrv && for h in ../shared/data/cinc2017/training2017/*.hea; do
        target/release/exg hrv "$h" > /tmp/hrv/$(basename "$h" .hea).json 2>/dev/null; done
    # 2. fuse with the CNN's cross-validated record-level predictions, on the same folds:
    python3 tools/train_feature_fusion.py PREDICTIONS_CSV /tmp/hrv [MORE_PREDICTIONS_CSV ...]

PREDICTIONS_CSV: an `exg cv` predictions.csv or `tools/train_cv_last_epoch.py`'s (columns fold,
id, label, p_N, p_A, p_O, p_~); several are averaged (a CNN ensemble). For each test fold a
gradient-boosted tree classifier (scikit-learn's HistGradientBoostingClassifier, class-balanced)
is fitted on the features of the other folds' records only, and its probabilities are averaged
with the CNN's, `(1 - w) p_cnn + w p_gbm`. The weight `w` is not chosen on the test fold: it is
the one that scores best on the *other* four folds' (out-of-fold) predictions, so every reported
figure is on records that neither model nor weight has seen. Features `exg hrv` reports as
invalid (too few beats, too short) are missing values, which the trees handle natively.
Needs numpy and scikit-learn.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score

CLASSES = ["N", "A", "O", "~"]
WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]


def load_predictions(path):
    rows = list(csv.DictReader(open(path)))
    return {r["id"]: (int(r["fold"]), CLASSES.index(r["label"]),
                      np.array([float(r[f"p_{c}"]) for c in CLASSES])) for r in rows}


def load_features(directory, ids):
    """Matrix of every feature `exg hrv` printed for any record (NaN: invalid or absent)."""
    per_record, names = {}, []
    for i in ids:
        text = (Path(directory) / f"{i}.json").read_text().strip() if (
            Path(directory) / f"{i}.json").exists() else ""
        feats = json.loads(text)["features"] if text else {}
        per_record[i] = feats
        names += [n for n in feats if n not in names]
    x = np.full((len(ids), len(names)), np.nan)
    for r, i in enumerate(ids):
        for c, n in enumerate(names):
            f = per_record[i].get(n)
            if f and f.get("valid", True) and f.get("value") is not None:
                x[r, c] = f["value"]
    # Columns with (almost) no values carry nothing and break the trees' binning.
    keep = [c for c in range(x.shape[1]) if len(np.unique(x[~np.isnan(x[:, c]), c])) > 2]
    return np.clip(x[:, keep], -1e9, 1e9), [names[c] for c in keep]


def f1_nao(y, p):
    return f1_score(y, p.argmax(1), labels=[0, 1, 2], average=None).mean()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sources = [load_predictions(p) for p in sys.argv[1:2] + sys.argv[3:]]
    ids = sorted(sources[0])
    fold = np.array([sources[0][i][0] for i in ids])
    y = np.array([sources[0][i][1] for i in ids])
    cnn = np.mean([np.array([s[i][2] for i in ids]) for s in sources], axis=0)
    x, names = load_features(sys.argv[2], ids)
    print(f"{len(ids)} records, {len(names)} features, {np.isnan(x).mean():.1%} missing")

    gbm = np.zeros_like(cnn)
    folds = sorted(set(fold))
    for f in folds:
        train = fold != f
        model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05,
                                               class_weight="balanced", random_state=0)
        gbm[~train] = model.fit(x[train], y[train]).predict_proba(x[~train])

    def fused(w):
        return (1 - w) * cnn + w * gbm

    rows = {"CNN": [], "features (GBM)": [], "fused, w from the other folds": []}
    chosen = []
    for f in folds:
        test = fold == f
        others = [g for g in folds if g != f]
        w = max(WEIGHTS, key=lambda w: np.mean([f1_nao(y[fold == g], fused(w)[fold == g])
                                                for g in others]))
        chosen.append(w)
        rows["CNN"].append(f1_nao(y[test], cnn[test]))
        rows["features (GBM)"].append(f1_nao(y[test], gbm[test]))
        rows["fused, w from the other folds"].append(f1_nao(y[test], fused(w)[test]))
    print("| model | " + " | ".join(f"fold {f}" for f in folds) + " | mean ± sd |")
    print("|---|" + "---|" * (len(folds) + 1))
    for name, s in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in s)
              + f" | {np.mean(s):.3f} ± {np.std(s, ddof=1):.3f} |")
    print("weights chosen per fold:", chosen)


if __name__ == "__main__":
    main()
