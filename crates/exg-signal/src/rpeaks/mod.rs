//! R-peak detection: the [`RPeakDetector`] trait, detectors implemented from their papers, a
//! consensus mode, the streaming API ([`RPeakStream`]) and its engine seam ([`QrsEngine`]), and
//! a [`Registry`] of detectors by name.
//!
//! | detector | paper | name in [`Registry::builtin`] |
//! |---|---|---|
//! | [`PanTompkins`] (default) | Pan & Tompkins 1985 | `pantompkins` |
//! | [`Hamilton`] | Hamilton & Tompkins 1986; Hamilton 2002 | `hamilton` |
//! | [`NeuroKit`] | gradient steepness, NeuroKit2's default method (Makowski et al. 2021) | `neurokit` |
//! | [`Consensus`] | vote of the three above (or any members) within a tolerance | `consensus` |
//!
//! A new detector implements [`RPeakDetector`] (batch; [`Detection::batch`] builds its result)
//! and, to stream, [`StreamingDetector`], usually as a [`QrsEngine`] handed to
//! [`RPeakStream::new`], which adds the refinement and polarity every built-in detector has.
//! [`Registry::register`] makes it selectable by name (the `exg` CLI's `--detector`).
//!
//! All detectors are causal with a bounded look-ahead. [`RPeakDetector::detect`] runs the same
//! code as [`StreamingDetector::stream`] over the record extended by its mirror image at both
//! ends ([`detect_batch`]), so that the first and last beats are judged like the others; it
//! equals the stream's result ([`detect_streamed`]) except in the first [`BATCH_HEAD_S`] and the
//! last ~delay of a record. Each peak is refined to the
//! extremum, in the lead's detected [`Polarity`], of the 0.5 Hz high-passed signal within
//! `refine_window_s` of the engine's estimate. Windows and thresholds are given in seconds or
//! hertz and converted with the record's rate, which must lie in 50–20 000 Hz.
//!
//! Long recordings (a 24-h Holter) go through [`RecordStream`]: chunks in, the batch
//! detector's peaks out, the [`QualityGate`] applied per stretch, in memory bounded by the
//! stretch rather than the record.
//!
//! No-result semantics: a flat or beat-free signal gives an empty [`RPeaks`] with
//! [`Polarity::Unknown`] and [`NoResult::NoBeats`]; pure noise given to a [`Gated`] detector
//! (such as [`default_detector`]) gives an empty result with [`NoResult::NoConsistentQrs`]
//! (rule in [`QualityGate`]); a record shorter than [`MIN_DURATION_S`] gives [`Error::TooShort`];
//! NaN cannot enter an [`Ecg`] and is rejected by [`RPeakStream::push`] with [`Error::NonFinite`].
//! See `docs/signal-rpeaks.md` for the full description.
//!
//! A new detector is checked the way the built-in ones are by the conformance battery
//! ([`conformance::check_detector`], [`conformance::check_streaming`]), whose ground truth is the
//! synthetic ECG of [`crate::synthetic`].
//!
//! ```
//! use exg_signal::{Ecg, Hz, rpeaks::{default_detector, Polarity, RPeakDetector}};
//! let fs = Hz::new(360.0)?;
//! // An inverted lead: a 10-ms-wide negative QRS every 300 samples (72 bpm).
//! let x: Vec<f64> = (0..3600).map(|i| -(-((i % 300) as f64 - 150.0).powi(2) / 8.0).exp()).collect();
//! let d = default_detector().detect(&Ecg::new(x, fs)?)?;
//! assert_eq!(d.polarity, Polarity::Negative);
//! assert!(d.peaks.indices().iter().all(|p| p % 300 == 150));
//! # Ok::<(), exg_signal::Error>(())
//! ```

mod adaptive;
mod batch;
pub mod conformance;
mod consensus;
mod dsp;
mod gradient;
mod hamilton;
mod neurokit;
mod pan_tompkins;
mod polarity;
mod quality;
mod record;
mod registry;
mod streaming;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use batch::{HEAD_S as BATCH_HEAD_S, detect_batch};
pub use consensus::Consensus;
pub use hamilton::Hamilton;
pub use neurokit::NeuroKit;
pub use pan_tompkins::{PanTompkins, ShortRecords};
pub use polarity::Polarity;
pub use quality::{NoResult, QualityGate, QualityReport, SegmentQuality};
pub use record::{RECORD_STRETCH_S, RecordEnd, RecordStream, StreamGate};
pub use registry::Registry;
pub use streaming::{QrsEngine, RPeakStream, StreamEnd};

use crate::{Ecg, Error, Hz, RPeaks, Result};

/// Shortest record the batch API accepts, in seconds (one RR interval at 60 bpm).
pub const MIN_DURATION_S: f64 = 1.0;

/// Lowest and highest supported sampling rates (Hz).
pub const FS_RANGE_HZ: (f64, f64) = (50.0, 20_000.0);

