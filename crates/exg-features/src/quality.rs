//! Signal-quality indices of a single-lead ECG: distribution shape of the band-passed signal
//! and the shares of its power spectrum in the QRS, baseline and high-frequency bands.
//!
//! After Li, Mark & Clifford 2008 (kSQI, sSQI, pSQI, basSQI) and Clifford et al. 2012; the
//! exact definitions are exg's (`docs/features.md`, "Signal quality").

use std::sync::Arc;

use exg_signal::Ecg;
use exg_signal::filter::{Band, butter};

use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::hrv::finite_or;
use crate::spectrum::{WelchParams, welch};
use crate::stats::{mean, std};

/// Pass band of the filtered signal that the shape and template features read, Hz.
pub(crate) const BAND_HZ: (f64, f64) = (0.5, 40.0);
/// Welch segment length, samples (SciPy's usual choice; the record length when shorter).
const WELCH_NPERSEG: usize = 1024;
/// A band-passed signal whose SD is below this fraction of the raw signal's largest |sample| is
/// only the rounding residue of filtering a constant: treated as flat.
const FLAT_RATIO: f64 = 1e-9;

/// The signal band-passed 0.5–40 Hz (Butterworth order 2, zero-phase `sosfiltfilt`), or why
/// there is none: a rate at most 80 Hz (no 40 Hz edge below Nyquist), a record too short for
/// the filter's padding, or a flat signal.
pub(crate) fn bandpassed(ecg: &Ecg) -> std::result::Result<Vec<f64>, Invalid> {
    let x = ecg.samples();
    let fs = ecg.fs();
    if fs.get() <= 2.0 * BAND_HZ.1 {
        return Err(Invalid::undefined(format!(
            "sampling rate {fs} at most 80 Hz: no 0.5–40 Hz band"
        )));
    }
    let peak_abs = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if is_constant(x) {
        return Err(Invalid::undefined("flat signal"));
    }
    let hz = |f| exg_signal::Hz::new(f).expect("positive constant");
    let y = butter(2, Band::Bandpass(hz(BAND_HZ.0), hz(BAND_HZ.1)), fs)
        .and_then(|sos| sos.filtfilt(x))
        .map_err(|e| Invalid::undefined(format!("band-pass filter: {e}")))?;
    if std(&y, 0) <= FLAT_RATIO * peak_abs {
        return Err(Invalid::undefined(
            "flat signal after the 0.5–40 Hz band-pass",
        ));
    }
    Ok(y)
}

/// `true` when every sample equals the first (also for an empty slice).
fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// Signal-quality indices of one lead (needs the signal; peaks only for the validity rule).
///
/// On the signal band-passed 0.5–40 Hz (Butterworth order 2, zero-phase):
/// * `kSQI` — kurtosis (Pearson, not excess: m₄ / m₂², population moments); a clean ECG is
///   peaky (≫ 3), Gaussian noise ≈ 3.
/// * `sSQI` — skewness m₃ / m₂^1.5. Its sign follows the recorded polarity (multiply by
///   [`BeatTemplate`](crate::BeatTemplate)'s `Polarity` for the R-positive value).
///
/// On the raw signal minus its mean, a Welch PSD (periodic Hann, `nperseg` = 1024 samples or the
/// record length if shorter, 50 % overlap, `nfft = nperseg`, per-segment mean removal, density
/// scaling: `scipy.signal.welch` defaults). `P[lo, hi)` is the sum of the PSD lines with
/// `lo ≤ f < hi`:
/// * `pSQI` = P[5, 15) / P[5, 40) — QRS energy share;
/// * `basSQI` = 1 − P[0, 1) / P[0, 40) — 1 minus the baseline-wander share;
/// * `hfSQI` = P[40, fs/2) / P[0, fs/2) — high-frequency (muscle, mains) share;
/// * `SpecEnt` — Shannon entropy of the PSD lines in [0.5, 40) Hz normalised to sum 1, divided
///   by ln(number of lines): 0 for one line, 1 for a flat spectrum;
/// * `SpecPeak` — frequency (Hz) of the largest line in [0.5, 40) Hz (the first on ties).
///
/// Validity: records of at least 5 s; every feature is invalid (undefined) at rates ≤ 80 Hz
/// (no 40 Hz band edge), for a flat signal, or when a ratio's denominator is 0.
///
/// ```
/// use exg_features::{Extract, SignalQuality};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// // A 10 Hz sine: its power lies in the QRS band, none near the baseline.
/// let x: Vec<f64> = (0..2500).map(|i| (2.0 * std::f64::consts::PI * 10.0 * i as f64 / 250.0).sin()).collect();
/// let v = SignalQuality::default().extract(&Ecg::new(x, fs)?, &RPeaks::empty(fs, 2500))?;
/// assert!(v.value("pSQI").unwrap() > 0.99);
/// assert!((v.value("SpecPeak").unwrap() - 10.0).abs() < 0.25);
/// // A flat line has no quality indices, only reasons.
/// let flat = SignalQuality::default().extract(&Ecg::new(vec![1.0; 2500], fs)?, &RPeaks::empty(fs, 2500))?;
/// assert!(flat.features().iter().all(|f| !f.is_valid()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SignalQuality {
    schema: Arc<Schema>,
}

