//! The adaptive-threshold QRS engine shared by Pan-Tompkins and Hamilton: band-pass, derivative,
//! rectification, moving-window integration, peak picking and the decision rules of
//! Pan & Tompkins (1985) as re-examined by Hamilton & Tompkins (1986).
//!
//! Start-up (replaces the papers' 2–8 s learning phase; it fits inside the search-back horizon,
//! so it adds no delay): both levels start empty (a level is 0 until its first peak). The
//! candidates of the learning period — from the first candidate to `min(1.5 s,
//! max_searchback_s)` after it — are held back; at its end they are judged in time order: one at
//! or above 40 % of the largest of them that is not a T wave (rule 2, against the last QRS
//! accepted so far) is a QRS, the others are noise (and stay available to search-back). They seed
//! the levels: the first QRS (noise) peak sets the running mean and later ones weigh 1/8
//! (Pan-Tompkins), or they fill the median buffers (Hamilton). No level is ever reset or scaled
//! afterwards.
//!
//! Decision rules, in the order they are applied to each integration peak after start-up:
//! 1. A peak is a candidate only if no larger peak lies within `peak_separation_s` on either
//!    side (Hamilton & Tompkins rule 1; also Pan-Tompkins' 200 ms refractory period).
//! 2. A candidate within `t_wave_window_s` of the previous QRS whose maximal slope is below
//!    `t_wave_slope_ratio` times that QRS's slope is a T wave (rule 3 / PT's T-wave test).
//! 3. A candidate above `DT = NL + tc · (QL − NL)` is a QRS; otherwise it is noise (rule 4). QL and
//!    NL are the QRS and noise peak levels (running means for PT, medians of 8 for Hamilton).
//! 4. Search-back: when no QRS has been found for `searchback_rr · RRavg` (at most
//!    `max_searchback_s`), the largest noise candidate above `DT / 2` lying at least
//!    `t_wave_window_s` after the last QRS becomes a QRS (rule 5 / PT's search-back). When there
//!    is none and no QRS has been found for `max_searchback_s`, the QRS level is halved (not in
//!    the papers: it keeps an artefact larger than every beat from locking the detector out).
//!
//! Levels in amplitude units: integration peaks enter the levels and the thresholds as amplitudes
//! (Pan-Tompkins' squared-slope integral through its square root; Hamilton's absolute-slope
//! integral as it is), and the ratios the papers apply to the rectified signal (search-back's
//! half threshold, the level decay's halving) become their square roots for Pan-Tompkins, so
//! that they mean the same energy ratios. Pan-Tompkins' threshold coefficient (0.25) and the
//! learning period's 40 % apply to amplitudes. Why: a running mean of *squared* heights is
//! dominated by the largest beats; in bigeminy with large ectopic beats (MIT-BIH 203, 228;
//! CPSC 2019) it sat above 4× the normal beats' energy, so every normal beat was below
//! `0.25 · SL` and, the RR average being learnt from the detected (every other) beats,
//! search-back never triggered: the "every other beat" misses of issue 13.
//!
//! Streaming bound: a candidate older than `max_searchback_s` is final, which bounds the delay.

use std::collections::VecDeque;

use super::dsp::{Biquad, BiquadPair, Cascade, History, median, running_mean};
use super::streaming::{BLOCK, Light};
use super::{RPeakStream, check_fs, check_positive};
use crate::{Hz, Result};

/// How the QRS and noise peak levels are tracked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Levels {
    /// Pan-Tompkins: `L ← 0.125·peak + 0.875·L` (0.25/0.75 for a search-back beat).
    RunningMean,
    /// Hamilton-Tompkins: median of the last 8 peaks.
    Median8,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Rectify {
    Square,
    Abs,
}

