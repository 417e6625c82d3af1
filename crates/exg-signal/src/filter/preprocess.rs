//! The [`Preprocess`] trait, its adaptors, and the configuration structs that implement it.

use std::sync::Arc;

use super::{
    Band, PolyPad, Spread, butter, iirnotch, median_baseline, resample_fft, resample_rate,
    robust_scale, zscore,
};
use crate::{Ecg, Error, Hz, Result};

/// One step of ECG conditioning: takes a record, returns the processed record (same lead;
/// the sampling rate changes only for resamplers).
///
/// Implementors are configured in physical units (Hz, seconds) and design whatever they need
/// for `ecg.fs()` on each call, so one pipeline serves records at any rate. The trait is
/// object-safe (`Box<dyn Preprocess>` works) and `Send + Sync`; `&P`, `Box<P>` and `Arc<P>`
/// implement it too. Chain steps with [`Preprocess::then`], wrap a closure with [`from_fn`].
///
/// ```
/// use exg_signal::{Ecg, Hz};
/// use exg_signal::filter::{from_fn, Bandpass, Notch, Preprocess, Resample, ZScore};
/// let pipeline: Box<dyn Preprocess> = Box::new(
///     Bandpass::new(Hz::new(0.5)?, Hz::new(40.0)?, 2)
///         .then(Notch::mains_50())
///         .then(Resample::to(Hz::new(250.0)?))
///         .then(ZScore)
///         .then(from_fn(|ecg: &Ecg| ecg.with_samples(ecg.samples().iter().map(|v| v.clamp(-5.0, 5.0)).collect()))),
/// );
/// let ecg = Ecg::new((0..3600).map(|i| (i as f64 * 0.05).sin()).collect(), Hz::new(360.0)?)?;
/// let out = pipeline.apply(&ecg)?;
/// assert_eq!(out.fs(), Hz::new(250.0)?);
/// assert_eq!(out.len(), 2500);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub trait Preprocess: Send + Sync {
    /// Returns the processed record.
    ///
    /// # Errors
    /// Implementation-specific: typically [`Error::AboveNyquist`] for a cut-off the record's
    /// rate cannot carry, [`Error::TooShort`] for a record shorter than the filter's edge
    /// padding, [`Error::Flat`] for scaling a constant signal.
    fn apply(&self, ecg: &Ecg) -> Result<Ecg>;

    /// `a.then(b)` applies `a`, then `b`. (`Self: Sized` keeps the trait object-safe.)
    fn then<P: Preprocess>(self, next: P) -> Then<Self, P>
    where
        Self: Sized,
    {
        Then(self, next)
    }
}

impl<P: Preprocess + ?Sized> Preprocess for &P {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        (**self).apply(ecg)
    }
}

impl<P: Preprocess + ?Sized> Preprocess for Box<P> {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        (**self).apply(ecg)
    }
}

impl<P: Preprocess + ?Sized> Preprocess for Arc<P> {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        (**self).apply(ecg)
    }
}

/// Two steps in sequence; made by [`Preprocess::then`].
#[derive(Clone, Debug)]
pub struct Then<A, B>(pub A, pub B);

impl<A: Preprocess, B: Preprocess> Preprocess for Then<A, B> {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        self.1.apply(&self.0.apply(ecg)?)
    }
}

/// A closure as a [`Preprocess`] step; made by [`from_fn`].
#[derive(Clone)]
pub struct FromFn<F>(F);

impl<F> std::fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FromFn(..)")
    }
}

/// Wraps `f` as a [`Preprocess`] step. (A blanket impl for closures would collide with the
/// `Box<P>` impl, hence this function, like `std::iter::from_fn`.)
pub fn from_fn<F: Fn(&Ecg) -> Result<Ecg> + Send + Sync>(f: F) -> FromFn<F> {
    FromFn(f)
}

impl<F: Fn(&Ecg) -> Result<Ecg> + Send + Sync> Preprocess for FromFn<F> {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        (self.0)(ecg)
    }
}

/// Zero-phase Butterworth filtering of `ecg` (design at its rate, then `sosfiltfilt`).
fn zero_phase(ecg: &Ecg, order: usize, band: Band) -> Result<Ecg> {
    let sos = butter(order, band, ecg.fs())?;
    ecg.with_samples(sos.filtfilt(ecg.samples())?)
}