impl Default for SignalQuality {
    fn default() -> Self {
        let s = FeatureSpec::new;
        let specs = vec![
            s("kSQI", "1", 0, 5.0),
            s("sSQI", "1", 0, 5.0),
            s("pSQI", "1", 0, 5.0),
            s("basSQI", "1", 0, 5.0),
            s("hfSQI", "1", 0, 5.0),
            s("SpecEnt", "1", 0, 5.0),
            s("SpecPeak", "Hz", 0, 5.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl FeatureExtractor for SignalQuality {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        let Some(ecg) = input.ecg() else {
            return Ok(FeatureVector::all_invalid(
                self.schema.clone(),
                Invalid::NeedsSignal,
            ));
        };
        let (beats, duration) = (input.peaks().len(), ecg.duration());
        let rules: Vec<Option<Invalid>> = self
            .schema
            .specs()
            .iter()
            .map(|s| s.check(beats, duration))
            .collect();
        let computed = if rules.iter().all(Option::is_some) {
            Vec::new() // nothing would be used: skip the filter and the spectrum
        } else {
            quality(ecg)
        };
        let features = rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| match rule {
                Some(r) => Feature::invalid(r),
                None => computed[i].clone(),
            })
            .collect();
        FeatureVector::new(self.schema.clone(), features)
    }
}

/// The seven features in schema order, before the generic rule.
fn quality(ecg: &Ecg) -> Vec<Feature> {
    let shape = match bandpassed(ecg) {
        Ok(y) => {
            let m = mean(&y);
            let moment = |k: i32| mean(&y.iter().map(|v| (v - m).powi(k)).collect::<Vec<_>>());
            let (m2, m3, m4) = (moment(2), moment(3), moment(4));
            [
                finite_or(m4 / (m2 * m2), "zero variance"),
                finite_or(m3 / m2.powf(1.5), "zero variance"),
            ]
        }
        Err(r) => [Feature::invalid(r.clone()), Feature::invalid(r)],
    };
    let x = ecg.samples();
    let fs = ecg.fs().get();
    // The same preconditions as the band-pass: a 40 Hz edge below Nyquist, a varying signal.
    let spectral: [Feature; 5] = if fs <= 2.0 * BAND_HZ.1 || is_constant(x) {
        let why = if is_constant(x) {
            "flat signal".to_string()
        } else {
            format!("sampling rate {fs} Hz at most 80 Hz: no 40 Hz band edge")
        };
        std::array::from_fn(|_| Feature::invalid(Invalid::undefined(why.clone())))
    } else {
        spectral_features(x, fs)
    };
    shape.into_iter().chain(spectral).collect()
}

/// pSQI, basSQI, hfSQI, SpecEnt, SpecPeak of `x` at `fs` (> 80 Hz, not constant).
fn spectral_features(x: &[f64], fs: f64) -> [Feature; 5] {
    let m = mean(x);
    let centred: Vec<f64> = x.iter().map(|v| v - m).collect();
    let nperseg = WELCH_NPERSEG.min(x.len());
    let (freq, psd) = welch(
        &centred,
        fs,
        &WelchParams {
            nperseg,
            nfft: nperseg,
            detrend_constant: true,
        },
    );
    let lines = |lo: f64, hi: f64| {
        freq.iter()
            .zip(&psd)
            .filter(move |(f, _)| **f >= lo && **f < hi)
            .map(|(f, p)| (*f, *p))
    };
    let power = |lo: f64, hi: f64| lines(lo, hi).map(|(_, p)| p).sum::<f64>();
    let ratio = |num: f64, den: f64, why: &str| {
        if den > 0.0 {
            finite_or(num / den, why)
        } else {
            Feature::invalid(Invalid::undefined(why))
        }
    };
    let nyq = fs / 2.0;
    let (lo, hi) = BAND_HZ;
    let ecg_band: Vec<(f64, f64)> = lines(lo, hi).collect();
    let total: f64 = ecg_band.iter().map(|(_, p)| p).sum();
    let (ent, peak) = if total > 0.0 && ecg_band.len() >= 2 {
        let h: f64 = ecg_band
            .iter()
            .map(|(_, p)| p / total)
            .filter(|q| *q > 0.0)
            .map(|q| -q * q.ln())
            .sum();
        // First maximum on ties, as NumPy's argmax.
        let (f_max, _) = ecg_band.iter().fold(
            ecg_band[0],
            |best, &(f, p)| if p > best.1 { (f, p) } else { best },
        );
        (
            finite_or(h / (ecg_band.len() as f64).ln(), "undefined entropy"),
            Feature::from_value(f_max),
        )
    } else {
        let why = "no power in 0.5–40 Hz (or fewer than 2 lines)";
        (
            Feature::invalid(Invalid::undefined(why)),
            Feature::invalid(Invalid::undefined(why)),
        )
    };
    [
        ratio(power(5.0, 15.0), power(5.0, 40.0), "no power in 5–40 Hz"),
        ratio(power(0.0, 1.0), power(0.0, 40.0), "no power in 0–40 Hz")
            .value()
            .map_or_else(
                || Feature::invalid(Invalid::undefined("no power in 0–40 Hz")),
                |r| Feature::from_value(1.0 - r),
            ),
        ratio(power(40.0, nyq), power(0.0, nyq), "no power below fs/2"),
        ent,
        peak,
    ]
}