#[derive(Clone, Debug)]
pub(crate) struct AdaptiveParams {
    pub band_hz: (f64, f64),
    pub derivative_s: f64,
    pub rectify: Rectify,
    pub integration_s: f64,
    pub peak_separation_s: f64,
    pub tc: f64,
    pub levels: Levels,
    pub searchback_rr: f64,
    pub max_searchback_s: f64,
    pub t_wave_window_s: f64,
    pub t_wave_slope_ratio: f64,
}

impl AdaptiveParams {
    /// The stream of a detector built on this engine, after checking the rate and that every
    /// window and coefficient is finite and > 0 (errors name the detectors' fields, which
    /// Pan-Tompkins and Hamilton share).
    pub(crate) fn stream(self, fs: Hz, refine_window_s: f64) -> Result<RPeakStream> {
        check_fs(fs)?;
        for (name, v) in [
            ("band_hz.0", self.band_hz.0),
            ("band_hz.1", self.band_hz.1),
            ("derivative_s", self.derivative_s),
            ("integration_s", self.integration_s),
            ("refractory_s", self.peak_separation_s),
            ("threshold_coeff", self.tc),
            ("searchback_rr", self.searchback_rr),
            ("max_searchback_s", self.max_searchback_s),
            ("t_wave_window_s", self.t_wave_window_s),
            ("refine_window_s", refine_window_s),
        ] {
            check_positive(name, v)?;
        }
        Ok(RPeakStream::with_engine(
            Box::new(AdaptiveEngine::new(self, fs.get())),
            fs,
            refine_window_s,
        ))
    }
}

#[derive(Clone, Debug)]
struct LevelTracker {
    mode: Levels,
    buf: Vec<f64>,
    mean: f64,
    seen: usize,
}

impl LevelTracker {
    fn new(mode: Levels) -> Self {
        Self {
            mode,
            buf: Vec::with_capacity(8),
            mean: 0.0,
            seen: 0,
        }
    }
    fn value(&self) -> f64 {
        match self.mode {
            Levels::RunningMean => self.mean,
            Levels::Median8 => median(&self.buf),
        }
    }
    /// Multiplies the level by `k` (every remembered peak for the median).
    fn scale(&mut self, k: f64) {
        self.mean *= k;
        self.buf.iter_mut().for_each(|v| *v *= k);
    }
    fn update(&mut self, h: f64, weight: f64) {
        match self.mode {
            Levels::RunningMean => {
                self.mean = if self.seen == 0 {
                    h
                } else {
                    weight * h + (1.0 - weight) * self.mean
                };
            }
            Levels::Median8 => {
                if self.buf.len() == 8 {
                    self.buf.remove(0);
                }
                self.buf.push(h);
            }
        }
        self.seen += 1;
    }
}

/// Contiguous per-block buffers of the filter stage. `band` and `rect` start with the last `k`
/// band-passed and `l` rectified samples of earlier blocks (0 before the record start), so the
/// derivative and the running sum read their delayed inputs without wrapping.
#[derive(Clone, Debug)]
struct Scratch {
    light: Vec<f64>,
    band: Vec<f64>,
    rect: Vec<f64>,
    m: Vec<f64>,
    /// Local maxima `(time, value)` of the integrated signal found in the block.
    maxima: Vec<(usize, f64)>,
}

#[derive(Clone, Copy, Debug)]
struct Cand {
    /// Estimated R position (signal time).
    r: usize,
    /// Integration-peak time.
    t: usize,
    height: f64,
    slope: f64,
}

/// The engine (see module docs).
#[derive(Clone, Debug)]
pub(crate) struct AdaptiveEngine {
    p: AdaptiveParams,
    fs: f64,
    hp: Biquad,
    lp: Biquad,
    /// Rectified derivative by absolute time (slopes of candidates).
    rectified: History,
    /// Integration window length (samples) and running sum.
    ma_len: usize,
    ma_sum: f64,
    /// Integrated signal by absolute time (window-maximum test).
    mh: History,
    /// Input memory shared by the two high-passes.
    x_prev: [f64; 2],
    scratch: Scratch,
    lmax: VecDeque<(usize, f64)>,
    next_lmax: usize,
    prev_m: (f64, f64),
    sb_done: Option<usize>,
    learning: bool,
    learn: usize,
    k: usize,
    half_sep: usize,
    r_offset: usize,
    qrs: LevelTracker,
    noise: LevelTracker,
    rr: Vec<usize>,
    last: Option<Cand>,
    pending: Vec<Cand>,
    next_check: usize,
    lookahead: usize,
}