/// Result of a detection.
///
/// A batch-only detector that knows nothing of polarity or delay builds it with
/// [`Detection::batch`]; the built-in (streaming) detectors fill every field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// The R-peaks (empty when no beat was found).
    pub peaks: RPeaks,
    /// Polarity the peaks were refined in; [`Polarity::Unknown`] when no beat was found or the
    /// detector does not determine it.
    pub polarity: Polarity,
    /// Streaming delay of the detector at this rate, in seconds (for information); `None` for a
    /// batch-only detector, which has no stream.
    #[serde(default)]
    pub delay_s: Option<f64>,
    /// Why `peaks` is empty although the input was valid (`None` when peaks were found).
    /// [`NoResult::NoConsistentQrs`] comes only from a [`Gated`] detector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_result: Option<NoResult>,
}

impl Detection {
    /// The result of a batch-only detector: `peaks`, [`Polarity::Unknown`], no delay, and
    /// [`NoResult::NoBeats`] when `peaks` is empty.
    ///
    /// ```
    /// use exg_signal::{Hz, RPeaks, rpeaks::{Detection, NoResult, Polarity}};
    /// let fs = Hz::new(250.0)?;
    /// let d = Detection::batch(RPeaks::new(vec![100, 350], fs, 500)?);
    /// assert_eq!((d.polarity, d.delay_s, d.no_result), (Polarity::Unknown, None, None));
    /// let none = Detection::batch(RPeaks::empty(fs, 500));
    /// assert_eq!(none.no_result, Some(NoResult::NoBeats));
    /// # Ok::<(), exg_signal::Error>(())
    /// ```
    pub fn batch(peaks: RPeaks) -> Self {
        let no_result = peaks.is_empty().then_some(NoResult::NoBeats);
        Self {
            peaks,
            polarity: Polarity::Unknown,
            delay_s: None,
            no_result,
        }
    }

    /// The detection with the peaks of the stretches that fail the gate dropped
    /// ([`QualityGate::assess_segments`]); when that drops every peak, the polarity becomes
    /// [`Polarity::Unknown`] and the reason [`NoResult::NoConsistentQrs`].
    ///
    /// ```
    /// use exg_signal::{Hz, RPeaks, rpeaks::{Detection, NoResult, QualityReport, SegmentQuality}};
    /// let fs = Hz::new(250.0)?;
    /// let d = Detection::batch(RPeaks::new(vec![100, 350, 600], fs, 1000)?);
    /// let failing = QualityReport {
    ///     beats: 3, consistent_fraction: Some(0.0), slope_prominence: None, second_opinion: None,
    ///     passes: false,
    /// };
    /// let d = d.keep_passing(&[SegmentQuality { start: 0, end: 1000, report: failing }])?;
    /// assert!(d.peaks.is_empty());
    /// assert_eq!(d.no_result, Some(NoResult::NoConsistentQrs));
    /// # Ok::<(), exg_signal::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`QualityGate::keep_passing`].
    pub fn keep_passing(mut self, segments: &[SegmentQuality]) -> Result<Self> {
        let had_peaks = !self.peaks.is_empty();
        self.peaks = QualityGate::keep_passing(&self.peaks, segments)?;
        if had_peaks && self.peaks.is_empty() {
            self.polarity = Polarity::Unknown;
            self.no_result = Some(NoResult::NoConsistentQrs);
        }
        Ok(self)
    }

    /// The gate refused the whole record: no peaks, [`Polarity::Unknown`],
    /// [`NoResult::NoConsistentQrs`].
    pub(crate) fn refuse(&mut self) {
        self.peaks = RPeaks::empty(self.peaks.fs(), self.peaks.signal_len());
        self.polarity = Polarity::Unknown;
        self.no_result = Some(NoResult::NoConsistentQrs);
    }
}

/// Anything that finds R-peaks in one lead.
///
/// Object-safe; implemented for `&T`, `Box<T>` and `Arc<T>` so detectors can be stored and
/// swapped behind `Box<dyn RPeakDetector>`.
pub trait RPeakDetector: Send + Sync {
    /// Short name (`"hamilton"`, ...).
    fn name(&self) -> &str;
    /// Finds the R-peaks of `ecg`.
    fn detect(&self, ecg: &Ecg) -> Result<Detection>;
}

/// A detector that can also run incrementally. Pushing a record through
/// [`stream`](Self::stream) in any chunking then calling [`RPeakStream::finish`] gives
/// [`detect_streamed`]; the built-in detectors' [`RPeakDetector::detect`] is [`detect_batch`],
/// which sees the whole record and may differ near its ends.
pub trait StreamingDetector: RPeakDetector {
    /// A fresh stream for a signal sampled at `fs`.
    fn stream(&self, fs: Hz) -> Result<RPeakStream>;
}

impl<T: RPeakDetector + ?Sized> RPeakDetector for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        (**self).detect(ecg)
    }
}
impl<T: RPeakDetector + ?Sized> RPeakDetector for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        (**self).detect(ecg)
    }
}
impl<T: RPeakDetector + ?Sized> RPeakDetector for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        (**self).detect(ecg)
    }
}
impl<T: StreamingDetector + ?Sized> StreamingDetector for &T {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        (**self).stream(fs)
    }
}
impl<T: StreamingDetector + ?Sized> StreamingDetector for Box<T> {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        (**self).stream(fs)
    }
}
impl<T: StreamingDetector + ?Sized> StreamingDetector for Arc<T> {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        (**self).stream(fs)
    }
}

