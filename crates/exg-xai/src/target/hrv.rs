//! The HRV-based attention target ([`HrvTarget`]).
//!
//! EXGnet supervises Grad-CAM with an attention map "produced automatically by a heart rate
//! variability based approach"; the paper gives no algorithm. This is ours (full rationale and
//! figures in `docs/xai.md`). Every width is in milliseconds and every window is evaluated in
//! continuous time, `t = n / fs`, so the target does not depend on the sampling rate.
//!
//! For R-peaks at times `t_i` with RR intervals `RR_k = t_{k+1} - t_k`:
//!
//! 1. **Irregularity.** Beat `i` gets the relative successive RR difference
//!    `d_i = |RR_i - RR_{i-1}| / mean(RR_i, RR_{i-1})` (the two intervals around it; the first
//!    and last beats take their neighbour's value). Successive differences ignore slow rate
//!    drift and respiratory modulation: they are large where the rhythm *breaks* (an ectopic
//!    beat and its pause, an AF beat). The record's irregularity index is the median `d_i`
//!    over the interior beats.
//! 2. **Beat weights.** `w_i = floor + (1 - floor) * ramp(d_i)` with `ramp` rising from 0 at
//!    `irregularity_tolerance` to 1 at `irregularity_saturation`; weights are then divided by
//!    their maximum. A regular record gets equal weights (all 1); an irregular one peaks on the
//!    beats where the rhythm breaks.
//! 3. **QRS mark.** Each beat gets a flat-topped window from `qrs_before_ms` before to
//!    `qrs_after_ms` after its R-peak, with raised-cosine edges of `taper_ms`, scaled by `w_i`.
//! 4. **P-wave region** (rhythms with absent or abnormal P waves): a window from
//!    `p_start_ms` to `p_end_ms` before each R-peak, at `p_level * w_i`.
//! 5. **Rate band** (rate-defined rhythms): each RR interval whose *local* mean rate (over the
//!    intervals within `rate_window_s` centred on it: a standard 10-s ECG by default, so single
//!    fast or slow beats of an irregular rhythm do not count) lies outside `normal_bpm` is filled
//!    at `rate_level * ramp` (the ramp reaching 1 at `rate_ramp_bpm` beyond the limit): the
//!    intervals that set the rate.
//! 6. The map is the pointwise maximum of the components (overlaps do not add), in `[0, 1]`.
//!
//! **How the class enters.** By default it does not: the target is a property of the record,
//! derived from its RR series alone (the rate band only marks intervals that really are slow or
//! fast, the P-wave region is marked when the record is irregular — irregularity index above
//! `irregular_threshold`, the atrial-fibrillation pattern). A class hint (a rhythm code such as
//! `"SB"`), when given, selects the components from [`HrvTargetConfig::classes`] instead:
//! `rate` marks *every* RR interval, `p_window` every P-wave region.
//!
//! ```
//! use exg_signal::{Ecg, Hz, RPeaks};
//! use exg_xai::target::{AttentionTarget, HrvTarget, HrvTargetConfig};
//!
//! let fs = Hz::new(500.0)?;
//! // Regular beats at 50 bpm (bradycardia): every 600 samples.
//! let idx: Vec<usize> = (300..5000).step_by(600).collect();
//! let ecg = Ecg::new(vec![0.0; 5000], fs)?;
//! let peaks = RPeaks::new(idx, fs, 5000)?;
//! let target = HrvTarget::new(HrvTargetConfig::default())?;
//! let map = target.target(&ecg, &peaks, None)?.into_result().unwrap();
//! assert_eq!(map.values()[300], 1.0); // the QRS
//! assert_eq!(map.values()[600], 0.2); // between beats: the rate band (50 bpm is 10 below 60)
//! assert_eq!(map.summary().rate_intervals, 7);
//! // With the hint "SR" the class rule turns the rate band off.
//! let sr = target.target(&ecg, &peaks, Some("SR"))?.into_result().unwrap();
//! assert_eq!(sr.values()[600], 0.0);
//! # Ok::<(), exg_xai::Error>(())
//! ```

