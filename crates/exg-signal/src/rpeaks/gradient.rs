//! The gradient-steepness engine behind [`super::NeuroKit`]: QRS windows are where the smoothed
//! absolute gradient exceeds a multiple of its longer moving average.
//!
//! Causal form of the method described for NeuroKit2's default detector (Makowski et al.,
//! Behav. Res. Methods 53, 2021, and the NeuroKit2 documentation): every centred window of the
//! description becomes a trailing window, and the shorter windows are delayed so that all
//! windows stay centred on the same sample; the look-ahead is therefore half the longest window.

use super::dsp::{Biquad, BiquadPair, History, MovingMean};
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
    fs: f64,
    hp: Biquad,
    /// Input memory of the high-pass (shared with the refinement filter's, same input).
    x_prev: [f64; 2],
    /// Block buffer of |gradient| between the two loops of `filter_block`.
    grad: Vec<f64>,
    /// NeuroKit's power-line step, a moving average applied forward and backward
    /// (`filtfilt`): causally, the same average twice (a triangular kernel), delayed.
    pl: [MovingMean; 2],
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
    /// Last input sample (the end of the record is extended with it, see `finish`).
    last_x: f64,
    min_delay: usize,
    max_window: usize,
    lookahead: usize,
}

impl GradientEngine {
    pub(crate) fn new(p: GradientParams, fs: f64) -> Self {
        let s = |sec: f64| (sec * fs).round().max(1.0) as usize;
        let hp = Biquad::highpass(p.highpass_hz, fs);
        // NeuroKit's "powerline" cleaning step is a moving average of fs/powerline samples.
        let pl_len = ((fs / p.powerline_hz).round() as usize).max(1);
        let ls = s(p.smooth_s);
        let la = s(p.average_s).max(ls);
        let pl_delay = pl_len - 1;
        // gradient (z[n] - z[n-2]) / 2 is centred one sample back.
        let lag_short = pl_delay + 1 + (ls - 1) / 2;
        let align = (la - 1) / 2;
        let max_window = s(p.max_window_s);
        let lookahead = lag_short + align + max_window + 2;
        Self {
            fs,
            hp,
            x_prev: [0.0; 2],
            grad: vec![0.0; BLOCK],
            pl: [MovingMean::new(pl_len), MovingMean::new(pl_len)],
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
            last_x: 0.0,
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
        let pl_delay = self.pl[0].len() - 1;
        let window: Vec<f64> = (beg..end)
            .map_while(|i| self.clean.get(i + pl_delay))
            .collect();
        // As NeuroKit2: the most prominent local extremum inside the window. A window over one
        // slope of a slow wave (a T wave's rise or fall) has none and gives no peak; NeuroKit2
        // looks at maxima only, both signs are used here so that inverted leads work too.
        let Some(peak) = most_prominent_extremum(&window).map(|i| beg + i) else {
            return;
        };
        if self.last_peak.is_none_or(|l| peak >= l + self.min_delay) {
            self.last_peak = Some(peak);
            out.push(peak);
        }
    }
}

impl super::streaming::Engine for GradientEngine {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        // QRS windows that close in this block, judged after the loop (their samples are still
        // in `clean`, which holds a block more than the look-ahead).
        let mut closed = Vec::new();
        self.filter_block(n0, xs, light, &mut closed);
        for (beg, end) in closed {
            self.close_window(beg, end, out);
        }
        self.last_x = xs.last().copied().unwrap_or(self.last_x);
    }

    fn finish(&mut self, n: usize, out: &mut Vec<usize>) {
        // The centred windows of the last `lag_short + align` samples reach past the end. As
        // NeuroKit2's smoothing does (edge mode "nearest"), the record is extended with its
        // last sample so that those samples are judged too; a window still open after that is
        // incomplete and dropped (as NeuroKit2 drops a QRS start without an end). The
        // extension's refinement-filter output is not part of the record: a detached `Light`.
        let pad = vec![self.last_x; self.lag_short + self.align + 1];
        let mut detached = Light::new(self.fs, BLOCK);
        let mut tail = Vec::new();
        for (k, chunk) in pad.chunks(BLOCK).enumerate() {
            self.process(n + k * BLOCK, chunk, &mut detached, &mut tail);
        }
        out.extend(tail.into_iter().filter(|&p| p < n));
    }

    fn lookahead(&self) -> usize {
        self.lookahead
    }
}

