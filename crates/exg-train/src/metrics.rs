//! Classification metrics from a confusion matrix: accuracy, macro-F1, per-class sensitivity,
//! specificity, precision and F1, the mean F1 over a subset of classes (CinC 2017's F1(N,A,O)),
//! and the mean ± sd over folds.
//!
//! Conventions (scikit-learn's, checked against it in `tests/metrics_sklearn.rs`):
//! * rows of the confusion matrix are true classes, columns predictions;
//! * a ratio whose denominator is 0 (a class never predicted, never present) is 0 in the
//!   averages, as scikit-learn's `zero_division=0`, and `None` in [`ClassMetrics`], so a
//!   report can say "undefined" instead of printing 0;
//! * macro-F1 averages over the classes that occur in the truth or the predictions
//!   (scikit-learn's default when no `labels` are given), so an absent class does not drag the
//!   mean down.
//!
//! ```
//! use exg_train::metrics::Confusion;
//! let c = Confusion::from_pairs(3, &[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 2, 0])?;
//! assert!((c.accuracy().unwrap() - 4.0 / 6.0).abs() < 1e-12);
//! assert_eq!(c.count(2, 0), 1);
//! // F1 of class 1: precision 1/2, sensitivity 1/1 -> 2/3.
//! assert!((c.per_class()[1].f1.unwrap() - 2.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), exg_train::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A confusion matrix over `n` classes: `count(truth, predicted)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    n: usize,
    /// Row-major `n × n` counts, rows = truth.
    counts: Vec<u64>,
}

/// Per-class figures; `None` where the denominator is 0.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Records of this class in the truth.
    pub support: u64,
    /// Records predicted as this class.
    pub predicted: u64,
    /// Sensitivity (recall): TP / (TP + FN).
    pub sensitivity: Option<f64>,
    /// Specificity: TN / (TN + FP).
    pub specificity: Option<f64>,
    /// Precision (positive predictive value): TP / (TP + FP).
    pub precision: Option<f64>,
    /// F1: 2 TP / (2 TP + FP + FN).
    pub f1: Option<f64>,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl Confusion {
    /// An empty matrix over `n_classes` (≥ 1) classes.
    pub fn new(n_classes: usize) -> Result<Self> {
        if n_classes == 0 {
            return Err(Error::Input(
                "a confusion matrix needs at least one class".into(),
            ));
        }
        Ok(Self {
            n: n_classes,
            counts: vec![0; n_classes * n_classes],
        })
    }

    /// The matrix of paired labels (same length, each `< n_classes`).
    pub fn from_pairs(n_classes: usize, truth: &[usize], predicted: &[usize]) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::Input(format!(
                "{} true labels but {} predictions",
                truth.len(),
                predicted.len()
            )));
        }
        let mut c = Self::new(n_classes)?;
        for (&t, &p) in truth.iter().zip(predicted) {
            c.add(t, p)?;
        }
        Ok(c)
    }

    /// Counts one record.
    pub fn add(&mut self, truth: usize, predicted: usize) -> Result<()> {
        if truth >= self.n || predicted >= self.n {
            return Err(Error::Input(format!(
                "label pair ({truth}, {predicted}) outside 0..{}",
                self.n
            )));
        }
        self.counts[truth * self.n + predicted] += 1;
        Ok(())
    }

    /// Adds another matrix over the same classes (pooling folds).
    pub fn merge(&mut self, other: &Confusion) -> Result<()> {
        if other.n != self.n {
            return Err(Error::Input(format!(
                "cannot merge a {}-class matrix into a {}-class one",
                other.n, self.n
            )));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        Ok(())
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n
    }

    /// Records of class `truth` predicted as `predicted` (0 outside the matrix).
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        if truth < self.n && predicted < self.n {
            self.counts[truth * self.n + predicted]
        } else {
            0
        }
    }

    /// Rows (truth) of counts, for reports and JSON.
    pub fn rows(&self) -> Vec<Vec<u64>> {
        self.counts.chunks(self.n).map(<[u64]>::to_vec).collect()
    }

    /// Records counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Share of records on the diagonal; `None` for an empty matrix.
    pub fn accuracy(&self) -> Option<f64> {
        ratio((0..self.n).map(|i| self.count(i, i)).sum(), self.total())
    }

    /// Sensitivity, specificity, precision and F1 of every class.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        let total = self.total();
        (0..self.n)
            .map(|c| {
                let tp = self.count(c, c);
                let support: u64 = (0..self.n).map(|p| self.count(c, p)).sum();
                let predicted: u64 = (0..self.n).map(|t| self.count(t, c)).sum();
                let (fn_, fp) = (support - tp, predicted - tp);
                let tn = total - support - fp;
                ClassMetrics {
                    support,
                    predicted,
                    sensitivity: ratio(tp, support),
                    specificity: ratio(tn, tn + fp),
                    precision: ratio(tp, predicted),
                    f1: ratio(2 * tp, 2 * tp + fp + fn_),
                }
            })
            .collect()
    }

    /// Mean F1 over the classes that occur in the truth or the predictions (scikit-learn's
    /// `f1_score(average="macro")`); `None` for an empty matrix.
    pub fn macro_f1(&self) -> Option<f64> {
        let present: Vec<usize> = self
            .per_class()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.support + m.predicted > 0)
            .map(|(i, _)| i)
            .collect();
        self.mean_f1(&present)
    }

    /// Mean F1 over `classes` (an undefined F1 counts as 0), e.g. CinC 2017's challenge score
    /// F1(N,A,O) over the Normal, AF and Other classes, leaving the noisy class out. `None` when
    /// `classes` is empty or names a class outside the matrix.
    pub fn mean_f1(&self, classes: &[usize]) -> Option<f64> {
        if classes.is_empty() || classes.iter().any(|&c| c >= self.n) {
            return None;
        }
        let per = self.per_class();
        Some(
            classes
                .iter()
                .map(|&c| per[c].f1.unwrap_or(0.0))
                .sum::<f64>()
                / classes.len() as f64,
        )
    }

    /// Mean sensitivity and mean specificity over the classes present in the truth (the macro
    /// figures the paper reports next to accuracy and F1).
    pub fn macro_sensitivity_specificity(&self) -> Option<(f64, f64)> {
        let per: Vec<ClassMetrics> = self
            .per_class()
            .into_iter()
            .filter(|m| m.support > 0)
            .collect();
        if per.is_empty() {
            return None;
        }
        let k = per.len() as f64;
        let se = per
            .iter()
            .map(|m| m.sensitivity.unwrap_or(0.0))
            .sum::<f64>()
            / k;
        let sp = per
            .iter()
            .map(|m| m.specificity.unwrap_or(0.0))
            .sum::<f64>()
            / k;
        Some((se, sp))
    }
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for one value).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
}

impl MeanSd {
    /// Over `values` (e.g. one metric per fold); `None` when empty or any value is not finite.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Some(Self { mean, sd })
    }
}

impl std::fmt::Display for MeanSd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(4);
        write!(f, "{:.p$} ± {:.p$}", self.mean, self.sd)
    }
}
