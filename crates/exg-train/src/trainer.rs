//! The training loop: EXGnet's three-term objective, AdamW with warm-up + cosine schedule and
//! clipping, model selection on an inner validation split, a NaN guard, and per-epoch atomic
//! checkpoints from which a killed run resumes to the same result.
//!
//! Objective, per batch:
//!
//! ```text
//! L = CE(signal head) + λ_f · CE(joint head: signal embedding ‖ train-only features)
//!                     + λ_x · (1 − NCC(Grad-CAM of the true class, attention target))
//! ```
//!
//! The XAI term averages over the records of the batch that have a target; records without
//! one are left out and counted ([`EpochLog::xai_skipped`]). Each λ can be 0 (that is how the
//! ablations run); with λ_f = 0 the feature head is not built into the graph, with λ_x = 0 no
//! map is computed.

use std::path::PathBuf;
use std::time::Instant;

use candle::{DType, Device, Tensor, Var};
use exg_model::{Classifier, FeatureHead};
use exg_signal::rng::SplitMix64;
use exg_xai::saliency::{GradCam, PostProcess, Resolution};
use serde::{Deserialize, Serialize};

use crate::loss::{ClassWeights, cross_entropy};
use crate::metrics::Confusion;
use crate::optim::{AdamW, AdamWConfig, AdamWState};
use crate::schedule::WarmupCosine;
use crate::{Error, Result, checkpoint};

/// One training example: a model-length window of one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The model input (length `T`, already preprocessed).
    pub signal: Vec<f32>,
    /// Class index.
    pub label: usize,
    /// Standardised train-only features (empty when the study uses none).
    pub features: Vec<f32>,
    /// Attention target over the window (length `T`, values in [0, 1]); `None` when R-peak
    /// detection gave no usable target (the record is left out of the XAI term).
    pub target: Option<Vec<f32>>,
}

/// Where the XAI term compares map and target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XaiResolution {
    /// The map is upsampled to the input length `T` (the paper's way).
    #[default]
    Input,
    /// The target is downsampled to the activation length `T'` (cheaper).
    Activations,
}

/// What model selection maximises on the validation split.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Macro-F1 over the classes present.
    #[default]
    MacroF1,
    /// Accuracy.
    Accuracy,
    /// Mean F1 over the listed classes (CinC 2017: N, A, O).
    MeanF1(Vec<usize>),
}

impl Selection {
    fn score(&self, c: &Confusion) -> f64 {
        match self {
            Selection::MacroF1 => c.macro_f1(),
            Selection::Accuracy => c.accuracy(),
            Selection::MeanF1(classes) => c.mean_f1(classes),
        }
        .unwrap_or(0.0)
    }
}

