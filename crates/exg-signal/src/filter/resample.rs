//! Sampling-rate conversion: polyphase (`scipy.signal.resample_poly`) and FFT
//! (`scipy.signal.resample`), and the rational factor between two rates.

use std::cell::RefCell;

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

use crate::{Error, Hz, Result};

/// Largest up or down factor [`rational_factors`] returns. Integer rates whose reduced ratio
/// exceeds it (e.g. 1001 Hz → 1000 Hz) are approximated; the polyphase filter has
/// `20 · max(up, down) + 1` taps, so this also bounds memory (~650 kB of taps).
pub const MAX_FACTOR: usize = 4096;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `(up, down)` with `to / from ≈ up / down`, both ≤ [`MAX_FACTOR`], in lowest terms.
///
/// * Integer rates (the usual case: 360 → 500 gives `(25, 18)`) are reduced exactly by their
///   GCD, like SciPy's `resample_poly`.
/// * Otherwise (fractional rates such as 128.5 Hz, or a reduced ratio with a term above
///   [`MAX_FACTOR`]) the best rational approximation with terms ≤ [`MAX_FACTOR`] is taken
///   from the continued-fraction expansion of `to / from`. The output rate is then
///   `from · up / down`, which can differ from `to` by at most ~1e-7 relative; resamplers
///   stamp the output with that exact rate.
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::filter::rational_factors;
/// assert_eq!(rational_factors(Hz::new(360.0)?, Hz::new(500.0)?), (25, 18));
/// assert_eq!(rational_factors(Hz::new(1000.0)?, Hz::new(128.0)?), (16, 125));
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn rational_factors(from: Hz, to: Hz) -> (usize, usize) {
    let (f, t) = (from.get(), to.get());
    if f.fract() == 0.0 && t.fract() == 0.0 && f < 1e15 && t < 1e15 {
        let (fi, ti) = (f as u64, t as u64);
        let g = gcd(fi, ti);
        let (up, down) = ((ti / g) as usize, (fi / g) as usize);
        if up <= MAX_FACTOR && down <= MAX_FACTOR {
            return (up, down);
        }
    }
    best_rational(t / f, MAX_FACTOR as u64)
}

/// Best rational approximation `p/q` of `r > 0` with `p, q <= max`, by continued fractions
/// (convergents and the last admissible semiconvergent).
fn best_rational(r: f64, max: u64) -> (usize, usize) {
    let (mut p0, mut q0, mut p1, mut q1) = (0u64, 1u64, 1u64, 0u64);
    let mut x = r;
    let mut best = (1u64, 1u64);
    for _ in 0..64 {
        let a = x.floor();
        if a > max as f64 {
            break;
        }
        let a = a as u64;
        let (p2, q2) = (a.saturating_mul(p1) + p0, a.saturating_mul(q1) + q0);
        if p2 > max || q2 > max {
            // Largest semiconvergent that still fits.
            let k_p = (max - p0).checked_div(p1).unwrap_or(u64::MAX);
            let k_q = (max - q0).checked_div(q1).unwrap_or(u64::MAX);
            let k = k_p.min(k_q);
            let (ps, qs) = (k * p1 + p0, k * q1 + q0);
            if k > 0 && ((ps as f64 / qs as f64) - r).abs() < ((p1 as f64 / q1 as f64) - r).abs() {
                best = (ps, qs);
            }
            break;
        }
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        best = (p1, q1);
        let frac = x - a as f64;
        if frac.abs() < 1e-12 {
            break;
        }
        x = 1.0 / frac;
    }
    let (p, q) = (best.0.max(1), best.1.max(1));
    let g = gcd(p, q);
    ((p / g) as usize, (q / g) as usize)
}

/// How [`resample_poly`] treats samples beyond the ends of the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PolyPad {
    /// Zeros beyond the ends (SciPy's default, `padtype='constant'`). A signal with an offset
    /// droops towards zero over the first and last ~10 input samples.
    #[default]
    Zero,
    /// Subtract the mean, resample, add it back (`padtype='mean'`): no droop for a signal with
    /// an offset.
    Mean,
}

/// Modified Bessel function of the first kind, order 0, by its power series (converges fast
/// for the Kaiser-window arguments used here, |x| <= 5: ~25 terms to full precision).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let (mut term, mut sum, mut k) = (1.0, 1.0, 1.0);
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

/// `scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta))` for a low-pass with cut-off
/// `cutoff` relative to Nyquist (`0 < cutoff < 1`), scaled to unit DC gain.
pub(crate) fn firwin_kaiser(numtaps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    let alpha = 0.5 * (numtaps as f64 - 1.0);
    let i0_beta = bessel_i0(beta);
    let mut h: Vec<f64> = (0..numtaps)
        .map(|i| {
            let m = i as f64 - alpha;
            // np.sinc(x) = sin(pi x) / (pi x); firwin adds right*sinc(right*m) - 0*sinc(0*m).
            let y = std::f64::consts::PI * if cutoff * m == 0.0 { 1e-20 } else { cutoff * m };
            let sinc = y.sin() / y;
            let r = (i as f64 - alpha) / alpha;
            let win = if numtaps == 1 {
                1.0
            } else {
                bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta
            };
            cutoff * sinc * win
        })
        .collect();
    let s: f64 = h.iter().sum();
    h.iter_mut().for_each(|v| *v /= s);
    h
}

