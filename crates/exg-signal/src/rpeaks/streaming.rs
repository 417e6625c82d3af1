//! The streaming API: [`RPeakStream`] (push chunks, get final peaks after a constant delay) and
//! the engine seam [`QrsEngine`] that a new streaming detector implements.
//!
//! Every detector's stream is a causal engine with a bounded look-ahead followed by the shared
//! refinement (light filter, polarity vote, extremum search). Any chunking gives the same stream
//! result ([`detect_streamed`](super::detect_streamed); tested with random chunkings); the
//! built-in batch API runs the same stream over the record with mirrored ends
//! ([`detect_batch`](super::detect_batch)), so it differs from the stream only near the
//! record's ends.

use std::collections::VecDeque;

use super::dsp::{Biquad, History};
use super::polarity::PolarityVote;
use super::{Polarity, check_fs, check_positive};
use crate::{Error, Hz, Result};

/// Samples processed per block inside a push: the filter stages run as tight loops over a block,
/// the detection logic over the block's events. Results do not depend on it (the engines are
/// sample-by-sample causal systems); it only bounds the history buffers.
pub(crate) const BLOCK: usize = 512;

/// The light cleaning used for refinement and polarity: a causal 0.5 Hz high-pass (baseline
/// wander), kept in a history, then a centred ~20 ms moving average (noise) evaluated on demand.
/// The average is symmetric, so it adds no delay and a symmetric R wave keeps its extremum.
/// Engines step the high-pass inside their own filter loop (the adaptive and gradient engines
/// as a [`BiquadPair`](super::dsp::BiquadPair) with their own high-pass, which sees the same
/// input) so the recursions overlap.
pub(crate) struct Light {
    /// The 0.5 Hz high-pass (engines may step it in their own loops, then push to `y`).
    pub(super) hp: Biquad,
    /// Half-width of the centred average in samples.
    lag: usize,
    /// High-passed samples by absolute index.
    pub(super) y: History,
}

impl Light {
    pub(super) fn new(fs: f64, cap: usize) -> Self {
        let half = (0.01 * fs).round() as usize;
        Self {
            hp: Biquad::highpass(0.5, fs),
            lag: half,
            y: History::new(cap + 2 * half + 1),
        }
    }
    #[inline]
    pub(crate) fn step(&mut self, v: f64) {
        let y = self.hp.step(v);
        self.y.push(y);
    }
    /// Positions and values of the maximum and minimum of the light-filtered signal (the centred
    /// average of the high-passed signal) over `lo..=hi`. Needs `lo >= oldest()` and
    /// `hi + lag` pushed; near the record start the average covers the samples that exist.
    /// The average slides (one add and one subtract per sample), so refinement costs
    /// O(window), not O(window × lag).
    fn extrema(&self, lo: usize, hi: usize) -> Extrema {
        let y = |j: usize| self.y.at(j);
        debug_assert!(lo >= self.oldest() && hi + self.lag < self.y.len());
        let first = lo.saturating_sub(self.lag);
        let mut sum: f64 = (first..=lo + self.lag).map(y).sum();
        let mut e = Extrema {
            imax: lo,
            vmax: f64::NEG_INFINITY,
            imin: lo,
            vmin: f64::INFINITY,
        };
        // Away from the record start every average has `2 lag + 1` terms: multiply by the
        // reciprocal (a division per sample would dominate the refinement's cost).
        let full = 1.0 / (2 * self.lag + 1) as f64;
        for i in lo..=hi {
            if i > lo {
                sum += y(i + self.lag);
                if i > self.lag {
                    sum -= y(i - self.lag - 1);
                }
            }
            let v = if i >= self.lag {
                sum * full
            } else {
                sum / (i + self.lag + 1) as f64
            };
            if v > e.vmax {
                (e.imax, e.vmax) = (i, v);
            }
            if v < e.vmin {
                (e.imin, e.vmin) = (i, v);
            }
        }
        e
    }
    /// Oldest signal time whose average is complete.
    fn oldest(&self) -> usize {
        self.y.oldest() + self.lag
    }
}

/// Where the light-filtered signal is largest and smallest in a refinement window.
struct Extrema {
    imax: usize,
    vmax: f64,
    imin: usize,
    vmin: f64,
}