/// Every knob of the training loop (serde; the run folder's `config.json` holds it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Passes over the training split.
    pub epochs: usize,
    /// Records per optimiser step.
    pub batch_size: usize,
    /// AdamW hyper-parameters (`lr` is the peak of the schedule).
    pub optimizer: AdamWConfig,
    /// Epochs of linear warm-up (fractional allowed).
    pub warmup_epochs: f64,
    /// Learning rate at the end of the cosine, as a fraction of the peak.
    pub min_lr_fraction: f64,
    /// Global gradient-norm clipping (`None`: off).
    pub clip_norm: Option<f64>,
    /// Weight of the joint (signal ‖ features) head's cross-entropy.
    pub lambda_features: f64,
    /// Weight of the XAI term `1 − NCC`.
    pub lambda_xai: f64,
    /// Where map and target are compared.
    pub xai_resolution: XaiResolution,
    /// Class weighting from the training split's counts.
    pub class_weights: ClassWeights,
    /// Label smoothing of both cross-entropies.
    pub label_smoothing: f64,
    /// Metric of model selection on the validation split.
    pub selection: Selection,
    /// Model selection compares the mean of the last `selection_window` epochs' validation
    /// scores (fewer at the start) instead of single epochs, and keeps the model of the last
    /// epoch of the best window: one lucky epoch on a small validation split does not win. 1
    /// (the default, left out of the JSON): single epochs. On CinC 2017 fold 4 (a 490-record
    /// validation split) single epochs kept epoch 9, whose validation score jumped to 0.786
    /// before settling at 0.76–0.78; a window of 3 keeps epoch 24 (docs/results.md).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub selection_window: usize,
    /// Keep the last epoch's model: the validation split is scored and logged every epoch but
    /// chooses nothing (and `patience` never stops the run). With a learning rate annealed to
    /// its floor the last epoch is a settled model, where the best of 30 noisy validation
    /// scores may be an under-trained one: on CinC 2017 the last epoch scored as well or better
    /// than the selected one on 9 of 10 test folds (docs/results.md). Left out of the JSON when
    /// false (the default).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_last_epoch: bool,
    /// Stop after this many epochs without a better validation score (`None`: never).
    pub patience: Option<usize>,
    /// Seed of the batch order.
    pub seed: u64,
    /// Records per inference batch (validation, prediction).
    pub eval_batch_size: usize,
    /// Random-crop training: every time a training example is drawn, a window of this many
    /// samples is cut from its signal at a uniformly random offset (the loop's seeded RNG, so
    /// runs repeat and resume bit for bit), z-scored over its real samples and zero-padded when
    /// the signal is shorter (the rule of `prepare`); its attention target is cut at the same
    /// offset. Training examples may then have any length (records prepared whole,
    /// [`PrepareConfig::whole`](crate::prepare::PrepareConfig::whole)); validation examples
    /// must have this length. `None`: examples are used as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_crop: Option<usize>,
    /// Augmentation of every random crop after its z-score (needs `random_crop`; `None`: none).
    /// Left out of the JSON when `None`, and draws nothing from the loop's RNG then, so runs
    /// without it repeat bit for bit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub augment: Option<Augment>,
}

/// Training-time augmentation of random crops ([`TrainConfig::augment`]), drawn from the
/// loop's seeded RNG (runs repeat and resume bit for bit).
///
/// ```
/// let a: exg_train::trainer::Augment = serde_json::from_str(r#"{"invert_prob": 0.5}"#).unwrap();
/// assert_eq!((a.invert_prob, a.noise_sd), (0.5, 0.0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Augment {
    /// Probability that a crop's polarity is inverted: a handheld single-lead recording (CinC
    /// 2017's AliveCor) may be taken with the electrodes the other way round, so the rhythm,
    /// not the sign of the QRS, must carry the class.
    pub invert_prob: f64,
    /// Standard deviation of white Gaussian noise added to every sample of the z-scored crop
    /// (in units of the crop's own standard deviation).
    pub noise_sd: f64,
}

impl Augment {
    /// Applies the augmentation to a z-scored crop in place.
    fn apply(&self, signal: &mut [f32], rng: &mut SplitMix64) {
        let sign = if self.invert_prob > 0.0 && rng.uniform() < self.invert_prob {
            -1.0
        } else {
            1.0
        };
        for v in signal.iter_mut() {
            let noise = if self.noise_sd > 0.0 {
                self.noise_sd * rng.normal()
            } else {
                0.0
            };
            *v = (sign * f64::from(*v) + noise) as f32;
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 32,
            optimizer: AdamWConfig::default(),
            warmup_epochs: 1.0,
            min_lr_fraction: 0.01,
            clip_norm: Some(5.0),
            lambda_features: 1.0,
            lambda_xai: 0.5,
            xai_resolution: XaiResolution::Input,
            class_weights: ClassWeights::Balanced,
            label_smoothing: 0.0,
            selection: Selection::MacroF1,
            selection_window: 1,
            keep_last_epoch: false,
            patience: Some(8),
            seed: 42,
            eval_batch_size: 64,
            random_crop: None,
            augment: None,
        }
    }
}