/// Polyphase resampling by `up / down`: `scipy.signal.resample_poly(x, up, down)` with its
/// default Kaiser (β = 5) anti-aliasing FIR of `2 · 10 · max(up, down) + 1` taps
/// (`firwin(..., 1 / max(up, down))` times `up`), centred so the output is not delayed.
/// Output length is `ceil(len · up / down)`.
///
/// # Errors
/// [`Error::Empty`], [`Error::NonFinite`] for bad input; [`Error::InvalidParameter`] when a
/// factor is 0 or above [`MAX_FACTOR`].
///
/// ```
/// use exg_signal::filter::{resample_poly, PolyPad};
/// let x: Vec<f64> = (0..360).map(|i| (i as f64 / 360.0 * 6.0).sin()).collect();
/// let y = resample_poly(&x, 25, 18, PolyPad::Zero)?; // 360 Hz -> 500 Hz
/// assert_eq!(y.len(), 500);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn resample_poly(x: &[f64], up: usize, down: usize, pad: PolyPad) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    for (name, f) in [("up", up), ("down", down)] {
        if f == 0 || f > MAX_FACTOR {
            return Err(Error::InvalidParameter {
                name,
                reason: format!("must be in 1..={MAX_FACTOR}, got {f}"),
            });
        }
    }
    let g = gcd(up as u64, down as u64) as usize;
    let (up, down) = (up / g, down / g);
    if up == 1 && down == 1 {
        return Ok(x.to_vec());
    }
    let offset = match pad {
        PolyPad::Zero => 0.0,
        PolyPad::Mean => x.iter().sum::<f64>() / x.len() as f64,
    };
    let n_in = x.len();
    let n_out = (n_in * up).div_ceil(down);
    let max_rate = up.max(down);
    let half_len = 10 * max_rate;
    let mut h = firwin_kaiser(2 * half_len + 1, 1.0 / max_rate as f64, 5.0);
    h.iter_mut().for_each(|v| *v *= up as f64);
    // SciPy pre-pads h with `down - half_len % down` zeros and drops the first
    // `(half_len + n_pre_pad) / down` outputs of upfirdn; output i is then the FIR applied at
    // position t = (i + n_pre_remove) * down - n_pre_pad of the zero-stuffed input.
    let n_pre_pad = down - half_len % down;
    let n_pre_remove = (half_len + n_pre_pad) / down;
    // Polyphase split: phase r holds taps h[r], h[r + up], h[r + 2 up], ... so each output is
    // a dot product of contiguous taps with contiguous input samples (read backwards).
    let phases: Vec<Vec<f64>> = (0..up)
        .map(|r| h.iter().skip(r).step_by(up).copied().collect())
        .collect();
    let xs: Vec<f64> = x.iter().map(|v| v - offset).collect();
    let y = (0..n_out)
        .map(|i| {
            // Output i is the FIR at position t of the zero-stuffed input, whose sample q
            // sits at q * up and meets tap t - q * up.
            let t = (i + n_pre_remove) * down;
            if t < n_pre_pad {
                return offset; // before any input sample reaches the filter
            }
            let t = t - n_pre_pad;
            let (q_top, r) = (t / up, t % up);
            let taps = &phases[r];
            // tap m pairs with input q_top - m; keep 0 <= q_top - m < n_in and m < taps.len().
            let m_lo = q_top.saturating_sub(n_in - 1);
            let m_hi = taps.len().min(q_top + 1);
            if m_lo >= m_hi {
                return offset;
            }
            let taps = &taps[m_lo..m_hi];
            let xs = &xs[q_top + 1 - m_hi..=q_top - m_lo];
            dot_reversed(taps, xs) + offset
        })
        .collect();
    Ok(y)
}

