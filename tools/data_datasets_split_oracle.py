#!/usr/bin/env python3
"""Oracle fixtures for exg-data's `split` module (crates/exg-data/src/split.rs).

Writes crates/exg-data/tests/fixtures/datasets/split_oracle.json with
  * "numpy_permutation": numpy.random.RandomState(seed).permutation(n) (legacy MT19937 + numpy's
    bounded-integer shuffle), the reference for `Mt19937::shuffle_like_numpy`;
  * "sklearn_kfold": for each case, the test fold of every sample under
    sklearn.model_selection.KFold(k, shuffle=True, random_state=seed) — the EXGnet reference
    notebook uses KFold(5, shuffle=True, random_state=42);
  * "stratified": the fold of every sample under exg's StratifiedKFold, computed by an
    independent Python implementation of the documented procedure (SplitMix64 with the
    reference constants of Vigna's splitmix64.c, Lemire's bounded integers, Fisher-Yates,
    classes in ascending order dealt round-robin). It doubles as the golden cross-platform
    fixture: if the Rust output ever changes, folds of published experiments would change.

Run from the repository root:  python3 tools/data_datasets_split_oracle.py
Requires numpy and scikit-learn (versions are recorded in the JSON).
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.model_selection import KFold

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        m = self.next() * n
        if (m & M64) < n:
            t = ((1 << 64) - n) % n
            while (m & M64) < t:
                m = self.next() * n
        return m >> 64

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = self.below(i + 1)
            xs[i], xs[j] = xs[j], xs[i]


def stratified(labels, k, seed, shuffle):
    rng = SplitMix64(seed)
    assign = [0] * len(labels)
    p = 0
    for c in sorted(set(labels)):
        members = [i for i, l in enumerate(labels) if l == c]
        if shuffle:
            rng.shuffle(members)
        for i in members:
            assign[i] = p % k
            p += 1
    return assign


def kfold_assign(n, k, seed):
    out = [0] * n
    for f, (_, test) in enumerate(KFold(k, shuffle=True, random_state=seed).split(np.zeros(n))):
        for i in test:
            out[int(i)] = f
    return out


def labels_for(n, n_classes, mult):
    # Deterministic, imbalanced labels: class c appears roughly in proportion to (c + 1).
    weights = list(range(1, n_classes + 1))
    total = sum(weights)
    out = []
    for i in range(n):
        r = (i * mult) % total
        c = 0
        while r >= weights[c]:
            r -= weights[c]
            c += 1
        out.append(c)
    return out


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    out = root / "crates/exg-data/tests/fixtures/datasets/split_oracle.json"
    sm = SplitMix64(0)
    data = {
        "generator": "tools/data_datasets_split_oracle.py",
        "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__,
        "splitmix64_seed0_first5": [str(sm.next()) for _ in range(5)],
        "numpy_permutation": [
            {"n": n, "seed": s, "perm": [int(v) for v in np.random.RandomState(s).permutation(n)]}
            for n, s in [(1, 0), (2, 1), (10, 42), (1000, 42), (777, 4294967295)]
        ],
        "sklearn_kfold": [
            {"n": n, "k": k, "seed": s, "fold": kfold_assign(n, k, s)}
            for n, k, s in [(10, 5, 42), (101, 5, 42), (5087, 5, 42), (50, 10, 0), (7, 7, 123)]
        ],
        "stratified": [],
    }
    for n, n_classes, mult, k, seed, shuffle in [
        (20, 3, 7, 5, 42, True),
        (103, 5, 13, 5, 0, True),
        (1000, 6, 17, 10, 18446744073709551615, True),
        (64, 4, 5, 3, 7, False),
    ]:
        labels = labels_for(n, n_classes, mult)
        data["stratified"].append(
            {"k": k, "seed": str(seed), "shuffle": shuffle, "labels": labels,
             "fold": stratified(labels, k, seed, shuffle)}
        )
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