/// The stream's own result on a whole record: push it, then [`RPeakStream::finish`] (what a
/// streaming caller gets; the built-in `detect` is [`detect_batch`]).
pub fn detect_streamed<D: StreamingDetector + ?Sized>(
    detector: &D,
    ecg: &Ecg,
) -> Result<Detection> {
    let fs = ecg.fs();
    let mut stream = detector.stream(fs)?;
    let min = fs.samples(MIN_DURATION_S).max(1);
    if ecg.len() < min {
        return Err(Error::TooShort {
            len: ecg.len(),
            min,
        });
    }
    let delay_s = stream.delay_s();
    let mut peaks = Vec::new();
    // An `Ecg` holds finite samples only (checked when it was built).
    stream.push_finite(ecg.samples(), &mut peaks);
    let end = stream.finish();
    peaks.extend(end.peaks);
    Ok(Detection {
        polarity: end.polarity,
        delay_s: Some(delay_s),
        ..Detection::batch(RPeaks::new(peaks, fs, ecg.len())?)
    })
}

/// A detector followed by the whole-record [`QualityGate`]: when the detected QRS windows do
/// not repeat (noise, not ECG), [`detect`](RPeakDetector::detect) returns an empty result with
/// [`NoResult::NoConsistentQrs`] and [`Polarity::Unknown`].
///
/// The gate needs the whole record, so [`stream`](StreamingDetector::stream) gives the inner
/// detector's **ungated** stream; a streaming caller applies [`QualityGate::assess`] to the
/// peaks of a finished stretch when it needs the same decision, or runs the whole record
/// through a [`RecordStream`] with [`StreamGate::Record`].
///
/// ```
/// use exg_signal::{Ecg, Hz, rpeaks::{default_detector, NoResult, RPeakDetector}};
/// let fs = Hz::new(250.0)?;
/// // White noise (a small LCG): no repeated QRS morphology.
/// let mut s = 12345u64;
/// let x: Vec<f64> = (0..15_000).map(|_| {
///     s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
///     (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
/// }).collect();
/// let d = default_detector().detect(&Ecg::new(x, fs)?)?;
/// assert!(d.peaks.is_empty());
/// assert_eq!(d.no_result, Some(NoResult::NoConsistentQrs));
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gated<D> {
    /// The detector whose peaks are judged.
    pub inner: D,
    /// The gate's parameters.
    pub gate: QualityGate,
}

impl<D> Gated<D> {
    /// `inner` behind the default [`QualityGate`].
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            gate: QualityGate::default(),
        }
    }
}

impl<D: RPeakDetector> RPeakDetector for Gated<D> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        let mut d = self.inner.detect(ecg)?;
        if !d.peaks.is_empty() && !self.gate.assess(ecg, &d.peaks)?.passes {
            d.refuse();
        }
        Ok(d)
    }
}

impl<D: StreamingDetector> StreamingDetector for Gated<D> {
    /// The inner detector's ungated stream (see [`Gated`]).
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        self.inner.stream(fs)
    }
}

/// Names of the built-in detectors ([`Registry::builtin`], [`by_name`]), default first.
pub const DETECTOR_NAMES: [&str; 4] = ["pantompkins", "hamilton", "neurokit", "consensus"];

/// The default detector: [`PanTompkins`] with its paper defaults (chosen on MIT-BIH, see
/// `docs/benchmarks.md`), plus its second front end on records up to 120 s
/// ([`ShortRecords`]), behind the default [`QualityGate`], so
/// pure noise gives an empty result with [`NoResult::NoConsistentQrs`]. Its stream is
/// Pan-Tompkins' ungated stream (the paper's front end alone).
pub fn default_detector() -> Gated<PanTompkins> {
    Gated::new(PanTompkins::default())
}

/// A built-in detector with default parameters by name (see [`DETECTOR_NAMES`]; aliases and
/// spelling as in [`Registry::get`]); `None` if unknown. Shorthand for
/// `Registry::builtin().streaming(name)`.
pub fn by_name(name: &str) -> Option<Box<dyn StreamingDetector>> {
    Registry::builtin().streaming(name)
}

pub(crate) fn check_fs(fs: Hz) -> Result<()> {
    let f = fs.get();
    if f < FS_RANGE_HZ.0 || f > FS_RANGE_HZ.1 {
        return Err(Error::InvalidParameter {
            name: "fs",
            reason: format!(
                "{f} Hz is outside the supported {}–{} Hz",
                FS_RANGE_HZ.0, FS_RANGE_HZ.1
            ),
        });
    }
    Ok(())
}

pub(crate) fn check_positive(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            reason: format!("{v} must be finite and > 0"),
        })
    }
}