use std::collections::BTreeMap;

use exg_signal::{Ecg, RPeaks};
use serde::{Deserialize, Serialize};

use super::{AttentionTarget, NoTarget, TargetMap, TargetOutcome, TargetSummary, check_peaks};
use crate::{Error, Result};

/// When the P-wave region is marked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PWindowMode {
    /// From the class rule when a class hint is given, else when the record is irregular
    /// (irregularity index above [`HrvTargetConfig::irregular_threshold`]).
    #[default]
    Auto,
    /// On every record.
    Always,
    /// Never.
    Never,
}

/// The components a class turns on (see [`HrvTargetConfig::classes`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassRule {
    /// Rate-defined rhythm: mark every RR interval at `rate_level`.
    pub rate: bool,
    /// Absent or abnormal P waves: mark the P-wave region of every beat.
    pub p_window: bool,
}

/// Parameters of [`HrvTarget`]. Durations in milliseconds, rates in beats per minute.
///
/// Defaults: the QRS and P windows are fitted to the cardiologists' delineation of lead II in
/// LUDB (1,817 QRS complexes: onset 44 ms before the R-peak (5–95 %: 30–60 ms), offset 48 ms
/// after (32–86 ms); 1,401 P waves: onset 204 ms before the R-peak (164–256 ms), offset 92 ms
/// before (66–134 ms)), so that the plateau spans the median wave and the taper reaches the
/// 95th percentile. The irregularity ramp (0.1 to 0.3) is set on LUDB's annotated R-peaks
/// (lead ii): 95 % of beats in sinus rhythm have a relative successive RR difference below 0.09
/// (1,016 beats), while in atrial fibrillation the median is 0.19 and the 75th percentile 0.35
/// (136 beats). The record threshold 0.1 follows the normalised-RMSSD threshold of AF detectors
/// (Dash et al., Ann Biomed Eng 37, 2009); on LUDB it separates the medians of sinus records
/// (90th percentile 0.045) from those of most AF records (median 0.215). The 60–100 bpm normal
/// range is the usual definition of sinus brady- and tachycardia.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HrvTargetConfig {
    /// QRS plateau start, before the R-peak (ms).
    pub qrs_before_ms: f64,
    /// QRS plateau end, after the R-peak (ms).
    pub qrs_after_ms: f64,
    /// Raised-cosine edge of the QRS window, on each side (ms).
    pub taper_ms: f64,
    /// P-wave plateau start, before the R-peak (ms).
    pub p_start_ms: f64,
    /// P-wave plateau end, before the R-peak (ms).
    pub p_end_ms: f64,
    /// Raised-cosine edge of the P-wave window (ms).
    pub p_taper_ms: f64,
    /// Height of the P-wave region relative to its beat's QRS mark.
    pub p_level: f32,
    /// When the P-wave region is marked.
    pub p_window: PWindowMode,
    /// Record irregularity index above which `PWindowMode::Auto` marks P-wave regions.
    pub irregular_threshold: f64,
    /// Relative successive RR difference below which a beat is regular (weight `beat_floor`).
    pub irregularity_tolerance: f64,
    /// Relative successive RR difference at which a beat gets the full weight 1.
    pub irregularity_saturation: f64,
    /// Weight of a regular beat relative to a fully irregular one, in (0, 1].
    pub beat_floor: f32,
    /// Normal range of the instantaneous heart rate (bpm): RR intervals outside it set the rate.
    pub normal_bpm: (f64, f64),
    /// Width of the window, centred on each RR interval, over which its local rate is
    /// averaged (s); 0 uses the interval's own rate.
    pub rate_window_s: f64,
    /// How far beyond the normal range (bpm) the rate band reaches its full height.
    pub rate_ramp_bpm: f64,
    /// Height of the rate band.
    pub rate_level: f32,
    /// Fewest R-peaks that give a target (at least 3: two RR intervals).
    pub min_beats: usize,
    /// Shortest record that gets a target (s).
    pub min_duration_s: f64,
    /// Components per class hint, keyed by rhythm code (matched case-insensitively).
    pub classes: BTreeMap<String, ClassRule>,
}

