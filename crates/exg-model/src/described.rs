//! The self-describing deployable model file: safetensors whose header metadata says everything
//! needed to run the model on a raw recording ([`ModelMeta`], [`Preprocessing`]).
//!
//! Metadata keys (all values are strings, as safetensors requires; JSON where structured):
//!
//! | key | value |
//! |---|---|
//! | `exg.format` | [`FORMAT`] |
//! | `exg.config` | the [`ExgNetConfig`] as JSON |
//! | `exg.classes` | class names as a JSON array, in the head's order |
//! | `exg.sample_rate_hz` | the model's sampling rate (also in the config; checked equal) |
//! | `exg.input_len` | the model's window in samples (also in the config; checked equal) |
//! | `exg.preprocessing` | the [`Preprocessing`] as JSON |
//! | `exg.version` | the exg version that wrote the file |
//! | `exg.dataset` | name of the training data |
//! | `exg.feature_fusion` | optional: the [`FeatureFusion`] (feature names, trees, weight) as JSON |
//! | `exg.networks` | optional: the number of networks of an [`Ensemble`] (absent: one) |
//!
//! Only the `net.*` tensors are stored: the train-only `aux.*` branch never reaches the file.
//! The first network's tensors are `net.*`, so a one-network file has exactly the layout of files
//! written before ensembles existed; network `k >= 1` of an ensemble is stored under
//! `ensemble.{k}.net.*` (an exg that predates ensembles refuses such a file: it holds more values
//! than one network needs). All networks share the configuration, classes and preprocessing.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use candle::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use crate::trees::FeatureFusion;
use crate::{Classifier, Ensemble, Error, ExgNet, ExgNetConfig, Result};

/// Value of the `exg.format` metadata key of a described model file.
pub const FORMAT: &str = "exg-model/1";

/// The signal normalisation applied to each record (after filtering and resampling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalise {
    /// None: samples in mV as recorded.
    None,
    /// z-score over the whole record: zero mean, unit population standard deviation.
    #[default]
    Zscore,
    /// z-score of each model window over its real samples (what `exg_train::prepare` trains
    /// on); a window shorter than the model input is filled up after the z-score ([`Pad`]).
    ZscoreWindow,
}

/// How a record shorter than the model input is filled up to the input length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pad {
    /// Zeros after the record (after a z-score, zero is the mean): the record's content at its
    /// length, then silence, which a network with global average pooling averages in.
    #[default]
    Zeros,
    /// The record repeated from its start until the input is full: every part of the input
    /// is ECG, at the cost of one seam per repetition (a rhythm classifier sees the same
    /// beats and intervals, plus one artificial interval per seam).
    Repeat,
}

impl Pad {
    /// Whether this is the default ([`Pad::Zeros`]); configurations leave it out of their JSON
    /// then, so that files and cache keys written before the option existed stay valid.
    pub fn is_zeros(&self) -> bool {
        *self == Pad::Zeros
    }

    /// `x` filled up to `len` samples (unchanged when at least that long, or empty).
    ///
    /// ```
    /// use exg_model::described::Pad;
    /// assert_eq!(Pad::Zeros.fill(vec![1.0, 2.0], 5), vec![1.0, 2.0, 0.0, 0.0, 0.0]);
    /// assert_eq!(Pad::Repeat.fill(vec![1.0, 2.0], 5), vec![1.0, 2.0, 1.0, 2.0, 1.0]);
    /// ```
    pub fn fill<T: Copy + Default>(self, mut x: Vec<T>, len: usize) -> Vec<T> {
        let n = x.len();
        if n == 0 || n >= len {
            return x;
        }
        match self {
            Pad::Zeros => x.resize(len, T::default()),
            Pad::Repeat => {
                x.reserve(len - n);
                for i in n..len {
                    x.push(x[i % n]);
                }
            }
        }
        x
    }
}

