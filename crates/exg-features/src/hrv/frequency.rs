//! Frequency-domain HRV: band powers of the RR series by Welch (on RR interpolated at 100 Hz,
//! NeuroKit2 `hrv_frequency` defaults) or Lomb–Scargle (on the raw, unevenly sampled RR).

use std::sync::Arc;

use super::spline::QuadraticSpline;
use super::{RrSeries, finite_or};
use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::spectrum::{WelchParams, welch};
use crate::stats::mean;
use exg_signal::RPeaks;

/// The five bands (Hz), NeuroKit2 / Task Force 1996: ULF, VLF, LF, HF, VHF.
pub const BANDS: [(&str, f64, f64); 5] = [
    ("ULF", 0.0, 0.0033),
    ("VLF", 0.0033, 0.04),
    ("LF", 0.04, 0.15),
    ("HF", 0.15, 0.4),
    ("VHF", 0.4, 0.5),
];

/// ULF needs a 24-h recording (Task Force 1996); its lower edge is 0 Hz so no cycle rule applies.
pub const ULF_MIN_DURATION_S: f64 = 86_400.0;

/// How the spectrum is estimated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PsdMethod {
    /// NeuroKit2's default: RR interpolated (quadratic spline) at 100 Hz, mean removed, Welch
    /// with a Hann window of `2 / f_min` seconds (at most half the series), 50 % overlap,
    /// zero-padded to twice the window, density scaling; `f_min = 4 * 100 / N`.
    Welch,
    /// Lomb–Scargle periodogram of the raw RR series (no interpolation), mean removed, on the
    /// grid `k / (4 T)`, k = 1, 2, ... up to 0.5 Hz (T = RR span), scaled to a one-sided
    /// density `2 (T / N) P(f)` in ms²/Hz.
    Lomb,
}

/// Band powers (ms²), TP, LF/HF, LFn, HFn, LnHF.
///
/// Validity: a band is valid when the RR span covers at least `min_cycles` cycles of its lower
/// edge (default 2, the window NeuroKit2 itself uses; the Task Force 1996 recommends 10 —
/// use [`HrvFrequency::with_min_cycles`]), and ULF only on 24-h records. TP, LF/HF, LFn and
/// HFn need valid LF and HF, LnHF a valid HF. A band with no spectral line in it is
/// invalid ("empty band"). Flagged values keep their computed number.
///
/// ```
/// use exg_features::HrvFrequency;
/// use exg_signal::{Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// // 10 s of beats: LF (needs 2 / 0.04 = 50 s) cannot be resolved.
/// let peaks = RPeaks::new((0..12).map(|k| 10 + 210 * k).collect(), fs, 2500)?;
/// let v = HrvFrequency::welch().compute(&peaks);
/// assert!(v.value("LF").is_none());
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HrvFrequency {
    method: PsdMethod,
    min_cycles: f64,
    absolute: bool,
    schema: Arc<Schema>,
}

impl HrvFrequency {
    /// Welch on interpolated RR (NeuroKit2's default method).
    pub fn welch() -> Self {
        Self::new(PsdMethod::Welch)
    }

    /// Lomb–Scargle on raw RR.
    pub fn lomb() -> Self {
        Self::new(PsdMethod::Lomb)
    }

