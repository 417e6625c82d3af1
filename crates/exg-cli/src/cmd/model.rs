//! What `exg predict` and `exg explain` share: loading a described model, reading one lead,
//! replaying the model's preprocessing and cutting the record into model windows.
//!
//! Windowing (documented in `docs/cli.md`) is the model file's
//! ([`Preprocessing::windows`](exg_model::described::Preprocessing::windows)): a record of `n`
//! samples after preprocessing and a model window of `T` samples gives
//! * `n < MIN_SECONDS × fs`: an error (too short to classify);
//! * `n <= T`: one window, the record followed by zeros (after z-scoring zero is the mean);
//! * `n > T`: windows of `T` every `hop_s` seconds (default `T / 2`, 50 % overlap), plus one
//!   ending at the last sample; the record's probabilities are the mean of the windows'.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use candle::{Device, Tensor};
use exg_model::{Ensemble, ModelMeta};
use exg_signal::Ecg;

/// Shortest record (after preprocessing) that is classified, in seconds.
pub const MIN_SECONDS: f64 = 2.0;

/// Command-line options shared by `predict` and `explain`.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// The model: a described `.safetensors` file (`ExgNet::save_described`, or an ensemble of
    /// networks written by `exg fuse`).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Channel index (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Sampling rate in Hz, for formats that do not store one (CSV, bare MAT v4).
    #[arg(long, value_name = "HZ")]
    pub fs: Option<f64>,
}

/// A loaded model and its metadata.
pub struct Model {
    /// The network, or the networks of an ensemble.
    pub nets: Ensemble,
    /// What the file says about it.
    pub meta: ModelMeta,
}

impl Model {
    /// Loads `args.model`.
    pub fn load(args: &ModelArgs) -> anyhow::Result<Self> {
        Self::open(&args.model)
    }

    /// Loads the described model file `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let (nets, meta) = Ensemble::load_described(path, &Device::Cpu)
            .with_context(|| format!("loading model {}", path.display()))?;
        Ok(Self { nets, meta })
    }

    /// Lead `args.channel` of `path`, as recorded.
    pub fn read(args: &ModelArgs, path: &Path) -> anyhow::Result<Ecg> {
        super::read_lead(path, args.fs, args.channel)
    }

    /// The model windows of `ecg` as the file's preprocessing says
    /// ([`Preprocessing::windows`](exg_model::described::Preprocessing::windows)): a `(W, 1, T)`
    /// tensor, the window starts and the preprocessed record's length (samples at the model rate).
    pub fn windows(&self, ecg: &Ecg) -> anyhow::Result<(Tensor, Vec<usize>, usize)> {
        let w = self
            .meta
            .preprocessing
            .windows(ecg, self.nets.config().input_len)?;
        let fs = self.nets.config().sample_rate_hz;
        if (w.record_len as f64) < MIN_SECONDS * fs {
            bail!(
                "record too short: {:.2} s after preprocessing, the minimum is {MIN_SECONDS} s",
                w.record_len as f64 / fs
            );
        }
        Ok((w.tensor(&Device::Cpu)?, w.starts, w.record_len))
    }

    /// Class probabilities of `ecg` from its `windows` (`Model::windows`): the networks' mean
    /// over windows (and over the networks of an ensemble), averaged with the feature
    /// classifier's of `ecg` when the model has one (late fusion).
    pub fn probabilities(&self, ecg: &Ecg, windows: &Tensor) -> anyhow::Result<Vec<f32>> {
        let p = self
            .nets
            .predict_proba(windows)?
            .mean(0)?
            .to_vec1::<f32>()?;
        Ok(match &self.meta.fusion {
            Some(f) => exg_train::fusion::fused_probabilities(f, ecg, &p)?,
            None => p,
        })
    }

    /// Index and name of the most probable class.
    pub fn predicted<'a>(&'a self, probs: &[f32]) -> (usize, &'a str) {
        let best = probs
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        (best, &self.meta.classes[best])
    }

    /// `{class: probability}` in the model's class order.
    pub fn probability_json(&self, probs: &[f32]) -> serde_json::Map<String, serde_json::Value> {
        self.meta
            .classes
            .iter()
            .zip(probs)
            .map(|(c, p)| (c.clone(), serde_json::json!(p)))
            .collect()
    }
}
