//! Small causal building blocks shared by the streaming detectors.
//!
//! Everything here processes one sample at a time with O(1) work, so a detector's output cannot
//! depend on how the input is chunked. The second-order sections are designed with the bilinear
//! transform by [`crate::filter::butter`]; the detectors keep them in a small inlinable form
//! because detection runs causal, low-order filters in its per-sample loop.

use std::f64::consts::PI;

use crate::Hz;
use crate::filter::{Band, butter};

/// One second-order section in transposed direct form II.
#[derive(Clone, Debug)]
pub(crate) struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    s: [f64; 2],
}

impl Biquad {
    /// 2nd-order Butterworth low-pass at `fc` Hz (clamped below Nyquist).
    pub(crate) fn lowpass(fc: f64, fs: f64) -> Self {
        Self::butter2(fc, fs, Band::Lowpass)
    }

    /// 2nd-order Butterworth high-pass at `fc` Hz (clamped below Nyquist).
    pub(crate) fn highpass(fc: f64, fs: f64) -> Self {
        Self::butter2(fc, fs, Band::Highpass)
    }

    /// Designs with [`crate::filter::butter`] (SciPy's `butter(2, ..., output='sos')`) and keeps the
    /// single section in a form whose per-sample step inlines into the detectors' loops.
    fn butter2(fc: f64, fs: f64, band: fn(Hz) -> Band) -> Self {
        let design = Hz::new(clamp_fc(fc, fs))
            .and_then(|f| Hz::new(fs).and_then(|fs| butter(2, band(f), fs)));
        match design.as_ref().map(|s| s.sections()) {
            Ok([c]) => Self {
                b: [c[0] / c[3], c[1] / c[3], c[2] / c[3]],
                a: [c[4] / c[3], c[5] / c[3]],
                s: [0.0; 2],
            },
            // Unreachable for validated rates (the corner is clamped below Nyquist); a
            // pass-through keeps the function total.
            _ => Self {
                b: [1.0, 0.0, 0.0],
                a: [0.0, 0.0],
                s: [0.0; 2],
            },
        }
    }

    #[inline]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.s[0];
        self.s[0] = self.b[1] * x - self.a[0] * y + self.s[1];
        self.s[1] = self.b[2] * x - self.a[1] * y;
        y
    }

    /// Complex response at normalised angular frequency `w` (rad/sample).
    fn response(&self, w: f64) -> (f64, f64) {
        // H = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), z^-k = cos(kw) - j sin(kw)
        let num = (
            self.b[0] + self.b[1] * w.cos() + self.b[2] * (2.0 * w).cos(),
            -self.b[1] * w.sin() - self.b[2] * (2.0 * w).sin(),
        );
        let den = (
            1.0 + self.a[0] * w.cos() + self.a[1] * (2.0 * w).cos(),
            -self.a[0] * w.sin() - self.a[1] * (2.0 * w).sin(),
        );
        let d2 = den.0 * den.0 + den.1 * den.1;
        (
            (num.0 * den.0 + num.1 * den.1) / d2,
            (num.1 * den.0 - num.0 * den.1) / d2,
        )
    }
}

/// Butterworth corners must stay below Nyquist; at very low rates a corner is pulled to 45 % of fs.
fn clamp_fc(fc: f64, fs: f64) -> f64 {
    fc.min(0.45 * fs)
}

/// A cascade of sections.
#[derive(Clone, Debug)]
pub(crate) struct Cascade(pub(crate) Vec<Biquad>);

impl Cascade {
    #[inline]
    pub(crate) fn step(&mut self, mut x: f64) -> f64 {
        for s in &mut self.0 {
            x = s.step(x);
        }
        x
    }

    /// Group delay in samples at `f` Hz, by a central difference of the unwrapped phase.
    pub(crate) fn group_delay(&self, f: f64, fs: f64) -> f64 {
        let w = 2.0 * PI * f / fs;
        let dw = 1e-4;
        let phase = |w: f64| -> f64 {
            self.0
                .iter()
                .map(|s| {
                    let (re, im) = s.response(w);
                    im.atan2(re)
                })
                .sum()
        };
        let mut d = phase(w + dw) - phase(w - dw);
        // Each section's phase may wrap by 2π between the two evaluation points.
        while d > PI {
            d -= 2.0 * PI;
        }
        while d < -PI {
            d += 2.0 * PI;
        }
        -d / (2.0 * dw)
    }
}