impl AdaptiveEngine {
    pub(crate) fn new(p: AdaptiveParams, fs: f64) -> Self {
        let s = |sec: f64| (sec * fs).round().max(1.0) as usize;
        let (lo, hi) = p.band_hz;
        let bp = Cascade(vec![Biquad::highpass(lo, fs), Biquad::lowpass(hi, fs)]);
        let gd = bp.group_delay(0.5 * (lo + hi), fs).max(0.0);
        let k = s(p.derivative_s);
        let l = s(p.integration_s);
        let half_sep = s(p.peak_separation_s);
        // The derivative x[n] - x[n-k] is centred k/2 samples back; the band-pass adds its group delay.
        let r_offset = (k as f64 / 2.0 + gd).round() as usize;
        let hist = l + 2 * half_sep + 2 * k + r_offset + BLOCK + 8;
        let lookahead = l + half_sep + k + r_offset + s(p.max_searchback_s) + 2;
        Self {
            fs,
            hp: bp.0[0],
            lp: bp.0[1],
            rectified: History::new(hist),
            ma_len: l,
            ma_sum: 0.0,
            mh: History::new(2 * half_sep + BLOCK + 8),
            x_prev: [0.0; 2],
            scratch: Scratch {
                light: vec![0.0; BLOCK],
                band: vec![0.0; k + BLOCK],
                rect: vec![0.0; l + BLOCK],
                m: vec![0.0; BLOCK],
                maxima: vec![(0, 0.0); BLOCK],
            },
            lmax: VecDeque::new(),
            next_lmax: 0,
            prev_m: (0.0, 0.0),
            sb_done: None,
            learning: true,
            learn: s(1.5f64.min(p.max_searchback_s)),
            k,
            half_sep,
            r_offset,
            qrs: LevelTracker::new(p.levels),
            noise: LevelTracker::new(p.levels),
            rr: Vec::with_capacity(8),
            last: None,
            pending: Vec::new(),
            next_check: 0,
            lookahead,
            p,
        }
    }

    /// The height of an integration peak in amplitude units: the square root of a squared
    /// (Pan-Tompkins) integration peak, an absolute-value (Hamilton) one as it is. See the
    /// module docs, "Levels in amplitude units".
    fn amplitude(&self, v: f64) -> f64 {
        match self.p.rectify {
            Rectify::Square => v.sqrt(),
            Rectify::Abs => v,
        }
    }

    /// A ratio the papers apply to levels of the rectified signal, in the amplitude units of
    /// [`amplitude`](Self::amplitude): its square root after squaring, itself after `abs`.
    fn level_ratio(&self, k: f64) -> f64 {
        match self.p.rectify {
            Rectify::Square => k.sqrt(),
            Rectify::Abs => k,
        }
    }

    fn secs(&self, s: f64) -> usize {
        (s * self.fs).round() as usize
    }

    fn threshold(&self) -> f64 {
        let (q, n) = (self.qrs.value(), self.noise.value());
        n + self.p.tc * (q - n)
    }

    fn rr_avg(&self) -> usize {
        if self.rr.is_empty() {
            return self.secs(1.0);
        }
        match self.p.levels {
            Levels::Median8 => {
                let v: Vec<f64> = self.rr.iter().map(|&r| r as f64).collect();
                median(&v) as usize
            }
            Levels::RunningMean => self.rr.iter().sum::<usize>() / self.rr.len(),
        }
    }