impl Default for HrvTargetConfig {
    fn default() -> Self {
        Self {
            qrs_before_ms: 45.0,
            qrs_after_ms: 55.0,
            taper_ms: 20.0,
            p_start_ms: 220.0,
            p_end_ms: 90.0,
            p_taper_ms: 30.0,
            p_level: 0.6,
            p_window: PWindowMode::Auto,
            irregular_threshold: 0.1,
            irregularity_tolerance: 0.1,
            irregularity_saturation: 0.3,
            beat_floor: 0.3,
            normal_bpm: (60.0, 100.0),
            rate_window_s: 10.0,
            rate_ramp_bpm: 10.0,
            rate_level: 0.2,
            min_beats: 3,
            min_duration_s: 2.0,
            classes: default_classes(),
        }
    }
}

/// Rhythm codes of Chapman-Shaoxing / Ningbo (and the synthetic set) with their components.
/// `AF` is left out on purpose: Chapman uses it for atrial *flutter*, others for fibrillation.
fn default_classes() -> BTreeMap<String, ClassRule> {
    let rule = |rate, p_window| ClassRule { rate, p_window };
    [
        ("SR", rule(false, false)),
        ("SA", rule(false, false)),
        ("SI", rule(false, false)),
        ("SB", rule(true, false)),
        ("ST", rule(true, false)),
        ("AFIB", rule(false, true)),
        ("AFL", rule(false, true)),
        ("SVT", rule(true, true)),
        ("AT", rule(true, true)),
        ("GSVT", rule(true, true)),
        ("AVNRT", rule(true, true)),
        ("AVRT", rule(true, true)),
        ("SAAWR", rule(true, true)),
    ]
    .into_iter()
    .map(|(k, r)| (k.to_owned(), r))
    .collect()
}

impl HrvTargetConfig {
    /// Checks every parameter.
    ///
    /// # Errors
    /// [`Error::Input`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |name: &str, why: &str| Err(Error::Input(format!("HrvTargetConfig.{name} {why}")));
        let durations = [
            ("qrs_before_ms", self.qrs_before_ms),
            ("qrs_after_ms", self.qrs_after_ms),
            ("taper_ms", self.taper_ms),
            ("p_end_ms", self.p_end_ms),
            ("p_taper_ms", self.p_taper_ms),
            ("min_duration_s", self.min_duration_s),
            ("rate_window_s", self.rate_window_s),
        ];
        for (name, v) in durations {
            if !(v.is_finite() && v >= 0.0) {
                return bad(name, "must be finite and >= 0");
            }
        }
        if !(self.p_start_ms.is_finite() && self.p_start_ms > self.p_end_ms) {
            return bad("p_start_ms", "must be finite and > p_end_ms");
        }
        if self.qrs_before_ms + self.qrs_after_ms + self.taper_ms <= 0.0 {
            return bad("qrs_before_ms", "QRS window must have a non-zero width");
        }
        for (name, v) in [("p_level", self.p_level), ("rate_level", self.rate_level)] {
            if !(0.0..=1.0).contains(&v) {
                return bad(name, "must be in [0, 1]");
            }
        }
        if !(self.beat_floor > 0.0 && self.beat_floor <= 1.0) {
            return bad("beat_floor", "must be in (0, 1]");
        }
        let (tol, sat) = (self.irregularity_tolerance, self.irregularity_saturation);
        if !(tol.is_finite() && tol >= 0.0 && sat.is_finite() && sat > tol) {
            return bad(
                "irregularity_saturation",
                "must be finite and > irregularity_tolerance >= 0",
            );
        }
        if !(self.irregular_threshold.is_finite() && self.irregular_threshold >= 0.0) {
            return bad("irregular_threshold", "must be finite and >= 0");
        }
        let (lo, hi) = self.normal_bpm;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
            return bad("normal_bpm", "must be finite with 0 < low < high");
        }
        if !(self.rate_ramp_bpm.is_finite() && self.rate_ramp_bpm > 0.0) {
            return bad("rate_ramp_bpm", "must be finite and > 0");
        }
        if self.min_beats < 3 {
            return bad("min_beats", "must be at least 3");
        }
        Ok(())
    }

    /// The rule of class `code` (case-insensitive).
    ///
    /// # Errors
    /// [`Error::Input`] when `code` is not in [`classes`](Self::classes).
    pub fn class_rule(&self, code: &str) -> Result<ClassRule> {
        let code = code.trim();
        self.classes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(code))
            .map(|(_, r)| *r)
            .ok_or_else(|| {
                let known: Vec<&str> = self.classes.keys().map(String::as_str).collect();
                Error::Input(format!(
                    "unknown class hint `{code}` (known: {})",
                    known.join(", ")
                ))
            })
    }
}

