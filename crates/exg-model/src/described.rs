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
//!
//! Only the `net.*` tensors are stored: the train-only `aux.*` branch never reaches the file.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use candle::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use crate::{Classifier, Error, ExgNet, ExgNetConfig, Result};

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
}

impl Preprocessing {
    /// Resampling to `resample_hz` and z-score, no filters.
    pub fn zscore_at(resample_hz: f64) -> Self {
        Self {
            resample_hz,
            highpass_hz: None,
            lowpass_hz: None,
            normalise: Normalise::Zscore,
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
        ];
        for (name, v) in fields {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(Error::Config(format!(
                    "preprocessing: {name} must be > 0 Hz, got {v}"
                )));
            }
        }
        Ok(())
    }
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
        }
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
        self.preprocessing.validate().map_err(|e| e.to_string())
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
        let cfg = self.config();
        meta.check(cfg).map_err(|reason| Error::Metadata {
            path: path.to_path_buf(),
            reason,
        })?;
        let metadata = HashMap::from([
            (KEY_FORMAT.to_owned(), FORMAT.to_owned()),
            (KEY_CONFIG.to_owned(), json(cfg)?),
            (KEY_CLASSES.to_owned(), json(&meta.classes)?),
            (KEY_FS.to_owned(), json(&cfg.sample_rate_hz)?),
            (KEY_LEN.to_owned(), cfg.input_len.to_string()),
            (KEY_PRE.to_owned(), json(&meta.preprocessing)?),
            (KEY_VERSION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
            (KEY_DATASET.to_owned(), meta.dataset.clone()),
        ]);
        let tensors = self.named_tensors();
        let views = tensors.iter().map(|(n, t)| (n.as_str(), t));
        let bytes = safetensors::serialize(views, Some(metadata))
            .map_err(|e| Error::Candle(candle::Error::Msg(e.to_string())))?;
        write_atomic(path, &bytes)
    }

    /// Loads a file written by [`ExgNet::save_described`]: the model (configuration from the
    /// file) and its metadata. Nothing else is needed.
    ///
    /// # Errors
    /// [`Error::Io`] for an unreadable file; [`Error::Format`] for a file that is not valid
    /// safetensors (truncated, corrupt); [`Error::Metadata`] for missing or invalid exg metadata;
    /// [`Error::ConfigMismatch`] when the tensors do not fit the stored configuration.
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
        let meta = ModelMeta {
            classes,
            preprocessing,
            dataset: get(KEY_DATASET)?.to_owned(),
            version: get(KEY_VERSION)?.to_owned(),
        };
        meta.check(&cfg).map_err(meta_err)?;
        let tensors =
            candle::safetensors::load_buffer(&bytes, dev).map_err(|e| format_err(e.to_string()))?;
        let expected = cfg.cost()?.params + cfg.cost()?.buffers;
        let stored: usize = tensors.values().map(Tensor::elem_count).sum();
        let dtype = tensors.values().next().map_or(DType::F32, Tensor::dtype);
        let mismatch = |reason: String| Error::ConfigMismatch {
            path: path.to_path_buf(),
            reason,
        };
        if stored != expected {
            return Err(mismatch(format!(
                "{stored} stored values, the configuration needs {expected}"
            )));
        }
        let net = Self::new(&cfg, VarBuilder::from_tensors(tensors, dtype, dev))
            .map_err(|e| mismatch(e.to_string()))?;
        Ok((net, meta))
    }
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
