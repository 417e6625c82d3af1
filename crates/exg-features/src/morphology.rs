//! Beat morphology from a simple median-beat delineator, and P-wave presence.
//!
//! The delineator works on the **median beat** (sample-wise median of beats aligned on their
//! R-peaks), as ECG carts measure global intervals: one delineation per record, robust to a
//! few noisy beats. It is deliberately simple (slope thresholds and the tangent method), with
//! its accuracy against GE MUSE measurements documented in `docs/features.md`.

use std::sync::Arc;

use exg_signal::rpeaks::FS_RANGE_HZ;
use exg_signal::{Hz, RPeaks};

use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::stats::{median, pearson};
use crate::{Error, Result};

/// Template window before the R-peak, seconds.
const PRE_S: f64 = 0.30;
/// Template window after the R-peak, seconds.
const POST_S: f64 = 0.65;

/// Wave boundaries of a median beat, in seconds relative to the R-peak, and amplitudes in the
/// signal's unit relative to the isoelectric level.
#[derive(Clone, Debug, PartialEq)]
pub struct Delineation {
    /// QRS onset (negative).
    pub qrs_on_s: f64,
    /// QRS offset.
    pub qrs_off_s: f64,
    /// T-wave end (tangent method), when a T wave was found.
    pub t_end_s: Option<f64>,
    /// P-wave onset, when a P wave was found.
    pub p_on_s: Option<f64>,
    /// R amplitude (template at R minus baseline).
    pub r_amp: f64,
    /// S amplitude (most negative deflection after R within the QRS, minus baseline; <= 0).
    pub s_amp: f64,
    /// Median RR interval, seconds.
    pub rr_s: f64,
}

/// Median beat of `x` around `peaks` (only beats whose window fits), with the R index inside.
fn median_beat(x: &[f64], idx: &[usize], pre: usize, post: usize) -> Option<Vec<f64>> {
    let beats: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&r| r >= pre && r.checked_add(post).is_some_and(|end| end < x.len()))
        .collect();
    if beats.len() < 2 {
        return None;
    }
    let mut col = vec![0.0; beats.len()];
    Some(
        (0..pre + post + 1)
            .map(|k| {
                for (c, &r) in col.iter_mut().zip(&beats) {
                    *c = x[r - pre + k];
                }
                median(&col)
            })
            .collect(),
    )
}

/// Delineates the median beat of one or more simultaneous leads (same rate and length).
///
/// Boundaries come from the summed absolute slope of all leads (each normalised by its QRS
/// slope): QRS onset/offset where it drops below 5 % (one lead: 1.5 %) of its QRS maximum; T end by the tangent
/// at the steepest T downslope of the lead with the largest T wave; P onset where the P-wave
/// deflection in 300–40 ms before QRS onset falls to 20 % of its peak, if the P peak exceeds
/// 5 % of the R amplitude.
///
/// Returns `Ok(None)` (the documented "nothing to delineate" result) when fewer than 2 beats
/// fit the −300/+650 ms window or the QRS has no slope (a flat line).
///
/// # Errors
/// - [`Error::InvalidParameter`] (`leads`) when `leads` is empty;
/// - [`Error::InvalidParameter`] (`fs`) when `fs` lies outside the R-peak detectors' supported
///   range [`exg_signal::rpeaks::FS_RANGE_HZ`] (50–20 000 Hz): below it the wave windows hold
///   no samples;
/// - [`Error::PeaksMismatch`] when `peaks` were found at another rate or on a signal of another
///   length than a lead;
/// - [`Error::Signal`] ([`exg_signal::Error::NonFinite`]) for a NaN or infinite sample.
///
/// ```
/// use exg_features::delineate;
/// use exg_signal::{Hz, RPeaks};
/// let fs = Hz::new(500.0)?;
/// let mut x = vec![0.0; 5000];
/// let peaks: Vec<usize> = (0..6).map(|k| 400 + 800 * k).collect();
/// for &r in &peaks { for i in 0..20 { let v = 1.0 - i as f64 / 20.0; x[r - i] = v; x[r + i] = v; } }
/// let d = delineate(&[&x], fs, &RPeaks::new(peaks, fs, 5000)?)?.expect("6 beats fit");
/// assert!((d.rr_s - 1.6).abs() < 1e-12);
/// // A flat line has nothing to delineate.
/// let flat = vec![0.0; 5000];
/// let peaks = RPeaks::new(vec![1000, 2000, 3000], fs, 5000)?;
/// assert_eq!(delineate(&[&flat], fs, &peaks)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn delineate(leads: &[&[f64]], fs: Hz, peaks: &RPeaks) -> Result<Option<Delineation>> {
    delineate_with(leads, fs, peaks, &DelineatorParams::default())
}