/// History of at least the last `cap` samples, indexed by absolute sample number. The buffer is
/// a power of two so indexing is a mask, not a division (this is on the per-sample hot path).
#[derive(Clone, Debug)]
pub(crate) struct History {
    buf: Vec<f64>,
    mask: usize,
    next: usize,
}

impl History {
    pub(crate) fn new(cap: usize) -> Self {
        let size = cap.max(2).next_power_of_two();
        Self {
            buf: vec![0.0; size],
            mask: size - 1,
            next: 0,
        }
    }
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.buf[self.next & self.mask] = x;
        self.next += 1;
    }
    /// Value at absolute index `i`, or `None` when not pushed yet or already forgotten.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<f64> {
        (i < self.next && i + self.buf.len() >= self.next).then(|| self.buf[i & self.mask])
    }
    /// Value at absolute index `i` (wrapping arithmetic allowed) without the range check: exact
    /// for the last `cap` samples, and 0 for "negative" indices `i = n − k` (wrapped) of a
    /// history that has not yet filled its buffer. For the hot loops.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> f64 {
        self.buf[i & self.mask]
    }
    /// Oldest absolute index still held.
    #[inline]
    pub(crate) fn oldest(&self) -> usize {
        self.next.saturating_sub(self.buf.len())
    }
}

/// Running mean over the last `len` samples (over the samples seen so far during the first `len`,
/// so that a record's first window is not biased towards zero).
#[derive(Clone, Debug)]
pub(crate) struct MovingMean {
    hist: Vec<f64>,
    pos: usize,
    sum: f64,
    inv_len: f64,
    steps: u64,
}

impl MovingMean {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            hist: vec![0.0; len.max(1)],
            pos: 0,
            sum: 0.0,
            inv_len: 1.0 / len.max(1) as f64,
            steps: 0,
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.hist.len()
    }
    #[inline]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        self.sum += x - self.hist[self.pos];
        self.hist[self.pos] = x;
        self.pos += 1;
        if self.pos == self.hist.len() {
            self.pos = 0;
        }
        // Re-summing once per 2^16 samples bounds floating-point drift on day-long streams.
        self.steps += 1;
        if self.steps & 0xFFFF == 0 {
            self.sum = self.hist.iter().sum();
        }
        if self.steps < self.hist.len() as u64 {
            return self.sum / self.steps as f64;
        }
        self.sum * self.inv_len
    }
}

/// Median of a small slice (copied; used on 8-element level buffers).
pub(crate) fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn butterworth_sections_match_scipy() {
        // Oracle: scipy.signal.butter(2, 15, 'low', fs=360) and butter(2, 5, 'high', fs=360)
        // (b, a printed with SciPy 1.17).
        let lp = Biquad::lowpass(15.0, 360.0);
        let expect_b = [0.014401440346511, 0.028802880693022, 0.014401440346511];
        let expect_a = [-1.632993161855452, 0.690598923241497];
        for (x, y) in lp.b.iter().zip(expect_b) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        for (x, y) in lp.a.iter().zip(expect_a) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        let hp = Biquad::highpass(5.0, 360.0);
        let expect_b = [0.940156963896221, -1.880313927792442, 0.940156963896221];
        for (x, y) in hp.b.iter().zip(expect_b) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
    }

    #[test]
    fn group_delay_matches_scipy() {
        // Oracle: scipy.signal.group_delay((b, a), w=[10], fs=360) for butter(2, 15, fs=360).
        let c = Cascade(vec![Biquad::lowpass(15.0, 360.0)]);
        let gd = c.group_delay(10.0, 360.0);
        assert!((gd - 6.52890202).abs() < 1e-4, "{gd}");
    }

    #[test]
    fn moving_mean_and_median() {
        let mut m = MovingMean::new(3);
        let out: Vec<f64> = [3.0, 3.0, 3.0, 6.0].iter().map(|&x| m.step(x)).collect();
        assert_eq!(out, vec![3.0, 3.0, 3.0, 4.0]);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
