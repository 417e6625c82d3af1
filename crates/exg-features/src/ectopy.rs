//! Premature beats and pauses from the RR sequence: what separates ectopy and "other rhythm"
//! from AF, whose irregularity has no such short–long pattern.

use std::sync::Arc;

use exg_signal::RPeaks;

use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::hrv::finite_or;
use crate::stats::median;

/// RR histogram of `RREntropy`: lower edge, bin width and upper limit, seconds.
const HIST_LO_S: f64 = 0.2;
const HIST_BIN_S: f64 = 0.04;
const HIST_HI_S: f64 = 2.5;

/// Ectopy and pause features (peaks only). RR in seconds; `r_i = RR_{i+1} / RR_i`.
///
/// * `PrematureFrac` — share of consecutive ratio pairs `(r_i, r_{i+1})` with `r_i < 0.8` and
///   `r_{i+1} > 1.15`: a short interval followed by a compensatory long one.
/// * `RRRatioMin`, `RRRatioMax` — extremes of `r_i`.
/// * `PauseCount` — number of RR longer than 1.6 × median RR.
/// * `RRFracNearMedian` — share of RR within ±5 % (exclusive) of the median RR.
/// * `RREntropy` — Shannon entropy (natural log) of the RR histogram: RR in [0.2, 2.5) s, bins
///   of 40 ms from 0.2 s (bin ⌊(RR − 0.2) / 0.04⌋, the last one [2.48, 2.5)), probabilities over
///   the RR inside; invalid when none is.
/// * `PeakRate` — beats per second over the record (`peaks / (signal_len / fs)`); valid for any
///   number of peaks.
///
/// All but `PeakRate` need 5 beats (4 RR, so 2 ratio pairs).
///
/// ```
/// use exg_features::Ectopy;
/// use exg_signal::{Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// // Regular 1 s rhythm with one premature beat (0.6 s) and its compensatory pause (1.4 s).
/// let peaks = RPeaks::new(vec![0, 250, 500, 650, 1000, 1250, 1500, 1750], fs, 2000)?;
/// let v = Ectopy::default().compute(&peaks);
/// assert_eq!(v.value("PrematureFrac"), Some(1.0 / 5.0));
/// assert_eq!(v.value("PauseCount"), Some(0.0));
/// assert_eq!(v.value("PeakRate"), Some(1.0));
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Ectopy {
    schema: Arc<Schema>,
}

impl Default for Ectopy {
    fn default() -> Self {
        let s = FeatureSpec::new;
        let specs = vec![
            s("PrematureFrac", "1", 5, 0.0),
            s("RRRatioMin", "1", 5, 0.0),
            s("RRRatioMax", "1", 5, 0.0),
            s("PauseCount", "1", 5, 0.0),
            s("RRFracNearMedian", "1", 5, 0.0),
            s("RREntropy", "1", 5, 0.0),
            s("PeakRate", "1/s", 0, 0.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl Ectopy {
    /// Features of `peaks`.
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let fs = peaks.fs().get();
        let duration = peaks.fs().seconds(peaks.signal_len());
        let rr: Vec<f64> = peaks
            .indices()
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / fs)
            .collect();
        let ratios: Vec<f64> = rr.windows(2).map(|w| w[1] / w[0]).collect();
        let med = median(&rr);
        let share = |n: usize, of: usize| n as f64 / of as f64;
        let values: [&dyn Fn() -> Feature; 7] = [
            &|| {
                let pairs = ratios.windows(2);
                let n = pairs.len();
                let hits = pairs.filter(|p| p[0] < 0.8 && p[1] > 1.15).count();
                finite_or(share(hits, n), "fewer than 2 ratio pairs")
            },
            &|| Feature::from_value(ratios.iter().copied().fold(f64::INFINITY, f64::min)),
            &|| Feature::from_value(ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            &|| Feature::from_value(rr.iter().filter(|v| **v > 1.6 * med).count() as f64),
            &|| {
                let near = rr.iter().filter(|v| (*v - med).abs() < 0.05 * med).count();
                Feature::from_value(share(near, rr.len()))
            },
            &|| rr_entropy(&rr),
            &|| finite_or(peaks.len() as f64 / duration, "empty record"),
        ];
        let features = self
            .schema
            .specs()
            .iter()
            .zip(values)
            .map(|(spec, f)| match spec.check(peaks.len(), duration) {
                Some(r) => Feature::invalid(r),
                None => f(),
            })
            .collect();
        FeatureVector::new(self.schema.clone(), features).expect("one value per column")
    }
}

impl FeatureExtractor for Ectopy {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// Entropy of the RR histogram (see [`Ectopy`]).
fn rr_entropy(rr_s: &[f64]) -> Feature {
    let nbins = ((HIST_HI_S - HIST_LO_S) / HIST_BIN_S).ceil() as usize;
    let mut counts = vec![0usize; nbins];
    for &v in rr_s.iter().filter(|v| (HIST_LO_S..HIST_HI_S).contains(*v)) {
        // `min` guards the rounding of a value just below the upper limit.
        counts[(((v - HIST_LO_S) / HIST_BIN_S).floor() as usize).min(nbins - 1)] += 1;
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return Feature::invalid(Invalid::undefined("no RR in 0.2–2.5 s"));
    }
    let h = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let q = c as f64 / total as f64;
            -q * q.ln()
        })
        .sum();
    Feature::from_value(h)
}
