"""Independent oracle for crates/exg-model/tests/trees_sklearn.rs: scikit-learn's
HistGradientBoostingClassifier on a small deterministic data set, with the hyper-parameters
`exg_model::trees::BoostConfig` mirrors (no early stopping, class-balanced weights).

The features take at most 200 distinct float32 values each, so scikit-learn's binning (midpoints
between distinct values when there are no more than max_bins) is the one exg uses; 10 % of the
values are missing, in training and in the test rows. Writes
crates/exg-model/tests/fixtures/trees_sklearn.json: the training rows and labels, the test rows,
and scikit-learn's probabilities for them.

Usage: python3 tools/model_trees_sklearn_oracle.py   (numpy, scikit-learn)
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier

rng = np.random.default_rng(2017)
N_TRAIN, N_TEST, N_FEAT = 600, 200, 5


def make(n):
    x = np.round(rng.normal(size=(n, N_FEAT)) * 20) / 10  # grid of 0.1: < 200 distinct values
    score = np.stack([x[:, 0] + 0.5 * x[:, 1], -x[:, 0] + x[:, 2] ** 2 / 2, x[:, 3] - x[:, 1]], 1)
    y = np.argmax(score + rng.normal(scale=0.7, size=score.shape), 1)
    y[rng.random(n) < 0.15] = 2  # an imbalanced third class
    x[rng.random(x.shape) < 0.10] = np.nan
    return x.astype(np.float32), y


x_train, y_train = make(N_TRAIN)
x_test, _ = make(N_TEST)
config = dict(max_iter=30, learning_rate=0.1, max_leaf_nodes=7, min_samples_leaf=20,
              l2_regularization=0.5, max_bins=255)
model = HistGradientBoostingClassifier(early_stopping=False, class_weight="balanced",
                                       random_state=0, **config)
model.fit(x_train.astype(np.float64), y_train)
proba = model.predict_proba(x_test.astype(np.float64))

nan_to_none = lambda a: [[None if np.isnan(v) else float(v) for v in row] for row in a]
out = {
    "source": f"scikit-learn {sklearn.__version__} HistGradientBoostingClassifier, "
              "tools/model_trees_sklearn_oracle.py",
    "config": config,
    "x_train": nan_to_none(x_train), "y_train": y_train.tolist(),
    "x_test": nan_to_none(x_test), "proba": proba.tolist(),
}
path = Path(__file__).resolve().parent.parent / "crates/exg-model/tests/fixtures/trees_sklearn.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path}: class counts {np.bincount(y_train)}")