/// A causal QRS engine: the part of a streaming detector that finds beats. It sees the samples
/// in order and reports approximate R positions; [`RPeakStream::new`] wraps it with what every
/// detector shares (offset removal, a light 0.5 Hz high-pass + 20 ms average, the polarity vote,
/// refinement of each position to the extremum within `refine_window_s`, and the constant
/// delay), so an engine only decides *where the beats are*.
///
/// Contract: positions are 0-based sample indices, reported in increasing order, each one no
/// later than the [`process`](Self::process) call that delivers sample `r + lookahead()`. The
/// stream drops positions that are not increasing or lie beyond the samples seen; a position
/// reported later than promised breaks only the constant-delay guarantee, which the
/// conformance battery checks ([`check_streaming`](super::conformance::check_streaming)).
///
/// ```
/// use exg_signal::rpeaks::{QrsEngine, RPeakStream};
/// use exg_signal::Hz;
///
/// /// A beat wherever |x| first exceeds `level`, then nothing for `refractory` samples.
/// struct Crossing { level: f64, refractory: usize, last: Option<usize> }
///
/// impl QrsEngine for Crossing {
///     fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>) {
///         for (j, x) in xs.iter().enumerate() {
///             let n = n0 + j;
///             if x.abs() > self.level && self.last.is_none_or(|l| n > l + self.refractory) {
///                 self.last = Some(n);
///                 out.push(n);
///             }
///         }
///     }
///     fn finish(&mut self, _n: usize, _out: &mut Vec<usize>) {}
///     fn lookahead(&self) -> usize { 0 } // a position is reported with its own sample
/// }
///
/// let fs = Hz::new(250.0)?;
/// let engine = Crossing { level: 0.5, refractory: 50, last: None };
/// let mut stream = RPeakStream::new(engine, fs, 0.05)?;
/// // 10 s of narrow pulses peaking at 100, 350, 600, ...
/// let x: Vec<f64> = (0..2500).map(|i| (-((i % 250) as f64 - 100.0).powi(2) / 8.0).exp()).collect();
/// let mut peaks = Vec::new();
/// for chunk in x.chunks(64) {
///     peaks.extend(stream.push(chunk)?);
/// }
/// peaks.extend(stream.finish().peaks);
/// assert_eq!(peaks, (0..10).map(|k| 100 + 250 * k).collect::<Vec<_>>());
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub trait QrsEngine: Send {
    /// Processes samples `n0 .. n0 + xs.len()` (in order, each exactly once; the record's first
    /// sample value has been subtracted from every sample) and appends to `out` the approximate
    /// R positions it has become sure of, in increasing order.
    fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>);
    /// End of signal after `n` samples: appends whatever remains decidable.
    fn finish(&mut self, n: usize, out: &mut Vec<usize>);
    /// Look-ahead in samples: a position `r` is reported no later than the call to
    /// [`process`](Self::process) that delivers sample `r + lookahead()`.
    fn lookahead(&self) -> usize;
}

impl<E: QrsEngine + ?Sized> QrsEngine for Box<E> {
    fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>) {
        (**self).process(n0, xs, out);
    }
    fn finish(&mut self, n: usize, out: &mut Vec<usize>) {
        (**self).finish(n, out);
    }
    fn lookahead(&self) -> usize {
        (**self).lookahead()
    }
}

/// A [`QrsEngine`] seen as an internal [`Engine`]: the stream steps the light filter for it and
/// drops positions that break the contract (not increasing, or beyond the samples seen), so a
/// faulty engine cannot make the stream panic.
struct External<E> {
    engine: E,
    last: Option<usize>,
}

impl<E: QrsEngine> External<E> {
    /// Keeps the valid positions of `out[start..]` (samples `0..end` have been seen).
    fn keep_valid(&mut self, out: &mut Vec<usize>, start: usize, end: usize) {
        let mut kept = start;
        for i in start..out.len() {
            let r = out[i];
            if r < end && self.last.is_none_or(|l| r > l) {
                out[kept] = r;
                kept += 1;
                self.last = Some(r);
            }
        }
        out.truncate(kept);
    }
}