/// How a raw recording is turned into model input, in this order: zero-phase Butterworth
/// high-pass (`highpass_hz`), then low-pass (`lowpass_hz`), both order 2 at the record's own
/// rate; polyphase resampling to `resample_hz`; then [`Normalise`]. The caller that trains a
/// model fills it with what its data pipeline did; `exg predict` and `exg explain` replay it.
///
/// ```
/// use exg_model::described::{Normalise, Preprocessing};
/// let p: Preprocessing = serde_json::from_str(
///     r#"{"resample_hz": 500.0, "highpass_hz": 0.5, "normalise": "zscore"}"#).unwrap();
/// assert_eq!((p.lowpass_hz, p.normalise), (None, Normalise::Zscore));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    /// Target sampling rate in Hz; must equal the model's `sample_rate_hz`.
    pub resample_hz: f64,
    /// High-pass (baseline wander) cut-off in Hz, `None`: no high-pass.
    #[serde(default)]
    pub highpass_hz: Option<f64>,
    /// Low-pass cut-off in Hz, `None`: no low-pass.
    #[serde(default)]
    pub lowpass_hz: Option<f64>,
    /// Normalisation.
    #[serde(default)]
    pub normalise: Normalise,
    /// Hop between the model windows of a record longer than the model input, in seconds;
    /// `None`: half the model input (50 % overlap). See [`Preprocessing::windows`].
    #[serde(default)]
    pub hop_s: Option<f64>,
    /// How a record shorter than the model input is filled up (left out of the JSON when
    /// [`Pad::Zeros`], the behaviour of files written before the option existed).
    #[serde(default, skip_serializing_if = "Pad::is_zeros")]
    pub pad: Pad,
}

impl Preprocessing {
    /// Resampling to `resample_hz` and z-score, no filters.
    pub fn zscore_at(resample_hz: f64) -> Self {
        Self {
            resample_hz,
            highpass_hz: None,
            lowpass_hz: None,
            normalise: Normalise::Zscore,
            hop_s: None,
            pad: Pad::Zeros,
        }
    }

    /// Resampling to `resample_hz`, z-score per window, windows every `hop_s` seconds: what
    /// `exg_train::prepare` does to training records.
    pub fn window_zscore_at(resample_hz: f64, hop_s: f64) -> Self {
        Self {
            normalise: Normalise::ZscoreWindow,
            hop_s: Some(hop_s),
            ..Self::zscore_at(resample_hz)
        }
    }

    /// Checks every rate is finite and positive.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad field.
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("resample_hz", Some(self.resample_hz)),
            ("highpass_hz", self.highpass_hz),
            ("lowpass_hz", self.lowpass_hz),
            ("hop_s", self.hop_s),
        ];
        for (name, v) in fields {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(Error::Config(format!(
                    "preprocessing: {name} must be finite and > 0, got {v}"
                )));
            }
        }
        Ok(())
    }
}

impl Preprocessing {
    /// `ecg` as the model sees it (filters, resampling, record-level normalisation), cut into
    /// model windows of `input_len` samples (see [`window_starts`]; a window is z-scored on its
    /// own under [`Normalise::ZscoreWindow`], and a record shorter than `input_len` is filled up
    /// as [`Preprocessing::pad`] says).
    ///
    /// ```
    /// use exg_model::described::Preprocessing;
    /// use exg_signal::{Ecg, Hz};
    /// let ecg = Ecg::new((0..5000).map(|i| (i as f64 * 0.05).sin()).collect(), Hz::new(500.0)?)?;
    /// let w = Preprocessing::window_zscore_at(100.0, 2.0).windows(&ecg, 400)?;
    /// assert_eq!(w.starts, vec![0, 200, 400, 600]); // 1,000 samples at 100 Hz
    /// assert_eq!(w.data.len(), 4 * 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for invalid preprocessing; [`Error::Input`] for a flat record (every
    /// sample equal) and when a filter or the resampling refuses the record (too short).
    pub fn windows(&self, ecg: &exg_signal::Ecg, input_len: usize) -> Result<Windows> {
        use exg_signal::Hz;
        use exg_signal::filter::{Highpass, Lowpass, Preprocess, Resample, ZScore};
        self.validate()?;
        if input_len == 0 {
            return Err(Error::Config("input_len must be > 0".into()));
        }
        let input = |e: exg_signal::Error| Error::Input(e.to_string());
        let hz = |v: f64| Hz::new(v).map_err(input);
        // A flat line holds no ECG: classifying it would give a confident-looking guess.
        let first = ecg.samples()[0];
        let span = ecg
            .samples()
            .iter()
            .fold(0.0f64, |m, &v| m.max((v - first).abs()));
        if span <= 1e-9 * first.abs().max(1.0) {
            return Err(Error::Input(
                "flat record: every sample has the same value, there is no ECG to classify".into(),
            ));
        }
        let mut x = ecg.clone();
        if let Some(cutoff) = self.highpass_hz {
            let f = Highpass {
                cutoff: hz(cutoff)?,
                order: FILTER_ORDER,
            };
            x = f.apply(&x).map_err(input)?;
        }
        if let Some(cutoff) = self.lowpass_hz {
            let f = Lowpass {
                cutoff: hz(cutoff)?,
                order: FILTER_ORDER,
            };
            x = f.apply(&x).map_err(input)?;
        }
        let fs = hz(self.resample_hz)?;
        if x.fs() != fs {
            x = Resample::to(fs).apply(&x).map_err(input)?;
        }
        if self.normalise == Normalise::Zscore {
            x = ZScore.apply(&x).map_err(input)?;
        }
        let hop = match self.hop_s {
            Some(s) => ((s * self.resample_hz).round() as usize).max(1),
            None => (input_len / 2).max(1),
        };
        let samples = x.samples();
        let starts = window_starts(samples.len(), input_len, hop);
        let mut data = Vec::with_capacity(starts.len() * input_len);
        for &start in &starts {
            let real = &samples[start..(start + input_len).min(samples.len())];
            let window = if self.normalise == Normalise::ZscoreWindow {
                zscore(real)
            } else {
                real.iter().map(|&v| v as f32).collect()
            };
            data.extend(self.pad.fill(window, input_len));
        }
        Ok(Windows {
            data,
            starts,
            input_len,
            fs,
            record_len: samples.len(),
        })
    }
}

