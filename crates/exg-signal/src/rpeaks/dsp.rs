//! Small causal building blocks shared by the streaming detectors.
//!
//! Everything here processes one sample at a time with O(1) work, so a detector's output cannot
//! depend on how the input is chunked. The second-order sections are designed with the bilinear
//! transform by [`crate::filter::butter`]; the detectors keep them in a small inlinable form
//! because detection runs causal, low-order filters in its per-sample loop.

use std::f64::consts::PI;

use crate::Hz;
use crate::filter::{Band, butter};

/// One second-order Butterworth section in direct form I.
///
/// A 2nd-order Butterworth numerator is `g·(1, c, 1)` with `c = 2` (low-pass, double zero at
/// z = −1) or `c = −2` (high-pass, double zero at z = 1), so the feed-forward sum costs two adds
/// and one multiply, and sections fed the same input can share it ([`recurse`](Self::recurse)).
/// Direct form I keeps one multiply-subtract on the recursive path (`y[n-1] → y[n]`); the
/// transposed form II has two dependent operations there, which makes a per-sample loop slower
/// (the recursions, not arithmetic throughput, bound the detectors' speed). In f64 both forms
/// are accurate for these low-order sections.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Biquad {
    g: f64,
    c: f64,
    a: [f64; 2],
    /// `x[n-1], x[n-2]`.
    x: [f64; 2],
    /// `y[n-1], y[n-2]`.
    y: [f64; 2],
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
            Ok([c]) => {
                // butter's zpk → sos gives b = k·(1, ±2, 1) exactly (products with ±2 are exact).
                debug_assert!(c[2] == c[0] && (c[1] / c[0]).abs() == 2.0);
                Self {
                    g: c[0] / c[3],
                    c: c[1] / c[0],
                    a: [c[4] / c[3], c[5] / c[3]],
                    x: [0.0; 2],
                    y: [0.0; 2],
                }
            }
            // Unreachable for validated rates (the corner is clamped below Nyquist); a
            // pass-through keeps the function total.
            _ => Self {
                g: 1.0,
                c: 0.0,
                a: [0.0, 0.0],
                x: [0.0; 2],
                y: [0.0; 2],
            },
        }
    }

    /// Numerator coefficients `(b0, b1, b2)` (`(1, 0, 0)` for the pass-through, `c = 0`).
    fn b(&self) -> [f64; 3] {
        [
            self.g,
            self.g * self.c,
            if self.c == 0.0 { 0.0 } else { self.g },
        ]
    }

    /// The feed-forward sum `x[n] + c·x[n-1] + x[n-2]` before the gain; for high-pass sections
    /// (`c = −2`) it is the second difference, shared by every high-pass fed the same input.
    #[inline]
    pub(crate) fn second_difference(x: f64, x1: f64, x2: f64) -> f64 {
        (x + x2) - 2.0 * x1
    }

    #[inline]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        let ff = (x + self.x[1]) + self.c * self.x[0];
        self.x = [x, self.x[0]];
        self.recurse(ff)
    }

    /// The recursive part, given the feed-forward sum (see [`second_difference`](Self::second_difference));
    /// the section's own input memory is not used. Everything but `a1 · y[n-1]` is computed off
    /// the recursive path.
    #[inline]
    pub(crate) fn recurse(&mut self, ff: f64) -> f64 {
        let y = self.g * ff - self.a[1] * self.y[1] - self.a[0] * self.y[0];
        self.y = [y, self.y[0]];
        y
    }

    /// Complex response at normalised angular frequency `w` (rad/sample).
    fn response(&self, w: f64) -> (f64, f64) {
        // H = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), z^-k = cos(kw) - j sin(kw)
        let b = self.b();
        let num = (
            b[0] + b[1] * w.cos() + b[2] * (2.0 * w).cos(),
            -b[1] * w.sin() - b[2] * (2.0 * w).sin(),
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

/// Two sections fed the same input, stepped together as the two lanes of arrays (which the
/// compiler turns into SIMD): half the arithmetic instructions of stepping them one by one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BiquadPair {
    g: [f64; 2],
    a1: [f64; 2],
    a2: [f64; 2],
    y1: [f64; 2],
    y2: [f64; 2],
}

impl BiquadPair {
    /// The pair `(a, b)` with their current output memories.
    pub(crate) fn new(a: &Biquad, b: &Biquad) -> Self {
        Self {
            g: [a.g, b.g],
            a1: [a.a[0], b.a[0]],
            a2: [a.a[1], b.a[1]],
            y1: [a.y[0], b.y[0]],
            y2: [a.y[1], b.y[1]],
        }
    }

    /// [`Biquad::recurse`] of both sections on the shared feed-forward sum.
    #[inline(always)]
    pub(crate) fn recurse(&mut self, ff: f64) -> [f64; 2] {
        let y = [0, 1].map(|i| self.g[i] * ff - self.a2[i] * self.y2[i] - self.a1[i] * self.y1[i]);
        (self.y2, self.y1) = (self.y1, y);
        y
    }

    /// Stores the output memories back into the sections the pair was made from.
    pub(crate) fn store(&self, a: &mut Biquad, b: &mut Biquad) {
        a.y = [self.y1[0], self.y2[0]];
        b.y = [self.y1[1], self.y2[1]];
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
    /// Number of samples pushed so far (the absolute index of the next one).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.next
    }
    /// Pushes every sample of `xs` (at most the capacity) with at most two copies.
    pub(crate) fn extend_from_slice(&mut self, xs: &[f64]) {
        debug_assert!(xs.len() <= self.buf.len());
        let start = self.next & self.mask;
        let first = xs.len().min(self.buf.len() - start);
        self.buf[start..start + first].copy_from_slice(&xs[..first]);
        self.buf[..xs.len() - first].copy_from_slice(&xs[first..]);
        self.next += xs.len();
    }
    /// The history opened for a hot loop (see [`HotRing`]).
    #[inline]
    pub(crate) fn hot(&mut self) -> HotRing<'_> {
        HotRing {
            next: self.next,
            buf: &mut self.buf,
            mask: self.mask,
            origin: &mut self.next,
        }
    }
}