    fn searchback_interval(&self) -> usize {
        ((self.p.searchback_rr * self.rr_avg() as f64) as usize)
            .min(self.secs(self.p.max_searchback_s))
    }

    fn accept(&mut self, c: Cand, searchback: bool, out: &mut Vec<usize>) {
        let w = if searchback { 0.25 } else { 0.125 };
        self.qrs.update(c.height, w);
        if let Some(l) = self.last {
            let rr = c.t - l.t;
            if self.rr.len() == 8 {
                self.rr.remove(0);
            }
            self.rr.push(rr);
        }
        self.last = Some(c);
        self.pending.retain(|p| p.t > c.t);
        self.next_check = c.t + self.searchback_interval();
        out.push(c.r);
    }

    fn on_candidate(&mut self, t: usize, height: f64, out: &mut Vec<usize>) {
        // Maximal slope (|derivative|) inside the integration window that produced this peak:
        // the rectified derivative is monotone in |derivative|, so its argmax is the slope's.
        // `t` is at most a block plus `half_sep` old and the history holds the integration
        // window beyond that, so the window is in range.
        let lo = t
            .saturating_sub(self.ma_len - 1)
            .max(self.rectified.oldest());
        debug_assert!(t < self.rectified.len());
        let (mut peak, mut at) = (0.0, t);
        for i in lo..=t {
            let v = self.rectified.at(i);
            if v > peak {
                peak = v;
                at = i;
            }
        }
        let slope = match self.p.rectify {
            // sqrt(fl(d · d)) = |d| exactly in binary64 (no overflow/underflow here).
            Rectify::Square => peak.sqrt(),
            Rectify::Abs => peak,
        };
        let c = Cand {
            r: at.saturating_sub(self.r_offset),
            t,
            height,
            slope,
        };
        if self.next_check == usize::MAX {
            self.next_check = t + self.half_sep;
        }
        if self.learning {
            self.pending.push(c);
            return;
        }
        let tw = self.secs(self.p.t_wave_window_s);
        if let Some(l) = self.last {
            if t <= l.t + self.half_sep {
                return;
            }
            if t < l.t + tw && slope < self.p.t_wave_slope_ratio * l.slope {
                self.noise.update(height, 0.125);
                return;
            }
        }
        if height > self.threshold() {
            self.accept(c, false, out);
        } else {
            self.noise.update(height, 0.125);
            if self.last.is_none_or(|l| t >= l.t + tw) {
                self.pending.push(c);
            }
        }
    }

    /// End of the learning period (`learn` samples after the first candidate; see the module
    /// docs, "Start-up"): candidates at or above 40 % of the largest are QRS complexes (with the
    /// T-wave test), the others noise; they seed the levels.
    fn end_learning(&mut self, out: &mut Vec<usize>) {
        self.learning = false;
        let cands = std::mem::take(&mut self.pending);
        let top = cands.iter().map(|c| c.height).fold(0.0, f64::max);
        let tw = self.secs(self.p.t_wave_window_s);
        for c in cands {
            let t_wave = self
                .last
                .is_some_and(|l| c.t < l.t + tw && c.slope < self.p.t_wave_slope_ratio * l.slope);
            if c.height >= 0.4 * top && !t_wave {
                self.accept(c, false, out);
            } else {
                self.noise.update(c.height, 0.125);
                if self.last.is_none_or(|l| c.t >= l.t + tw) {
                    self.pending.push(c);
                }
            }
        }
    }

