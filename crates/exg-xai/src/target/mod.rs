//! Attention targets: where a classifier *should* look on a record, derived automatically from
//! its R-peaks (EXGnet's "HRV-based ground-truth attention map").
//!
//! An [`AttentionTarget`] turns an [`Ecg`] and its [`RPeaks`] into a [`TargetOutcome`]: either a
//! [`TargetMap`] (values in `[0, 1]`, one per sample, at the record's rate) or a typed
//! [`NoTarget`] saying why the record has none (detection failed, too few beats, too short).
//! A record without a target is left out of the XAI loss and counted; it is never given a zero
//! map. Outcomes are serde-serialisable so they can be computed once per record and cached.
//!
//! The built-in target is [`HrvTarget`] (see [`hrv`] and `docs/xai.md` for the design).
//! [`delineation`] measures a map against hand-annotated P/QRS/T waves (LUDB).
//!
//! ```
//! use exg_signal::{Ecg, Hz, RPeaks};
//! use exg_xai::target::{AttentionTarget, HrvTarget};
//!
//! let fs = Hz::new(250.0)?;
//! // A QRS-like spike every 200 samples (75 bpm) for 10 s.
//! let x: Vec<f64> = (0..2500).map(|i| if i % 200 == 100 { 1.0 } else { 0.0 }).collect();
//! let ecg = Ecg::new(x, fs)?;
//! let peaks = RPeaks::new((100..2500).step_by(200).collect(), fs, 2500)?;
//! let outcome = HrvTarget::default().target(&ecg, &peaks, None)?;
//! let map = outcome.map().expect("12 regular beats give a target");
//! assert_eq!(map.values().len(), 2500);
//! assert_eq!(map.values()[100], 1.0); // on an R-peak
//! assert_eq!(map.values()[0], 0.0); // far from any beat
//! # Ok::<(), exg_xai::Error>(())
//! ```

pub mod delineation;
pub mod hrv;

use exg_signal::rpeaks::RPeakDetector;
use exg_signal::{Ecg, Hz, RPeaks};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use hrv::{ClassRule, HrvTarget, HrvTargetConfig, PWindowMode};

/// Anything that derives an attention target from a record and its R-peaks.
///
/// Implementations must be deterministic (the result is cached per record), give values in
/// `[0, 1]` with one value per sample of `ecg`, define every width in time units (never samples)
/// so that the same record at another rate gives the same target up to resampling, and answer
/// [`TargetOutcome::Missing`] rather than a zero map when no target can be derived.
pub trait AttentionTarget {
    /// Short name, e.g. `"hrv"`.
    fn name(&self) -> &str;

    /// The target of `ecg` given its R-peaks. `class` is an optional class hint (a rhythm code
    /// such as `"AFIB"`); how it is used is up to the implementation.
    ///
    /// # Errors
    /// [`Error::Input`] when `peaks` do not belong to `ecg` (other rate or length) or the class
    /// hint is unknown to the implementation.
    fn target(&self, ecg: &Ecg, peaks: &RPeaks, class: Option<&str>) -> Result<TargetOutcome>;

    /// Detects the R-peaks of `ecg` with `detector` (e.g.
    /// [`default_detector`](exg_signal::rpeaks::default_detector)) then calls
    /// [`target`](Self::target). A detector that finds nothing, or a record too short for it,
    /// gives [`TargetOutcome::Missing`] with [`NoTarget::DetectionFailed`] or
    /// [`NoTarget::TooShort`]; other detector errors are returned.
    ///
    /// ```
    /// use exg_signal::{Ecg, Hz, rpeaks::default_detector};
    /// use exg_xai::target::{AttentionTarget, HrvTarget, NoTarget};
    ///
    /// let flat = Ecg::new(vec![0.0; 2500], Hz::new(250.0)?)?;
    /// let outcome = HrvTarget::default().target_detected(&flat, &default_detector(), None)?;
    /// assert!(matches!(outcome.reason(), Some(NoTarget::DetectionFailed { .. })));
    /// # Ok::<(), exg_xai::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`target`](Self::target), and [`Error::Signal`] when the detector fails for another
    /// reason (an unsupported sampling rate).
    fn target_detected(
        &self,
        ecg: &Ecg,
        detector: &dyn RPeakDetector,
        class: Option<&str>,
    ) -> Result<TargetOutcome> {
        let detection = match detector.detect(ecg) {
            Ok(d) => d,
            Err(exg_signal::Error::TooShort { len, min }) => {
                return Ok(TargetOutcome::Missing(NoTarget::TooShort {
                    duration_s: ecg.fs().seconds(len),
                    min_s: ecg.fs().seconds(min),
                }));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(why) = detection.no_result {
            return Ok(TargetOutcome::Missing(NoTarget::DetectionFailed {
                detector: detector.name().to_owned(),
                reason: why.to_string(),
            }));
        }
        self.target(ecg, &detection.peaks, class)
    }
}

/// A target over a whole record: one value in `[0, 1]` per sample, at the record's rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetMap {
    values: Vec<f32>,
    fs: Hz,
    summary: TargetSummary,
}

/// What the target was built from (for reports, figures and debugging).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    /// Name of the [`AttentionTarget`] that made it.
    pub method: String,
    /// Number of R-peaks used.
    pub n_beats: usize,
    /// Mean heart rate over the record, in beats per minute.
    pub mean_hr_bpm: f64,
    /// The record's irregularity index: the median relative successive RR difference
    /// (see [`HrvTarget`]); 0 for a perfectly regular rhythm.
    pub irregularity: f64,
    /// Weight given to each beat (parallel to the R-peaks), in `[0, 1]` before normalisation.
    pub beat_weights: Vec<f32>,
    /// Whether the window before each QRS (the P-wave region) was marked.
    pub p_window: bool,
    /// Number of RR intervals marked as rate-defining.
    pub rate_intervals: usize,
    /// The class hint the target was built with, if any.
    pub class: Option<String>,
}