impl GradientEngine {
    /// The per-sample stage for samples `n0 ..`: high-pass (stepped as a pair with the
    /// refinement filter, which sees the same input), power-line averages, |gradient|, the two
    /// averages and the window state machine; appends the `(beg, end)` of windows that close.
    /// Histories and running means are opened as hot views so that their positions and sums
    /// stay in registers.
    fn filter_block(
        &mut self,
        n0: usize,
        xs: &[f64],
        light: &mut Light,
        closed: &mut Vec<(usize, usize)>,
    ) {
        let mut highpasses = BiquadPair::new(&light.hp, &self.hp);
        let [mut x1, mut x2] = self.x_prev;
        let (lag, align, max_window) = (self.lag_short + self.align, self.align, self.max_window);
        let factor = self.p.gradient_factor;
        let mut in_qrs = self.in_qrs;
        // Two loops over the block, each with few enough recursive states to stay in registers:
        // filters to |gradient| into `grad`, then the averages and the state machine.
        let grad = &mut self.grad[..xs.len()];
        {
            let mut light_y = light.y.hot();
            let [pl0, pl1] = &mut self.pl;
            let (mut pl0, mut pl1) = (pl0.hot(), pl1.hot());
            let mut clean = self.clean.hot();
            for ((j, &x), g) in xs.iter().enumerate().zip(grad.iter_mut()) {
                let n = n0 + j;
                let w = Biquad::second_difference(x, x1, x2);
                (x2, x1) = (x1, x);
                let [light_hp, hp] = highpasses.recurse(w);
                light_y.push(light_hp);
                let z = pl1.step(pl0.step(hp));
                clean.push(z);
                // (z[n] − z[n−2]) / 2; the first two samples difference with the first.
                *g = 0.5 * (z - clean.at(n.saturating_sub(2))).abs();
            }
        }
        {
            let (mut smooth, mut avg) = (self.smooth.hot(), self.avg.hot());
            let mut sdelay = self.sdelay.hot();
            for (j, &g) in grad.iter().enumerate() {
                let n = n0 + j;
                let sm = smooth.step(g);
                let av = avg.step(sm);
                sdelay.push(sm);
                // Both windows are centred on `c` (clean-signal time, before the power-line
                // averages' delay); the smoothed gradient is delayed by `align` to get there.
                let Some(c) = n.checked_sub(lag) else {
                    continue;
                };
                let sm_aligned = sdelay.at(n - align);
                let above = sm_aligned > factor * av && sm_aligned > 0.0;
                match (in_qrs, above) {
                    (None, true) => in_qrs = Some(c),
                    (Some(beg), false) => {
                        in_qrs = None;
                        closed.push((beg, c));
                    }
                    (Some(beg), true) if c - beg >= max_window => {
                        // An over-long "QRS" is noise; close it so the delay stays bounded.
                        in_qrs = Some(c);
                        closed.push((beg, c));
                    }
                    _ => {}
                }
            }
        }
        highpasses.store(&mut light.hp, &mut self.hp);
        (self.x_prev, self.in_qrs) = ([x1, x2], in_qrs);
    }
}

/// Index of the most prominent local extremum (maximum of `x` or of `−x`) of `x`, with
/// prominence as in `scipy.signal.peak_prominences` restricted to `x`: the height above the
/// higher of the lowest points between the peak and the nearest higher sample (or the end) on
/// each side. A local maximum is higher than its left neighbour and not lower than its right
/// one (the first sample of a plateau; SciPy takes a plateau's middle); only positive
/// prominences count. `None` when `x` is monotone.
pub(crate) fn most_prominent_extremum(x: &[f64]) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for sign in [1.0, -1.0] {
        let y = |i: usize| sign * x[i];
        for i in 1..x.len().saturating_sub(1) {
            if !(y(i) > y(i - 1) && y(i) >= y(i + 1)) {
                continue;
            }
            let left = (0..i)
                .rev()
                .take_while(|&j| y(j) <= y(i))
                .map(y)
                .fold(y(i), f64::min);
            let right = (i + 1..x.len())
                .take_while(|&j| y(j) <= y(i))
                .map(y)
                .fold(y(i), f64::min);
            let prominence = y(i) - left.max(right);
            if prominence > 0.0 && best.is_none_or(|(p, _)| prominence > p) {
                best = Some((prominence, i));
            }
        }
    }
    best.map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::most_prominent_extremum;

    #[test]
    fn prominence_picks_like_scipy() {
        // Oracle: scipy.signal.find_peaks(x, prominence=(None, None)) on x and -x (SciPy 1.17):
        // maxima at 2 (prominence 3) and 6 (1); minima (peaks of -x) at 4 (2) and 7 (0.5).
        let x = [0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0, 1.0, 1.5];
        assert_eq!(most_prominent_extremum(&x), Some(2));
        // A monotone stretch (one slope of a T wave) has no extremum.
        assert_eq!(most_prominent_extremum(&[0.0, 0.5, 0.9, 1.2, 1.3]), None);
        // A step on the way up is not an extremum (prominence 0).
        assert_eq!(most_prominent_extremum(&[1.0, 3.0, 3.0, 4.0]), None);
        // An inverted QRS: the minimum wins.
        assert_eq!(
            most_prominent_extremum(&[0.0, 0.2, -3.0, 0.1, 0.0]),
            Some(2)
        );
    }
}