impl TrainConfig {
    /// Checks ranges; called by [`fit`].
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Input(format!("train config: {what}")));
        if self.epochs == 0 || self.batch_size == 0 || self.eval_batch_size == 0 {
            return bad("epochs, batch_size and eval_batch_size must be >= 1");
        }
        if self.random_crop == Some(0) {
            return bad("random_crop must be >= 1 sample");
        }
        if let Some(a) = &self.augment {
            if self.random_crop.is_none() {
                return bad("augment needs random_crop (it augments the crops)");
            }
            if !(0.0..=1.0).contains(&a.invert_prob) {
                return bad("augment.invert_prob must lie in [0, 1]");
            }
            if !(a.noise_sd.is_finite() && a.noise_sd >= 0.0) {
                return bad("augment.noise_sd must be finite and >= 0");
            }
        }
        if self.selection_window == 0 {
            return bad("selection_window must be >= 1 epoch");
        }
        for (name, v) in [
            ("lambda_features", self.lambda_features),
            ("lambda_xai", self.lambda_xai),
            ("warmup_epochs", self.warmup_epochs),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(&format!("{name} = {v} must be finite and >= 0"));
            }
        }
        if !(0.0..=1.0).contains(&self.min_lr_fraction) {
            return bad("min_lr_fraction must lie in [0, 1]");
        }
        if self.clip_norm.is_some_and(|c| !(c.is_finite() && c > 0.0)) {
            return bad("clip_norm must be finite and > 0");
        }
        Ok(())
    }
}

/// Figures of one epoch (a row of the run's `epochs.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    /// Mean total loss over the epoch's batches.
    pub loss: f64,
    /// Mean signal-head cross-entropy.
    pub ce: f64,
    /// Mean joint-head cross-entropy (0 when λ_f = 0).
    pub ce_features: f64,
    /// Mean XAI term `1 − NCC` over batches that had targets (0 when λ_x = 0).
    pub xai: f64,
    /// Training records left out of the XAI term (no target).
    pub xai_skipped: usize,
    /// Training accuracy of the signal head (train mode, as the batches went).
    pub train_accuracy: f64,
    /// Validation score ([`TrainConfig::selection`]); `None` without a validation split.
    pub val_score: Option<f64>,
    /// Validation accuracy.
    pub val_accuracy: Option<f64>,
    /// Wall time of the epoch (s).
    pub seconds: f64,
}

impl std::fmt::Display for EpochLog {
    /// One line: `epoch  3: loss 2.814 (ce 1.511, features 1.053, xai 0.501), train acc 0.318,
    /// val 0.256, 0.2 s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "epoch {:>2}: loss {:.3} (ce {:.3}, features {:.3}, xai {:.3}), train acc {:.3}",
            self.epoch, self.loss, self.ce, self.ce_features, self.xai, self.train_accuracy
        )?;
        if let Some(v) = self.val_score {
            write!(f, ", val {v:.3}")?;
        }
        write!(f, ", {:.1} s", self.seconds)
    }
}

/// Progress reported while training (for progress bars).
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// An epoch starts with this many optimiser steps.
    EpochStart {
        /// 1-based epoch.
        epoch: usize,
        /// Steps in the epoch.
        steps: usize,
    },
    /// A step finished.
    Step {
        /// Loss of the step.
        loss: f64,
        /// Records in the step.
        records: usize,
    },
    /// An epoch finished.
    EpochEnd(&'a EpochLog),
}

/// Result of [`fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitOutcome {
    /// One entry per epoch run (including epochs restored from a checkpoint).
    pub history: Vec<EpochLog>,
    /// 1-based epoch whose parameters the model holds now (the best on validation, or the
    /// last without a validation split).
    pub selected_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
}

/// Where [`fit`] keeps its checkpoints, and whether it resumes from them.
#[derive(Clone, Debug, Default)]
pub struct Checkpoints {
    /// Folder of `last.safetensors` (after every epoch) and `best.safetensors`; `None`: none.
    pub dir: Option<PathBuf>,
    /// Continue from `dir/last.safetensors` when it exists.
    pub resume: bool,
}

/// State saved with the tensors of a checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct LoopState {
    /// Epochs completed.
    epoch: usize,
    /// Optimiser steps taken.
    step: usize,
    rng: SplitMix64,
    optimizer: AdamWState,
    history: Vec<EpochLog>,
    best_score: Option<f64>,
    best_epoch: usize,
    stale_epochs: usize,
    /// Fingerprint of the configuration and data the run started with.
    fingerprint: String,
}

/// The models being trained: the deployable classifier and, optionally, the train-only
/// feature head.
pub struct Models<'a> {
    /// The deployable classifier.
    pub classifier: &'a dyn Classifier,
    /// The train-only branch (required when `lambda_features > 0`).
    pub features: Option<&'a FeatureHead>,
}

