//! Second-order sections: the coefficient type [`Sos`], batch filtering (`sosfilt`,
//! `sosfiltfilt`) and the stateful causal [`SosFilter`] for streaming.

use biquad::{Biquad, Coefficients, DirectForm2Transposed};

use crate::{Error, Result};

/// A cascade of second-order sections (biquads), each `[b0, b1, b2, a0, a1, a2]` with
/// `a0 == 1`: the layout of SciPy's `sos` arrays.
///
/// This is the low-level layer for hot loops: design once ([`butter`](super::butter),
/// [`iirnotch`](super::iirnotch)), then run [`Sos::filter`] (causal, like `sosfilt`),
/// [`Sos::filtfilt`] (zero-phase, like `sosfiltfilt`) or a stateful [`SosFilter`] over
/// chunks.
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::filter::{butter, Band, Sos};
/// let sos: Sos = butter(2, Band::Lowpass(Hz::new(40.0)?), Hz::new(500.0)?)?;
/// let x: Vec<f64> = (0..500).map(|i| (i as f64 * 0.05).sin()).collect();
/// let causal = sos.filter(&x);          // scipy.signal.sosfilt(sos, x)
/// let zero_phase = sos.filtfilt(&x)?;   // scipy.signal.sosfiltfilt(sos, x)
/// assert_eq!(causal.len(), x.len());
/// assert_eq!(zero_phase.len(), x.len());
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sos {
    sections: Vec<[f64; 6]>,
}

impl Sos {
    /// Wraps sections `[b0, b1, b2, a0, a1, a2]`; each is normalised so that `a0 == 1`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when there is no section, a coefficient is not finite, or
    /// some `a0` is zero.
    pub fn new(sections: Vec<[f64; 6]>) -> Result<Self> {
        let bad = |reason: String| Error::InvalidParameter {
            name: "sos",
            reason,
        };
        if sections.is_empty() {
            return Err(bad("no sections".into()));
        }
        let mut sections = sections;
        for (i, s) in sections.iter_mut().enumerate() {
            if s.iter().any(|c| !c.is_finite()) {
                return Err(bad(format!("section {i} has a non-finite coefficient")));
            }
            if s[3] == 0.0 {
                return Err(bad(format!("section {i} has a0 == 0")));
            }
            if s[3] != 1.0 {
                let a0 = s[3];
                s.iter_mut().for_each(|c| *c /= a0);
            }
        }
        Ok(Self { sections })
    }

    /// The sections, SciPy layout.
    pub fn sections(&self) -> &[[f64; 6]] {
        &self.sections
    }

    /// Number of sections (at least 1).
    pub fn len(&self) -> usize {
        self.sections.len()
    }

    /// Always `false` (a `Sos` has at least one section); present for clippy.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Cascades `self` then `other` (the product of the transfer functions).
    pub fn cascade(&self, other: &Sos) -> Sos {
        let mut sections = self.sections.clone();
        sections.extend_from_slice(&other.sections);
        Sos { sections }
    }

    /// The sections as [`biquad::Coefficients`], for running them with the `biquad` crate's
    /// `DirectForm1` / `DirectForm2Transposed`.
    pub fn to_biquad(&self) -> Vec<Coefficients<f64>> {
        self.sections
            .iter()
            .map(|s| Coefficients {
                b0: s[0],
                b1: s[1],
                b2: s[2],
                a1: s[4],
                a2: s[5],
            })
            .collect()
    }

    /// Builds a cascade from `biquad` coefficients (e.g. made with
    /// `biquad::Coefficients::from_params`).
    ///
    /// # Errors
    /// As [`Sos::new`].
    pub fn from_biquad(coeffs: &[Coefficients<f64>]) -> Result<Self> {
        Self::new(
            coeffs
                .iter()
                .map(|c| [c.b0, c.b1, c.b2, 1.0, c.a1, c.a2])
                .collect(),
        )
    }

