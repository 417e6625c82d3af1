//! The gradient-steepness engine behind [`super::NeuroKit`]: QRS windows are where the smoothed
//! absolute gradient exceeds a multiple of its longer moving average.
//!
//! Causal form of the method described for NeuroKit2's default detector (Makowski et al.,
//! Behav. Res. Methods 53, 2021, and the NeuroKit2 documentation): every centred window of the
//! description becomes a trailing window, and the shorter windows are delayed so that all
//! windows stay centred on the same sample; the look-ahead is therefore half the longest window.

use super::dsp::{Cascade, History, MovingMean};
use super::streaming::{BLOCK, Light};

#[derive(Clone, Debug)]
pub(crate) struct GradientParams {
    pub highpass_hz: f64,
    pub smooth_s: f64,
    pub average_s: f64,
    pub gradient_factor: f64,
    pub min_len_weight: f64,
    pub min_delay_s: f64,
    pub max_window_s: f64,
    pub powerline_hz: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct GradientEngine {
    p: GradientParams,
    hp: Cascade,
    pl: MovingMean,
    clean: History,
    smooth: MovingMean,
    avg: MovingMean,
    sdelay: History,
    /// Samples between the input and the centre of the short window (clean-signal time).
    lag_short: usize,
    /// Extra delay applied to the short window so both windows share one centre.
    align: usize,
    in_qrs: Option<usize>,
    len_sum: f64,
    len_count: f64,
    last_peak: Option<usize>,
    min_delay: usize,
    max_window: usize,
    lookahead: usize,
}

impl GradientEngine {
    pub(crate) fn new(p: GradientParams, fs: f64) -> Self {
        let s = |sec: f64| (sec * fs).round().max(1.0) as usize;
        let hp = Cascade(vec![super::dsp::Biquad::highpass(p.highpass_hz, fs)]);
        // NeuroKit's "powerline" cleaning step is a moving average of fs/powerline samples.
        let pl_len = ((fs / p.powerline_hz).round() as usize).max(1);
        let ls = s(p.smooth_s);
        let la = s(p.average_s).max(ls);
        let pl_delay = (pl_len - 1) / 2;
        // gradient (z[n] - z[n-2]) / 2 is centred one sample back.
        let lag_short = pl_delay + 1 + (ls - 1) / 2;
        let align = (la - 1) / 2 - (ls - 1) / 2;
        let max_window = s(p.max_window_s);
        let lookahead = lag_short + align + max_window + 2;
        Self {
            hp,
            pl: MovingMean::new(pl_len),
            clean: History::new(lookahead + max_window + BLOCK + 4),
            smooth: MovingMean::new(ls),
            avg: MovingMean::new(la),
            sdelay: History::new(align + 1),
            lag_short,
            align,
            in_qrs: None,
            len_sum: 0.0,
            len_count: 0.0,
            last_peak: None,
            min_delay: s(p.min_delay_s),
            max_window,
            lookahead,
            p,
        }
    }

    fn close_window(&mut self, beg: usize, end: usize, out: &mut Vec<usize>) {
        let len = (end - beg) as f64;
        self.len_sum += len;
        self.len_count += 1.0;
        if len < self.p.min_len_weight * self.len_sum / self.len_count {
            return;
        }
        // The clean signal is delayed by the power-line smoother; index it in its own time.
        let pl_delay = (self.pl.len() - 1) / 2;
        let (mut best, mut at) = (-1.0, None);
        for i in beg..end {
            if let Some(v) = self.clean.get(i + pl_delay)
                && v.abs() > best
            {
                best = v.abs();
                at = Some(i);
            }
        }
        let Some(peak) = at else { return };
        if self.last_peak.is_none_or(|l| peak >= l + self.min_delay) {
            self.last_peak = Some(peak);
            out.push(peak);
        }
    }
}

impl super::streaming::Engine for GradientEngine {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        for (j, &x) in xs.iter().enumerate() {
            light.step(x);
            self.step(n0 + j, x, out);
        }
    }

    fn finish(&mut self, _n: usize, _out: &mut Vec<usize>) {
        // A window still open at the end is incomplete; it is dropped (as NeuroKit2 does).
    }

    fn lookahead(&self) -> usize {
        self.lookahead
    }
}

impl GradientEngine {
    #[inline]
    fn step(&mut self, n: usize, x: f64, out: &mut Vec<usize>) {
        let z = self.pl.step(self.hp.step(x));
        self.clean.push(z);
        let g = 0.5 * (z - self.clean.get(n.saturating_sub(2)).unwrap_or(0.0)).abs();
        let sm = self.smooth.step(g);
        let av = self.avg.step(g);
        self.sdelay.push(sm);
        let Some(sm_aligned) = n.checked_sub(self.align).and_then(|i| self.sdelay.get(i)) else {
            return;
        };
        // Both windows are centred on `c` (clean-signal time, before the power-line smoother's delay).
        let Some(c) = n.checked_sub(self.lag_short + self.align) else {
            return;
        };
        let above = sm_aligned > self.p.gradient_factor * av && sm_aligned > 0.0;
        match (self.in_qrs, above) {
            (None, true) => self.in_qrs = Some(c),
            (Some(beg), false) => {
                self.in_qrs = None;
                self.close_window(beg, c, out);
            }
            (Some(beg), true) if c - beg >= self.max_window => {
                // An over-long "QRS" is noise; close it so the delay stays bounded.
                self.in_qrs = Some(c);
                self.close_window(beg, c, out);
            }
            _ => {}
        }
    }
}
