//! From records to training examples: resampling, windows, HRV features and attention targets,
//! computed once per record and cached on disk.
//!
//! [`prepare`] turns each [`Source`] (an [`Ecg`], a class index and an id) into a
//! [`cv::Record`](crate::cv::Record) whose windows are ready for [`fit`](crate::trainer::fit)
//! once [`standardize_fold`] has run:
//!
//! 1. **Resampling** to the model rate [`PrepareConfig::fs`] ([`Resample::to`], polyphase).
//! 2. **R-peaks** on the whole resampled record ([`default_detector`]); a record where none are
//!    found keeps its windows, with every feature invalid and no attention target.
//! 3. **Windows** of [`PrepareConfig::input_len`] samples every [`PrepareConfig::hop`]
//!    samples from the start; when the hop does not land on the record's end, one more window is
//!    aligned to the end, so no sample is left out. A record shorter than one window gives one
//!    window, **zero-padded at the end** (after the z-score, so the padding sits at the
//!    window's mean).
//!    With [`PrepareConfig::whole`] the record is kept whole instead (one example of its own
//!    length, padded to at least one window), for random-crop training.
//! 4. **Per-window z-score**: `(x - mean) / sd` over the window's real samples (population sd);
//!    a flat window (sd < 1e-9 of the signal's unit) is only centred.
//! 5. **Features** ([`PrepareConfig::features`]): by default the 17 time-domain HRV features of
//!    EXGnet ([`HrvTime::exgnet17`](exg_features::HrvTime::exgnet17)) of each window (raw,
//!    un-z-scored signal and the R-peaks inside the window); with [`FeatureSource::Provided`]
//!    the record's own values ([`Source::provided`], e.g. Chapman's `Diagnostics.xlsx`
//!    measurements), the same for each of its windows. As `f32`, **NaN where a feature is
//!    invalid** or missing. The trainer refuses NaN: run [`standardize_fold`] first.
//! 6. **Attention target**: [`HrvTarget`] of each window (its peaks, the record's class hint);
//!    `None` when the target is missing (too few beats, ...), counted in
//!    [`PrepareStats::windows_without_target`].
//!
//! ## Cache
//! Each record's windows are written to `<cache_dir>/<key>.json` (serde JSON, values stored as
//! `f64`, which holds every `f32` exactly, and invalid features as `null`) with
//! [`write_atomic`], so a killed run leaves whole files only. The key is the 64-bit FNV-1a hash
//! (Fowler–Noll–Vo, offset basis `0xcbf29ce484222325`, prime `0x100000001b3`) of
//! [`CACHE_VERSION`], the JSON of the [`PrepareConfig`], the class hint, the provided feature
//! values (with [`FeatureSource::Provided`]), the record's sampling rate and its samples (little-endian `f64` bits), so a changed signal or config
//! misses. The id and the label are not part of the key (a renamed record hits); the label is
//! applied after loading. A file that cannot be parsed, or whose stored key differs (a hash
//! collision), is recomputed and rewritten.
//!
//! ```
//! use exg_signal::Hz;
//! use exg_signal::synthetic::{generate, SyntheticConfig};
//! use exg_train::prepare::{prepare, standardize_fold, PrepareConfig, Source};
//!
//! let syn = generate(&SyntheticConfig { seed: 1, ..SyntheticConfig::new(Hz::new(500.0)?, 25.0) })?;
//! let src = Source { id: "r1".into(), label: 0, class_hint: None, provided: None, ecg: syn.ecg };
//! let cfg = PrepareConfig::new(Hz::new(250.0)?, 2500, 1250);
//! let dir = std::env::temp_dir().join(format!("exg-prepare-doc-{}", std::process::id()));
//! let (mut records, stats) = prepare(&[src], &cfg, Some(&dir))?;
//! assert_eq!(records[0].windows.len(), 4); // starts 0, 1250, 2500, 3750 in 6250 samples
//! assert_eq!(stats.cache_misses, 1);
//! assert!(records[0].windows[0].features.iter().all(|v| v.is_finite()));
//! standardize_fold(&mut records, &mut [])?;
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use exg_features::{Extract, HrvTime};
use exg_model::described::{Pad, window_starts, zscore_padded};
use exg_signal::filter::{Preprocess, Resample};
use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_signal::{Ecg, Hz, RPeaks};
use exg_xai::target::{AttentionTarget, HrvTarget, HrvTargetConfig};
use serde::{Deserialize, Serialize};

use crate::checkpoint::write_atomic;
use crate::cv::Record;
use crate::trainer::Example;
use crate::{Error, Result};