/// A [`History`] opened for a per-sample loop: its write position is a local, kept in a register,
/// instead of a field behind `&mut`, which the compiler must reload after every buffer write
/// (the write might alias it). Written back when the view is dropped.
pub(crate) struct HotRing<'a> {
    buf: &'a mut [f64],
    mask: usize,
    next: usize,
    origin: &'a mut usize,
}

impl HotRing<'_> {
    #[inline(always)]
    pub(crate) fn push(&mut self, x: f64) {
        self.buf[self.next & self.mask] = x;
        self.next += 1;
    }
    /// As [`History::at`].
    #[inline(always)]
    pub(crate) fn at(&self, i: usize) -> f64 {
        self.buf[i & self.mask]
    }
    /// Samples pushed so far.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.next
    }
}

impl Drop for HotRing<'_> {
    fn drop(&mut self) {
        *self.origin = self.next;
    }
}

/// Running mean over the last `len` samples (over the samples seen so far during the first `len`,
/// so that a record's first window is not biased towards zero).
#[derive(Clone, Debug)]
pub(crate) struct MovingMean {
    ring: History,
    len: usize,
    sum: f64,
}

impl MovingMean {
    pub(crate) fn new(len: usize) -> Self {
        let len = len.max(1);
        Self {
            ring: History::new(len + 1),
            len,
            sum: 0.0,
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    /// The running mean opened for a hot loop (see [`HotRing`]); the sum is a local too.
    #[inline]
    pub(crate) fn hot(&mut self) -> HotMean<'_> {
        HotMean {
            len: self.len,
            sum: self.sum,
            ring: self.ring.hot(),
            origin: &mut self.sum,
        }
    }
}

/// A [`MovingMean`] opened for a per-sample loop (see [`HotRing`]); written back when dropped.
pub(crate) struct HotMean<'a> {
    ring: HotRing<'a>,
    len: usize,
    sum: f64,
    origin: &'a mut f64,
}

impl HotMean<'_> {
    #[inline(always)]
    pub(crate) fn step(&mut self, x: f64) -> f64 {
        // Before the ring has filled, the slot `n - len` has not been written: it holds 0.
        let n = self.ring.len();
        let old = self.ring.at(n.wrapping_sub(self.len));
        self.ring.push(x);
        self.sum += x - old;
        let ring = &self.ring;
        running_mean(&mut self.sum, n + 1, self.len, |i| ring.at(i))
    }
}

impl Drop for HotMean<'_> {
    fn drop(&mut self) {
        *self.origin = self.sum;
    }
}

/// The mean of the last `min(len, seen)` inputs from their running `sum`, after `seen` inputs.
/// Once per 2^16 inputs the sum is recomputed from `input(i)` (absolute index `i`) to bound
/// floating-point drift on day-long streams; that is tied to the absolute index, so the result
/// does not depend on chunking.
#[inline(always)]
pub(crate) fn running_mean(
    sum: &mut f64,
    seen: usize,
    len: usize,
    input: impl Fn(usize) -> f64,
) -> f64 {
    if seen & 0xFFFF == 0 {
        *sum = (seen - len..seen).map(input).sum();
    }
    if seen < len {
        *sum / seen as f64
    } else {
        // The reciprocal is loop-invariant (hoisted); a multiply is cheaper than a divide.
        *sum * (1.0 / len as f64)
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
        for (x, y) in lp.b().iter().zip(expect_b) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        for (x, y) in lp.a.iter().zip(expect_a) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        let hp = Biquad::highpass(5.0, 360.0);
        let expect_b = [0.940156963896221, -1.880313927792442, 0.940156963896221];
        for (x, y) in hp.b().iter().zip(expect_b) {
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
        let out: Vec<f64> = [3.0, 3.0, 3.0, 6.0]
            .iter()
            .map(|&x| m.hot().step(x))
            .collect();
        assert_eq!(out, vec![3.0, 3.0, 3.0, 4.0]);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