    fn new(method: PsdMethod) -> Self {
        let suffix = match method {
            PsdMethod::Welch => "",
            PsdMethod::Lomb => "_Lomb",
        };
        let name = |n: &str| -> std::borrow::Cow<'static, str> { format!("{n}{suffix}").into() };
        let mut specs: Vec<FeatureSpec> = BANDS
            .iter()
            .map(|(n, lo, _)| FeatureSpec {
                name: name(n),
                unit: "ms^2".into(),
                min_beats: 4,
                min_duration_s: if *lo == 0.0 {
                    ULF_MIN_DURATION_S
                } else {
                    2.0 / lo
                },
            })
            .collect();
        for (n, unit) in [
            ("TP", "ms^2"),
            ("LFHF", "1"),
            ("LFn", "1"),
            ("HFn", "1"),
            ("LnHF", "ln(ms^2)"),
        ] {
            specs.push(FeatureSpec {
                name: name(n),
                unit: unit.into(),
                min_beats: 4,
                min_duration_s: if n == "LnHF" { 2.0 / 0.15 } else { 2.0 / 0.04 },
            });
        }
        Self {
            method,
            min_cycles: 2.0,
            absolute: true,
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }

    /// Requires `cycles` cycles of each band's lower edge (10 = Task Force 1996).
    pub fn with_min_cycles(mut self, cycles: f64) -> Self {
        self.min_cycles = cycles;
        let specs: Vec<FeatureSpec> = self
            .schema
            .specs()
            .iter()
            .map(|s| {
                let mut s = s.clone();
                if s.min_duration_s < ULF_MIN_DURATION_S {
                    s.min_duration_s *= cycles / 2.0;
                }
                s
            })
            .collect();
        self.schema = Arc::new(Schema::new(specs).expect("unique names"));
        self
    }

    /// NeuroKit2's `normalize=True`: divide the PSD by its maximum before integrating (powers
    /// become unitless). Default: absolute powers in ms².
    pub fn peak_normalized(mut self) -> Self {
        self.absolute = false;
        self
    }

    /// Features of `peaks`.
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let rr = RrSeries::new(peaks);
        let specs = self.schema.specs();
        let span_s = rr.ms.iter().sum::<f64>() / 1000.0;
        let psd = if rr.ms.len() >= 3 {
            match self.method {
                PsdMethod::Welch => welch_psd(&rr),
                PsdMethod::Lomb => lomb_psd(&rr),
            }
        } else {
            None
        };
        let Some((freq, mut power, full_max)) = psd else {
            let reason = if peaks.len() < 4 {
                Invalid::TooFewBeats {
                    have: peaks.len(),
                    need: 4,
                }
            } else {
                Invalid::undefined("spectrum not computable")
            };
            return FeatureVector::all_invalid(self.schema.clone(), reason);
        };
        if !self.absolute {
            // NeuroKit2 divides by the maximum of the whole one-sided PSD (0 Hz to Nyquist),
            // before keeping the lines up to 0.5 Hz.
            power.iter_mut().for_each(|p| *p /= full_max);
        }
        let bands: Vec<f64> = BANDS
            .iter()
            .map(|(_, lo, hi)| band_power(&freq, &power, *lo, *hi))
            .collect();
        let rule = |s: &FeatureSpec| -> Option<Invalid> {
            if peaks.len() < s.min_beats {
                Some(Invalid::TooFewBeats {
                    have: peaks.len(),
                    need: s.min_beats,
                })
            } else if span_s < s.min_duration_s {
                Some(Invalid::TooShort {
                    have_s: span_s,
                    need_s: s.min_duration_s,
                })
            } else {
                None
            }
        };
        let mut out: Vec<Feature> = Vec::with_capacity(10);
        for (i, p) in bands.iter().enumerate() {
            let f = if *p == 0.0 || !p.is_finite() {
                Feature::invalid(Invalid::undefined("empty band: no spectral line inside"))
            } else {
                Feature::from_value(*p)
            };
            out.push(match rule(&specs[i]) {
                Some(r) => f.downgrade(r),
                None => f,
            });
        }
        let (lf, hf) = (bands[2], bands[3]);
        // NeuroKit2: TP = nansum of the five bands, empty bands (power 0) count as NaN.
        let tp: f64 = bands.iter().filter(|p| p.is_finite() && **p != 0.0).sum();
        let nz = |v: f64| if v == 0.0 { f64::NAN } else { v };
        let derived = [
            finite_or(tp, "no band power"),
            finite_or(nz(lf) / nz(hf), "LF or HF empty"),
            finite_or(nz(lf) / nz(tp), "LF empty"),
            finite_or(nz(hf) / nz(tp), "HF empty"),
            finite_or(nz(hf).ln(), "HF empty"),
        ];
        for (k, f) in derived.into_iter().enumerate() {
            let i = 5 + k;
            let needs_lf = k < 4;
            let dep = if needs_lf && !out[2].is_valid() {
                Some(Invalid::undefined("LF invalid"))
            } else if !out[3].is_valid() {
                Some(Invalid::undefined("HF invalid"))
            } else {
                None
            };
            let f = match rule(&specs[i]).or(dep) {
                Some(r) => f.downgrade(r),
                None => f,
            };
            out.push(f);
        }
        FeatureVector::new(self.schema.clone(), out).expect("one value per column")
    }
}