/// Version of the cached format and of the preparation steps; part of every cache key, so a
/// change to either misses old files. v2: the default R-peak detector runs two front ends on
/// records up to 120 s (exg-signal `ShortRecords`), which moves the peaks, features and
/// attention targets of short records.
pub const CACHE_VERSION: &str = "exg-train prepare v2";

/// Where the quantitative features of the train-only branch come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSource {
    /// EXGnet's 17 time-domain HRV features, computed on each window from its R-peaks.
    #[default]
    Computed,
    /// The values that come with each record ([`Source::provided`]), such as the GE MUSE
    /// measurements of Chapman's `Diagnostics.xlsx` that the EXGnet authors used; the same
    /// for every window of a record. Made on the whole 12-lead record, they are not recomputed
    /// from the lead a study trains on.
    Provided,
}

impl FeatureSource {
    /// `true` for the default, [`FeatureSource::Computed`] (serde's `skip_serializing_if`).
    pub fn is_computed(&self) -> bool {
        *self == FeatureSource::Computed
    }
}

/// How records are turned into windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrepareConfig {
    /// The model's sampling rate.
    pub fs: Hz,
    /// The model's input length `T` (samples at `fs`).
    pub input_len: usize,
    /// Window hop (samples at `fs`); `hop == input_len` cuts adjacent windows.
    pub hop: usize,
    /// Parameters of the attention target.
    pub target: HrvTargetConfig,
    /// Keep each record whole: one example of the record's own length (at least `input_len`,
    /// zero-padded), z-scored over the whole record, with the record's features and target,
    /// for training with [`TrainConfig::random_crop`](crate::trainer::TrainConfig::random_crop).
    /// `hop` is then unused. (Left out of the JSON when false, so cache keys of windowed
    /// preparation are those of earlier versions.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole: bool,
    /// How a record shorter than the window is filled up ([`Pad`]). [`Pad::Zeros`]: the
    /// signal is zero-padded after its z-score, and the features and attention target are
    /// computed on the zero-padded raw window. [`Pad::Repeat`]: the features and target are
    /// computed on the real samples, and the signal and target are repeated to the window's
    /// length. (Left out of the JSON when zeros, so earlier cache keys stay valid.)
    #[serde(default, skip_serializing_if = "Pad::is_zeros")]
    pub pad: Pad,
    /// Where the features come from ([`FeatureSource`]; left out of the JSON when computed, so
    /// earlier cache keys stay valid).
    #[serde(default, skip_serializing_if = "FeatureSource::is_computed")]
    pub features: FeatureSource,
}

impl PrepareConfig {
    /// `fs`, `input_len`, `hop` and the default [`HrvTargetConfig`].
    pub fn new(fs: Hz, input_len: usize, hop: usize) -> Self {
        Self {
            fs,
            input_len,
            hop,
            target: HrvTargetConfig::default(),
            whole: false,
            pad: Pad::Zeros,
            features: FeatureSource::Computed,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.input_len == 0 || self.hop == 0 {
            return Err(Error::Input(format!(
                "prepare: input_len ({}) and hop ({}) must be > 0",
                self.input_len, self.hop
            )));
        }
        Ok(())
    }
}

/// One record to prepare.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// Record name.
    pub id: String,
    /// Class index.
    pub label: usize,
    /// Class code handed to the attention target as a hint (e.g. `"AFIB"`); `None` for none.
    pub class_hint: Option<String>,
    /// The record's own feature values, for [`FeatureSource::Provided`] (`None` inside: a
    /// missing value); unused, and may be `None`, when the features are computed.
    pub provided: Option<Vec<Option<f64>>>,
    /// The signal, at any rate.
    pub ecg: Ecg,
}

/// What [`prepare`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepareStats {
    /// Records prepared.
    pub records: usize,
    /// Windows produced.
    pub windows: usize,
    /// Records read from the cache.
    pub cache_hits: usize,
    /// Records computed (and written when a cache folder was given).
    pub cache_misses: usize,
    /// Records shorter than one window (zero-padded).
    pub padded_records: usize,
    /// Windows whose attention target is missing (`target: None`).
    pub windows_without_target: usize,
    /// Records with at least one window without a target.
    pub records_without_target: usize,
}

/// The cached form of one record's windows (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedRecord {
    key: String,
    padded: bool,
    windows: Vec<CachedWindow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedWindow {
    signal: Vec<f64>,
    features: Vec<Option<f64>>,
    target: Option<Vec<f64>>,
}