impl Models<'_> {
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut t = self.classifier.named_tensors();
        if let Some(f) = self.features {
            t.extend(f.named_tensors());
        }
        t
    }
    fn trainable_vars(&self) -> Vec<Var> {
        let mut v = self.classifier.trainable_vars();
        if let Some(f) = self.features {
            v.extend(f.trainable_vars());
        }
        v
    }
    /// Deep copies of every tensor (a snapshot that later steps do not change).
    fn snapshot(&self) -> Result<Vec<(String, Tensor)>> {
        self.named_tensors()
            .into_iter()
            .map(|(n, t)| Ok((n, t.copy()?)))
            .collect()
    }
    /// Writes saved values into the models' tensors (parameters and running statistics).
    fn restore(&self, saved: &std::collections::HashMap<String, Tensor>) -> Result<()> {
        for (name, t) in self.named_tensors() {
            let value = saved
                .get(&name)
                .ok_or_else(|| Error::Checkpoint(format!("no tensor `{name}`")))?;
            if value.dims() != t.dims() {
                return Err(Error::Checkpoint(format!(
                    "`{name}` has shape {:?}, the model {:?}",
                    value.dims(),
                    t.dims()
                )));
            }
            // Parameters and running statistics are variables: `from_tensor` shares storage.
            Var::from_tensor(&t)?.set(&value.to_dtype(t.dtype())?)?;
        }
        Ok(())
    }
}

/// A batch as tensors.
struct Batch {
    x: Tensor,
    y: Tensor,
    labels: Vec<usize>,
    features: Option<Tensor>,
    targets: Option<(Tensor, Vec<bool>)>,
}

/// A window of `len` samples of `e` at `offset`: the signal z-scored over its real samples and
/// zero-padded, the target cut at the same place and zero-padded.
fn crop(e: &Example, offset: usize, len: usize) -> Example {
    let end = (offset + len).min(e.signal.len());
    let real: Vec<f64> = e.signal[offset..end]
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    Example {
        signal: exg_model::described::zscore_padded(&real, len),
        label: e.label,
        features: e.features.clone(),
        target: e.target.as_ref().map(|g| {
            let mut w = g[offset..end].to_vec();
            w.resize(len, 0.0);
            w
        }),
    }
}

/// The selection score of the last of `scores` (one per epoch, in order): the mean of the last
/// `window` of them (fewer at the start); `None` when the last epoch has no score.
fn smoothed_score(scores: &[Option<f64>], window: usize) -> Option<f64> {
    scores.last().copied().flatten()?;
    let recent: Vec<f64> = scores
        .iter()
        .rev()
        .take(window.max(1))
        .map_while(|s| *s)
        .collect();
    Some(recent.iter().sum::<f64>() / recent.len() as f64)
}

fn one() -> usize {
    1
}

fn is_one(v: &usize) -> bool {
    *v == 1
}

fn make_batch(
    examples: &[&Example],
    with_features: bool,
    with_targets: bool,
    dev: &Device,
) -> Result<Batch> {
    let b = examples.len();
    let t = examples[0].signal.len();
    let signal: Vec<f32> = examples
        .iter()
        .flat_map(|e| e.signal.iter().copied())
        .collect();
    let labels: Vec<usize> = examples.iter().map(|e| e.label).collect();
    let y: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
    let features = if with_features {
        let f = examples[0].features.len();
        let rows: Vec<f32> = examples
            .iter()
            .flat_map(|e| e.features.iter().copied())
            .collect();
        Some(Tensor::from_vec(rows, (b, f), dev)?)
    } else {
        None
    };
    let targets = if with_targets {
        let mask: Vec<bool> = examples.iter().map(|e| e.target.is_some()).collect();
        let rows: Vec<f32> = examples
            .iter()
            .flat_map(|e| match &e.target {
                Some(v) => v.clone(),
                None => vec![0.0; t],
            })
            .collect();
        Some((Tensor::from_vec(rows, (b, t), dev)?, mask))
    } else {
        None
    };
    Ok(Batch {
        x: Tensor::from_vec(signal, (b, 1, t), dev)?,
        y: Tensor::new(y, dev)?,
        labels,
        features,
        targets,
    })
}

