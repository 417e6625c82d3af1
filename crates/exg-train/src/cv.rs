//! Record-level cross-validation: folds over records (never over windows, so the windows of
//! one record never land in two folds), an inner validation split of each training fold for
//! model selection, record predictions from averaged window probabilities, and per-fold and
//! mean ± sd metrics.

use serde::{Deserialize, Serialize};

use exg_data::split::{Fold, KFold, Shuffle, StratifiedKFold};

use crate::metrics::{ClassMetrics, Confusion, MeanSd};
use crate::trainer::{Example, argmax};
use crate::{Error, Result};

/// One record of a study: its class and its model-length windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Record name (for reports and error messages).
    pub id: String,
    /// Class index.
    pub label: usize,
    /// Windows cut from the record (at least one), each a training example.
    pub windows: Vec<Example>,
}

/// How records are dealt into folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Folds {
    /// Stratified k-fold with a seed ([`StratifiedKFold`]).
    Stratified {
        /// Number of folds.
        k: usize,
        /// Shuffle seed.
        seed: u64,
    },
    /// The EXGnet notebook's plain `KFold(k, shuffle=True, random_state=seed)`, identical to
    /// scikit-learn's folds.
    Sklearn {
        /// Number of folds.
        k: usize,
        /// `random_state`.
        seed: u32,
    },
}

impl Default for Folds {
    fn default() -> Self {
        Folds::Stratified { k: 5, seed: 42 }
    }
}

impl Folds {
    /// Folds over records with these labels.
    pub fn split(&self, labels: &[usize]) -> Result<Vec<Fold>> {
        let folds = match *self {
            Folds::Stratified { k, seed } => StratifiedKFold {
                k,
                seed,
                shuffle: true,
            }
            .split(labels),
            Folds::Sklearn { k, seed } => KFold {
                k,
                shuffle: Shuffle::Sklearn(seed),
            }
            .split(labels.len()),
        };
        folds.map_err(|e| Error::Input(format!("folds: {e}")))
    }
}

/// Splits `train` (record indices) into (fit, validation) by a stratified hold-out of about
/// `fraction` of each class, seeded; `fraction = 0` gives no validation records.
pub fn inner_split(
    labels: &[usize],
    train: &[usize],
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(0.0..0.5).contains(&fraction) {
        return Err(Error::Input(format!(
            "validation fraction {fraction} not in [0, 0.5)"
        )));
    }
    if fraction == 0.0 || train.len() < 4 {
        return Ok((train.to_vec(), Vec::new()));
    }
    // A stratified k-fold with k = round(1 / fraction); its first test fold is the hold-out.
    let k = ((1.0 / fraction).round() as usize).clamp(2, train.len());
    let sub: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
    let folds = StratifiedKFold {
        k,
        seed,
        shuffle: true,
    }
    .split(&sub)
    .map_err(|e| Error::Input(format!("inner split: {e}")))?;
    let pick = |idx: &[usize]| idx.iter().map(|&j| train[j]).collect::<Vec<_>>();
    Ok((pick(&folds[0].train), pick(&folds[0].test)))
}

/// Record-level class probabilities: the mean of the window probabilities.
pub fn record_probabilities(window_probs: &[Vec<f32>]) -> Vec<f32> {
    let k = window_probs.first().map_or(0, Vec::len);
    let mut mean = vec![0f32; k];
    for p in window_probs {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += v / window_probs.len() as f32;
        }
    }
    mean
}

/// Record-level class probabilities of `records` (the mean over each record's windows), in
/// eval mode, `batch` windows at a time.
pub fn predict_records(
    model: &dyn exg_model::Classifier,
    records: &[Record],
    batch: usize,
    dev: &candle::Device,
) -> Result<Vec<Vec<f32>>> {
    records
        .iter()
        .map(|r| {
            let windows: Vec<&[f32]> = r.windows.iter().map(|w| w.signal.as_slice()).collect();
            Ok(record_probabilities(&crate::trainer::predict_proba(
                model, &windows, batch, dev,
            )?))
        })
        .collect()
}