/// Tunable thresholds of [`delineate`].
#[derive(Clone, Debug, PartialEq)]
pub struct DelineatorParams {
    /// QRS boundary with several leads: fraction of the QRS maximum of the summed slope
    /// envelope (default 0.05).
    pub qrs_threshold: f64,
    /// The same for a single lead (default 0.015: one lead's envelope falls faster at the QRS
    /// ends, where part of the complex is isoelectric). Both defaults were chosen on the 35
    /// local Chapman records, see `docs/features.md`.
    pub qrs_threshold_single: f64,
}

impl Default for DelineatorParams {
    fn default() -> Self {
        Self {
            qrs_threshold: 0.05,
            qrs_threshold_single: 0.015,
        }
    }
}

/// Checks the arguments of [`delineate_with`].
fn check_delineation_input(
    leads: &[&[f64]],
    fs: Hz,
    peaks: &RPeaks,
    params: &DelineatorParams,
) -> Result<()> {
    if leads.is_empty() {
        return Err(Error::InvalidParameter {
            name: "leads",
            reason: "no leads to delineate".into(),
        });
    }
    let (lo, hi) = FS_RANGE_HZ;
    if !(lo..=hi).contains(&fs.get()) {
        return Err(Error::InvalidParameter {
            name: "fs",
            reason: format!("{fs} is outside the supported {lo}–{hi} Hz"),
        });
    }
    for (name, v) in [
        ("qrs_threshold", params.qrs_threshold),
        ("qrs_threshold_single", params.qrs_threshold_single),
    ] {
        if !(v > 0.0 && v < 1.0) {
            return Err(Error::InvalidParameter {
                name,
                reason: format!("{v} is not a fraction in (0, 1)"),
            });
        }
    }
    if peaks.fs() != fs {
        return Err(Error::PeaksMismatch(format!(
            "peaks at {}, leads at {fs}",
            peaks.fs()
        )));
    }
    for (i, x) in leads.iter().enumerate() {
        if x.len() != peaks.signal_len() {
            return Err(Error::PeaksMismatch(format!(
                "lead {i} has {} samples, the peaks index {}",
                x.len(),
                peaks.signal_len()
            )));
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(exg_signal::Error::NonFinite { index }.into());
        }
    }
    Ok(())
}

/// [`delineate`] with explicit thresholds.
///
/// # Errors
/// As [`delineate`], and [`Error::InvalidParameter`] for a threshold outside (0, 1).
pub fn delineate_with(
    leads: &[&[f64]],
    fs: Hz,
    peaks: &RPeaks,
    params: &DelineatorParams,
) -> Result<Option<Delineation>> {
    check_delineation_input(leads, fs, peaks, params)?;
    Ok(delineate_checked(leads, fs.get(), peaks.indices(), params))
}

