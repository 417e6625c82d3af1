//! Beat-to-template agreement and the shape of the median beat, on the band-passed signal.
//!
//! Where [`Morphology`](crate::Morphology) delineates wave boundaries, these features measure
//! how alike the beats are (ectopic beats, noise and artefacts lower the correlations) and a few
//! amplitude ratios of the median beat, all relative to its R amplitude so they do not depend
//! on gain or polarity.

use std::sync::Arc;

use exg_signal::Hz;

use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::hrv::finite_or;
use crate::quality::bandpassed;
use crate::stats::{mean, median, pearson, std};

/// Beat window before / after the R-peak, seconds.
const PRE_S: f64 = 0.25;
const POST_S: f64 = 0.45;
/// Each beat's baseline: the median of its first this many seconds.
const BASELINE_S: f64 = 0.1;
/// QRS window: R ± this many seconds.
const QRS_HALF_S: f64 = 0.06;
/// Fewest beats whose window fits the record.
const MIN_BEATS: usize = 4;

/// Beat-template features (signal + peaks; ≥ 4 beats whose −250/+450 ms window fits).
///
/// Every beat is cut from the signal band-passed 0.5–40 Hz (Butterworth order 2, zero-phase),
/// from 250 ms before its R-peak to 450 ms after (exclusive; sample counts rounded), and its
/// baseline — the median of its first 100 ms — is subtracted. The template is the sample-wise
/// median of the beats; its baseline `b` is the median of its own first 100 ms.
///
/// `Polarity` (+1 / −1) is the sign of `template[R] − b`; when −1, beats and template are
/// negated so R points up. `A = template[R] − b` (> 0 after the flip) is the R amplitude every
/// ratio divides by; "relative" below means minus `b`.
///
/// * `TmplCorrMean`, `TmplCorrStd` (population), `TmplCorrMin`: Pearson correlation of each
///   beat with the template over the whole window; `TmplCorrFracLow`: share below 0.8.
/// * `QrsCorrMean`, `QrsCorrFracLow` (share below 0.9): the same over the QRS window R ± 60 ms
///   (end exclusive).
/// * `TAmpRatio`: the relative template extreme of larger magnitude (signed) in R + [150, 400)
///   ms, over A. `PAmpRatio`: peak-to-peak of the template in R − [220, 80) ms, over A.
/// * `SAmpRatio`: relative minimum in R + [0, 80) ms; `QAmpRatio`: relative minimum in
///   R − [80, 0) ms; both over A.
/// * `QrsWidth30`: seconds between the last samples, walking out from R, where the relative
///   template still exceeds 0.3 A in magnitude.
/// * `RAmpCV`: population SD / |mean| of the beats' values at R.
/// * `BeatResid`: RMS of (beat − template) over all beats and samples, over A.
/// * `TmplEnergyOutsideQrs`: relative RMS of the template outside the QRS window, over A.
///
/// Invalid: without the signal, with fewer than 4 fitting beats, when the band-pass is
/// undefined (rate ≤ 80 Hz, flat signal), when the template has no R deflection (`A = 0`), and
/// the correlation features when a beat (or its QRS window) is constant.
///
/// ```
/// use exg_features::{BeatTemplate, Extract};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// // Identical, inverted Gaussian QRS complexes every 0.8 s.
/// let peaks: Vec<usize> = (0..12).map(|k| 100 + 200 * k).collect();
/// let x: Vec<f64> = (0..2500)
///     .map(|i| peaks.iter().map(|&r| -(-((i as f64 - r as f64) / 4.0).powi(2)).exp()).sum())
///     .collect();
/// let v = BeatTemplate::default().extract(&Ecg::new(x, fs)?, &RPeaks::new(peaks, fs, 2500)?)?;
/// assert_eq!(v.value("Polarity"), Some(-1.0));
/// assert!(v.value("TmplCorrMin").unwrap() > 0.999);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct BeatTemplate {
    schema: Arc<Schema>,
}

