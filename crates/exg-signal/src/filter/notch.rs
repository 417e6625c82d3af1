//! Second-order IIR notch, as `scipy.signal.iirnotch(w0, Q, fs)`.

use super::Sos;
use crate::{Error, Hz, Result};

/// A notch (band-reject) biquad at `w0` with quality factor `q` (`-3 dB` bandwidth `w0 / q`)
/// for signals sampled at `fs`: `scipy.signal.iirnotch(w0, Q, fs)` as one section.
///
/// SciPy's design (Orfanidis, eq. 11.3.7/11.3.21) uses `beta = tan(bw / 2)`; the RBJ-cookbook
/// notch of the `biquad` crate uses `sin(w0) / (2Q)` instead and differs slightly, which is why
/// this one is hand-written.
///
/// # Errors
/// [`Error::AboveNyquist`] when `w0 >= fs / 2`; [`Error::InvalidParameter`] when `q` is not
/// finite and positive.
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::filter::iirnotch;
/// let fs = Hz::new(500.0)?;
/// let sos = iirnotch(Hz::new(50.0)?, 30.0, fs)?;
/// let (gain_50, _) = sos.response(50.0, fs.get());
/// let (gain_10, _) = sos.response(10.0, fs.get());
/// assert!(gain_50 < 1e-12 && (gain_10 - 1.0).abs() < 1e-3);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn iirnotch(w0: Hz, q: f64, fs: Hz) -> Result<Sos> {
    if !(q.is_finite() && q > 0.0) {
        return Err(Error::InvalidParameter {
            name: "q",
            reason: format!("quality factor must be finite and > 0, got {q}"),
        });
    }
    if w0.get() >= fs.nyquist().get() {
        return Err(Error::AboveNyquist {
            freq: w0.get(),
            fs: fs.get(),
        });
    }
    let w0 = 2.0 * w0.get() / fs.get();
    let bw = w0 / q * std::f64::consts::PI;
    let w0 = w0 * std::f64::consts::PI;
    let beta = (bw / 2.0).tan();
    let gain = 1.0 / (1.0 + beta);
    let c = w0.cos();
    Sos::new(vec![[
        gain,
        gain * (-2.0 * c),
        gain,
        1.0,
        -2.0 * gain * c,
        2.0 * gain - 1.0,
    ]])
}