/// The delineator proper: `fs` in [`FS_RANGE_HZ`], `peaks` strictly increasing and inside every
/// lead, samples finite.
fn delineate_checked(
    leads: &[&[f64]],
    fs: f64,
    peaks: &[usize],
    params: &DelineatorParams,
) -> Option<Delineation> {
    let pre = (PRE_S * fs).round() as usize;
    let post = (POST_S * fs).round() as usize;
    let rr: Vec<f64> = peaks
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / fs)
        .collect();
    if rr.is_empty() {
        return None;
    }
    let rr_s = median(&rr);
    let templates: Vec<Vec<f64>> = leads
        .iter()
        .map(|x| median_beat(x, peaks, pre, post))
        .collect::<Option<_>>()?;
    let len = pre + post + 1;
    let ms = |s: f64| (s * fs).round() as isize;
    // Baseline per lead: median over the PR segment 80..40 ms before R.
    let base: Vec<f64> = templates
        .iter()
        .map(|t| median(&t[(pre as isize - ms(0.08)) as usize..(pre as isize - ms(0.04)) as usize]))
        .collect();
    // Combined slope envelope, each lead normalised by its max slope around R.
    let mut env = vec![0.0; len];
    for t in &templates {
        let d: Vec<f64> = (0..len)
            .map(|i| {
                if i == 0 || i + 1 == len {
                    0.0
                } else {
                    (t[i + 1] - t[i - 1]).abs() / 2.0
                }
            })
            .collect();
        let lo = pre.saturating_sub(ms(0.1) as usize);
        let hi = (pre + ms(0.1) as usize).min(len - 1);
        let m = d[lo..=hi].iter().copied().fold(0.0, f64::max);
        if m > 0.0 {
            env.iter_mut().zip(&d).for_each(|(e, v)| *e += v / m);
        }
    }
    let qlo = pre.saturating_sub(ms(0.1) as usize);
    let qhi = (pre + ms(0.12) as usize).min(len - 1);
    let emax = env[qlo..=qhi].iter().copied().fold(0.0, f64::max);
    if emax <= 0.0 {
        return None;
    }
    let frac = if leads.len() == 1 {
        params.qrs_threshold_single
    } else {
        params.qrs_threshold
    };
    let thr = frac * emax;
    let strong = 0.5 * emax;
    // Outermost strong-slope samples of the QRS, then walk outwards to the threshold.
    let first_strong = (qlo..=pre).find(|&i| env[i] >= strong).unwrap_or(pre);
    let last_strong = (pre..=qhi).rev().find(|&i| env[i] >= strong).unwrap_or(pre);
    let mut on = first_strong;
    while on > qlo && env[on] >= thr {
        on -= 1;
    }
    let mut off = last_strong;
    while off < qhi && env[off] >= thr {
        off += 1;
    }
    let qrs_on_s = (on as f64 - pre as f64) / fs;
    let qrs_off_s = (off as f64 - pre as f64) / fs;
    // Amplitudes on the lead with the largest R deflection (single lead: that lead).
    let (r_amp, s_amp) = {
        let (t, b) = (&templates[0], base[0]);
        let s = t[pre..=off.max(pre)]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            - b;
        (t[pre] - b, s.min(0.0))
    };
    // T wave: largest |deflection| between QRS offset + 60 ms and min(0.7 RR, POST).
    let t_lo = off + ms(0.06) as usize;
    let t_hi = ((0.7 * rr_s * fs) as usize + pre).min(len - 2);
    let mut t_end_s = None;
    if t_lo + 2 < t_hi {
        let mut best: Option<(f64, usize, usize)> = None; // (amplitude, lead, peak index)
        for (li, t) in templates.iter().enumerate() {
            let (pk, amp) = (t_lo..t_hi)
                .map(|i| (i, (t[i] - base[li]).abs()))
                .fold((t_lo, 0.0), |a, b| if b.1 > a.1 { b } else { a });
            if best.is_none_or(|b| amp > b.0) {
                best = Some((amp, li, pk));
            }
        }
        if let Some((amp, li, pk)) = best {
            let t = &templates[li];
            let b = base[li];
            let sign = (t[pk] - b).signum();
            // Steepest descent towards baseline after the peak.
            let end = (pk + ms(0.2) as usize).min(len - 2);
            let (mut si, mut sl) = (pk, 0.0);
            for i in pk + 1..end {
                let s = -(t[i + 1] - t[i - 1]) / 2.0 * sign;
                if s > sl {
                    (si, sl) = (i, s);
                }
            }
            if sl > 0.0 && amp > 0.0 {
                let dist = (t[si] - b).abs() / sl; // samples to reach baseline along the tangent
                t_end_s = Some((si as f64 + dist - pre as f64) / fs);
            }
        }
    }
    // P wave in [QRS on - 300 ms, QRS on - 40 ms] of the first lead.
    let mut p_on_s = None;
    let (t, b) = (&templates[0], base[0]);
    let p_hi = on.saturating_sub(ms(0.04) as usize);
    let p_lo = on.saturating_sub(ms(0.30) as usize).max(1);
    if p_lo + 2 < p_hi {
        let (pk, amp) = (p_lo..p_hi)
            .map(|i| (i, (t[i] - b).abs()))
            .fold((p_lo, 0.0), |a, x| if x.1 > a.1 { x } else { a });
        if amp > 0.05 * r_amp.abs() && amp > 0.0 {
            let mut i = pk;
            while i > p_lo && (t[i] - b).abs() > 0.2 * amp {
                i -= 1;
            }
            p_on_s = Some((i as f64 - pre as f64) / fs);
        }
    }
    Some(Delineation {
        qrs_on_s,
        qrs_off_s,
        t_end_s,
        p_on_s,
        r_amp,
        s_amp,
        rr_s,
    })
}