impl TargetMap {
    /// A map from its values. Checks that every value is finite and in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::Input`] for an empty map or a value outside `[0, 1]` (NaN included).
    pub fn new(values: Vec<f32>, fs: Hz, summary: TargetSummary) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::Input(
                "a target map needs at least one sample".into(),
            ));
        }
        if let Some(i) = values.iter().position(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::Input(format!(
                "target value {} at sample {i} is outside [0, 1]",
                values[i]
            )));
        }
        Ok(Self {
            values,
            fs,
            summary,
        })
    }

    /// The values, one per sample of the record, in `[0, 1]`.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The values, by value.
    pub fn into_values(self) -> Vec<f32> {
        self.values
    }

    /// Sampling rate (the record's).
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: a map has at least one sample.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How the map was built.
    pub fn summary(&self) -> &TargetSummary {
        &self.summary
    }
}

/// Why a record has no target. Such a record is left out of the XAI loss and counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoTarget {
    /// The R-peak detector found no usable beat.
    #[error("R-peak detection failed ({detector}): {reason}")]
    DetectionFailed {
        /// Detector name.
        detector: String,
        /// What it reported.
        reason: String,
    },
    /// Fewer beats than the target needs.
    #[error("too few beats: {found}, need at least {min}")]
    TooFewBeats {
        /// Beats found.
        found: usize,
        /// Beats needed.
        min: usize,
    },
    /// The record is shorter than the target needs.
    #[error("record too short: {duration_s:.2} s, need at least {min_s:.2} s")]
    TooShort {
        /// Record duration in seconds.
        duration_s: f64,
        /// Minimum duration in seconds.
        min_s: f64,
    },
}

/// The result of [`AttentionTarget::target`]: a map, or the reason there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "value", rename_all = "snake_case")]
pub enum TargetOutcome {
    /// The record has a target.
    Map(TargetMap),
    /// The record has no target (left out of the XAI loss).
    Missing(NoTarget),
}

impl TargetOutcome {
    /// The map, if there is one.
    pub fn map(&self) -> Option<&TargetMap> {
        match self {
            TargetOutcome::Map(m) => Some(m),
            TargetOutcome::Missing(_) => None,
        }
    }

    /// The map by value, or the reason there is none.
    ///
    /// # Errors
    /// The [`NoTarget`] reason.
    pub fn into_result(self) -> std::result::Result<TargetMap, NoTarget> {
        match self {
            TargetOutcome::Map(m) => Ok(m),
            TargetOutcome::Missing(r) => Err(r),
        }
    }

    /// Why there is no map (`None` when there is one).
    pub fn reason(&self) -> Option<&NoTarget> {
        match self {
            TargetOutcome::Map(_) => None,
            TargetOutcome::Missing(r) => Some(r),
        }
    }
}

/// Checks that `peaks` were found on `ecg` (same rate, same length).
pub(crate) fn check_peaks(ecg: &Ecg, peaks: &RPeaks) -> Result<()> {
    if peaks.fs() != ecg.fs() || peaks.signal_len() != ecg.len() {
        return Err(Error::Input(format!(
            "R-peaks of a {}-sample signal at {} do not belong to a {}-sample ECG at {}",
            peaks.signal_len(),
            peaks.fs(),
            ecg.len(),
            ecg.fs()
        )));
    }
    Ok(())
}