    /// Complex frequency response `H(e^{jw})` at `freq` for sampling rate `fs`, as
    /// `(magnitude, phase in radians)`. Handy to check a design (`scipy.signal.sosfreqz`).
    pub fn response(&self, freq: f64, fs: f64) -> (f64, f64) {
        use realfft::num_complex::Complex;
        let w = 2.0 * std::f64::consts::PI * freq / fs;
        let z1 = Complex::new(0.0, -w).exp();
        let z2 = z1 * z1;
        let h = self.sections.iter().fold(Complex::new(1.0, 0.0), |h, s| {
            h * (s[0] + z1 * s[1] + z2 * s[2]) / (s[3] + z1 * s[4] + z2 * s[5])
        });
        (h.norm(), h.arg())
    }

    /// Causal filtering from zero initial state: `scipy.signal.sosfilt(sos, x)`.
    ///
    /// Non-finite samples propagate (this layer does not validate; [`Sos::filtfilt`] and the
    /// [`Preprocess`](super::Preprocess) layer do).
    pub fn filter(&self, x: &[f64]) -> Vec<f64> {
        let mut y = x.to_vec();
        self.filter_in_place(&mut y);
        y
    }

    /// [`Sos::filter`] in place.
    pub fn filter_in_place(&self, x: &mut [f64]) {
        SosFilter::new(self).process_in_place(x);
    }

    /// Steady-state initial conditions for a unit step, one `[z0, z1]` per section:
    /// `scipy.signal.sosfilt_zi(sos)`. Multiply by `x[0]` to start a filter "already
    /// settled" on the first sample.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when a section has a pole at `z = 1` (no steady state).
    pub fn zi(&self) -> Result<Vec<[f64; 2]>> {
        let mut scale = 1.0;
        let mut out = Vec::with_capacity(self.sections.len());
        for (i, s) in self.sections.iter().enumerate() {
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
            // lfilter_zi: solve (I - companion(a)^T) zi = b[1:] - a[1:] * b0 in closed form.
            let den = 1.0 + a1 + a2;
            if den == 0.0 {
                return Err(Error::InvalidParameter {
                    name: "sos",
                    reason: format!("section {i} has a pole at z = 1: no steady state"),
                });
            }
            let (c0, c1) = (b1 - a1 * b0, b2 - a2 * b0);
            let z0 = (c0 + c1) / den;
            let z1 = c1 - a2 * z0;
            out.push([scale * z0, scale * z1]);
            // The section's DC gain is the steady-state input of the next one.
            scale *= (b0 + b1 + b2) / (s[3] + a1 + a2);
        }
        Ok(out)
    }

    /// SciPy's default edge padding for [`Sos::filtfilt`]:
    /// `3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))`.
    pub fn padlen(&self) -> usize {
        let b2_zero = self.sections.iter().filter(|s| s[2] == 0.0).count();
        let a2_zero = self.sections.iter().filter(|s| s[5] == 0.0).count();
        3 * (2 * self.sections.len() + 1 - b2_zero.min(a2_zero))
    }

    /// Zero-phase forward-backward filtering: `scipy.signal.sosfiltfilt(sos, x)` with its
    /// defaults (`padtype='odd'`, `padlen` = [`Sos::padlen`]).
    ///
    /// The signal is extended at both ends by `padlen` samples of odd (point-symmetric)
    /// reflection, filtered forward from `sosfilt_zi * ext[0]`, reversed, filtered again from
    /// `sosfilt_zi * y[last]`, reversed, and the padding is cut off. The magnitude response
    /// is squared and the phase is zero.
    ///
    /// # Errors
    /// * [`Error::TooShort`] when `x.len() <= padlen` (SciPy raises `ValueError`);
    /// * [`Error::NonFinite`] when a sample is NaN or infinite;
    /// * as [`Sos::zi`].
    pub fn filtfilt(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.filtfilt_with_padlen(x, self.padlen())
    }