/// Checks a set of examples; `len`: the length every signal must have (`None`: any length of at
/// least one sample, random-crop training).
fn check_examples(
    set: &[Example],
    what: &str,
    n_classes: usize,
    n_features: Option<usize>,
    len: Option<usize>,
) -> Result<()> {
    let Some(first) = set.first() else {
        return Ok(());
    };
    let t = len.unwrap_or(first.signal.len());
    for (i, e) in set.iter().enumerate() {
        let bad = |why: String| Err(Error::Input(format!("{what} example {i}: {why}")));
        if e.signal.is_empty() {
            return bad("empty signal".into());
        }
        if len.is_some() && e.signal.len() != t {
            return bad(format!("length {} differs from {t}", e.signal.len()));
        }
        if e.label >= n_classes {
            return bad(format!("label {} but {n_classes} classes", e.label));
        }
        if e.signal.iter().any(|v| !v.is_finite()) {
            return bad("non-finite sample".into());
        }
        if let Some(f) = n_features
            && e.features.len() != f
        {
            return bad(format!(
                "{} features, the feature head takes {f}",
                e.features.len()
            ));
        }
        if e.target.as_ref().is_some_and(|g| g.len() != e.signal.len()) {
            return bad("attention target length differs from the signal".into());
        }
    }
    Ok(())
}

/// Class probabilities of `signals` (each of the model's input length) in eval mode,
/// `batch` records at a time.
pub fn predict_proba(
    model: &dyn Classifier,
    signals: &[&[f32]],
    batch: usize,
    dev: &Device,
) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(signals.len());
    for chunk in signals.chunks(batch.max(1)) {
        let t = chunk[0].len();
        let flat: Vec<f32> = chunk.iter().flat_map(|s| s.iter().copied()).collect();
        let x = Tensor::from_vec(flat, (chunk.len(), 1, t), dev)?;
        let logits = model.forward_all_t(&x, false)?.logits;
        let p = candle_nn::ops::softmax_last_dim(&logits.to_dtype(DType::F32)?)?;
        out.extend(p.to_vec2::<f32>()?);
    }
    Ok(out)
}

/// Index of the largest value.
pub fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 { (i, v) } else { best }
        })
        .0
}

fn evaluate(
    model: &dyn Classifier,
    set: &[Example],
    batch: usize,
    dev: &Device,
) -> Result<Confusion> {
    let signals: Vec<&[f32]> = set.iter().map(|e| e.signal.as_slice()).collect();
    let probs = predict_proba(model, &signals, batch, dev)?;
    let mut c = Confusion::new(model.num_classes())?;
    for (e, p) in set.iter().zip(&probs) {
        c.add(e.label, argmax(p))?;
    }
    Ok(c)
}

/// A short fingerprint of the configuration and the data, stored in checkpoints so that a
/// resume with other data or settings is refused instead of silently mixing runs.
fn fingerprint(cfg: &TrainConfig, train: &[Example], val: &[Example]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64; // FNV-1a
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(serde_json::to_string(cfg).unwrap_or_default().as_bytes());
    for e in train.iter().chain(val) {
        eat(&(e.label as u64).to_le_bytes());
        for v in e.signal.iter().step_by(97) {
            eat(&v.to_le_bytes());
        }
    }
    eat(&(train.len() as u64).to_le_bytes());
    format!("{h:016x}")
}