/// Zero-phase Butterworth band-pass (`butter(order, [low, high], 'bandpass')` +
/// `sosfiltfilt`). The effective order is doubled by the forward-backward pass.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bandpass {
    /// Lower cut-off.
    pub low: Hz,
    /// Upper cut-off; must be below the record's Nyquist frequency.
    pub high: Hz,
    /// Butterworth order (the band-pass has `2 · order` poles, as in SciPy).
    pub order: usize,
}

impl Bandpass {
    /// A band-pass from `low` to `high` of `order`.
    pub fn new(low: Hz, high: Hz, order: usize) -> Self {
        Self { low, high, order }
    }
}

impl Preprocess for Bandpass {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        zero_phase(ecg, self.order, Band::Bandpass(self.low, self.high))
    }
}

/// Zero-phase Butterworth high-pass (`butter(order, cutoff, 'highpass')` + `sosfiltfilt`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Highpass {
    /// Cut-off frequency.
    pub cutoff: Hz,
    /// Butterworth order.
    pub order: usize,
}

impl Preprocess for Highpass {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        zero_phase(ecg, self.order, Band::Highpass(self.cutoff))
    }
}

/// Zero-phase Butterworth low-pass (`butter(order, cutoff, 'lowpass')` + `sosfiltfilt`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lowpass {
    /// Cut-off frequency.
    pub cutoff: Hz,
    /// Butterworth order.
    pub order: usize,
}

impl Preprocess for Lowpass {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        zero_phase(ecg, self.order, Band::Lowpass(self.cutoff))
    }
}

/// Zero-phase notch for power-line interference (`iirnotch(freq, q, fs)` + `sosfiltfilt`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Notch {
    /// Notch centre (50 or 60 Hz for mains).
    pub freq: Hz,
    /// Quality factor: centre / -3 dB bandwidth.
    pub q: f64,
}

impl Notch {
    /// Quality factor of [`Notch::mains_50`] / [`Notch::mains_60`]: a ~1.7 Hz (50 Hz) wide
    /// notch, narrow enough to leave the QRS spectrum alone.
    pub const MAINS_Q: f64 = 30.0;

    /// 50 Hz mains (Europe, Asia, Africa), Q = 30.
    pub fn mains_50() -> Self {
        Self {
            freq: Hz::new(50.0).expect("50 is a valid frequency"),
            q: Self::MAINS_Q,
        }
    }

    /// 60 Hz mains (Americas), Q = 30.
    pub fn mains_60() -> Self {
        Self {
            freq: Hz::new(60.0).expect("60 is a valid frequency"),
            q: Self::MAINS_Q,
        }
    }
}

impl Preprocess for Notch {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        let sos = iirnotch(self.freq, self.q, ecg.fs())?;
        ecg.with_samples(sos.filtfilt(ecg.samples())?)
    }
}

/// How [`BaselineRemoval`] estimates the baseline.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum BaselineMethod {
    /// Two-stage median filter (de Chazal et al. 2004): windows of `first_s` then `second_s`
    /// seconds (200 ms, 600 ms); the baseline is subtracted. Keeps the ST segment's shape
    /// better than a high-pass, at O(n · window) cost.
    Median {
        /// First window, seconds (QRS/P removal).
        first_s: f64,
        /// Second window, seconds (T removal).
        second_s: f64,
    },
    /// Zero-phase Butterworth high-pass.
    Highpass {
        /// Cut-off (0.5 Hz is the usual monitoring choice; 0.05 Hz for diagnostic ST work).
        cutoff: Hz,
        /// Butterworth order.
        order: usize,
    },
}

/// Baseline-wander removal. [`BaselineRemoval::median`] is the de Chazal two-stage median
/// filter (the standard for arrhythmia work); [`BaselineRemoval::highpass`] a zero-phase
/// Butterworth high-pass.
///
/// ```
/// use exg_signal::{Ecg, Hz};
/// use exg_signal::filter::{BaselineRemoval, Preprocess};
/// let fs = Hz::new(250.0)?;
/// // A slow 0.1 Hz wander of amplitude 1 under a 10 Hz wave.
/// let x: Vec<f64> = (0..5000).map(|i| {
///     let t = i as f64 / 250.0;
///     (std::f64::consts::TAU * 0.1 * t).sin() + 0.1 * (std::f64::consts::TAU * 10.0 * t).sin()
/// }).collect();
/// let y = BaselineRemoval::median().apply(&Ecg::new(x, fs)?)?;
/// assert!(y.samples()[500..4500].iter().all(|v| v.abs() < 0.12));
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BaselineRemoval {
    /// The estimation method.
    pub method: BaselineMethod,
}