/// Order of the zero-phase Butterworth filters of [`Preprocessing`].
pub const FILTER_ORDER: usize = 2;

/// A record cut into model windows by [`Preprocessing::windows`].
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    /// `starts.len() × input_len` samples, window after window (`f32`, the model's dtype).
    pub data: Vec<f32>,
    /// First sample of each window in the preprocessed record.
    pub starts: Vec<usize>,
    /// Samples per window.
    pub input_len: usize,
    /// Sampling rate of the windows (the model's).
    pub fs: exg_signal::Hz,
    /// Length of the preprocessed record (samples at `fs`).
    pub record_len: usize,
}

impl Windows {
    /// The windows as a `(W, 1, T)` tensor.
    ///
    /// # Errors
    /// Tensor allocation errors.
    pub fn tensor(&self, dev: &Device) -> Result<Tensor> {
        Ok(Tensor::from_slice(
            &self.data,
            (self.starts.len(), 1, self.input_len),
            dev,
        )?)
    }
}

/// Start of every window of `len` samples over a record of `n` samples, one every `hop`
/// samples from the first; when the last one does not end on the record's last sample, one
/// more window is aligned to the end, so no sample is left out. A record of at most `len`
/// samples gives one window at 0 (padded by the caller).
///
/// ```
/// use exg_model::described::window_starts;
/// assert_eq!(window_starts(10, 4, 3), vec![0, 3, 6]);
/// assert_eq!(window_starts(11, 4, 3), vec![0, 3, 6, 7]);
/// assert_eq!(window_starts(3, 4, 3), vec![0]);
/// ```
pub fn window_starts(n: usize, len: usize, hop: usize) -> Vec<usize> {
    if n <= len || len == 0 {
        return vec![0];
    }
    let mut starts: Vec<usize> = (0..=n - len).step_by(hop.max(1)).collect();
    if starts.last().is_some_and(|&s| s + len < n) {
        starts.push(n - len);
    }
    starts
}

/// `(x − mean) / sd` over `x` (population sd; a flat `x`, sd < 1e-9, is only centred), as
/// `f32`, then zeros up to `len` samples (zero is the window's mean after the z-score).
///
/// ```
/// let w = exg_model::described::zscore_padded(&[1.0, 3.0], 3);
/// assert_eq!(w, vec![-1.0, 1.0, 0.0]);
/// ```
pub fn zscore_padded(x: &[f64], len: usize) -> Vec<f32> {
    Pad::Zeros.fill(zscore(x), len)
}

/// `(x − mean) / sd` over `x` (population sd; a flat `x`, sd < 1e-9, is only centred), as
/// `f32`.
fn zscore(x: &[f64]) -> Vec<f32> {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let scale = if sd < 1e-9 { 1.0 } else { sd };
    x.iter().map(|v| ((v - mean) / scale) as f32).collect()
}