/// 64-bit FNV-1a over `bytes`, continuing from `h`.
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The cache key of `src` under `cfg` (see the module docs), as 16 hex digits.
///
/// # Errors
/// [`Error::Input`] when the configuration cannot be serialised.
pub fn cache_key(src: &Source, cfg: &PrepareConfig) -> Result<String> {
    let cfg_json = serde_json::to_string(cfg)
        .map_err(|e| Error::Input(format!("prepare config cannot be serialised: {e}")))?;
    let mut h = fnv1a(0xcbf2_9ce4_8422_2325, CACHE_VERSION.as_bytes());
    // Lengths first, so that no two field sequences share a byte stream.
    for part in [
        cfg_json.as_bytes(),
        src.class_hint.as_deref().unwrap_or("").as_bytes(),
    ] {
        h = fnv1a(h, &(part.len() as u64).to_le_bytes());
        h = fnv1a(h, part);
    }
    h = fnv1a(h, &u8::from(src.class_hint.is_some()).to_le_bytes());
    if cfg.features == FeatureSource::Provided {
        let values = src.provided.as_deref().unwrap_or_default();
        h = fnv1a(h, &(values.len() as u64).to_le_bytes());
        for v in values {
            // A missing value and every number hash differently (NaN's bits are never stored).
            h = fnv1a(h, &v.unwrap_or(f64::NAN).to_bits().to_le_bytes());
            h = fnv1a(h, &u8::from(v.is_some()).to_le_bytes());
        }
    }
    h = fnv1a(h, &src.ecg.fs().get().to_bits().to_le_bytes());
    h = fnv1a(h, &(src.ecg.len() as u64).to_le_bytes());
    for x in src.ecg.samples() {
        h = fnv1a(h, &x.to_bits().to_le_bytes());
    }
    Ok(format!("{h:016x}"))
}

/// Computes one record's windows (no cache).
fn compute(src: &Source, cfg: &PrepareConfig, target: &HrvTarget) -> Result<CachedRecord> {
    let ctx = |e: &dyn std::fmt::Display| Error::Input(format!("record {}: {e}", src.id));
    let ecg = if src.ecg.fs() == cfg.fs {
        src.ecg.clone()
    } else {
        Resample::to(cfg.fs).apply(&src.ecg).map_err(|e| ctx(&e))?
    };
    let detection = default_detector().detect(&ecg).map_err(|e| ctx(&e))?;
    let peaks = detection.peaks.indices();
    let extractor = HrvTime::exgnet17();
    let provided = match cfg.features {
        FeatureSource::Computed => None,
        FeatureSource::Provided => Some(
            src.provided
                .as_deref()
                .ok_or_else(|| ctx(&"no provided feature values (the features are `provided`)"))?,
        ),
    };
    // Stored as the trainer will see them: `f32`, invalid (non-finite or missing) as `None`.
    let as_f32 = |v: f64| {
        let f = v as f32;
        f.is_finite().then_some(f64::from(f))
    };
    let x = ecg.samples();
    // Whole-record mode: one "window" spanning the record (padded to at least `input_len`).
    let (len, starts) = if cfg.whole {
        (x.len().max(cfg.input_len), vec![0])
    } else {
        (
            cfg.input_len,
            window_starts(x.len(), cfg.input_len, cfg.hop),
        )
    };
    let mut windows = Vec::new();
    for start in starts {
        let end = (start + len).min(x.len());
        // Features and target see the raw window: zero-padded like the signal, or (repeat)
        // only its real samples, the target then repeated like the signal.
        let seen = match cfg.pad {
            Pad::Zeros => len,
            Pad::Repeat => end - start,
        };
        let mut raw = x[start..end].to_vec();
        raw.resize(seen, 0.0);
        let wecg = ecg.with_samples(raw).map_err(|e| ctx(&e))?;
        let wpeaks: Vec<usize> = peaks
            .iter()
            .filter(|&&p| p >= start && p < end)
            .map(|&p| p - start)
            .collect();
        let wpeaks = RPeaks::new(wpeaks, cfg.fs, seen).map_err(|e| ctx(&e))?;
        let features = match provided {
            Some(values) => values.iter().map(|v| v.and_then(as_f32)).collect(),
            None => extractor
                .extract(&wecg, &wpeaks)
                .map_err(|e| ctx(&e))?
                .values_or(f64::NAN)
                .into_iter()
                .map(as_f32)
                .collect(),
        };
        let target = target
            .target(&wecg, &wpeaks, src.class_hint.as_deref())
            .map_err(|e| ctx(&e))?
            .into_result()
            .ok()
            .map(|m| {
                cfg.pad
                    .fill(m.values().iter().map(|&v| f64::from(v)).collect(), len)
            });
        let signal = cfg
            .pad
            .fill(zscore_padded(&x[start..end], 0), len)
            .into_iter()
            .map(f64::from)
            .collect();
        windows.push(CachedWindow {
            signal,
            features,
            target,
        });
    }
    Ok(CachedRecord {
        key: String::new(),
        padded: x.len() < cfg.input_len,
        windows,
    })
}

