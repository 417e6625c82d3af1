//! Gradient-boosted decision trees for tabular features: a multiclass classifier that handles
//! missing values natively, small enough to ship inside a model file.
//!
//! The algorithm is the histogram gradient boosting of LightGBM (Ke et al. 2017) as
//! scikit-learn's `HistGradientBoostingClassifier` implements it, so that its behaviour is
//! documented and can be checked against that implementation (`tests/trees_sklearn.rs`):
//!
//! * **Binning.** Each feature's finite training values are cut at the midpoints between
//!   consecutive distinct values (at most `max_bins − 1` cuts; with more distinct values, at
//!   the midpoints nearest to equally spaced quantiles). Missing values (NaN) get a bin of their
//!   own.
//! * **Loss.** Multinomial log loss (softmax over one raw score per class), optionally with
//!   class-balanced sample weights `n / (k · n_c)`. The start score of each class is the log of
//!   its (weighted) share of the training set.
//! * **Trees.** Every iteration fits one regression tree per class to the gradients
//!   `w (p_c − y_c)` and hessians `w p_c (1 − p_c)` of the current scores, growing it best-first
//!   (always splitting the leaf with the largest gain) up to `max_leaves` leaves. A split
//!   `x_f ≤ t` has gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`; both children keep at least
//!   `min_samples_leaf` samples and a hessian of at least 1e-3. Missing values go to whichever
//!   side gains more (to the larger child when training saw none there). A leaf's value is
//!   `−η G/(H+λ)`.
//!
//! Everything is deterministic: no sampling, ties broken by the first feature and bin.
//! Values are `f32` (as the CNN's inputs are), so thresholds print exactly in the JSON a model
//! file stores.
//!
//! ```
//! use exg_model::trees::{BoostConfig, BoostedTrees};
//! // Two classes separated by the first feature; the second is noise with a missing value.
//! let x: Vec<Vec<f32>> = (0..200)
//!     .map(|i| vec![i as f32, if i % 7 == 0 { f32::NAN } else { (i * 37 % 11) as f32 }])
//!     .collect();
//! let y: Vec<usize> = (0..200).map(|i| usize::from(i >= 100)).collect();
//! let model = BoostedTrees::fit(&x, &y, 2, &BoostConfig::default())?;
//! let p = model.predict_proba(&[150.0, f32::NAN])?;
//! assert!(p[1] > 0.9 && (p[0] + p[1] - 1.0).abs() < 1e-6);
//! # Ok::<(), exg_model::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Hyper-parameters of [`BoostedTrees::fit`]; defaults as documented on each field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoostConfig {
    /// Boosting iterations (one tree per class each). Default 200.
    pub iterations: usize,
    /// Shrinkage η of every leaf value. Default 0.1.
    pub learning_rate: f64,
    /// Leaves per tree. Default 15.
    pub max_leaves: usize,
    /// Samples each leaf keeps at least. Default 20.
    pub min_samples_leaf: usize,
    /// L2 penalty λ on leaf values. Default 0.
    pub l2: f64,
    /// Bins per feature, missing values excluded (2–255). Default 255.
    pub max_bins: usize,
    /// Weight samples by `n / (k · n_c)` so that every class weighs the same. Default true.
    pub class_balanced: bool,
}

impl Default for BoostConfig {
    fn default() -> Self {
        Self {
            iterations: 200,
            learning_rate: 0.1,
            max_leaves: 15,
            min_samples_leaf: 20,
            l2: 0.0,
            max_bins: 255,
            class_balanced: true,
        }
    }
}

impl BoostConfig {
    fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(format!("boosted trees: {what}")));
        if self.iterations == 0 {
            return bad("iterations must be >= 1");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate must be positive and finite");
        }
        if self.max_leaves < 2 {
            return bad("max_leaves must be >= 2");
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf must be >= 1");
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2 must be >= 0 and finite");
        }
        if !(2..=255).contains(&self.max_bins) {
            return bad("max_bins must lie in 2..=255");
        }
        Ok(())
    }
}

/// One regression tree, as parallel arrays (compact in JSON). Node 0 is the root; a node with
/// `left[i] == 0` is a leaf (the root is nobody's child).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Split feature of each node (unused at leaves).
    pub feature: Vec<u32>,
    /// Split threshold: `x ≤ threshold` goes left.
    pub threshold: Vec<f32>,
    /// Where a missing value goes at each node: `true` left.
    pub missing_left: Vec<bool>,
    /// Left child (0 at leaves).
    pub left: Vec<u32>,
    /// Right child (0 at leaves).
    pub right: Vec<u32>,
    /// Leaf value, shrinkage included (unused at inner nodes).
    pub value: Vec<f32>,
}