/// The HRV-based attention target (see the [module docs](self) for the algorithm).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HrvTarget {
    config: HrvTargetConfig,
}

impl HrvTarget {
    /// A target with `config`.
    ///
    /// # Errors
    /// [`Error::Input`] when a parameter is out of range (see [`HrvTargetConfig::validate`]).
    pub fn new(config: HrvTargetConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The parameters.
    pub fn config(&self) -> &HrvTargetConfig {
        &self.config
    }
}

impl AttentionTarget for HrvTarget {
    fn name(&self) -> &str {
        "hrv"
    }

    fn target(&self, ecg: &Ecg, peaks: &RPeaks, class: Option<&str>) -> Result<TargetOutcome> {
        check_peaks(ecg, peaks)?;
        let cfg = &self.config;
        let rule = class.map(|c| cfg.class_rule(c)).transpose()?;
        let duration_s = ecg.duration();
        if duration_s < cfg.min_duration_s {
            return Ok(TargetOutcome::Missing(NoTarget::TooShort {
                duration_s,
                min_s: cfg.min_duration_s,
            }));
        }
        if peaks.len() < cfg.min_beats {
            return Ok(TargetOutcome::Missing(NoTarget::TooFewBeats {
                found: peaks.len(),
                min: cfg.min_beats,
            }));
        }
        let fs = ecg.fs().get();
        let times = peaks.times_s();
        let rr: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let inner = successive_differences(&rr);
        let irregularity = median(&inner);
        let weights = beat_weights(&per_beat(&inner), cfg);
        let p_window = match cfg.p_window {
            PWindowMode::Always => true,
            PWindowMode::Never => false,
            PWindowMode::Auto => match rule {
                Some(r) => r.p_window,
                None => irregularity > cfg.irregular_threshold,
            },
        };
        let rate: Vec<f32> = match rule {
            Some(rule) => vec![f32::from(u8::from(rule.rate)); rr.len()],
            None => local_rates_bpm(&times, cfg.rate_window_s)
                .into_iter()
                .map(|bpm| rate_abnormality(bpm, cfg) as f32)
                .collect(),
        };

        let mut values = vec![0.0f32; ecg.len()];
        // Rate band over each interval [t_k, t_{k+1}].
        for (k, &a) in rate.iter().enumerate() {
            let level = cfg.rate_level * a;
            if level > 0.0 {
                let (i0, i1) = (peaks.indices()[k], peaks.indices()[k + 1]);
                values[i0..=i1].iter_mut().for_each(|v| *v = v.max(level));
            }
        }
        // Beat marks: QRS window, and the P-wave region when on.
        let qrs = Window::new(-cfg.qrs_before_ms, cfg.qrs_after_ms, cfg.taper_ms);
        let p = Window::new(-cfg.p_start_ms, -cfg.p_end_ms, cfg.p_taper_ms);
        let (lo, hi) = if p_window {
            (qrs.support().0.min(p.support().0), qrs.support().1)
        } else {
            qrs.support()
        };
        let last = ecg.len() - 1;
        for (&t, &w) in times.iter().zip(&weights) {
            let i0 = ((t + lo) * fs).ceil().max(0.0) as usize;
            let i1 = (((t + hi) * fs).floor().max(0.0) as usize).min(last);
            for (n, v) in values.iter_mut().enumerate().take(i1 + 1).skip(i0) {
                let u = n as f64 / fs - t;
                let mut shape = qrs.at(u);
                if p_window {
                    shape = shape.max(f64::from(cfg.p_level) * p.at(u));
                }
                *v = v.max(w * shape as f32);
            }
        }
        let summary = TargetSummary {
            method: self.name().to_owned(),
            n_beats: peaks.len(),
            mean_hr_bpm: 60.0 * rr.len() as f64 / rr.iter().sum::<f64>(),
            irregularity,
            beat_weights: weights,
            p_window,
            rate_intervals: rate.iter().filter(|&&a| a > 0.0).count(),
            class: class.map(|c| c.trim().to_owned()),
        };
        Ok(TargetOutcome::Map(TargetMap::new(
            values,
            ecg.fs(),
            summary,
        )?))
    }
}

/// A flat-topped window on `[a, b]` seconds with raised-cosine edges of `taper` seconds.
#[derive(Clone, Copy, Debug)]
struct Window {
    a: f64,
    b: f64,
    taper: f64,
}

impl Window {
    /// From milliseconds.
    fn new(a_ms: f64, b_ms: f64, taper_ms: f64) -> Self {
        Self {
            a: a_ms / 1000.0,
            b: b_ms / 1000.0,
            taper: taper_ms / 1000.0,
        }
    }

