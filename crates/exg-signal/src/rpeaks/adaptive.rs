//! The adaptive-threshold QRS engine shared by Pan-Tompkins and Hamilton: band-pass, derivative,
//! rectification, moving-window integration, peak picking and the decision rules of
//! Pan & Tompkins (1985) as re-examined by Hamilton & Tompkins (1986).
//!
//! Decision rules, in the order they are applied to each integration peak:
//! 1. A peak is a candidate only if no larger peak lies within `peak_separation_s` on either
//!    side (Hamilton & Tompkins rule 1; also Pan-Tompkins' 200 ms refractory period).
//! 2. A candidate within `t_wave_window_s` of the previous QRS whose maximal slope is below
//!    `t_wave_slope_ratio` times that QRS's slope is a T wave (rule 3 / PT's T-wave test).
//! 3. A candidate above `DT = NL + tc · (QL − NL)` is a QRS; otherwise it is noise (rule 4). QL and
//!    NL are the QRS and noise peak levels (running means for PT, medians of 8 for Hamilton).
//! 4. Search-back: when no QRS has been found for `searchback_rr · RRavg` (at most
//!    `max_searchback_s`), the largest noise candidate above `DT / 2` lying at least
//!    `t_wave_window_s` after the last QRS becomes a QRS (rule 5 / PT's search-back).
//!
//! Streaming bound: a candidate older than `max_searchback_s` is final, which bounds the delay.

use std::collections::VecDeque;

use super::dsp::{Biquad, Cascade, History, MovingMean, median};
use super::streaming::{BLOCK, Light};

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
    band: History,
    ma: MovingMean,
    mh: History,
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
            hp: bp.0[0].clone(),
            lp: bp.0[1].clone(),
            band: History::new(hist + k),
            ma: MovingMean::new(l),
            mh: History::new(2 * half_sep + BLOCK + 8),
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
        // Maximal slope (|derivative|) inside the integration window that produced this peak.
        // Recomputed from the band-passed history (cheaper than storing it for every sample).
        let lo = t.saturating_sub(self.ma.len() - 1).max(self.band.oldest());
        let (mut slope, mut at) = (0.0, t);
        for i in lo..=t {
            let prev = i
                .checked_sub(self.k)
                .and_then(|j| self.band.get(j))
                .unwrap_or(0.0);
            if let Some(b) = self.band.get(i)
                && (b - prev).abs() > slope
            {
                slope = (b - prev).abs();
                at = i;
            }
        }
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

    /// End of the initial learning period (it replaces the papers' 2–8 s training phase and
    /// fits inside the search-back horizon, so it adds no delay): candidates of the first
    /// `learn` seconds at or above 40 % of the largest are QRS complexes (with the T-wave test),
    /// the others noise; they seed the levels.
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
        let th = 0.5 * self.threshold();
        let best = self
            .pending
            .iter()
            .filter(|c| c.height > th && c.t >= last.t + self.secs(self.p.t_wave_window_s))
            .max_by(|a, b| a.height.total_cmp(&b.height))
            .copied();
        match best {
            Some(c) => self.accept(c, true, out),
            // Nothing above half the threshold: the answer can only change with the next
            // candidate (which moves the levels or adds to the pending list).
            None => self.next_check = usize::MAX,
        }
    }
}

impl super::streaming::Engine for AdaptiveEngine {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        // Stage 1: filters, as one tight loop over the block. Local maxima of the integrated
        // signal are the only samples the decision stage needs to look at.
        let (mut m1, mut m2) = self.prev_m;
        for (j, &x) in xs.iter().enumerate() {
            let n = n0 + j;
            light.step(x);
            let b = self.lp.step(self.hp.step(x));
            let d = b - self.band.at(n.wrapping_sub(self.k));
            self.band.push(b);
            let f = match self.p.rectify {
                Rectify::Square => d * d,
                Rectify::Abs => d.abs(),
            };
            let m = self.ma.step(f);
            self.mh.push(m);
            if m1 > m2 && m1 >= m && n > 0 {
                self.lmax.push_back((n - 1, m1));
            }
            m2 = m1;
            m1 = m;
        }
        self.prev_m = (m1, m2);
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
                    let (t, v) = self.lmax[self.next_lmax];
                    self.next_lmax += 1;
                    if v > 0.0 && self.is_window_max(t, v) {
                        self.on_candidate(t, v, out);
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
            self.next_lmax += 1;
            if v > 0.0 && self.is_window_max(t, v) {
                self.on_candidate(t, v, out);
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
    /// `true` when the local maximum `(t, v)` of the integrated signal is the largest value in
    /// `[t − H, t + H]` (the earliest one wins a tie). The maximum of a window is at one of its
    /// local maxima or at an end, so only those are compared.
    fn is_window_max(&self, t: usize, v: f64) -> bool {
        let h = self.half_sep;
        let lo = t.saturating_sub(h);
        let ends = [self.mh.get(lo), self.mh.get(t + h)];
        if ends.iter().flatten().any(|&e| e > v) {
            return false;
        }
        self.lmax.iter().all(|&(s, w)| {
            if s < lo || s > t + h || s == t {
                true
            } else if s < t {
                w < v
            } else {
                w <= v
            }
        })
    }
}