    fn searchback(&mut self, now: usize, out: &mut Vec<usize>) {
        let Some(last) = self.last else { return };
        if now < self.next_check {
            return;
        }
        let horizon = self.secs(self.p.max_searchback_s);
        self.pending.retain(|c| c.t + horizon >= now);
        // The papers' half threshold (on the rectified signal's scale).
        let th = self.level_ratio(0.5) * self.threshold();
        let best = self
            .pending
            .iter()
            .filter(|c| c.height > th && c.t >= last.t + self.secs(self.p.t_wave_window_s))
            .max_by(|a, b| a.height.total_cmp(&b.height))
            .copied();
        match best {
            Some(c) => self.accept(c, true, out),
            None => {
                // No QRS for a whole search-back horizon and nothing above half the threshold:
                // the QRS level was set by something larger than the beats (an artefact in the
                // learning period or later). Halve it, so that a detector cannot stay locked
                // out; the beats that follow are judged against the lowered threshold.
                if now >= last.t + horizon {
                    self.qrs.scale(self.level_ratio(0.5));
                }
                // The answer can only change with the next candidate (which moves the levels
                // or adds to the pending list).
                self.next_check = usize::MAX;
            }
        }
    }
}

impl super::streaming::Engine for AdaptiveEngine {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        // Stage 1: filters, as one tight loop over the block. Local maxima of the integrated
        // signal are the only samples the decision stage needs to look at.
        match self.p.rectify {
            Rectify::Square => self.filter_block(n0, xs, light, |d| d * d),
            Rectify::Abs => self.filter_block(n0, xs, light, f64::abs),
        }
        // Stage 2: candidate confirmations (at t + H) and search-back checks, in time order,
        // exactly as if they were evaluated sample by sample.
        let last_sample = n0 + xs.len() - 1;
        loop {
            let tc = self
                .lmax
                .get(self.next_lmax)
                .map(|&(t, _)| t + self.half_sep);
            let ts = (!self.pending.is_empty() && self.last.is_some())
                .then(|| self.next_check.max(self.sb_done.map_or(0, |d| d + 1)));
            let tc_ok = tc.filter(|&t| t <= last_sample);
            let ts = if self.learning {
                self.pending.first().map(|c| c.t + self.learn)
            } else {
                ts
            };
            let ts_ok = ts.filter(|&t| t <= last_sample);
            match (tc_ok, ts_ok) {
                (None, None) => break,
                (Some(c), s) if s.is_none_or(|s| c <= s) => {
                    let i = self.next_lmax;
                    let (t, v) = self.lmax[i];
                    self.next_lmax += 1;
                    if v > 0.0 && self.is_window_max(i) {
                        self.on_candidate(t, self.amplitude(v), out);
                    }
                }
                (_, Some(s)) if self.learning => {
                    self.sb_done = Some(s);
                    self.end_learning(out);
                }
                (_, Some(s)) => {
                    self.sb_done = Some(s);
                    self.searchback(s, out);
                }
                _ => break,
            }
        }
        // Forget local maxima that can no longer fall inside a pending window.
        while self.next_lmax > 0
            && self.lmax.front().is_some_and(|&(t, _)| {
                self.lmax
                    .get(self.next_lmax)
                    .is_none_or(|&(u, _)| t + 2 * self.half_sep < u)
                    && t + 2 * self.half_sep < last_sample
            })
        {
            self.lmax.pop_front();
            self.next_lmax -= 1;
        }
    }

    fn finish(&mut self, _n: usize, out: &mut Vec<usize>) {
        // Local maxima not yet confirmed are judged on the part of their window that exists.
        while let Some(&(t, v)) = self.lmax.get(self.next_lmax) {
            let i = self.next_lmax;
            self.next_lmax += 1;
            if v > 0.0 && self.is_window_max(i) {
                self.on_candidate(t, self.amplitude(v), out);
            }
        }
        if self.learning {
            self.end_learning(out);
        }
    }

    fn lookahead(&self) -> usize {
        self.lookahead
    }
}