impl ExgNet {
    /// Class probabilities of a raw recording under `pre` (the file's [`ModelMeta::preprocessing`]):
    /// the mean of the model's softmax over the record's windows, in inference mode.
    ///
    /// # Errors
    /// As [`Preprocessing::windows`] and [`ExgNet::predict_proba`].
    pub fn classify(&self, pre: &Preprocessing, ecg: &exg_signal::Ecg) -> Result<Vec<f32>> {
        classify_with(pre, ecg, self, |x| self.predict_proba(x))
    }
}

/// The mean over the windows of `ecg` (cut for `net`'s input, on `net`'s device) of the class
/// probabilities `proba` gives them.
pub(crate) fn classify_with(
    pre: &Preprocessing,
    ecg: &exg_signal::Ecg,
    net: &ExgNet,
    proba: impl Fn(&Tensor) -> Result<Tensor>,
) -> Result<Vec<f32>> {
    let dev = net
        .named_tensors()
        .first()
        .map_or(Device::Cpu, |(_, t)| t.device().clone());
    let w = pre.windows(ecg, net.config().input_len)?;
    let p = proba(&w.tensor(&dev)?)?;
    Ok(p.mean(0)?.to_dtype(DType::F32)?.to_vec1::<f32>()?)
}

/// What a deployable file says about its model besides the configuration (which
/// [`ExgNet::config`] returns after loading).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Class names in the order of the head's outputs (one per class).
    pub classes: Vec<String>,
    /// How records were prepared for training.
    pub preprocessing: Preprocessing,
    /// Name of the training data (e.g. `synthetic`, `cinc2017`).
    pub dataset: String,
    /// The exg version that wrote the file; [`ExgNet::save_described`] ignores this field and
    /// writes the running version, [`ExgNet::load_described`] returns the file's.
    pub version: String,
    /// A feature classifier fused with the network's output at deployment, if the model has
    /// one (stored under `exg.feature_fusion`; absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fusion: Option<FeatureFusion>,
}