/// Trains `models` on `train`, selecting the epoch with the best validation score on `val`
/// (the whole run when `val` is empty: the last epoch is kept). On return the models hold the
/// selected parameters.
///
/// A non-finite loss stops the run with [`Error::NonFinite`]; the last checkpoint (the end of
/// the previous epoch) is left as it was.
pub fn fit(
    models: &Models<'_>,
    train: &[Example],
    val: &[Example],
    cfg: &TrainConfig,
    checkpoints: &Checkpoints,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<FitOutcome> {
    cfg.validate()?;
    let k = models.classifier.num_classes();
    if train.is_empty() {
        return Err(Error::Input("no training examples".into()));
    }
    let use_features = cfg.lambda_features > 0.0;
    let feature_head = match (use_features, models.features) {
        (true, None) => {
            return Err(Error::Input(
                "lambda_features > 0 needs a feature head".into(),
            ));
        }
        (true, Some(h)) => Some(h),
        (false, _) => None,
    };
    let n_features = feature_head.map(FeatureHead::n_features);
    let train_len = match cfg.random_crop {
        Some(_) => None,
        None => Some(train[0].signal.len()),
    };
    check_examples(train, "training", k, n_features, train_len)?;
    let val_len = cfg
        .random_crop
        .or_else(|| val.first().map(|e| e.signal.len()));
    check_examples(val, "validation", k, None, val_len)?;
    let use_xai = cfg.lambda_xai > 0.0;
    let head_weight = if use_xai {
        Some(models.classifier.head_weight().ok_or_else(|| {
            Error::Input(
                "lambda_xai > 0 needs a GAP -> linear head (Classifier::head_weight)".into(),
            )
        })?)
    } else {
        None
    };
    let dev = models
        .classifier
        .trainable_vars()
        .first()
        .map(|v| v.device().clone())
        .ok_or_else(|| Error::Input("the classifier has no trainable variables".into()))?;

    let mut counts = vec![0usize; k];
    for e in train {
        counts[e.label] += 1;
    }
    let weights: Vec<f32> = cfg
        .class_weights
        .weights(&counts)
        .iter()
        .map(|&w| w as f32)
        .collect();
    let weights = Tensor::new(weights, &dev)?;
    let steps_per_epoch = train.len().div_ceil(cfg.batch_size);
    let total = cfg.epochs * steps_per_epoch;
    let warmup = ((cfg.warmup_epochs * steps_per_epoch as f64).round() as usize).min(total - 1);
    let lr = cfg.optimizer.lr;
    let schedule = WarmupCosine::new(lr, warmup, total, lr * cfg.min_lr_fraction)?;
    let mut opt = AdamW::new(models.trainable_vars(), cfg.optimizer)?;
    let cam = GradCam::new(PostProcess::TRAINING);
    let fp = fingerprint(cfg, train, val);

    let mut state = LoopState {
        epoch: 0,
        step: 0,
        rng: SplitMix64::new(cfg.seed),
        optimizer: opt.state().clone(),
        history: Vec::new(),
        best_score: None,
        best_epoch: 0,
        stale_epochs: 0,
        fingerprint: fp.clone(),
    };
    let last_path = checkpoints.dir.as_ref().map(|d| d.join("last.safetensors"));
    let best_path = checkpoints.dir.as_ref().map(|d| d.join("best.safetensors"));
    if let Some(dir) = &checkpoints.dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
    }
    if checkpoints.resume
        && let Some(last) = last_path.as_deref().filter(|p| p.exists())
    {
        let (tensors, saved): (_, LoopState) = checkpoint::load(last, &dev)?;
        if saved.fingerprint != fp {
            return Err(Error::Checkpoint(format!(
                "{}: made with another configuration or other data; remove it or drop --resume",
                last.display()
            )));
        }
        models.restore(&tensors)?;
        opt.load_state(saved.optimizer.clone())?;
        state = saved;
    }
    let mut best: Option<Vec<(String, Tensor)>> = None;
    if let Some(path) = best_path
        .as_deref()
        .filter(|p| p.exists() && state.epoch > 0)
    {
        let (tensors, _): (_, serde_json::Value) = checkpoint::load(path, &dev)?;
        best = Some(
            models
                .named_tensors()
                .into_iter()
                .filter_map(|(n, _)| tensors.get(&n).map(|t| (n, t.clone())))
                .collect(),
        );
    }
    let mut stopped_early = cfg.patience.is_some_and(|p| state.stale_epochs >= p);

    while state.epoch < cfg.epochs && !stopped_early {
        let started = Instant::now();
        let epoch = state.epoch + 1;
        progress(Progress::EpochStart {
            epoch,
            steps: steps_per_epoch,
        });
        let mut order: Vec<usize> = (0..train.len()).collect();
        state.rng.shuffle(&mut order);
        let (mut sum_loss, mut sum_ce, mut sum_cef, mut sum_xai) = (0.0, 0.0, 0.0, 0.0);
        let (mut xai_batches, mut xai_skipped, mut correct) = (0usize, 0usize, 0usize);
        let mut lr_now = lr;
        for idx in order.chunks(cfg.batch_size) {
            let crops: Vec<Example>;
            let examples: Vec<&Example> = match cfg.random_crop {
                None => idx.iter().map(|&i| &train[i]).collect(),
                Some(len) => {
                    crops = idx
                        .iter()
                        .map(|&i| {
                            let n = train[i].signal.len();
                            let offset = if n > len {
                                state.rng.below((n - len + 1) as u64) as usize
                            } else {
                                0
                            };
                            let mut e = crop(&train[i], offset, len);
                            if let Some(a) = &cfg.augment {
                                a.apply(&mut e.signal, &mut state.rng);
                            }
                            e
                        })
                        .collect();
                    crops.iter().collect()
                }
            };
            let b = make_batch(&examples, use_features, use_xai, &dev)?;
            let fwd = models.classifier.forward_all_t(&b.x, true)?;
            let ce = cross_entropy(&fwd.logits, &b.y, Some(&weights), cfg.label_smoothing)?;
            let mut total = ce.clone();
            let mut ce_f = 0.0;
            if let (Some(head), Some(f)) = (feature_head, &b.features) {
                let joint = head.forward(&fwd.embedding, f)?;
                let l = cross_entropy(&joint, &b.y, Some(&weights), cfg.label_smoothing)?;
                ce_f = f64::from(l.to_scalar::<f32>()?);
                total = (total + (l * cfg.lambda_features)?)?;
            }
            if let (Some(w), Some((targets, mask))) = (head_weight, &b.targets) {
                let t = b.x.dim(2)?;
                let (res, targets) = match cfg.xai_resolution {
                    XaiResolution::Input => (Resolution::Length(t), targets.clone()),
                    XaiResolution::Activations => {
                        let tp = fwd.activations.dim(2)?;
                        (Resolution::Native, exg_xai::resample(targets, tp)?)
                    }
                };
                let maps = cam.differentiable(&fwd, w, &b.labels, res)?;
                let x = exg_xai::ncc_loss(&maps, &targets, Some(mask), exg_xai::ncc::DEFAULT_EPS)?;
                xai_skipped += x.skipped;
                if !x.used.is_empty() {
                    sum_xai += f64::from(x.loss.to_scalar::<f32>()?);
                    xai_batches += 1;
                    total = (total + (x.loss * cfg.lambda_xai)?)?;
                }
            }
            let loss = f64::from(total.to_scalar::<f32>()?);
            if !loss.is_finite() {
                return Err(Error::NonFinite(format!(
                    "loss {loss} at epoch {epoch}, step {}; parameters and the last checkpoint are those of epoch {}",
                    state.step + 1,
                    state.epoch
                )));
            }
            let grads = total.backward()?;
            lr_now = schedule.lr(state.step);
            opt.set_lr(lr_now);
            opt.step(&grads, cfg.clip_norm)?;
            state.step += 1;
            let pred = fwd.logits.argmax(1)?.to_vec1::<u32>()?;
            correct += pred
                .iter()
                .zip(&b.labels)
                .filter(|(p, l)| **p as usize == **l)
                .count();
            sum_loss += loss;
            sum_ce += f64::from(ce.to_scalar::<f32>()?);
            sum_cef += ce_f;
            progress(Progress::Step {
                loss,
                records: examples.len(),
            });
        }
        let val_conf = if val.is_empty() {
            None
        } else {
            Some(evaluate(models.classifier, val, cfg.eval_batch_size, &dev)?)
        };
        let val_score = val_conf.as_ref().map(|c| cfg.selection.score(c));
        let steps = steps_per_epoch as f64;
        let log = EpochLog {
            epoch,
            lr: lr_now,
            loss: sum_loss / steps,
            ce: sum_ce / steps,
            ce_features: sum_cef / steps,
            xai: if xai_batches > 0 {
                sum_xai / xai_batches as f64
            } else {
                0.0
            },
            xai_skipped,
            train_accuracy: correct as f64 / train.len() as f64,
            val_score,
            val_accuracy: val_conf.as_ref().and_then(Confusion::accuracy),
            seconds: started.elapsed().as_secs_f64(),
        };
        // Model selection: strictly better, or the first epoch.
        let scores: Vec<Option<f64>> = (state.history.iter().map(|h| h.val_score))
            .chain([val_score])
            .collect();
        let val_score = smoothed_score(&scores, cfg.selection_window);
        let improved = cfg.keep_last_epoch
            || match (val_score, state.best_score) {
                (None, _) => true,
                (Some(s), None) => s.is_finite(),
                (Some(s), Some(b)) => s > b,
            };
        if improved {
            state.best_score = val_score.or(state.best_score);
            state.best_epoch = epoch;
            state.stale_epochs = 0;
            let snap = models.snapshot()?;
            if let Some(path) = &best_path {
                checkpoint::save(path, &snap, &serde_json::json!({ "epoch": epoch }))?;
            }
            best = Some(snap);
        } else {
            state.stale_epochs += 1;
        }
        state.epoch = epoch;
        state.optimizer = opt.state().clone();
        state.history.push(log);
        if let Some(path) = &last_path {
            checkpoint::save(path, &models.named_tensors(), &state)?;
        }
        progress(Progress::EpochEnd(
            state.history.last().expect("just pushed"),
        ));
        stopped_early = cfg.patience.is_some_and(|p| state.stale_epochs >= p);
    }
    if let Some(snap) = best {
        models.restore(&snap.into_iter().collect())?;
    }
    Ok(FitOutcome {
        history: state.history,
        selected_epoch: state.best_epoch,
        stopped_early,
    })
}