impl<E: QrsEngine> Engine for External<E> {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        for &x in xs {
            light.step(x);
        }
        let start = out.len();
        self.engine.process(n0, xs, out);
        self.keep_valid(out, start, n0 + xs.len());
    }
    fn finish(&mut self, n: usize, out: &mut Vec<usize>) {
        let start = out.len();
        self.engine.finish(n, out);
        self.keep_valid(out, start, n);
    }
    fn lookahead(&self) -> usize {
        self.engine.lookahead()
    }
}

/// The built-in engines' fast path: like [`QrsEngine`], but the engine steps the refinement
/// filter itself, inside its own filter loop.
pub(crate) trait Engine: Send {
    /// Processes samples `n0 .. n0 + xs.len()` (after the initial offset has been removed;
    /// `xs.len() <= BLOCK`), pushing one light-filtered value per sample (with
    /// [`Light::step`] or in its own loop), and appends approximate R
    /// positions (signal time) it has become sure of, in increasing order.
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>);
    /// End of signal after `n` samples: appends whatever remains decidable.
    fn finish(&mut self, n: usize, out: &mut Vec<usize>);
    /// Bound on `n - r` when candidate `r` is appended while processing sample `n`.
    fn lookahead(&self) -> usize;
}

/// Incremental R-peak detection.
///
/// Push chunks of any size with [`push`](Self::push); each call returns the peaks that became
/// final, as absolute 0-based sample indices, in increasing order. A peak at sample `p` is
/// returned by the push that delivers sample `p + delay()` (the delay is constant for a given
/// detector and rate, see [`delay_s`](Self::delay_s)); [`finish`](Self::finish) returns the rest.
/// Concatenating every output equals [`detect_streamed`](super::detect_streamed) on the same
/// samples, whatever the chunking.
///
/// A chunk holding NaN or an infinity is rejected with [`Error::NonFinite`] (absolute index)
/// and leaves the stream unchanged, so a caller can drop or repair the chunk and continue.
///
/// ```
/// use exg_signal::{Hz, rpeaks::{PanTompkins, StreamingDetector}};
/// let fs = Hz::new(250.0)?;
/// // 10 s of 1 Hz spikes.
/// let x: Vec<f64> = (0..2500).map(|i| if i % 250 == 100 { 1.0 } else { 0.0 }).collect();
/// let mut stream = PanTompkins::default().stream(fs)?;
/// let mut peaks = Vec::new();
/// for chunk in x.chunks(37) {
///     peaks.extend(stream.push(chunk)?);
/// }
/// let end = stream.finish();
/// peaks.extend(end.peaks);
/// assert!(peaks.len() >= 8);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub struct RPeakStream {
    engine: Box<dyn Engine>,
    fs: Hz,
    n: usize,
    offset: Option<f64>,
    light: Light,
    block: Vec<f64>,
    candidates: Vec<usize>,
    waiting: VecDeque<usize>,
    ready: VecDeque<usize>,
    refine_half: usize,
    delay: usize,
    vote: PolarityVote,
    last: Option<usize>,
}

impl std::fmt::Debug for RPeakStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RPeakStream")
            .field("fs", &self.fs)
            .field("samples", &self.n)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

/// What remains when a stream ends.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEnd {
    /// Peaks not returned by earlier pushes.
    pub peaks: Vec<usize>,
    /// Polarity chosen for the record.
    pub polarity: Polarity,
    /// Total samples pushed.
    pub samples: usize,
}