    /// [`Sos::filtfilt`] with an explicit odd-extension length (`sosfiltfilt(...,
    /// padlen=padlen)`); `0` disables padding (then any non-empty input is accepted).
    ///
    /// # Errors
    /// As [`Sos::filtfilt`], with `x.len() <= padlen` for [`Error::TooShort`], and
    /// [`Error::Empty`] for an empty input.
    pub fn filtfilt_with_padlen(&self, x: &[f64], padlen: usize) -> Result<Vec<f64>> {
        if x.is_empty() {
            return Err(Error::Empty);
        }
        if x.len() <= padlen {
            return Err(Error::TooShort {
                len: x.len(),
                min: padlen + 1,
            });
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { index });
        }
        let zi = self.zi()?;
        let n = x.len();
        // odd_ext: 2*x[0] - x[padlen..0:-1], x, 2*x[-1] - x[-2..-(padlen+2):-1].
        let mut ext = Vec::with_capacity(n + 2 * padlen);
        ext.extend((1..=padlen).rev().map(|i| 2.0 * x[0] - x[i]));
        ext.extend_from_slice(x);
        ext.extend((1..=padlen).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));

        let mut f = SosFilter::new(self);
        f.set_state_scaled(&zi, ext[0]);
        f.process_in_place(&mut ext);
        ext.reverse();
        f.set_state_scaled(&zi, ext[0]);
        f.process_in_place(&mut ext);
        ext.reverse();
        ext.truncate(padlen + n);
        ext.drain(..padlen);
        Ok(ext)
    }
}

/// A causal, stateful run of an [`Sos`] cascade: push samples or chunks of any size, the
/// state carries over, so chunked output equals one-shot [`Sos::filter`] output exactly.
///
/// Each section is a `biquad::DirectForm2Transposed` (the same recursion as SciPy's
/// `sosfilt`).
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::filter::{butter, Band, SosFilter};
/// let sos = butter(2, Band::Bandpass(Hz::new(5.0)?, Hz::new(15.0)?), Hz::new(250.0)?)?;
/// let x: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0).collect();
/// let mut f = SosFilter::new(&sos);
/// let mut chunked = Vec::new();
/// for chunk in x.chunks(37) {
///     chunked.extend(f.process(chunk));
/// }
/// let first = SosFilter::new(&sos).push(x[0]); // one sample at a time works too
/// assert_eq!(chunked, sos.filter(&x));
/// assert_eq!(first, chunked[0]);
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SosFilter {
    sections: Vec<DirectForm2Transposed<f64>>,
}

impl SosFilter {
    /// A filter at rest (zero state).
    pub fn new(sos: &Sos) -> Self {
        Self {
            sections: sos
                .to_biquad()
                .into_iter()
                .map(DirectForm2Transposed::<f64>::new)
                .collect(),
        }
    }

    /// A filter in the steady state for a constant input `x0` (`sosfilt_zi(sos) * x0`), which
    /// avoids the start-up transient when the signal does not start at zero.
    ///
    /// # Errors
    /// As [`Sos::zi`].
    pub fn settled(sos: &Sos, x0: f64) -> Result<Self> {
        let mut f = Self::new(sos);
        f.set_state_scaled(&sos.zi()?, x0);
        Ok(f)
    }

    fn set_state_scaled(&mut self, zi: &[[f64; 2]], x0: f64) {
        for (s, z) in self.sections.iter_mut().zip(zi) {
            s.s1 = z[0] * x0;
            s.s2 = z[1] * x0;
        }
    }

    /// Clears the state (as after [`SosFilter::new`]).
    pub fn reset(&mut self) {
        self.sections.iter_mut().for_each(|s| s.reset_state());
    }

    /// The state, one `[z0, z1]` per section (SciPy's `zf` layout).
    pub fn state(&self) -> Vec<[f64; 2]> {
        self.sections.iter().map(|s| [s.s1, s.s2]).collect()
    }

    /// Filters one sample.
    #[inline]
    pub fn push(&mut self, x: f64) -> f64 {
        self.sections.iter_mut().fold(x, |v, s| s.run(v))
    }

    /// Filters a chunk in place.
    pub fn process_in_place(&mut self, x: &mut [f64]) {
        // Sample-major order (as SciPy's sosfilt): section k of sample n and section k-1 of
        // sample n+1 are independent, so the CPU overlaps the sections' dependency chains.
        // Section-major order measured 2x slower (each pass is one serial chain).
        for v in x.iter_mut() {
            *v = self.sections.iter_mut().fold(*v, |v, s| s.run(v));
        }
    }

    /// Filters a chunk and returns the output.
    pub fn process(&mut self, x: &[f64]) -> Vec<f64> {
        let mut y = x.to_vec();
        self.process_in_place(&mut y);
        y
    }
}