/// Metrics of one evaluation (a fold's test records, or a whole dataset).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Class names, in index order.
    pub classes: Vec<String>,
    /// Records evaluated.
    pub records: usize,
    /// Accuracy.
    pub accuracy: f64,
    /// Macro-F1 over the classes present.
    pub macro_f1: f64,
    /// Mean sensitivity over the classes present.
    pub macro_sensitivity: f64,
    /// Mean specificity over the classes present.
    pub macro_specificity: f64,
    /// Per-class figures.
    pub per_class: Vec<ClassMetrics>,
    /// Confusion matrix, rows = truth.
    pub confusion: Vec<Vec<u64>>,
    /// Mean F1 over a named subset of classes (CinC 2017: F1(N,A,O)), when the dataset
    /// defines one.
    pub subset_f1: Option<f64>,
}

impl Evaluation {
    /// From a confusion matrix; `subset` names the classes of [`Evaluation::subset_f1`].
    pub fn from_confusion(c: &Confusion, classes: &[String], subset: Option<&[usize]>) -> Self {
        let (se, sp) = c.macro_sensitivity_specificity().unwrap_or((0.0, 0.0));
        Self {
            classes: classes.to_vec(),
            records: c.total() as usize,
            accuracy: c.accuracy().unwrap_or(0.0),
            macro_f1: c.macro_f1().unwrap_or(0.0),
            macro_sensitivity: se,
            macro_specificity: sp,
            per_class: c.per_class(),
            confusion: c.rows(),
            subset_f1: subset.and_then(|s| c.mean_f1(s)),
        }
    }

    /// Record-level evaluation from per-record probabilities.
    pub fn from_probabilities(
        labels: &[usize],
        probs: &[Vec<f32>],
        classes: &[String],
        subset: Option<&[usize]>,
    ) -> Result<Self> {
        let mut c = Confusion::new(classes.len())?;
        for (&l, p) in labels.iter().zip(probs) {
            c.add(l, argmax(p))?;
        }
        Ok(Self::from_confusion(&c, classes, subset))
    }
}

/// Mean ± sd over folds of the headline figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Accuracy.
    pub accuracy: MeanSd,
    /// Macro-F1.
    pub macro_f1: MeanSd,
    /// Mean sensitivity.
    pub macro_sensitivity: MeanSd,
    /// Mean specificity.
    pub macro_specificity: MeanSd,
    /// Subset F1 (e.g. F1(N,A,O)), when defined.
    pub subset_f1: Option<MeanSd>,
    /// Per-class F1 over folds.
    pub per_class_f1: Vec<MeanSd>,
}

impl Summary {
    /// Over the folds' evaluations (at least one).
    pub fn of(folds: &[Evaluation]) -> Result<Self> {
        let stat = |f: &dyn Fn(&Evaluation) -> f64| {
            MeanSd::of(&folds.iter().map(f).collect::<Vec<_>>())
                .ok_or_else(|| Error::Input("no folds to summarise".into()))
        };
        let k = folds.first().map_or(0, |e| e.classes.len());
        Ok(Self {
            accuracy: stat(&|e| e.accuracy)?,
            macro_f1: stat(&|e| e.macro_f1)?,
            macro_sensitivity: stat(&|e| e.macro_sensitivity)?,
            macro_specificity: stat(&|e| e.macro_specificity)?,
            subset_f1: folds
                .iter()
                .map(|e| e.subset_f1)
                .collect::<Option<Vec<_>>>()
                .and_then(|v| MeanSd::of(&v)),
            per_class_f1: (0..k)
                .map(|c| stat(&|e| e.per_class[c].f1.unwrap_or(0.0)))
                .collect::<Result<_>>()?,
        })
    }
}