#[cfg(test)]
mod tests {
    use super::{Augment, SplitMix64, TrainConfig, smoothed_score};

    #[test]
    fn augmentation_inverts_and_adds_noise_of_the_given_sd() {
        let x: Vec<f32> = (0..4000).map(|i| ((i % 50) as f32 - 24.5) / 14.4).collect();
        // Always inverted, no noise: exactly −x.
        let mut y = x.clone();
        let flip = Augment {
            invert_prob: 1.0,
            noise_sd: 0.0,
        };
        flip.apply(&mut y, &mut SplitMix64::new(1));
        assert!(y.iter().zip(&x).all(|(a, b)| *a == -*b));
        // Never inverted, noise sd 0.2: the residual's sd is 0.2 within sampling error
        // (4,000 normal draws: the sd's relative standard error is about 1 %).
        let mut z = x.clone();
        let noisy = Augment {
            invert_prob: 0.0,
            noise_sd: 0.2,
        };
        noisy.apply(&mut z, &mut SplitMix64::new(2));
        let r: Vec<f64> = z.iter().zip(&x).map(|(a, b)| f64::from(a - b)).collect();
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let sd = (r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / r.len() as f64).sqrt();
        assert!((sd - 0.2).abs() < 0.01 && mean.abs() < 0.01, "{mean} {sd}");
        // The same seed gives the same draw (resume repeats a run bit for bit).
        let mut again = x.clone();
        noisy.apply(&mut again, &mut SplitMix64::new(2));
        assert_eq!(again, z);
    }

