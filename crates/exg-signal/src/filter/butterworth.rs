//! Butterworth design as second-order sections, the way `scipy.signal.butter(N, Wn, btype,
//! fs=fs, output='sos')` does it: analog prototype poles, frequency transformation of the
//! pre-warped cut-offs, bilinear transform, then `zpk2sos` with SciPy's "nearest" pairing.

use super::Sos;
use super::zpk::{self, Zpk};
use crate::{Error, Hz, Result};

/// The pass band of a frequency-selective filter, with its cut-off frequencies.
///
/// Cut-offs are typed [`Hz`]; whether they fit below the Nyquist frequency is checked when a
/// filter is designed for a concrete sampling rate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Band {
    /// Passes frequencies below the cut-off.
    Lowpass(Hz),
    /// Passes frequencies above the cut-off.
    Highpass(Hz),
    /// Passes frequencies between `low` and `high`.
    Bandpass(Hz, Hz),
    /// Stops frequencies between `low` and `high`.
    Bandstop(Hz, Hz),
}

impl Band {
    /// The cut-off frequencies, lowest first (one or two).
    pub fn cutoffs(&self) -> Vec<Hz> {
        match *self {
            Band::Lowpass(f) | Band::Highpass(f) => vec![f],
            Band::Bandpass(lo, hi) | Band::Bandstop(lo, hi) => vec![lo, hi],
        }
    }

    /// SciPy's `btype` string for this band (`"lowpass"`, `"highpass"`, ...).
    pub fn btype(&self) -> &'static str {
        match self {
            Band::Lowpass(_) => "lowpass",
            Band::Highpass(_) => "highpass",
            Band::Bandpass(..) => "bandpass",
            Band::Bandstop(..) => "bandstop",
        }
    }
}

/// Largest order accepted by [`butter`]. Beyond this the sections of a narrow band-pass are
/// numerically meaningless in `f64` and no ECG pipeline needs them.
pub const MAX_ORDER: usize = 32;

/// Designs a digital Butterworth filter of `order` for signals sampled at `fs`, as cascaded
/// second-order sections: the equivalent of
/// `scipy.signal.butter(order, cutoffs, btype, fs=fs, output='sos')`.
///
/// A band-pass or band-stop of order `N` has `2N` poles (`N` sections), as in SciPy.
/// Coefficients agree with SciPy 1.17 to ~1e-15 relative (max 4.8e-16 over 117 designs; see
/// `docs/signal-filters.md`).
///
/// # Errors
/// * [`Error::InvalidParameter`] for `order` 0 or above [`MAX_ORDER`], or a band whose low
///   edge is not below its high edge;
/// * [`Error::AboveNyquist`] when a cut-off is at or above `fs / 2`.
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::filter::{butter, Band};
/// let fs = Hz::new(360.0)?;
/// let sos = butter(4, Band::Bandpass(Hz::new(0.5)?, Hz::new(40.0)?), fs)?;
/// assert_eq!(sos.len(), 4); // 4th-order band-pass: 8 poles in 4 sections
/// let y = sos.filtfilt(&vec![1.0; 1000])?; // zero-phase; DC is blocked
/// assert!(y.iter().all(|v| v.abs() < 1e-6));
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn butter(order: usize, band: Band, fs: Hz) -> Result<Sos> {
    if order == 0 || order > MAX_ORDER {
        return Err(Error::InvalidParameter {
            name: "order",
            reason: format!("must be in 1..={MAX_ORDER}, got {order}"),
        });
    }
    let cutoffs = band.cutoffs();
    for &c in &cutoffs {
        if c.get() >= fs.nyquist().get() {
            return Err(Error::AboveNyquist {
                freq: c.get(),
                fs: fs.get(),
            });
        }
    }
    if cutoffs.len() == 2 && cutoffs[0].get() >= cutoffs[1].get() {
        return Err(Error::InvalidParameter {
            name: "band",
            reason: format!(
                "low edge {} must be below high edge {}",
                cutoffs[0], cutoffs[1]
            ),
        });
    }
    // Normalised to Nyquist, then pre-warped for the bilinear transform at fs = 2 (SciPy's
    // internal convention: warped = 2 * fs * tan(pi * Wn / fs) with fs = 2).
    let warp = |f: Hz| 4.0 * (std::f64::consts::PI * (f.get() / (fs.get() / 2.0)) / 2.0).tan();
    let proto = zpk::buttap(order);
    let analog: Zpk = match band {
        Band::Lowpass(f) => zpk::lp2lp(proto, warp(f)),
        Band::Highpass(f) => zpk::lp2hp(proto, warp(f)),
        Band::Bandpass(lo, hi) | Band::Bandstop(lo, hi) => {
            let (w0, w1) = (warp(lo), warp(hi));
            let bw = w1 - w0;
            let wo = (w0 * w1).sqrt();
            if matches!(band, Band::Bandpass(..)) {
                zpk::lp2bp(proto, wo, bw)
            } else {
                zpk::lp2bs(proto, wo, bw)
            }
        }
    };
    let digital = zpk::bilinear(analog, 2.0);
    let sections = zpk::zpk2sos(&digital).ok_or_else(|| Error::InvalidParameter {
        name: "order",
        reason: format!("order {order} is numerically degenerate for this band at {fs}"),
    })?;
    Sos::new(sections)
}