impl FeatureExtractor for HrvFrequency {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// Trapezoid integral of the PSD over lines with `lo <= f < hi` (NeuroKit2 `signal_power`).
fn band_power(freq: &[f64], power: &[f64], lo: f64, hi: f64) -> f64 {
    let pts: Vec<(f64, f64)> = freq
        .iter()
        .zip(power)
        .filter(|(f, _)| **f >= lo && **f < hi)
        .map(|(f, p)| (*f, *p))
        .collect();
    pts.windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

/// Interpolation rate of the RR series for Welch (NeuroKit2 default), Hz.
const INTERP_HZ: f64 = 100.0;

/// A one-sided PSD: kept frequencies, their powers, and the maximum over the whole spectrum.
type Psd = (Vec<f64>, Vec<f64>, f64);

/// NeuroKit2 `hrv_frequency(psd_method="welch")` up to the band integration.
fn welch_psd(rr: &RrSeries) -> Option<Psd> {
    let t = &rr.time_s;
    let spline = QuadraticSpline::new(t, &rr.ms)?;
    let step = 1.0 / INTERP_HZ;
    let (t0, t1) = (t[0], t[t.len() - 1]);
    let n = ((t1 + step - t0) / step).ceil() as usize; // np.arange length
    let mut x: Vec<f64> = (0..n).map(|i| spline.eval(t0 + i as f64 * step)).collect();
    let m = mean(&x);
    x.iter_mut().for_each(|v| *v -= m);
    let fs = INTERP_HZ;
    let min_f = (2.0 * fs) / (n as f64 / 2.0);
    let mut nperseg = ((2.0 / min_f) * fs) as usize;
    if nperseg as f64 > n as f64 / 2.0 {
        nperseg = n / 2;
    }
    if nperseg < 2 {
        return None;
    }
    // NeuroKit2: zero-padded to twice the window, no per-segment detrending.
    let (freq, power) = welch(
        &x,
        fs,
        &WelchParams {
            nperseg,
            nfft: 2 * nperseg,
            detrend_constant: false,
        },
    );
    let full_max = power.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // signal_psd keeps min_f <= f <= max_f (0.5 Hz, the top of VHF).
    let (f, p): (Vec<f64>, Vec<f64>) = freq
        .into_iter()
        .zip(power)
        .filter(|(f, _)| *f >= min_f && *f <= 0.5)
        .unzip();
    Some((f, p, full_max))
}

/// Lomb–Scargle periodogram of the raw RR series (see [`PsdMethod::Lomb`]).
fn lomb_psd(rr: &RrSeries) -> Option<Psd> {
    let (t, y) = lomb_input(rr);
    let n = t.len();
    let span = t[n - 1] - t[0];
    if span.is_nan() || span <= 0.0 {
        return None;
    }
    let df = 1.0 / (4.0 * span);
    let k_max = (0.5 / df).floor() as usize;
    let freq: Vec<f64> = (1..=k_max).map(|k| k as f64 * df).collect();
    let scale = 2.0 * span / n as f64;
    let power: Vec<f64> = freq
        .iter()
        .map(|&f| scale * lomb_scargle(&t, &y, f))
        .collect();
    let full_max = power.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((freq, power, full_max))
}

/// Sample times (s) and mean-removed RR (ms) of the Lomb periodogram.
pub(crate) fn lomb_input(rr: &RrSeries) -> (Vec<f64>, Vec<f64>) {
    let m = mean(&rr.ms);
    (rr.time_s.clone(), rr.ms.iter().map(|v| v - m).collect())
}

/// Classical Lomb (1976) / Scargle (1982) periodogram at frequency `f` (Hz), normalised so
/// that it equals `|DFT|² / N` for uniform sampling.
pub fn lomb_scargle(t: &[f64], y: &[f64], f: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f;
    let (s2, c2) = t.iter().fold((0.0, 0.0), |(s, c), ti| {
        (s + (2.0 * w * ti).sin(), c + (2.0 * w * ti).cos())
    });
    let tau = s2.atan2(c2) / (2.0 * w);
    let (mut yc, mut ys, mut cc, mut ss) = (0.0, 0.0, 0.0, 0.0);
    for (ti, yi) in t.iter().zip(y) {
        let (s, c) = (w * (ti - tau)).sin_cos();
        yc += yi * c;
        ys += yi * s;
        cc += c * c;
        ss += s * s;
    }
    let a = if cc > 0.0 { yc * yc / cc } else { 0.0 };
    let b = if ss > 0.0 { ys * ys / ss } else { 0.0 };
    0.5 * (a + b)
}