    #[test]
    fn augmentation_needs_random_crops_and_valid_ranges() {
        let with = |a: Augment, crop: Option<usize>| TrainConfig {
            augment: Some(a),
            random_crop: crop,
            ..TrainConfig::default()
        };
        let ok = Augment {
            invert_prob: 0.5,
            noise_sd: 0.1,
        };
        assert!(with(ok.clone(), Some(100)).validate().is_ok());
        assert!(with(ok, None).validate().is_err());
        let p = Augment {
            invert_prob: 1.5,
            noise_sd: 0.0,
        };
        assert!(with(p, Some(100)).validate().is_err());
        let n = Augment {
            invert_prob: 0.0,
            noise_sd: f64::NAN,
        };
        assert!(with(n, Some(100)).validate().is_err());
    }

    #[test]
    fn selection_scores_are_means_of_the_last_epochs() {
        // Expected values by hand.
        let s = [Some(0.5), Some(0.9), Some(0.6)];
        assert_eq!(smoothed_score(&s, 1), Some(0.6));
        assert_eq!(smoothed_score(&s, 2), Some(0.75));
        assert!((smoothed_score(&s, 5).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // An epoch without a score has no selection score; one before the window's start
        // shortens the window.
        assert_eq!(smoothed_score(&[Some(0.5), None], 2), None);
        assert_eq!(smoothed_score(&[None, Some(0.7)], 2), Some(0.7));
        assert_eq!(smoothed_score(&[], 3), None);
    }
}
