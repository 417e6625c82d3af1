//! Heart-rate variability from R-peaks: time, frequency and non-linear domains.
//!
//! All definitions follow NeuroKit2 0.2.13 (`hrv_time`, `hrv_frequency`, `hrv_nonlinear`) so
//! values can be compared directly; where NeuroKit2 has a quirk we keep it and say so
//! (`docs/features.md`). RR intervals come straight from the peaks (no artefact correction):
//! correct the peaks first if you need NN intervals.

pub mod frequency;
pub mod nonlinear;
mod spline;
pub mod time;

use exg_signal::RPeaks;

use crate::core::feature::{Feature, Invalid};
use crate::core::schema::FeatureSpec;

/// RR intervals of a peak list, in the form NeuroKit2 uses internally.
#[derive(Clone, Debug)]
pub(crate) struct RrSeries {
    /// RR intervals, ms (`diff(peaks) / fs * 1000`).
    pub ms: Vec<f64>,
    /// Time of each interval's end, seconds, as NeuroKit2 builds it: `cumsum(rr / 1000)`
    /// (so it starts at the first interval, not at the first peak).
    pub time_s: Vec<f64>,
    /// Number of peaks.
    pub beats: usize,
    /// Record duration, seconds (`signal_len / fs`).
    pub duration_s: f64,
}

impl RrSeries {
    pub(crate) fn new(peaks: &RPeaks) -> Self {
        let ms = peaks.rr_ms();
        let mut acc = 0.0;
        let time_s = ms
            .iter()
            .map(|v| {
                acc += v / 1000.0;
                acc
            })
            .collect();
        Self {
            ms,
            time_s,
            beats: peaks.len(),
            duration_s: peaks.fs().seconds(peaks.signal_len()),
        }
    }
}

/// Applies the spec's generic rule, then computes `f` if it passes.
pub(crate) fn gated(spec: &FeatureSpec, rr: &RrSeries, f: impl FnOnce() -> Feature) -> Feature {
    match spec.check(rr.beats, rr.duration_s) {
        Some(reason) => Feature::invalid(reason),
        None => f(),
    }
}

/// A value that is valid only when finite, naming the cause otherwise.
pub(crate) fn finite_or(v: f64, why: &str) -> Feature {
    if v.is_finite() {
        Feature::from_value(v)
    } else {
        Feature::invalid(Invalid::undefined(why))
    }
}