/// `sum_k a[k] * b[b.len() - 1 - k]` with four partial sums (independent dependency chains the
/// CPU can overlap; the rounding differs from a serial sum by a few ulps).
#[inline]
fn dot_reversed(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; 4];
    let mut ai = a.chunks_exact(4);
    let mut bi = b.rchunks_exact(4);
    for (ca, cb) in (&mut ai).zip(&mut bi) {
        acc[0] += ca[0] * cb[3];
        acc[1] += ca[1] * cb[2];
        acc[2] += ca[2] * cb[1];
        acc[3] += ca[3] * cb[0];
    }
    let mut tail = 0.0;
    for (va, vb) in ai.remainder().iter().zip(bi.remainder().iter().rev()) {
        tail += va * vb;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// FFT resampling to `num` samples: `scipy.signal.resample(x, num)` (no window), via
/// `realfft`. Assumes the signal is periodic: keep it for whole-record conversions where the
/// ends match, prefer [`resample_poly`] otherwise.
///
/// The spectrum is truncated or zero-padded; for an even number of kept bins the unpaired
/// Nyquist bin is doubled (down-sampling) or halved (up-sampling) exactly as SciPy 1.17 does.
///
/// # Errors
/// [`Error::Empty`], [`Error::NonFinite`] for bad input; [`Error::InvalidParameter`] for
/// `num == 0`.
///
/// ```
/// use exg_signal::filter::resample_fft;
/// let x: Vec<f64> = (0..100).map(|i| (i as f64 * std::f64::consts::TAU * 3.0 / 100.0).cos()).collect();
/// let y = resample_fft(&x, 250)?;
/// assert!((y[5] - (5.0 * std::f64::consts::TAU * 3.0 / 250.0).cos()).abs() < 1e-12);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn resample_fft(x: &[f64], num: usize) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    if num == 0 {
        return Err(Error::InvalidParameter {
            name: "num",
            reason: "output length must be > 0".into(),
        });
    }
    let n_x = x.len();
    // Plans are cached per thread (as pocketfft's plan cache does for SciPy): planning a
    // Bluestein transform for a prime length costs as much as running it.
    let (fwd, inv) = PLANNER.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n_x), p.plan_fft_inverse(num))
    });
    let mut input = x.to_vec();
    let mut spec = fwd.make_output_vec();
    fwd.process(&mut input, &mut spec)
        .map_err(|e| internal(e.to_string()))?;
    let m = num.min(n_x);
    let m2 = m / 2 + 1;
    let mut out_spec = vec![Complex::new(0.0, 0.0); num / 2 + 1];
    let keep = m2.min(out_spec.len());
    out_spec[..keep].copy_from_slice(&spec[..keep]);
    if m.is_multiple_of(2) && num != n_x {
        // The unpaired bin at m/2: SciPy doubles it when down-sampling (folding the pair
        // into one), halves it when up-sampling (splitting it into a pair).
        out_spec[m / 2] *= if num < n_x { 2.0 } else { 0.5 };
    }
    // irfft ignores the imaginary parts of the DC and (even length) Nyquist bins.
    out_spec[0].im = 0.0;
    if num.is_multiple_of(2) {
        out_spec[num / 2].im = 0.0;
    }
    let mut y = inv.make_output_vec();
    inv.process(&mut out_spec, &mut y)
        .map_err(|e| internal(e.to_string()))?;
    // irfft normalises by 1/num and SciPy divides the spectrum by n_x/num: net 1/n_x.
    let scale = 1.0 / n_x as f64;
    y.iter_mut().for_each(|v| *v *= scale);
    Ok(y)
}

thread_local! {
    static PLANNER: RefCell<RealFftPlanner<f64>> = RefCell::new(RealFftPlanner::new());
}

fn internal(reason: String) -> Error {
    Error::InvalidParameter {
        name: "fft",
        reason,
    }
}

/// Polyphase resampling of `x` from rate `from` to rate `to` (factors from
/// [`rational_factors`]), returning the samples and the exact output rate
/// `from · up / down`.
///
/// # Errors
/// [`Error::InvalidParameter`] (`to`) when no ratio with factors ≤ [`MAX_FACTOR`] comes within
/// 1e-6 (relative) of `to / from` (e.g. 20 Hz → 1 GHz: the output would otherwise silently stay
/// at another rate); otherwise as [`resample_poly`].
pub fn resample_rate(x: &[f64], from: Hz, to: Hz, pad: PolyPad) -> Result<(Vec<f64>, Hz)> {
    let (up, down) = rational_factors(from, to);
    let ratio = to.get() / from.get();
    let reached = up as f64 / down as f64;
    if ((reached - ratio) / ratio).abs() > 1e-6 {
        return Err(Error::InvalidParameter {
            name: "to",
            reason: format!(
                "{from} -> {to}: no resampling ratio with factors up to {MAX_FACTOR} \
                 (best {up}/{down})"
            ),
        });
    }
    let y = resample_poly(x, up, down, pad)?;
    let fs = if up as f64 / down as f64 == to.get() / from.get() {
        to
    } else {
        Hz::new(from.get() * up as f64 / down as f64)?
    };
    Ok((y, fs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i0_known_values() {
        // Abramowitz & Stegun table 9.8: I0(1) = 1.2660658777520082, I0(5) = 27.239871823604442.
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-15);
        assert!((bessel_i0(5.0) / 27.239_871_823_604_442 - 1.0).abs() < 1e-15);
    }

    #[test]
    fn best_rational_finds_simple_ratios() {
        assert_eq!(best_rational(500.0 / 360.0, 4096), (25, 18));
        assert_eq!(best_rational(0.5, 4096), (1, 2));
        let (p, q) = best_rational(std::f64::consts::PI, 1000);
        assert_eq!((p, q), (355, 113));
    }
}