impl RPeakStream {
    /// The stream of a custom engine (see [`QrsEngine`]): each position the engine reports is
    /// refined to the extremum, in the lead's detected polarity, of the lightly filtered signal
    /// within `refine_window_s` seconds on either side. Fails when `fs` is outside
    /// [`FS_RANGE_HZ`](super::FS_RANGE_HZ) or `refine_window_s` is not finite and > 0.
    pub fn new<E: QrsEngine + 'static>(engine: E, fs: Hz, refine_window_s: f64) -> Result<Self> {
        check_fs(fs)?;
        check_positive("refine_window_s", refine_window_s)?;
        let engine = External { engine, last: None };
        Ok(Self::with_engine(Box::new(engine), fs, refine_window_s))
    }

    /// The stream of a built-in engine (parameters already checked).
    pub(crate) fn with_engine(engine: Box<dyn Engine>, fs: Hz, refine_s: f64) -> Self {
        let f = fs.get();
        let refine_half = fs.samples(refine_s);
        // The light filter's centred average needs `lag` samples beyond the refinement window.
        let lag = (0.01 * f).round() as usize;
        let delay = engine.lookahead() + 2 * refine_half + lag + 1;
        Self {
            fs,
            n: 0,
            offset: None,
            light: Light::new(f, delay + 2 * refine_half + BLOCK + 8),
            block: Vec::with_capacity(BLOCK),
            candidates: Vec::new(),
            waiting: VecDeque::new(),
            ready: VecDeque::new(),
            refine_half,
            delay,
            vote: PolarityVote::default(),
            last: None,
            engine,
        }
    }

    /// Sampling rate the stream was built for.
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Samples pushed so far.
    pub fn samples_seen(&self) -> usize {
        self.n
    }

    /// Constant output delay in samples: a peak at `p` is returned once sample `p + delay` is in.
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// [`delay`](Self::delay) in seconds.
    pub fn delay_s(&self) -> f64 {
        self.fs.seconds(self.delay)
    }

    /// Polarity chosen so far (see [`Polarity`]).
    pub fn polarity(&self) -> Polarity {
        self.vote.polarity()
    }

    /// Pushes a chunk and returns the peaks that became final.
    pub fn push(&mut self, chunk: &[f64]) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        self.push_into(chunk, &mut out)?;
        Ok(out)
    }

    /// Like [`push`](Self::push) but appends to `out` (no allocation per call).
    pub fn push_into(&mut self, chunk: &[f64], out: &mut Vec<usize>) -> Result<()> {
        if let Some(i) = crate::ecg::first_non_finite(chunk) {
            return Err(Error::NonFinite { index: self.n + i });
        }
        self.push_finite(chunk, out);
        Ok(())
    }

    /// [`push_into`](Self::push_into) for samples known to be finite (an [`Ecg`](crate::Ecg)'s).
    pub(crate) fn push_finite(&mut self, chunk: &[f64], out: &mut Vec<usize>) {
        for part in chunk.chunks(BLOCK) {
            self.process_block(part, out);
        }
    }

    fn process_block(&mut self, part: &[f64], out: &mut Vec<usize>) {
        let Some(&first) = part.first() else { return };
        // Removing the first sample's value starts every filter at rest: no start-up transient
        // from a DC offset (raw ADC units, electrode offset).
        let x0 = *self.offset.get_or_insert(first);
        self.block.clear();
        self.block.extend(part.iter().map(|&x| x - x0));
        let n0 = self.n;
        self.engine
            .process(n0, &self.block, &mut self.light, &mut self.candidates);
        self.n += part.len();
        if !self.candidates.is_empty() {
            self.waiting.extend(self.candidates.drain(..));
        }
        while let Some(&c) = self.waiting.front() {
            if c + self.refine_half + self.light.lag >= self.n {
                break;
            }
            self.waiting.pop_front();
            self.refine_and_queue(c);
        }
        while let Some(&p) = self.ready.front() {
            if p + self.delay >= self.n {
                break;
            }
            self.ready.pop_front();
            out.push(p);
        }
    }

    fn refine_and_queue(&mut self, c: usize) {
        // The centred average at `hi` needs `lag` samples after it.
        let Some(last_complete) = self.n.checked_sub(1 + self.light.lag) else {
            return;
        };
        let lo = c.saturating_sub(self.refine_half).max(self.light.oldest());
        let hi = (c + self.refine_half).min(last_complete);
        if lo > hi {
            return;
        }
        let e = self.light.extrema(lo, hi);
        let positive = self.vote.update(e.vmax, e.vmin);
        let p = if positive { e.imax } else { e.imin };
        // Two candidates refined onto the same QRS: keep the first.
        if self.last.is_some_and(|l| p <= l + self.refine_half) {
            return;
        }
        self.last = Some(p);
        self.ready.push_back(p);
    }

    /// Ends the stream: returns the remaining peaks and the record's polarity.
    pub fn finish(mut self) -> StreamEnd {
        let n = self.n;
        self.engine.finish(n, &mut self.candidates);
        self.waiting.extend(self.candidates.drain(..));
        while let Some(c) = self.waiting.pop_front() {
            self.refine_and_queue(c);
        }
        StreamEnd {
            peaks: self.ready.drain(..).collect(),
            polarity: self.vote.polarity(),
            samples: n,
        }
    }
}