fn to_record(src: &Source, cached: &CachedRecord) -> Record {
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let windows = cached
        .windows
        .iter()
        .map(|w| Example {
            signal: f32s(&w.signal),
            label: src.label,
            features: w
                .features
                .iter()
                .map(|v| v.map_or(f32::NAN, |x| x as f32))
                .collect(),
            target: w.target.as_deref().map(f32s),
        })
        .collect();
    Record {
        id: src.id.clone(),
        label: src.label,
        windows,
    }
}

fn read_cached(path: &Path, key: &str) -> Option<CachedRecord> {
    let bytes = std::fs::read(path).ok()?;
    let rec: CachedRecord = serde_json::from_slice(&bytes).ok()?;
    (rec.key == key).then_some(rec)
}

/// Prepares `sources` (see the module docs), reading and writing the cache in `cache_dir` when
/// given (the folder is created). Records come back in the order of `sources`.
///
/// # Errors
/// [`Error::Input`] for a bad configuration or a record that cannot be resampled or analysed
/// (the message names it); [`Error::Xai`] for a bad target configuration; [`Error::Io`] when the
/// cache folder or a cache file cannot be written.
pub fn prepare(
    sources: &[Source],
    cfg: &PrepareConfig,
    cache_dir: Option<&Path>,
) -> Result<(Vec<Record>, PrepareStats)> {
    cfg.validate()?;
    let target = HrvTarget::new(cfg.target.clone())?;
    if let Some(dir) = cache_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut stats = PrepareStats::default();
    let mut out = Vec::with_capacity(sources.len());
    for src in sources {
        let key = cache_key(src, cfg)?;
        let path = cache_dir.map(|d| d.join(format!("{key}.json")));
        let cached = match path.as_deref().and_then(|p| read_cached(p, &key)) {
            Some(c) => {
                stats.cache_hits += 1;
                c
            }
            None => {
                stats.cache_misses += 1;
                let c = CachedRecord {
                    key,
                    ..compute(src, cfg, &target)?
                };
                if let Some(p) = &path {
                    let json = serde_json::to_vec(&c)
                        .map_err(|e| Error::Input(format!("record {}: {e}", src.id)))?;
                    write_atomic(p, &json)?;
                }
                c
            }
        };
        let missing = cached.windows.iter().filter(|w| w.target.is_none()).count();
        stats.records += 1;
        stats.windows += cached.windows.len();
        stats.padded_records += usize::from(cached.padded);
        stats.windows_without_target += missing;
        stats.records_without_target += usize::from(missing > 0);
        out.push(to_record(src, &cached));
    }
    Ok((out, stats))
}

/// Per-feature mean and standard deviation, fitted on valid (finite) training values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Mean of each feature (0 where no training value was valid).
    pub mean: Vec<f64>,
    /// Population standard deviation of each feature (1 where it was 0 or undefined, so that a
    /// constant feature maps to 0).
    pub sd: Vec<f64>,
}