impl AdaptiveEngine {
    /// Stage 1 of [`process`](super::streaming::Engine::process) for samples `n0 ..`: light
    /// high-pass, band-pass, derivative, rectification, moving-window integration, and the local
    /// maxima of the integrated signal appended to `lmax`.
    ///
    /// This bounds the detector's speed (`docs/signal-rpeaks.md` §"How the detection loop is
    /// made fast"). One loop over contiguous block buffers (no ring-index masks) runs the filters,
    /// derivative, rectification and running sum, with every recursive state in a local so that
    /// it stays in a register (through `&mut self` the compiler must assume that buffer writes
    /// may alias it); a second, branch-free loop collects the local maxima.
    #[inline(always)]
    fn filter_block(
        &mut self,
        n0: usize,
        xs: &[f64],
        light: &mut Light,
        rectify: impl Fn(f64) -> f64,
    ) {
        let len = xs.len();
        let (k, l) = (self.k, self.ma_len);
        let sc = &mut self.scratch;
        let (light_out, m_out) = (&mut sc.light[..len], &mut sc.m[..len]);
        let (band, rect) = (&mut sc.band[..k + len], &mut sc.rect[..l + len]);
        // The refinement high-pass and the band's high-pass see the same input: one pair.
        let mut highpasses = BiquadPair::new(&light.hp, &self.hp);
        let mut lp = self.lp;
        let [mut x1, mut x2] = self.x_prev;
        let mut sum = self.ma_sum;
        for (j, &x) in xs.iter().enumerate() {
            let w = Biquad::second_difference(x, x1, x2);
            (x2, x1) = (x1, x);
            let [light_y, band_hp] = highpasses.recurse(w);
            light_out[j] = light_y;
            let b = lp.step(band_hp);
            band[k + j] = b;
            let r = rectify(b - band[j]);
            rect[l + j] = r;
            sum += r - rect[j];
            let n = n0 + j;
            m_out[j] = running_mean(&mut sum, n + 1, l, |i| rect[i + l + j - n]);
        }
        highpasses.store(&mut light.hp, &mut self.hp);
        (self.lp, self.x_prev) = (lp, [x1, x2]);
        self.ma_sum = sum;

        // Local maxima of the integrated signal. One sample in ~20 is one, too often for a
        // well-predicted branch: every sample is written to the next free slot and the slot
        // is kept (the count advances) only when it is a maximum.
        let (mut m1, mut m2) = self.prev_m;
        let maxima = &mut sc.maxima;
        let mut count = 0;
        for (j, &m) in m_out.iter().enumerate() {
            let n = n0 + j;
            maxima[count] = (n.wrapping_sub(1), m1);
            count += usize::from(m1 > m2 && m1 >= m && n > 0);
            (m2, m1) = (m1, m);
        }
        self.lmax.extend(&maxima[..count]);
        self.prev_m = (m1, m2);

        light.y.extend_from_slice(&sc.light[..len]);
        self.rectified.extend_from_slice(&sc.rect[l..l + len]);
        self.mh.extend_from_slice(&sc.m[..len]);
        // Keep the last `k` band-passed and `l` rectified samples in front for the next block.
        sc.band.copy_within(len..len + k, 0);
        sc.rect.copy_within(len..len + l, 0);
    }

    /// `true` when the local maximum `lmax[i] = (t, v)` of the integrated signal is the largest
    /// value in `[t − H, t + H]` (the earliest one wins a tie). The maximum of a window is at one
    /// of its local maxima or at an end, so only those are compared; `lmax` is in time order and
    /// holds a local maximum every ~20 samples, so the neighbours are found by walking out from `i`.
    fn is_window_max(&self, i: usize) -> bool {
        let (t, v) = self.lmax[i];
        let h = self.half_sep;
        let lo = t.saturating_sub(h);
        let ends = [self.mh.get(lo), self.mh.get(t + h)];
        if ends.iter().flatten().any(|&e| e > v) {
            return false;
        }
        self.lmax
            .range(..i)
            .rev()
            .take_while(|&&(s, _)| s >= lo)
            .all(|&(_, w)| w < v)
            && self
                .lmax
                .range(i + 1..)
                .take_while(|&&(s, _)| s <= t + h)
                .all(|&(_, w)| w <= v)
    }
}