    /// Where the window is non-zero (closed bounds, seconds).
    fn support(self) -> (f64, f64) {
        (self.a - self.taper, self.b + self.taper)
    }

    /// Value at `u` seconds from the R-peak, in [0, 1].
    fn at(self, u: f64) -> f64 {
        let outside = if u < self.a {
            self.a - u
        } else if u > self.b {
            u - self.b
        } else {
            return 1.0;
        };
        if outside >= self.taper {
            0.0
        } else {
            0.5 * (1.0 + (std::f64::consts::PI * outside / self.taper).cos())
        }
    }
}

/// Relative successive RR differences `|RR_k - RR_{k-1}| / mean(RR_k, RR_{k-1})`, one per
/// interior beat (`rr.len() - 1` values).
fn successive_differences(rr: &[f64]) -> Vec<f64> {
    rr.windows(2)
        .map(|w| (w[1] - w[0]).abs() / (0.5 * (w[0] + w[1])))
        .collect()
}

/// The difference at every beat: interior beats their own, the first and last beats their
/// neighbour's (`inner` must not be empty).
fn per_beat(inner: &[f64]) -> Vec<f64> {
    let (first, last) = (inner[0], inner[inner.len() - 1]);
    std::iter::once(first)
        .chain(inner.iter().copied())
        .chain(std::iter::once(last))
        .collect()
}

/// Beat weights from the successive differences, divided by their maximum.
fn beat_weights(d: &[f64], cfg: &HrvTargetConfig) -> Vec<f32> {
    let (tol, sat) = (cfg.irregularity_tolerance, cfg.irregularity_saturation);
    let floor = f64::from(cfg.beat_floor);
    let raw: Vec<f64> = d
        .iter()
        .map(|&x| floor + (1.0 - floor) * ((x - tol) / (sat - tol)).clamp(0.0, 1.0))
        .collect();
    let max = raw.iter().copied().fold(floor, f64::max);
    raw.iter().map(|&w| (w / max) as f32).collect()
}

/// Mean rate (bpm) of the RR intervals whose midpoints lie within `window_s` centred on each
/// interval's midpoint (`times`: R-peak times, at least 2).
fn local_rates_bpm(times: &[f64], window_s: f64) -> Vec<f64> {
    let mid: Vec<f64> = times.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    let rr: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let half = 0.5 * window_s;
    let (mut lo, mut hi, mut sum) = (0usize, 0usize, 0.0f64);
    mid.iter()
        .map(|&m| {
            while hi < mid.len() && mid[hi] <= m + half {
                sum += rr[hi];
                hi += 1;
            }
            while mid[lo] < m - half {
                sum -= rr[lo];
                lo += 1;
            }
            60.0 * (hi - lo) as f64 / sum
        })
        .collect()
}

/// How far a rate lies outside the normal range, in [0, 1].
fn rate_abnormality(bpm: f64, cfg: &HrvTargetConfig) -> f64 {
    let (lo, hi) = cfg.normal_bpm;
    let beyond = (lo - bpm).max(bpm - hi).max(0.0);
    (beyond / cfg.rate_ramp_bpm).clamp(0.0, 1.0)
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_shape() {
        // Plateau [-45, 55] ms, 20-ms cosine edges: 1 inside, 0.5 halfway down, 0 beyond.
        let w = Window::new(-45.0, 55.0, 20.0);
        assert_eq!(w.at(0.0), 1.0);
        assert_eq!(w.at(-0.045), 1.0);
        assert!((w.at(-0.055) - 0.5).abs() < 1e-12);
        assert!((w.at(0.065) - 0.5).abs() < 1e-12);
        assert_eq!(w.at(-0.065), 0.0);
        assert_eq!(w.at(0.2), 0.0);
    }

    #[test]
    fn successive_differences_of_a_pause() {
        // RR 1, 1, 2, 1 s: |2-1|/1.5 at the beats around the long interval.
        let inner = successive_differences(&[1.0, 1.0, 2.0, 1.0]);
        assert_eq!(inner.len(), 3);
        let d = per_beat(&inner);
        assert_eq!(d.len(), 5);
        assert_eq!(d[0], 0.0);
        assert_eq!(d[1], 0.0);
        assert!((d[2] - 1.0 / 1.5).abs() < 1e-12);
        assert!((d[3] - 1.0 / 1.5).abs() < 1e-12);
        assert_eq!(d[4], d[3]);
    }

    #[test]
    fn rate_ramp() {
        // Normal 60-100 bpm, full height 10 bpm beyond.
        let cfg = HrvTargetConfig::default();
        assert_eq!(rate_abnormality(80.0, &cfg), 0.0);
        assert_eq!(rate_abnormality(55.0, &cfg), 0.5);
        assert_eq!(rate_abnormality(40.0, &cfg), 1.0);
        assert_eq!(rate_abnormality(105.0, &cfg), 0.5);
    }

    #[test]
    fn local_rate_window() {
        // R-peaks at 0, 1, 2, 2.5, 3 s: intervals 1, 1, 0.5, 0.5 s. With a 0-s window each
        // interval keeps its own rate (60, 60, 120, 120 bpm); with 10 s all four average to
        // 60 * 4 / 3 = 80 bpm.
        let t = [0.0, 1.0, 2.0, 2.5, 3.0];
        assert_eq!(local_rates_bpm(&t, 0.0), vec![60.0, 60.0, 120.0, 120.0]);
        for r in local_rates_bpm(&t, 10.0) {
            assert!((r - 80.0).abs() < 1e-9);
        }
        // A 1.6-s window around the interval midpoints 0.5, 1.5, 2.25, 2.75 s.
        let r = local_rates_bpm(&t, 1.6);
        assert!((r[0] - 60.0).abs() < 1e-9); // [-0.3, 1.3]: only itself
        assert!((r[1] - 80.0).abs() < 1e-9); // [0.7, 2.3]: 1 s + 0.5 s over 2 intervals
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