impl Tree {
    fn leaf_value(&self, x: &[f32]) -> f32 {
        let mut i = 0;
        while self.left[i] != 0 {
            let v = x[self.feature[i] as usize];
            let go_left = if v.is_nan() {
                self.missing_left[i]
            } else {
                v <= self.threshold[i]
            };
            i = if go_left { self.left[i] } else { self.right[i] } as usize;
        }
        self.value[i]
    }

    fn push(&mut self, value: f32) -> usize {
        self.feature.push(0);
        self.threshold.push(0.0);
        self.missing_left.push(false);
        self.left.push(0);
        self.right.push(0);
        self.value.push(value);
        self.feature.len() - 1
    }
}

/// A fitted multiclass gradient-boosted tree ensemble (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoostedTrees {
    /// Number of input features.
    pub n_features: usize,
    /// Start score of each class.
    pub baseline: Vec<f32>,
    /// `trees[iteration][class]`.
    pub trees: Vec<Vec<Tree>>,
}

impl BoostedTrees {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.baseline.len()
    }

    /// Fits `n_classes` classes to rows `x` (one `Vec` per sample, NaN = missing) and labels
    /// `y` (`0..n_classes`).
    ///
    /// # Errors
    /// [`Error::Config`] for invalid hyper-parameters; [`Error::Input`] for no rows, rows of
    /// different lengths, infinite values, labels out of range or fewer than 2 classes.
    pub fn fit(x: &[Vec<f32>], y: &[usize], n_classes: usize, cfg: &BoostConfig) -> Result<Self> {
        cfg.validate()?;
        let n_features = check_rows(x, None)?;
        if y.len() != x.len() {
            return Err(Error::Input(format!(
                "{} rows but {} labels",
                x.len(),
                y.len()
            )));
        }
        if n_classes < 2 || y.iter().any(|&c| c >= n_classes) {
            return Err(Error::Input(format!(
                "labels must lie in 0..{n_classes} with at least 2 classes"
            )));
        }
        let n = x.len();
        let counts = (0..n_classes).fold(vec![0usize; n_classes], |mut c, k| {
            c[k] = y.iter().filter(|&&l| l == k).count();
            c
        });
        let weight: Vec<f64> = y
            .iter()
            .map(|&c| {
                if cfg.class_balanced {
                    n as f64 / (n_classes as f64 * counts[c] as f64)
                } else {
                    1.0
                }
            })
            .collect();
        let total: f64 = weight.iter().sum();
        let baseline: Vec<f32> = (0..n_classes)
            .map(|k| {
                let share: f64 = y
                    .iter()
                    .zip(&weight)
                    .filter(|(c, _)| **c == k)
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total;
                share.max(1e-12).ln() as f32
            })
            .collect();
        let binned = Binned::new(x, n_features, cfg.max_bins);
        let mut score: Vec<Vec<f64>> = (0..n)
            .map(|_| baseline.iter().map(|&b| f64::from(b)).collect())
            .collect();
        let mut trees = Vec::with_capacity(cfg.iterations);
        let mut grad = vec![0.0f64; n];
        let mut hess = vec![0.0f64; n];
        for _ in 0..cfg.iterations {
            let probs: Vec<Vec<f64>> = score.iter().map(|s| softmax(s)).collect();
            let mut round = Vec::with_capacity(n_classes);
            for k in 0..n_classes {
                for i in 0..n {
                    let p = probs[i][k];
                    let target = if y[i] == k { 1.0 } else { 0.0 };
                    grad[i] = weight[i] * (p - target);
                    hess[i] = weight[i] * p * (1.0 - p);
                }
                let (tree, leaf_of) = grow(&binned, &grad, &hess, cfg);
                for (s, &leaf) in score.iter_mut().zip(&leaf_of) {
                    s[k] += f64::from(tree.value[leaf]);
                }
                round.push(tree);
            }
            trees.push(round);
        }
        Ok(Self {
            n_features,
            baseline,
            trees,
        })
    }

    /// Class probabilities of one row (NaN = missing).
    ///
    /// # Errors
    /// [`Error::Input`] when the row's length is not [`n_features`](Self::n_features) or a
    /// value is infinite.
    pub fn predict_proba(&self, row: &[f32]) -> Result<Vec<f32>> {
        check_rows(std::slice::from_ref(&row.to_vec()), Some(self.n_features))?;
        let mut s: Vec<f64> = self.baseline.iter().map(|&b| f64::from(b)).collect();
        for round in &self.trees {
            for (sk, tree) in s.iter_mut().zip(round) {
                *sk += f64::from(tree.leaf_value(row));
            }
        }
        Ok(softmax(&s).into_iter().map(|p| p as f32).collect())
    }

    /// Checks a deserialized ensemble (array lengths, child and feature indices), so that a
    /// corrupt model file is an error rather than a panic at prediction time.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first inconsistency.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::Config(format!("boosted trees: {what}")));
        if self.n_classes() < 2 || self.n_features == 0 {
            return bad("needs >= 2 classes and >= 1 feature".into());
        }
        for (it, round) in self.trees.iter().enumerate() {
            if round.len() != self.n_classes() {
                return bad(format!("iteration {it} has {} trees", round.len()));
            }
            for t in round {
                let m = t.value.len();
                let lens = [
                    t.feature.len(),
                    t.threshold.len(),
                    t.missing_left.len(),
                    t.left.len(),
                    t.right.len(),
                ];
                if m == 0 || lens.iter().any(|&l| l != m) {
                    return bad(format!("iteration {it}: node arrays of different lengths"));
                }
                for i in 0..m {
                    // Children point forward (nodes are pushed after their parent): no cycles.
                    let (l, r) = (t.left[i] as usize, t.right[i] as usize);
                    let inner = l != 0;
                    if inner
                        && (l <= i
                            || r <= i
                            || l >= m
                            || r >= m
                            || t.feature[i] as usize >= self.n_features
                            || !t.threshold[i].is_finite())
                    {
                        return bad(format!("iteration {it}: node {i} is malformed"));
                    }
                    if !inner && (r != 0 || !t.value[i].is_finite()) {
                        return bad(format!("iteration {it}: leaf {i} is malformed"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A feature classifier kept beside the network in a deployed model: trees on named features,
/// whose probabilities are averaged with the network's, `(1 − weight) p_net + weight p_trees`
/// (late fusion). The model file stores it as JSON under the `exg.feature_fusion` metadata key;
/// the caller computes the named features from the same record the network classifies.
///
/// ```
/// use exg_model::trees::{BoostConfig, BoostedTrees, FeatureFusion};
/// let x: Vec<Vec<f32>> = (0..100).map(|i| vec![i as f32]).collect();
/// let y: Vec<usize> = (0..100).map(|i| usize::from(i >= 50)).collect();
/// let trees = BoostedTrees::fit(&x, &y, 2, &BoostConfig::default())?;
/// let fusion = FeatureFusion { features: vec!["HR".into()], trees, weight: 0.5 };
/// let p = fusion.fuse(&[0.8, 0.2], &[99.0])?; // the network says class 0, the trees class 1
/// assert!(p[1] > 0.45 && p[1] < 0.6);
/// # Ok::<(), exg_model::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFusion {
    /// Feature names, in the trees' column order.
    pub features: Vec<String>,
    /// The feature classifier.
    pub trees: BoostedTrees,
    /// Weight of the trees' probabilities, in `[0, 1]`.
    pub weight: f64,
}

impl FeatureFusion {
    /// Checks the parts against each other and against a network of `n_classes` outputs.
    ///
    /// # Errors
    /// [`Error::Config`] naming the inconsistency.
    pub fn validate(&self, n_classes: usize) -> Result<()> {
        self.trees.validate()?;
        if self.trees.n_classes() != n_classes || self.trees.n_features != self.features.len() {
            return Err(Error::Config(format!(
                "feature fusion: trees for {} classes and {} features, {} features named, \
                 the network has {n_classes} classes",
                self.trees.n_classes(),
                self.trees.n_features,
                self.features.len()
            )));
        }
        if !(0.0..=1.0).contains(&self.weight) {
            return Err(Error::Config(format!(
                "feature fusion: weight {} outside [0, 1]",
                self.weight
            )));
        }
        Ok(())
    }

    /// Fused probabilities of the network's `net` and the trees' on `values` (in
    /// [`features`](Self::features) order; NaN for a feature the record has no valid value of).
    ///
    /// # Errors
    /// [`Error::Input`] when `net` or `values` have the wrong length.
    pub fn fuse(&self, net: &[f32], values: &[f32]) -> Result<Vec<f32>> {
        if net.len() != self.trees.n_classes() {
            return Err(Error::Input(format!(
                "{} network probabilities for {} classes",
                net.len(),
                self.trees.n_classes()
            )));
        }
        let trees = self.trees.predict_proba(values)?;
        let w = self.weight as f32;
        Ok(net
            .iter()
            .zip(&trees)
            .map(|(p, q)| (1.0 - w) * p + w * q)
            .collect())
    }
}

/// Checks that rows share one length (`expected` when given) and hold no infinities.
fn check_rows(x: &[Vec<f32>], expected: Option<usize>) -> Result<usize> {
    let n_features = expected.or_else(|| x.first().map(Vec::len)).unwrap_or(0);
    if x.is_empty() || n_features == 0 {
        return Err(Error::Input("no rows or no features".into()));
    }
    for (i, row) in x.iter().enumerate() {
        if row.len() != n_features {
            return Err(Error::Input(format!(
                "row {i} has {} features, expected {n_features}",
                row.len()
            )));
        }
        if row.iter().any(|v| v.is_infinite()) {
            return Err(Error::Input(format!(
                "row {i} holds an infinite value (use NaN for missing)"
            )));
        }
    }
    Ok(n_features)
}

fn softmax(s: &[f64]) -> Vec<f64> {
    let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = s.iter().map(|v| (v - m).exp()).collect();
    let z: f64 = e.iter().sum();
    e.into_iter().map(|v| v / z).collect()
}

/// The training rows as bin indices, feature-major, with each feature's cut points.
struct Binned {
    /// `bins[f][i]`: bin of sample `i` in feature `f`; `missing_bin(f)` for NaN.
    bins: Vec<Vec<u8>>,
    /// `cuts[f][b]`: the threshold between bin `b` and `b + 1`.
    cuts: Vec<Vec<f32>>,
    /// Whether feature `f` had missing values in training.
    has_missing: Vec<bool>,
}

impl Binned {
    fn new(x: &[Vec<f32>], n_features: usize, max_bins: usize) -> Self {
        let mut bins = Vec::with_capacity(n_features);
        let mut cuts = Vec::with_capacity(n_features);
        let mut has_missing = Vec::with_capacity(n_features);
        for f in 0..n_features {
            has_missing.push(x.iter().any(|r| r[f].is_nan()));
            let mut values: Vec<f32> = x.iter().map(|r| r[f]).filter(|v| !v.is_nan()).collect();
            values.sort_by(f32::total_cmp);
            values.dedup();
            let c = cut_points(&values, max_bins);
            let missing = c.len() as u8 + 1;
            bins.push(
                x.iter()
                    .map(|r| {
                        if r[f].is_nan() {
                            missing
                        } else {
                            c.partition_point(|&t| t < r[f]) as u8
                        }
                    })
                    .collect(),
            );
            cuts.push(c);
        }
        Self {
            bins,
            cuts,
            has_missing,
        }
    }

    /// Bins of feature `f` that hold values (the missing bin comes after them).
    fn n_value_bins(&self, f: usize) -> usize {
        self.cuts[f].len() + 1
    }
}

/// Midpoints between consecutive distinct sorted `values`; with more than `max_bins` values,
/// only those at equally spaced quantiles (value `x ≤ cut[b]` lies in bin `b` or below).
fn cut_points(values: &[f32], max_bins: usize) -> Vec<f32> {
    // The midpoint in f64 rounded down to an f32: for every f32 `x`, `x <= cut` then says
    // exactly `x <= (a + b) / 2` (what scikit-learn compares in f64), and `a <= cut < b`.
    let mid = |a: f32, b: f32| {
        let m = (f64::from(a) + f64::from(b)) / 2.0;
        let t = m as f32;
        if f64::from(t) > m { t.next_down() } else { t }
    };
    if values.len() <= max_bins {
        return values.windows(2).map(|w| mid(w[0], w[1])).collect();
    }
    let mut cuts: Vec<f32> = (1..max_bins)
        .map(|q| {
            let i = q * (values.len() - 1) / max_bins;
            mid(values[i], values[i + 1])
        })
        .collect();
    cuts.dedup();
    cuts
}

/// Gradient, hessian and count of one bin or one side of a split.
#[derive(Clone, Copy, Default)]
struct Sums {
    g: f64,
    h: f64,
    n: usize,
}

impl Sums {
    fn add(&mut self, g: f64, h: f64) {
        self.g += g;
        self.h += h;
        self.n += 1;
    }
    fn minus(self, o: Self) -> Self {
        Self {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
        }
    }
    fn plus(self, o: Self) -> Self {
        Self {
            g: self.g + o.g,
            h: self.h + o.h,
            n: self.n + o.n,
        }
    }
    fn score(self, l2: f64) -> f64 {
        self.g * self.g / (self.h + l2)
    }
}

/// The best split of one leaf.
#[derive(Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    bin: usize,
    missing_left: bool,
}

/// A leaf waiting to be split: its samples, sums and best split (if any).
struct Open {
    node: usize,
    samples: Vec<usize>,
    split: Option<Split>,
}

fn best_split(
    binned: &Binned,
    samples: &[usize],
    grad: &[f64],
    hess: &[f64],
    cfg: &BoostConfig,
) -> Option<Split> {
    const MIN_HESSIAN: f64 = 1e-3;
    if samples.len() < 2 * cfg.min_samples_leaf {
        return None;
    }
    let mut total = Sums::default();
    for &i in samples {
        total.add(grad[i], hess[i]);
    }
    let parent = total.score(cfg.l2);
    let mut best: Option<Split> = None;
    let mut hist = [Sums::default(); 256];
    for f in 0..binned.bins.len() {
        let nb = binned.n_value_bins(f);
        hist[..=nb].fill(Sums::default());
        let col = &binned.bins[f];
        for &i in samples {
            hist[col[i] as usize].add(grad[i], hess[i]);
        }
        let missing = hist[nb];
        // Split after bin `b`: values in bins <= b go left. As scikit-learn does (and so with
        // its choice among equal gains): first missing values right, scanning up (the last
        // candidate, every value left, exists only when there are missing values); then,
        // when there are missing values, missing values left, scanning down.
        let last = if missing.n > 0 { nb } else { nb - 1 };
        let mut cum = vec![Sums::default(); nb];
        let mut acc = Sums::default();
        for (c, h) in cum.iter_mut().zip(&hist[..nb]) {
            acc = acc.plus(*h);
            *c = acc;
        }
        let right_scan = (0..last).map(|b| (b, false));
        let left_scan = (0..nb - 1).rev().map(|b| (b, true));
        for (b, missing_left) in right_scan.chain(left_scan.filter(|_| missing.n > 0)) {
            let l = if missing_left {
                cum[b].plus(missing)
            } else {
                cum[b]
            };
            let r = total.minus(l);
            if l.n < cfg.min_samples_leaf
                || r.n < cfg.min_samples_leaf
                || l.h < MIN_HESSIAN
                || r.h < MIN_HESSIAN
            {
                continue;
            }
            let gain = l.score(cfg.l2) + r.score(cfg.l2) - parent;
            if gain > 0.0 && best.is_none_or(|s| gain > s.gain) {
                // A feature without missing values in training sends them, later, to the
                // larger side (as scikit-learn does).
                let missing_left = if binned.has_missing[f] {
                    missing_left
                } else {
                    l.n > r.n
                };
                best = Some(Split {
                    gain,
                    feature: f,
                    bin: b,
                    missing_left,
                });
            }
        }
    }
    best
}

/// Grows one tree best-first; returns it and the leaf of every training sample.
fn grow(binned: &Binned, grad: &[f64], hess: &[f64], cfg: &BoostConfig) -> (Tree, Vec<usize>) {
    let n = grad.len();
    let leaf_value = |samples: &[usize]| {
        let (g, h) = samples
            .iter()
            .fold((0.0, 0.0), |(g, h), &i| (g + grad[i], h + hess[i]));
        (-cfg.learning_rate * g / (h + cfg.l2 + 1e-15)) as f32
    };
    let mut tree = Tree::default();
    let all: Vec<usize> = (0..n).collect();
    let root = tree.push(leaf_value(&all));
    let split = best_split(binned, &all, grad, hess, cfg);
    let mut open = vec![Open {
        node: root,
        samples: all,
        split,
    }];
    let mut leaves = 1;
    while leaves < cfg.max_leaves {
        // The open leaf with the largest gain (first on ties).
        let Some(k) = (0..open.len())
            .filter(|&k| open[k].split.is_some())
            .reduce(|a, b| {
                if open[b].split.unwrap().gain > open[a].split.unwrap().gain {
                    b
                } else {
                    a
                }
            })
        else {
            break;
        };
        let leaf = open.swap_remove(k);
        let s = leaf.split.expect("filtered");
        let col = &binned.bins[s.feature];
        let missing_bin = binned.n_value_bins(s.feature);
        let (l, r): (Vec<usize>, Vec<usize>) = leaf.samples.iter().partition(|&&i| {
            let b = col[i] as usize;
            if b == missing_bin {
                s.missing_left
            } else {
                b <= s.bin
            }
        });
        let (ln, rn) = (tree.push(leaf_value(&l)), tree.push(leaf_value(&r)));
        let node = leaf.node;
        tree.feature[node] = s.feature as u32;
        // Splitting off the missing values: every value goes left.
        tree.threshold[node] = binned.cuts[s.feature]
            .get(s.bin)
            .copied()
            .unwrap_or(f32::MAX);
        tree.missing_left[node] = s.missing_left;
        tree.left[node] = ln as u32;
        tree.right[node] = rn as u32;
        tree.value[node] = 0.0;
        for (node, samples) in [(ln, l), (rn, r)] {
            let split = best_split(binned, &samples, grad, hess, cfg);
            open.push(Open {
                node,
                samples,
                split,
            });
        }
        leaves += 1;
    }
    let mut leaf_of = vec![0; n];
    for o in &open {
        for &i in &o.samples {
            leaf_of[i] = o.node;
        }
    }
    (tree, leaf_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_split_on_a_step_has_the_hand_computed_leaves() {
        // 40 samples, class 1 iff x > 19.5; balanced, so the start scores are equal (p = 1/2),
        // g = p − y = ±1/2 and h = 1/4 for every sample: the leaf values are
        // −η G/H = −0.1 · (20 · ±1/2) / (20 · 1/4) = ∓0.2 for class 1.
        let x: Vec<Vec<f32>> = (0..40).map(|i| vec![i as f32]).collect();
        let y: Vec<usize> = (0..40).map(|i| usize::from(i >= 20)).collect();
        let cfg = BoostConfig {
            iterations: 1,
            max_leaves: 2,
            ..BoostConfig::default()
        };
        let m = BoostedTrees::fit(&x, &y, 2, &cfg).unwrap();
        let t = &m.trees[0][1];
        assert_eq!(t.threshold[0], 19.5);
        assert_eq!(
            (t.value[t.left[0] as usize], t.value[t.right[0] as usize]),
            (-0.2, 0.2)
        );
        assert_eq!(m.baseline[0], m.baseline[1]);
        m.validate().unwrap();
    }

    #[test]
    fn missing_values_follow_the_side_that_gains() {
        // Class 1 = missing or large: missing values must join the right (large) side.
        let x: Vec<Vec<f32>> = (0..90)
            .map(|i| vec![if i >= 60 { f32::NAN } else { i as f32 }])
            .collect();
        let y: Vec<usize> = (0..90).map(|i| usize::from(i >= 30)).collect();
        let m = BoostedTrees::fit(&x, &y, 2, &BoostConfig::default()).unwrap();
        assert!(m.predict_proba(&[f32::NAN]).unwrap()[1] > 0.9);
        assert!(m.predict_proba(&[45.0]).unwrap()[1] > 0.9);
        assert!(m.predict_proba(&[5.0]).unwrap()[0] > 0.9);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let cfg = BoostConfig::default();
        assert!(BoostedTrees::fit(&[], &[], 2, &cfg).is_err());
        assert!(BoostedTrees::fit(&[vec![1.0], vec![1.0, 2.0]], &[0, 1], 2, &cfg).is_err());
        assert!(BoostedTrees::fit(&[vec![f32::INFINITY], vec![1.0]], &[0, 1], 2, &cfg).is_err());
        assert!(BoostedTrees::fit(&[vec![0.0], vec![1.0]], &[0, 2], 2, &cfg).is_err());
        assert!(
            BoostedTrees::fit(
                &[vec![0.0], vec![1.0]],
                &[0, 1],
                2,
                &BoostConfig {
                    max_bins: 1,
                    ..cfg.clone()
                }
            )
            .is_err()
        );
        let m = BoostedTrees::fit(&[vec![0.0], vec![1.0]], &[0, 1], 2, &cfg).unwrap();
        assert!(m.predict_proba(&[1.0, 2.0]).is_err());
        let mut broken = m.clone();
        broken.trees[0][0].left[0] = 7;
        assert!(broken.validate().is_err());
    }

    #[test]
    fn quantile_cuts_keep_at_most_max_bins() {
        let values: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let c = cut_points(&values, 255);
        assert!(c.len() <= 254 && c.len() > 200);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(cut_points(&[1.0, 2.0], 255), vec![1.5]);
        let a = 1.0f32;
        let b = f32::from_bits(a.to_bits() + 1);
        assert_eq!(cut_points(&[a, b], 255), vec![a]);
    }
}
