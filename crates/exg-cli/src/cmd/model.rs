//! What `exg predict` and `exg explain` share: loading a described model, reading one lead,
//! replaying the model's preprocessing and cutting the record into model windows.
//!
//! Windowing (documented in `docs/cli.md`): after preprocessing, a record of `n` samples and a
//! model window of `T` samples gives
//! * `n < MIN_SECONDS × fs`: an error (too short to classify);
//! * `n <= T`: one window, the record followed by zeros (after z-scoring zero is the record's
//!   mean);
//! * `n > T`: windows of `T` starting every `T / 2` samples (50 % overlap), plus one ending at the
//!   last sample; the record's probabilities are the mean of the windows'.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use candle::{Device, Tensor};
use exg_model::{ExgNet, ModelMeta, Normalise};
use exg_signal::filter::{Highpass, Lowpass, Preprocess, Resample, ZScore};
use exg_signal::{Ecg, Hz};

/// Shortest record (after preprocessing) that is classified, in seconds.
pub const MIN_SECONDS: f64 = 2.0;

/// Order of the zero-phase Butterworth filters the preprocessing replays.
const FILTER_ORDER: usize = 2;

/// Command-line options shared by `predict` and `explain`.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// The model: a described `.safetensors` file (`ExgNet::save_described`).
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
    /// The network.
    pub net: ExgNet,
    /// What the file says about it.
    pub meta: ModelMeta,
}

impl Model {
    /// Loads `args.model`.
    pub fn load(args: &ModelArgs) -> anyhow::Result<Self> {
        let (net, meta) = ExgNet::load_described(&args.model, &Device::Cpu)
            .with_context(|| format!("loading model {}", args.model.display()))?;
        Ok(Self { net, meta })
    }

    /// Lead `args.channel` of `path`, as recorded.
    pub fn read(args: &ModelArgs, path: &Path) -> anyhow::Result<Ecg> {
        super::read_lead(path, args.fs, args.channel)
    }

    /// `ecg` prepared as the model's metadata says (filters, resampling, normalisation).
    pub fn preprocess(&self, ecg: &Ecg) -> anyhow::Result<Ecg> {
        let p = &self.meta.preprocessing;
        let mut x = ecg.clone();
        if let Some(hz) = p.highpass_hz {
            x = Highpass {
                cutoff: Hz::new(hz)?,
                order: FILTER_ORDER,
            }
            .apply(&x)?;
        }
        if let Some(hz) = p.lowpass_hz {
            x = Lowpass {
                cutoff: Hz::new(hz)?,
                order: FILTER_ORDER,
            }
            .apply(&x)?;
        }
        x = Resample::to(Hz::new(p.resample_hz)?).apply(&x)?;
        if p.normalise == Normalise::Zscore {
            x = ZScore.apply(&x)?;
        }
        Ok(x)
    }

    /// Start of every window over `n` samples (see the module docs).
    pub fn window_starts(&self, n: usize) -> anyhow::Result<Vec<usize>> {
        let fs = self.net.config().sample_rate_hz;
        let min = (MIN_SECONDS * fs).ceil() as usize;
        if n < min {
            bail!(
                "record too short: {:.2} s after preprocessing, the minimum is {MIN_SECONDS} s",
                n as f64 / fs
            );
        }
        let t = self.net.config().input_len;
        if n <= t {
            return Ok(vec![0]);
        }
        let stride = (t / 2).max(1);
        let mut starts: Vec<usize> = (0..=n - t).step_by(stride).collect();
        if starts.last() != Some(&(n - t)) {
            starts.push(n - t);
        }
        Ok(starts)
    }

    /// The windows of `x` (model input, preprocessed) as a `(W, 1, T)` f32 tensor, with their
    /// starts.
    pub fn windows(&self, x: &Ecg) -> anyhow::Result<(Tensor, Vec<usize>)> {
        let t = self.net.config().input_len;
        let starts = self.window_starts(x.len())?;
        let s = x.samples();
        let mut data = vec![0f32; starts.len() * t];
        for (w, &start) in data.chunks_mut(t).zip(&starts) {
            let end = (start + t).min(s.len());
            for (d, v) in w.iter_mut().zip(&s[start..end]) {
                *d = *v as f32;
            }
        }
        Ok((
            Tensor::from_vec(data, (starts.len(), 1, t), &Device::Cpu)?,
            starts,
        ))
    }

    /// Mean class probabilities over the windows of `x`.
    pub fn probabilities(&self, windows: &Tensor) -> anyhow::Result<Vec<f32>> {
        let p = self.net.predict_proba(windows)?.mean(0)?;
        Ok(p.to_vec1::<f32>()?)
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