/// Morphology features of one lead from [`delineate`]: `QRSd`, `QT`, `QTcB` (Bazett
/// `QT / sqrt(RR)`), `QTcF` (Fridericia `QT / RR^(1/3)`), `PR` (P onset to QRS onset, only when
/// a P wave is found), `RAmp`, `SAmp` (signal unit). Needs 2 beats whose −300/+650 ms window
/// fits the record; invalid from peaks alone.
///
/// ```
/// use exg_features::{Extract, Morphology};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(500.0)?;
/// // Triangular QRS of 80 ms width every 800 ms.
/// let mut x = vec![0.0; 5000];
/// let peaks: Vec<usize> = (0..6).map(|k| 400 + 800 * k).collect();
/// for &r in &peaks { for i in 0..20 { let v = 1.0 - i as f64 / 20.0; x[r - i] = v; x[r + i] = v; } }
/// let ecg = Ecg::new(x, fs)?;
/// let v = Morphology::default().extract(&ecg, &RPeaks::new(peaks, fs, 5000)?)?;
/// let qrs = v.value("QRSd").unwrap();
/// assert!((qrs - 80.0).abs() <= 10.0, "{qrs}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Morphology {
    schema: Arc<Schema>,
}

impl Default for Morphology {
    fn default() -> Self {
        let s = FeatureSpec::new;
        let specs = vec![
            s("QRSd", "ms", 2, 0.0),
            s("QT", "ms", 2, 0.0),
            s("QTcB", "ms", 2, 0.0),
            s("QTcF", "ms", 2, 0.0),
            s("PR", "ms", 2, 0.0),
            s("RAmp", "signal unit", 2, 0.0),
            s("SAmp", "signal unit", 2, 0.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl Morphology {
    /// Features from a delineation (`None`: no beat fitted the window).
    pub fn from_delineation(&self, d: Option<&Delineation>) -> FeatureVector {
        let Some(d) = d else {
            return FeatureVector::all_invalid(
                self.schema.clone(),
                Invalid::undefined("fewer than 2 beats fit the -300/+650 ms window"),
            );
        };
        let qt = d.t_end_s.map(|t| (t - d.qrs_on_s) * 1000.0);
        let none = |why: &str| Feature::invalid(Invalid::undefined(why));
        let opt =
            |v: Option<f64>, why: &str| v.map(Feature::from_value).unwrap_or_else(|| none(why));
        let f = vec![
            Feature::from_value((d.qrs_off_s - d.qrs_on_s) * 1000.0),
            opt(qt, "no T wave found"),
            opt(qt.map(|q| q / d.rr_s.sqrt()), "no T wave found"),
            opt(qt.map(|q| q / d.rr_s.cbrt()), "no T wave found"),
            opt(
                d.p_on_s.map(|p| (d.qrs_on_s - p) * 1000.0),
                "no P wave found",
            ),
            Feature::from_value(d.r_amp),
            Feature::from_value(d.s_amp),
        ];
        FeatureVector::new(self.schema.clone(), f).expect("one value per column")
    }
}

impl FeatureExtractor for Morphology {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        let Some(ecg) = input.ecg() else {
            return Ok(needs_signal(&self.schema));
        };
        match delineate(&[ecg.samples()], ecg.fs(), input.peaks()) {
            Ok(d) => Ok(self.from_delineation(d.as_ref())),
            // A rate the delineator does not support: every feature is undefined, as for a
            // record too short to delineate (the extractor contract reserves `Err` for misuse).
            Err(Error::InvalidParameter { name: "fs", reason }) => Ok(FeatureVector::all_invalid(
                self.schema.clone(),
                Invalid::undefined(reason),
            )),
            Err(e) => Err(e),
        }
    }
}

/// Atrial activity: P-wave presence by template correlation.
///
/// For every beat with a full window, the segment 300–120 ms before the R-peak (where the P wave
/// of a sinus beat lies for PR 120–300 ms) is linearly detrended; the median of these segments
/// is the P template. `PWavePresence` is the fraction of beats whose segment correlates with
/// the template at r > 0.5 **and** whose template has a deflection above 3 % of the median R
/// amplitude (otherwise 0: no consistent atrial wave). `PWaveCorr` is the median correlation.
/// In AF the pre-R segment holds fibrillatory waves that do not repeat beat to beat, so both
/// drop; atrial flutter waves can still correlate (documented limitation). Needs 4 beats.
///
/// ```
/// use exg_features::{AtrialActivity, Extract};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(500.0)?;
/// let mut x = vec![0.0; 5000];
/// let peaks: Vec<usize> = (0..6).map(|k| 400 + 800 * k).collect();
/// for &r in &peaks {
///     x[r] = 1.0;
///     for i in 0..40 { x[r - 100 - i] += 0.1 * (std::f64::consts::PI * i as f64 / 40.0).sin(); }
/// }
/// let v = AtrialActivity::default().extract(&Ecg::new(x, fs)?, &RPeaks::new(peaks, fs, 5000)?)?;
/// assert_eq!(v.value("PWavePresence"), Some(1.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AtrialActivity {
    schema: Arc<Schema>,
}

impl Default for AtrialActivity {
    fn default() -> Self {
        let s = FeatureSpec::new;
        Self {
            schema: Arc::new(
                Schema::new(vec![
                    s("PWavePresence", "1", 4, 0.0),
                    s("PWaveCorr", "1", 4, 0.0),
                ])
                .expect("unique"),
            ),
        }
    }
}

impl FeatureExtractor for AtrialActivity {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        let Some(ecg) = input.ecg() else {
            return Ok(needs_signal(&self.schema));
        };
        let peaks = input.peaks();
        let x = ecg.samples();
        let fs = ecg.fs();
        let (a, b) = (fs.samples(0.30), fs.samples(0.12));
        let segs: Vec<Vec<f64>> = peaks
            .indices()
            .iter()
            .filter(|&&r| r >= a && a > b)
            .map(|&r| detrend(&x[r - a..r - b]))
            .collect();
        let r_amp = median(
            &peaks
                .indices()
                .iter()
                .map(|&r| x[r].abs())
                .collect::<Vec<_>>(),
        );
        let spec = &self.schema.specs()[0];
        if segs.len() < spec.min_beats || segs[0].len() < 3 {
            let reason = Invalid::TooFewBeats {
                have: segs.len(),
                need: spec.min_beats,
            };
            return Ok(FeatureVector::all_invalid(self.schema.clone(), reason));
        }
        let n = segs[0].len();
        let mut col = vec![0.0; segs.len()];
        let tpl: Vec<f64> = (0..n)
            .map(|k| {
                col.iter_mut().zip(&segs).for_each(|(c, s)| *c = s[k]);
                median(&col)
            })
            .collect();
        let span = tpl.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - tpl.iter().copied().fold(f64::INFINITY, f64::min);
        let corrs: Vec<f64> = segs.iter().map(|s| pearson(s, &tpl)).collect();
        let present = if span > 0.03 * r_amp {
            corrs.iter().filter(|&&c| c > 0.5).count() as f64 / corrs.len() as f64
        } else {
            0.0
        };
        let finite: Vec<f64> = corrs.iter().copied().filter(|c| c.is_finite()).collect();
        let corr = if finite.is_empty() {
            Feature::invalid(Invalid::undefined("flat pre-R segments"))
        } else {
            Feature::from_value(median(&finite))
        };
        FeatureVector::new(
            self.schema.clone(),
            vec![Feature::from_value(present), corr],
        )
    }
}

/// Every feature invalid: computed from peaks alone.
fn needs_signal(schema: &Arc<Schema>) -> FeatureVector {
    FeatureVector::all_invalid(schema.clone(), Invalid::NeedsSignal)
}

/// Removes the least-squares line.
fn detrend(x: &[f64]) -> Vec<f64> {
    let t: Vec<f64> = (0..x.len()).map(|i| i as f64).collect();
    let b = crate::stats::slope(&t, x);
    let a = crate::stats::mean(x) - b * crate::stats::mean(&t);
    x.iter().zip(&t).map(|(v, ti)| v - a - b * ti).collect()
}