impl ModelMeta {
    /// Metadata for a model trained on `dataset` with `classes` and `preprocessing`, stamped with
    /// this version of exg.
    pub fn new(
        classes: Vec<String>,
        preprocessing: Preprocessing,
        dataset: impl Into<String>,
    ) -> Self {
        Self {
            classes,
            preprocessing,
            dataset: dataset.into(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            fusion: None,
        }
    }

    /// The same metadata with a feature classifier fused at deployment.
    pub fn with_fusion(mut self, fusion: FeatureFusion) -> Self {
        self.fusion = Some(fusion);
        self
    }

    fn check(&self, cfg: &ExgNetConfig) -> std::result::Result<(), String> {
        if self.classes.len() != cfg.n_classes {
            return Err(format!(
                "{} class names for a {}-class model",
                self.classes.len(),
                cfg.n_classes
            ));
        }
        if self.preprocessing.resample_hz != cfg.sample_rate_hz {
            return Err(format!(
                "preprocessing resamples to {} Hz, the model runs at {} Hz",
                self.preprocessing.resample_hz, cfg.sample_rate_hz
            ));
        }
        self.preprocessing.validate().map_err(|e| e.to_string())?;
        if let Some(f) = &self.fusion {
            f.validate(cfg.n_classes).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

const KEY_FORMAT: &str = "exg.format";
const KEY_CONFIG: &str = "exg.config";
const KEY_CLASSES: &str = "exg.classes";
const KEY_FS: &str = "exg.sample_rate_hz";
const KEY_LEN: &str = "exg.input_len";
const KEY_PRE: &str = "exg.preprocessing";
const KEY_VERSION: &str = "exg.version";
const KEY_DATASET: &str = "exg.dataset";
const KEY_FUSION: &str = "exg.feature_fusion";
const KEY_NETWORKS: &str = "exg.networks";

/// Most networks one described file may hold (a corrupt count is refused before anything is
/// allocated for it).
pub const MAX_NETWORKS: usize = 64;

/// Name prefix of the tensors of ensemble member `k >= 1`.
const MEMBER_PREFIX: &str = "ensemble.";

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Config(e.to_string()))
}

impl ExgNet {
    /// Saves the deployable model (`net.*` tensors only) with `meta` and the configuration in
    /// the safetensors metadata (see the [module docs](crate::described)); written to a temporary
    /// file in the same folder, flushed, then renamed.
    ///
    /// # Errors
    /// [`Error::Metadata`] when `meta` does not fit the model (number of classes, sampling rate),
    /// [`Error::Io`] when the file cannot be written.
    pub fn save_described(&self, path: &Path, meta: &ModelMeta) -> Result<()> {
        write_described(&[self], path, meta)
    }

    /// Loads a one-network file written by [`ExgNet::save_described`]: the model (configuration
    /// from the file) and its metadata. Nothing else is needed. [`Ensemble::load_described`]
    /// reads every file, ensembles included.
    ///
    /// # Errors
    /// As [`Ensemble::load_described`], and [`Error::Metadata`] for a file that holds an
    /// ensemble of several networks.
    pub fn load_described(path: &Path, dev: &Device) -> Result<(Self, ModelMeta)> {
        let (ensemble, meta) = Ensemble::load_described(path, dev)?;
        match ensemble.into_single() {
            Ok(net) => Ok((net, meta)),
            Err(e) => Err(Error::Metadata {
                path: path.to_path_buf(),
                reason: format!(
                    "holds an ensemble of {} networks: load it with `Ensemble::load_described`",
                    e.members().len()
                ),
            }),
        }
    }
}

impl Ensemble {
    /// Saves every network with `meta` as [`ExgNet::save_described`] does (see the
    /// [module docs](crate::described) for the layout); an ensemble of one network writes
    /// exactly the file its network would.
    ///
    /// # Errors
    /// As [`ExgNet::save_described`]; [`Error::Config`] for more than [`MAX_NETWORKS`] networks.
    pub fn save_described(&self, path: &Path, meta: &ModelMeta) -> Result<()> {
        let nets: Vec<&ExgNet> = self.members().iter().collect();
        write_described(&nets, path, meta)
    }

    /// Loads a file written by [`Ensemble::save_described`] or [`ExgNet::save_described`]: the
    /// networks (configuration from the file) and their metadata.
    ///
    /// # Errors
    /// [`Error::Io`] for an unreadable file; [`Error::Format`] for a file that is not valid
    /// safetensors (truncated, corrupt); [`Error::Metadata`] for missing or invalid exg metadata;
    /// [`Error::ConfigMismatch`] when the tensors do not fit the stored configuration and number
    /// of networks.
    pub fn load_described(path: &Path, dev: &Device) -> Result<(Self, ModelMeta)> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let format_err = |reason: String| Error::Format {
            path: path.to_path_buf(),
            reason,
        };
        let meta_err = |reason: String| Error::Metadata {
            path: path.to_path_buf(),
            reason,
        };
        let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
            .map_err(|e| format_err(e.to_string()))?;
        let empty = HashMap::new();
        let md = header.metadata().as_ref().unwrap_or(&empty);
        let get = |key: &str| {
            md.get(key)
                .map(String::as_str)
                .ok_or_else(|| meta_err(format!("no `{key}` metadata (not a described exg model)")))
        };
        let format = get(KEY_FORMAT)?;
        if format != FORMAT {
            return Err(meta_err(format!("format `{format}`, expected `{FORMAT}`")));
        }
        let field = |key: &str| {
            let text = get(key)?;
            Ok::<_, Error>((key.to_owned(), text.to_owned()))
        };
        let cfg: ExgNetConfig = parse(field(KEY_CONFIG)?, &meta_err)?;
        cfg.validate().map_err(|e| meta_err(e.to_string()))?;
        let classes: Vec<String> = parse(field(KEY_CLASSES)?, &meta_err)?;
        let preprocessing: Preprocessing = parse(field(KEY_PRE)?, &meta_err)?;
        let fs: f64 = parse(field(KEY_FS)?, &meta_err)?;
        let len: usize = parse(field(KEY_LEN)?, &meta_err)?;
        if fs != cfg.sample_rate_hz || len != cfg.input_len {
            return Err(meta_err(format!(
                "{fs} Hz x {len} samples disagree with the configuration's {} Hz x {}",
                cfg.sample_rate_hz, cfg.input_len
            )));
        }
        let networks: usize = if md.contains_key(KEY_NETWORKS) {
            parse(field(KEY_NETWORKS)?, &meta_err)?
        } else {
            1
        };
        if !(1..=MAX_NETWORKS).contains(&networks) {
            return Err(meta_err(format!(
                "`{KEY_NETWORKS}` = {networks}: between 1 and {MAX_NETWORKS} networks"
            )));
        }
        let meta = ModelMeta {
            classes,
            preprocessing,
            dataset: get(KEY_DATASET)?.to_owned(),
            version: get(KEY_VERSION)?.to_owned(),
            fusion: md
                .contains_key(KEY_FUSION)
                .then(|| parse(field(KEY_FUSION)?, &meta_err))
                .transpose()?,
        };
        meta.check(&cfg).map_err(meta_err)?;
        let tensors =
            candle::safetensors::load_buffer(&bytes, dev).map_err(|e| format_err(e.to_string()))?;
        let dtype = tensors.values().next().map_or(DType::F32, Tensor::dtype);
        let mismatch = |reason: String| Error::ConfigMismatch {
            path: path.to_path_buf(),
            reason,
        };
        // Each tensor to its network: `ensemble.{k}.net.*` to network k, the rest to network 0.
        let mut members: Vec<HashMap<String, Tensor>> = vec![HashMap::new(); networks];
        for (name, t) in tensors {
            let (k, own) = match name.strip_prefix(MEMBER_PREFIX) {
                None => (0, name),
                Some(rest) => rest
                    .split_once('.')
                    .and_then(|(k, own)| Some((k.parse::<usize>().ok()?, own.to_owned())))
                    .filter(|(k, _)| (1..networks).contains(k))
                    .ok_or_else(|| {
                        mismatch(format!(
                            "tensor `{name}` names no network of the {networks} in the file"
                        ))
                    })?,
            };
            members[k].insert(own, t);
        }
        let expected = cfg.cost()?.params + cfg.cost()?.buffers;
        let nets = members
            .into_iter()
            .enumerate()
            .map(|(k, tensors)| {
                let stored: usize = tensors.values().map(Tensor::elem_count).sum();
                if stored != expected {
                    return Err(mismatch(format!(
                        "network {k}: {stored} stored values, the configuration needs {expected}"
                    )));
                }
                ExgNet::new(&cfg, VarBuilder::from_tensors(tensors, dtype, dev))
                    .map_err(|e| mismatch(format!("network {k}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((Ensemble::new(nets)?, meta))
    }
}

/// Writes `nets` with `meta` (see [`ExgNet::save_described`]). The callers pass one network or
/// an [`Ensemble`]'s members, so there is at least one and they share one configuration.
fn write_described(nets: &[&ExgNet], path: &Path, meta: &ModelMeta) -> Result<()> {
    if nets.len() > MAX_NETWORKS {
        return Err(Error::Config(format!(
            "{} networks, a file holds at most {MAX_NETWORKS}",
            nets.len()
        )));
    }
    let cfg = nets[0].config();
    meta.check(cfg).map_err(|reason| Error::Metadata {
        path: path.to_path_buf(),
        reason,
    })?;
    let mut metadata = HashMap::from([
        (KEY_FORMAT.to_owned(), FORMAT.to_owned()),
        (KEY_CONFIG.to_owned(), json(cfg)?),
        (KEY_CLASSES.to_owned(), json(&meta.classes)?),
        (KEY_FS.to_owned(), json(&cfg.sample_rate_hz)?),
        (KEY_LEN.to_owned(), cfg.input_len.to_string()),
        (KEY_PRE.to_owned(), json(&meta.preprocessing)?),
        (KEY_VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        (KEY_DATASET.to_owned(), meta.dataset.clone()),
    ]);
    if let Some(f) = &meta.fusion {
        metadata.insert(KEY_FUSION.to_owned(), json(f)?);
    }
    if nets.len() > 1 {
        metadata.insert(KEY_NETWORKS.to_owned(), nets.len().to_string());
    }
    let tensors: Vec<(String, Tensor)> = nets
        .iter()
        .enumerate()
        .flat_map(|(k, net)| {
            let prefix = match k {
                0 => String::new(),
                k => format!("{MEMBER_PREFIX}{k}."),
            };
            net.named_tensors()
                .into_iter()
                .map(move |(n, t)| (format!("{prefix}{n}"), t))
        })
        .collect();
    let views = tensors.iter().map(|(n, t)| (n.as_str(), t));
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::Candle(candle::Error::Msg(e.to_string())))?;
    write_atomic(path, &bytes)
}

/// Parses the JSON metadata value `(key, text)`.
fn parse<T: serde::de::DeserializeOwned>(
    (key, text): (String, String),
    err: &dyn Fn(String) -> Error,
) -> Result<T> {
    serde_json::from_str(&text).map_err(|e| err(format!("`{key}` = {text:?}: {e}")))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over `path`. On error the old file (if any) is intact and the temporary file is
/// removed.
///
/// # Errors
/// [`Error::Io`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(path.file_name().unwrap_or_default());
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