impl Default for BeatTemplate {
    fn default() -> Self {
        let s = |name, unit| FeatureSpec::new(name, unit, MIN_BEATS, 0.0);
        let specs = vec![
            s("TmplCorrMean", "1"),
            s("TmplCorrStd", "1"),
            s("TmplCorrMin", "1"),
            s("TmplCorrFracLow", "1"),
            s("QrsCorrMean", "1"),
            s("QrsCorrFracLow", "1"),
            s("TAmpRatio", "1"),
            s("PAmpRatio", "1"),
            s("SAmpRatio", "1"),
            s("QAmpRatio", "1"),
            s("QrsWidth30", "s"),
            s("RAmpCV", "1"),
            s("BeatResid", "1"),
            s("TmplEnergyOutsideQrs", "1"),
            s("Polarity", "1"),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl FeatureExtractor for BeatTemplate {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        let all = |r: Invalid| Ok(FeatureVector::all_invalid(self.schema.clone(), r));
        let Some(ecg) = input.ecg() else {
            return all(Invalid::NeedsSignal);
        };
        let fs = ecg.fs();
        let (pre, post) = (fs.samples(PRE_S), fs.samples(POST_S));
        // Only beats whose whole window lies inside the record.
        let idx: Vec<usize> = input
            .peaks()
            .indices()
            .iter()
            .copied()
            .filter(|&r| r >= pre && r + post < ecg.len())
            .collect();
        let fitting = idx.len();
        if fitting < MIN_BEATS {
            return all(Invalid::TooFewBeats {
                have: fitting,
                need: MIN_BEATS,
            });
        }
        let xf = match bandpassed(ecg) {
            Ok(y) => y,
            Err(r) => return all(r),
        };
        let w = Windows {
            pre,
            base: fs.samples(BASELINE_S),
            qrs: fs.samples(QRS_HALF_S),
            fs,
        };
        let beats: Vec<Vec<f64>> = idx
            .iter()
            .map(|&r| {
                let b = &xf[r - pre..r + post];
                let m = median(&b[..w.base]);
                b.iter().map(|v| v - m).collect()
            })
            .collect();
        let features = template_features(beats, &w);
        FeatureVector::new(self.schema.clone(), features)
    }
}

/// Sample counts of the windows, and the rate.
struct Windows {
    /// R index inside a beat.
    pre: usize,
    /// Baseline samples at the start of a beat.
    base: usize,
    /// QRS half-width.
    qrs: usize,
    fs: Hz,
}

impl Windows {
    fn s(&self, seconds: f64) -> usize {
        self.fs.samples(seconds)
    }
}

/// The features in schema order from baseline-corrected beats (≥ [`MIN_BEATS`], equal length).
fn template_features(mut beats: Vec<Vec<f64>>, w: &Windows) -> Vec<Feature> {
    let len = beats[0].len();
    let mut col = vec![0.0; beats.len()];
    let column_median = |beats: &[Vec<f64>], col: &mut Vec<f64>| -> Vec<f64> {
        (0..len)
            .map(|k| {
                col.iter_mut().zip(beats).for_each(|(c, b)| *c = b[k]);
                median(col)
            })
            .collect::<Vec<f64>>()
    };
    let mut tmpl = column_median(&beats, &mut col);
    let signed = tmpl[w.pre] - median(&tmpl[..w.base]);
    if signed == 0.0 || signed.is_nan() {
        let r = Invalid::undefined("the median beat has no R deflection");
        return vec![Feature::invalid(r); 15];
    }
    let polarity = signed.signum();
    if polarity < 0.0 {
        // Negation commutes exactly with the medians, so this equals templating the negated beats.
        beats.iter_mut().flatten().for_each(|v| *v = -*v);
        tmpl.iter_mut().for_each(|v| *v = -*v);
    }
    let b = median(&tmpl[..w.base]);
    let a = tmpl[w.pre] - b;
    let rel: Vec<f64> = tmpl.iter().map(|v| v - b).collect();
    let (qs, qe) = (w.pre - w.qrs, w.pre + w.qrs);

    let corr = |lo: usize, hi: usize| -> Option<Vec<f64>> {
        let c: Vec<f64> = beats
            .iter()
            .map(|bt| pearson(&bt[lo..hi], &tmpl[lo..hi]).clamp(-1.0, 1.0))
            .collect();
        c.iter().all(|v| v.is_finite()).then_some(c)
    };
    let frac_below =
        |c: &[f64], t: f64| c.iter().filter(|v| **v < t).count() as f64 / c.len() as f64;
    let flat_beat = || {
        Feature::invalid(Invalid::undefined(
            "a beat is constant: correlation undefined",
        ))
    };
    let (c_mean, c_std, c_min, c_low) = match corr(0, len) {
        Some(c) => (
            Feature::from_value(mean(&c)),
            Feature::from_value(std(&c, 0)),
            Feature::from_value(c.iter().copied().fold(f64::INFINITY, f64::min)),
            Feature::from_value(frac_below(&c, 0.8)),
        ),
        None => (flat_beat(), flat_beat(), flat_beat(), flat_beat()),
    };
    let (q_mean, q_low) = match corr(qs, qe) {
        Some(c) => (
            Feature::from_value(mean(&c)),
            Feature::from_value(frac_below(&c, 0.9)),
        ),
        None => (flat_beat(), flat_beat()),
    };

    let max = |s: &[f64]| s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = |s: &[f64]| s.iter().copied().fold(f64::INFINITY, f64::min);
    let t = &rel[w.pre + w.s(0.15)..w.pre + w.s(0.40)];
    let t_amp = if max(t).abs() > min(t).abs() {
        max(t)
    } else {
        min(t)
    };
    let p = &rel[w.pre - w.s(0.22)..w.pre - w.s(0.08)];
    let s_amp = min(&rel[w.pre..w.pre + w.s(0.08)]);
    let q_amp = min(&rel[w.pre - w.s(0.08)..w.pre]);
    let th = 0.3 * a;
    let mut i0 = w.pre;
    while i0 > 0 && rel[i0].abs() > th {
        i0 -= 1;
    }
    let mut i1 = w.pre;
    while i1 < len - 1 && rel[i1].abs() > th {
        i1 += 1;
    }
    let amps: Vec<f64> = beats.iter().map(|bt| bt[w.pre]).collect();
    let resid: Vec<f64> = beats
        .iter()
        .flat_map(|bt| bt.iter().zip(&tmpl).map(|(x, t)| (x - t).powi(2)))
        .collect();
    let outside: Vec<f64> = rel[..qs].iter().chain(&rel[qe..]).map(|v| v * v).collect();

    vec![
        c_mean,
        c_std,
        c_min,
        c_low,
        q_mean,
        q_low,
        finite_or(t_amp / a, "undefined"),
        finite_or((max(p) - min(p)) / a, "undefined"),
        finite_or(s_amp / a, "undefined"),
        finite_or(q_amp / a, "undefined"),
        Feature::from_value(w.fs.seconds(i1 - i0)),
        finite_or(std(&amps, 0) / mean(&amps).abs(), "mean R amplitude is 0"),
        finite_or(mean(&resid).sqrt() / a, "undefined"),
        finite_or(mean(&outside).sqrt() / a, "undefined"),
        Feature::from_value(polarity),
    ]
}