impl Standardizer {
    /// Fits on every window of `train`.
    ///
    /// # Errors
    /// [`Error::Input`] when windows have different feature counts.
    pub fn fit(train: &[Record]) -> Result<Self> {
        let dim = feature_dim(train.iter())?;
        let (mut sum, mut sq, mut count) = (vec![0.0; dim], vec![0.0; dim], vec![0usize; dim]);
        for w in train.iter().flat_map(|r| &r.windows) {
            for (j, &v) in w.features.iter().enumerate() {
                if v.is_finite() {
                    sum[j] += f64::from(v);
                    sq[j] += f64::from(v) * f64::from(v);
                    count[j] += 1;
                }
            }
        }
        let mean: Vec<f64> = (0..dim)
            .map(|j| {
                if count[j] > 0 {
                    sum[j] / count[j] as f64
                } else {
                    0.0
                }
            })
            .collect();
        let sd = (0..dim)
            .map(|j| {
                let n = count[j] as f64;
                let var = if count[j] > 0 {
                    (sq[j] / n - mean[j] * mean[j]).max(0.0)
                } else {
                    0.0
                };
                let sd = var.sqrt();
                if sd > 1e-12 * mean[j].abs().max(1.0) {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Ok(Self { mean, sd })
    }

    /// Replaces every feature value by its z-score; invalid (non-finite) values become 0, the
    /// training mean.
    ///
    /// # Errors
    /// [`Error::Input`] when a window's feature count differs from the fitted one.
    pub fn apply(&self, records: &mut [Record]) -> Result<()> {
        // A deserialised standardiser is checked here, where it is used.
        if self.sd.len() != self.mean.len()
            || self.mean.iter().chain(&self.sd).any(|v| !v.is_finite())
            || self.sd.iter().any(|&v| v <= 0.0)
        {
            return Err(Error::Input(format!(
                "standardiser: {} means and {} standard deviations, all finite and sd > 0 required",
                self.mean.len(),
                self.sd.len()
            )));
        }
        for r in records.iter_mut() {
            for w in &mut r.windows {
                if w.features.len() != self.mean.len() {
                    return Err(Error::Input(format!(
                        "record {}: {} features, the standardiser was fitted on {}",
                        r.id,
                        w.features.len(),
                        self.mean.len()
                    )));
                }
                for (j, v) in w.features.iter_mut().enumerate() {
                    *v = if v.is_finite() {
                        ((f64::from(*v) - self.mean[j]) / self.sd[j]) as f32
                    } else {
                        0.0
                    };
                }
            }
        }
        Ok(())
    }
}

fn feature_dim<'a>(records: impl Iterator<Item = &'a Record>) -> Result<usize> {
    let mut dim = None;
    for w in records.flat_map(|r| &r.windows) {
        match dim {
            None => dim = Some(w.features.len()),
            Some(d) if d != w.features.len() => {
                return Err(Error::Input(format!(
                    "windows with {d} and {} features",
                    w.features.len()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(dim.unwrap_or(0))
}

/// Fits a [`Standardizer`] on `train` (the training fold only) and applies it to `train` and
/// to each of `others` (validation, test). Run it per fold, before [`fit`](crate::trainer::fit),
/// which refuses NaN features.
///
/// ```
/// use exg_train::cv::Record;
/// use exg_train::prepare::standardize_fold;
/// use exg_train::trainer::Example;
///
/// let rec = |id: &str, f: Vec<f32>| Record { id: id.into(), label: 0, windows: vec![
///     Example { signal: vec![0.0; 4], label: 0, features: f, target: None }] };
/// let mut train = vec![rec("a", vec![1.0]), rec("b", vec![3.0])];
/// let mut test = vec![rec("c", vec![5.0]), rec("d", vec![f32::NAN])];
/// let st = standardize_fold(&mut train, &mut [&mut test])?;
/// assert_eq!((st.mean[0], st.sd[0]), (2.0, 1.0)); // training values only
/// assert_eq!(test[0].windows[0].features, [3.0]);
/// assert_eq!(test[1].windows[0].features, [0.0]); // invalid -> 0
/// # Ok::<(), exg_train::Error>(())
/// ```
///
/// # Errors
/// As [`Standardizer::fit`] and [`Standardizer::apply`].
pub fn standardize_fold(
    train: &mut [Record],
    others: &mut [&mut [Record]],
) -> Result<Standardizer> {
    let st = Standardizer::fit(train)?;
    st.apply(train)?;
    for o in others.iter_mut() {
        st.apply(o)?;
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exg_signal::synthetic::{SyntheticConfig, generate};

    fn hz(f: f64) -> Hz {
        Hz::new(f).unwrap()
    }

    fn source(id: &str, fs: f64, duration_s: f64, seed: u64) -> Source {
        let syn = generate(&SyntheticConfig {
            seed,
            white_noise_mv: 0.01,
            ..SyntheticConfig::new(hz(fs), duration_s)
        })
        .unwrap();
        Source {
            id: id.into(),
            label: 1,
            class_hint: None,
            provided: None,
            ecg: syn.ecg,
        }
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("exg-prepare-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    /// Signal, features and target of one window as bit patterns.
    type WindowBits = (Vec<u32>, Vec<u32>, Option<Vec<u32>>);

    /// Bit patterns, so that NaN features compare equal to themselves.
    fn bits(records: &[Record]) -> Vec<Vec<WindowBits>> {
        let b = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        records
            .iter()
            .map(|r| {
                r.windows
                    .iter()
                    .map(|w| (b(&w.signal), b(&w.features), w.target.as_deref().map(b)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn window_starts_cover_the_record() {
        // Expected by hand: starts every hop, plus one aligned to the end when the hop misses it.
        assert_eq!(window_starts(6250, 2500, 1250), [0, 1250, 2500, 3750]);
        assert_eq!(window_starts(6000, 2500, 1250), [0, 1250, 2500, 3500]);
        assert_eq!(window_starts(5000, 2500, 2500), [0, 2500]);
        assert_eq!(window_starts(2500, 2500, 100), [0]);
        assert_eq!(window_starts(10, 2500, 100), [0]);
    }

    #[test]
    fn windows_are_resampled_zscored_and_padded() {
        // 24 s at 500 Hz -> 6000 samples at 250 Hz -> starts 0, 1250, 2500, 3500 (see above).
        let cfg = PrepareConfig::new(hz(250.0), 2500, 1250);
        let long = source("long", 500.0, 24.0, 1);
        // 6 s at 250 Hz: shorter than one 10-s window -> one window, zeros after sample 1500.
        let short = source("short", 250.0, 6.0, 2);
        let (recs, stats) = prepare(&[long, short], &cfg, None).unwrap();
        assert_eq!(recs[0].windows.len(), 4);
        assert_eq!(recs[1].windows.len(), 1);
        assert_eq!((stats.windows, stats.padded_records), (5, 1));
        assert_eq!((stats.cache_hits, stats.cache_misses), (0, 2));
        for w in &recs[0].windows {
            assert_eq!(w.signal.len(), 2500);
            assert_eq!(w.label, 1);
            assert_eq!(w.features.len(), 17);
            let m = w.signal.iter().map(|&v| f64::from(v)).sum::<f64>() / 2500.0;
            let var = w
                .signal
                .iter()
                .map(|&v| (f64::from(v) - m).powi(2))
                .sum::<f64>()
                / 2500.0;
            assert!(
                m.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "mean {m} var {var}"
            );
            assert_eq!(w.target.as_ref().map(Vec::len), Some(2500));
        }
        let pad = &recs[1].windows[0];
        assert!(pad.signal[1500..].iter().all(|&v| v == 0.0));
        let real = &pad.signal[..1500];
        let m = real.iter().map(|&v| f64::from(v)).sum::<f64>() / 1500.0;
        assert!(
            m.abs() < 1e-5,
            "z-score over the real samples only: mean {m}"
        );
        // A 6-s window of a 70-bpm sinus record still has beats: its HR feature is valid.
        assert!(pad.features.iter().any(|v| v.is_finite()));
    }

    #[test]
    fn repeat_padding_repeats_signal_and_target_and_keeps_the_features() {
        // 6 s at 250 Hz (1,500 samples) in a 2,500-sample window. Oracle: the zero-padded
        // window's first 1,500 samples (the same z-score of the same real samples), repeated
        // from the start; the features of the real 6 s are those of the zero-padded window
        // (its peaks, and so its RR intervals, are the same).
        let zeros = PrepareConfig::new(hz(250.0), 2500, 1250);
        let repeat = PrepareConfig {
            pad: Pad::Repeat,
            ..zeros.clone()
        };
        let short = [source("short", 250.0, 6.0, 2)];
        let z = &prepare(&short, &zeros, None).unwrap().0[0].windows[0];
        let r = &prepare(&short, &repeat, None).unwrap().0[0].windows[0];
        assert_eq!(r.signal.len(), 2500);
        let expected: Vec<f32> = (0..2500).map(|i| z.signal[i % 1500]).collect();
        assert_eq!(r.signal, expected);
        let (zt, rt) = (z.target.as_ref().unwrap(), r.target.as_ref().unwrap());
        assert_eq!(rt.len(), 2500);
        assert_eq!(&rt[1500..2500], &rt[..1000]);
        assert!(zt[1500..].iter().all(|&v| v == 0.0));
        assert_eq!(r.features[0], z.features[0], "mean heart rate");
        // The option is left out of the JSON (and so of cache keys) when zeros.
        let json = serde_json::to_string(&zeros).unwrap();
        assert!(!json.contains("pad"), "{json}");
        assert!(
            serde_json::to_string(&repeat)
                .unwrap()
                .contains(r#""pad":"repeat""#)
        );
    }

    #[test]
    fn a_record_without_beats_has_nan_features_and_no_target() {
        let flat = Source {
            id: "flat".into(),
            label: 0,
            class_hint: None,
            provided: None,
            ecg: Ecg::new(vec![0.0; 5000], hz(250.0)).unwrap(),
        };
        let cfg = PrepareConfig::new(hz(250.0), 2500, 2500);
        let (recs, stats) = prepare(&[flat], &cfg, None).unwrap();
        assert_eq!(recs[0].windows.len(), 2);
        assert!(recs[0].windows.iter().all(|w| w.target.is_none()));
        assert!(recs[0].windows[0].features.iter().all(|v| v.is_nan()));
        assert!(recs[0].windows[0].signal.iter().all(|&v| v == 0.0));
        assert_eq!(
            (stats.windows_without_target, stats.records_without_target),
            (2, 1)
        );
    }

    #[test]
    fn cache_hits_give_identical_data_and_changes_miss() {
        let dir = temp_dir("cache");
        let cfg = PrepareConfig::new(hz(250.0), 2500, 1250);
        let srcs = [source("a", 360.0, 20.0, 3), source("b", 250.0, 5.0, 4)];
        let (first, s1) = prepare(&srcs, &cfg, Some(&dir)).unwrap();
        assert_eq!((s1.cache_hits, s1.cache_misses), (0, 2));
        let (again, s2) = prepare(&srcs, &cfg, Some(&dir)).unwrap();
        assert_eq!((s2.cache_hits, s2.cache_misses), (2, 0));
        assert_eq!(bits(&first), bits(&again));
        assert_eq!(
            (s1.windows_without_target, s1.padded_records),
            (s2.windows_without_target, 1)
        );
        // A new label or id is applied to cached windows (they are not part of the key).
        let relabelled = Source {
            label: 4,
            id: "a2".into(),
            ..srcs[0].clone()
        };
        let (r, s) = prepare(std::slice::from_ref(&relabelled), &cfg, Some(&dir)).unwrap();
        assert_eq!((s.cache_hits, r[0].label, r[0].windows[0].label), (1, 4, 4));
        // Another hop, target config, class hint or signal misses.
        let hop = PrepareConfig {
            hop: 2500,
            ..cfg.clone()
        };
        assert_eq!(
            prepare(&srcs[..1], &hop, Some(&dir))
                .unwrap()
                .1
                .cache_misses,
            1
        );
        let mut target = cfg.clone();
        target.target.min_beats += 1;
        assert_eq!(
            prepare(&srcs[..1], &target, Some(&dir))
                .unwrap()
                .1
                .cache_misses,
            1
        );
        let hint = Source {
            class_hint: Some("AFIB".into()),
            provided: None,
            ..srcs[0].clone()
        };
        assert_eq!(
            prepare(&[hint], &cfg, Some(&dir)).unwrap().1.cache_misses,
            1
        );
        let mut x = srcs[0].ecg.samples().to_vec();
        x[100] += 1e-6;
        let changed = Source {
            ecg: srcs[0].ecg.with_samples(x).unwrap(),
            ..srcs[0].clone()
        };
        assert_eq!(
            prepare(&[changed], &cfg, Some(&dir))
                .unwrap()
                .1
                .cache_misses,
            1
        );
        // A corrupt cache file is recomputed (and rewritten), giving the same data.
        let key = cache_key(&srcs[0], &cfg).unwrap();
        std::fs::write(dir.join(format!("{key}.json")), b"{\"trunc").unwrap();
        let (redo, s) = prepare(&srcs, &cfg, Some(&dir)).unwrap();
        assert_eq!((s.cache_hits, s.cache_misses), (1, 1));
        assert_eq!(bits(&redo), bits(&first));
        assert_eq!(prepare(&srcs, &cfg, Some(&dir)).unwrap().1.cache_hits, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn provided_features_fill_every_window_and_key_the_cache() {
        let dir = temp_dir("provided");
        let cfg = PrepareConfig {
            features: FeatureSource::Provided,
            ..PrepareConfig::new(hz(250.0), 2500, 1250)
        };
        let src = Source {
            provided: Some(vec![Some(72.0), None, Some(0.1), Some(f64::INFINITY)]),
            ..source("p", 360.0, 20.0, 5)
        };
        let (recs, s) = prepare(std::slice::from_ref(&src), &cfg, Some(&dir)).unwrap();
        assert_eq!(s.cache_misses, 1);
        assert!(recs[0].windows.len() > 1);
        for w in &recs[0].windows {
            // Stored as f32 like computed features; missing and non-finite values are NaN.
            assert_eq!(w.features[0], 72.0);
            assert!(w.features[1].is_nan() && w.features[3].is_nan());
            assert_eq!(w.features[2], 0.1f32);
        }
        let misses = |src: &Source, cfg: &PrepareConfig| {
            prepare(std::slice::from_ref(src), cfg, Some(&dir))
                .unwrap()
                .1
                .cache_misses
        };
        // The same values hit; another value, or computed features, miss.
        assert_eq!(misses(&src, &cfg), 0);
        let other = Source {
            provided: Some(vec![Some(73.0), None, Some(0.1), Some(f64::INFINITY)]),
            ..src.clone()
        };
        assert_eq!(misses(&other, &cfg), 1);
        let computed = PrepareConfig {
            features: FeatureSource::Computed,
            ..cfg.clone()
        };
        assert_eq!(misses(&src, &computed), 1);
        let (c, _) = prepare(std::slice::from_ref(&src), &computed, Some(&dir)).unwrap();
        assert_eq!(c[0].windows[0].features.len(), 17);
        // Provided features without values: a typed error naming the record.
        let bare = Source {
            provided: None,
            ..src.clone()
        };
        let err = prepare(&[bare], &cfg, None).unwrap_err();
        assert!(
            matches!(&err, Error::Input(m) if m.contains("record p") && m.contains("provided")),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    fn rec(id: &str, features: &[&[f32]]) -> Record {
        Record {
            id: id.into(),
            label: 0,
            windows: features
                .iter()
                .map(|f| Example {
                    signal: vec![0.0; 4],
                    label: 0,
                    features: f.to_vec(),
                    target: None,
                })
                .collect(),
        }
    }

    #[test]
    fn standardisation_uses_training_values_only_and_zeroes_invalid() {
        // Feature 0: training values 1, 2, 3 (NaN skipped) -> mean 2, population sd sqrt(2/3).
        // Feature 1: constant 5 in training -> sd replaced by 1, so 5 -> 0.
        // Feature 2: never valid in training -> mean 0, sd 1.
        let nan = f32::NAN;
        let mut train = vec![
            rec("t1", &[&[1.0, 5.0, nan], &[2.0, 5.0, nan]]),
            rec("t2", &[&[3.0, 5.0, nan], &[nan, 5.0, nan]]),
        ];
        let mut val = vec![rec("v", &[&[2.0, 7.0, 4.0]])];
        let mut test = vec![rec("x", &[&[1000.0, nan, -1.0]])];
        let st = standardize_fold(&mut train, &mut [&mut val, &mut test]).unwrap();
        let sd0 = (2.0f64 / 3.0).sqrt();
        assert_eq!(st.mean, [2.0, 5.0, 0.0]);
        assert!((st.sd[0] - sd0).abs() < 1e-12 && st.sd[1] == 1.0 && st.sd[2] == 1.0);
        let z = |v: f64| ((v - 2.0) / sd0) as f32;
        assert_eq!(train[0].windows[0].features, [z(1.0), 0.0, 0.0]);
        assert_eq!(train[1].windows[1].features, [0.0, 0.0, 0.0]); // NaN -> 0
        assert_eq!(val[0].windows[0].features, [0.0, 2.0, 4.0]);
        assert_eq!(test[0].windows[0].features, [z(1000.0), 0.0, -1.0]);
        // The held-out values (1000) did not move the statistics: fitting on the training
        // records alone gives the same standardiser.
        let fresh = vec![
            rec("t1", &[&[1.0, 5.0, nan], &[2.0, 5.0, nan]]),
            rec("t2", &[&[3.0, 5.0, nan], &[nan, 5.0, nan]]),
        ];
        assert_eq!(Standardizer::fit(&fresh).unwrap(), st);
        assert!(
            train
                .iter()
                .chain(&val)
                .chain(&test)
                .flat_map(|r| &r.windows)
                .all(|w| w.features.iter().all(|v| v.is_finite()))
        );
    }

    #[test]
    fn mismatched_feature_counts_and_bad_config_are_errors() {
        let mut train = vec![rec("a", &[&[1.0], &[1.0, 2.0]])];
        assert!(matches!(
            standardize_fold(&mut train, &mut []),
            Err(Error::Input(_))
        ));
        let mut train = vec![rec("a", &[&[1.0]])];
        let mut test = vec![rec("b", &[&[1.0, 2.0]])];
        assert!(matches!(
            standardize_fold(&mut train, &mut [&mut test]),
            Err(Error::Input(_))
        ));
        let cfg = PrepareConfig::new(hz(250.0), 2500, 0);
        assert!(matches!(prepare(&[], &cfg, None), Err(Error::Input(_))));
    }
}