impl BaselineRemoval {
    /// de Chazal 2004: median filters of 200 ms then 600 ms.
    pub fn median() -> Self {
        Self {
            method: BaselineMethod::Median {
                first_s: 0.2,
                second_s: 0.6,
            },
        }
    }

    /// Zero-phase Butterworth high-pass of `order` at `cutoff`.
    pub fn highpass(cutoff: Hz, order: usize) -> Self {
        Self {
            method: BaselineMethod::Highpass { cutoff, order },
        }
    }
}

impl Preprocess for BaselineRemoval {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        match self.method {
            BaselineMethod::Median { first_s, second_s } => {
                let base = median_baseline(ecg.samples(), ecg.fs(), first_s, second_s)?;
                ecg.with_samples(
                    ecg.samples()
                        .iter()
                        .zip(&base)
                        .map(|(x, b)| x - b)
                        .collect(),
                )
            }
            BaselineMethod::Highpass { cutoff, order } => {
                zero_phase(ecg, order, Band::Highpass(cutoff))
            }
        }
    }
}

/// Resampling algorithm of [`Resample`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ResampleMethod {
    /// Polyphase FIR (`resample_poly`), mean-padded at the edges: local, no wrap-around.
    #[default]
    Polyphase,
    /// Polyphase FIR with SciPy's default zero padding (edge droop for offset signals).
    PolyphaseZeroPad,
    /// FFT (`resample`): exact for periodic band-limited signals, wraps around at the edges.
    Fft,
}

/// Resampling to a target rate; the output [`Ecg`] carries the new rate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resample {
    /// Target rate.
    pub to: Hz,
    /// Algorithm.
    pub method: ResampleMethod,
}

impl Resample {
    /// Polyphase resampling to `to` (the default method).
    pub fn to(to: Hz) -> Self {
        Self {
            to,
            method: ResampleMethod::Polyphase,
        }
    }
}

impl Preprocess for Resample {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        if ecg.fs() == self.to {
            return Ok(ecg.clone());
        }
        match self.method {
            ResampleMethod::Polyphase | ResampleMethod::PolyphaseZeroPad => {
                let pad = if self.method == ResampleMethod::Polyphase {
                    PolyPad::Mean
                } else {
                    PolyPad::Zero
                };
                let (y, fs) = resample_rate(ecg.samples(), ecg.fs(), self.to, pad)?;
                ecg.with_samples_at(y, fs)
            }
            ResampleMethod::Fft => {
                // The same bound on the ratio as the polyphase path: an absurd target rate
                // must not size the output.
                let ratio = self.to.get() / ecg.fs().get();
                let max = super::MAX_FACTOR as f64;
                if !(1.0 / max..=max).contains(&ratio) {
                    return Err(Error::InvalidParameter {
                        name: "to",
                        reason: format!(
                            "{} -> {}: ratio {ratio} outside 1/{max}..{max}",
                            ecg.fs(),
                            self.to
                        ),
                    });
                }
                // Output length rounds len * to / from; the stamped rate is exact for it.
                let num = (ecg.len() as f64 * self.to.get() / ecg.fs().get()).round() as usize;
                if num == 0 {
                    return Err(Error::TooShort {
                        len: ecg.len(),
                        min: (ecg.fs().get() / self.to.get()).ceil() as usize,
                    });
                }
                let y = resample_fft(ecg.samples(), num)?;
                let fs = Hz::new(ecg.fs().get() * num as f64 / ecg.len() as f64)?;
                ecg.with_samples_at(y, fs)
            }
        }
    }
}

/// z-score: zero mean, unit (population) standard deviation; [`Error::Flat`] for a constant
/// record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZScore;

impl Preprocess for ZScore {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        ecg.with_samples(zscore(ecg.samples())?)
    }
}

/// Robust scaling: `(x - median) / spread` with the IQR or the normal-scaled MAD;
/// [`Error::Flat`] when the spread is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RobustScale {
    /// Spread measure.
    pub spread: Spread,
}

impl Preprocess for RobustScale {
    fn apply(&self, ecg: &Ecg) -> Result<Ecg> {
        ecg.with_samples(robust_scale(ecg.samples(), self.spread)?)
    }
}
