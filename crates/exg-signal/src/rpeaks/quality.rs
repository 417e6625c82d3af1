//! Whole-record signal-quality gate: do the detected peaks look like repeated QRS complexes?
//!
//! Real ECG repeats its QRS morphology: the linearly detrended ±100 ms window around a beat
//! correlates strongly with the windows of nearby beats (same morphology class),
//! even in AF (irregular rhythm, regular QRS), with PVCs (bigeminy: beat *i* matches beat *i*±2)
//! or paced beats. Peaks that an adaptive detector finds in noise are local maxima of random
//! bursts whose surroundings do not repeat. See `docs/signal-rpeaks.md` §"Signal-quality gate".

use serde::{Deserialize, Serialize};

use crate::{Ecg, Hz, RPeaks, Result};

/// Why a detection returned no peaks although the input was valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoResult {
    /// The detector found no QRS-like event (flat or beat-free signal).
    NoBeats,
    /// Candidates were found but their QRS windows do not repeat: noise, not ECG
    /// (see [`QualityGate`]).
    NoConsistentQrs,
}

impl std::fmt::Display for NoResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoResult::NoBeats => "no QRS-like activity found",
            NoResult::NoConsistentQrs => "no consistent QRS complexes (noise, not ECG)",
        })
    }
}

/// Parameters of the signal-quality gate.
///
/// Rule: take the ±`half_window_s` window of the raw signal around every detected peak, remove
/// its least-squares line, and call a beat *consistent* when its window correlates (Pearson)
/// above `min_correlation` with the window of one of its `neighbours` nearest beats on each
/// side, the second window shifted by up to `max_lag_s` either way (the best shift counts). The
/// record passes when at least `min_consistent_fraction` of its beats is consistent **and** its
/// beats stand out by their slope: the median over the peaks of the steepest slope within
/// ±50 ms of each peak is at least `min_slope_prominence` times the median slope of the samples
/// farther than 150 ms from every peak (slopes `|x[i + k] − x[i − k]|`, `k` = `slope_span_s`).
/// Smooth noise (3–10 Hz) repeats its shape around each local maximum as well as a QRS does,
/// but its peaks are no steeper than the rest of it.
/// Defaults (0.1 s, 0.9, 2, 8 ms, 0.5, 5.0, 10 ms) were chosen on MIT-BIH, LUDB and CPSC 2019
/// windows against NSTDB and generated noise; see `docs/signal-rpeaks.md` §"Signal-quality
/// gate".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityGate {
    /// Half-width of the QRS window around each peak (s).
    pub half_window_s: f64,
    /// Width (s) of the centred moving average applied to the windows before they are
    /// compared (0: none). 20 ms nulls 50 Hz mains and damps muscle noise and quantisation,
    /// which otherwise decorrelate the small QRS of a low-amplitude lead.
    pub smooth_s: f64,
    /// A beat is consistent when its window correlates above this with one of its
    /// `neighbours` nearest beats on each side.
    pub min_correlation: f64,
    /// Beats compared on each side.
    pub neighbours: usize,
    /// Alignment tolerance (s): a pair of beats is compared at the best of the shifts of the
    /// second window by up to this much either way (0: at the detected positions only). In
    /// noise a detector's R estimate of the same QRS moves by a few milliseconds from beat to
    /// beat, and two identical noisy QRS windows then correlate below `min_correlation`. The
    /// tolerance also raises the consistency of band-limited noise; the slope prominence
    /// (`min_slope_prominence`) refuses that noise instead.
    pub max_lag_s: f64,
    /// The record passes when at least this fraction of its beats is consistent.
    pub min_consistent_fraction: f64,
    /// The record passes only when its peaks' slope prominence (type docs) is at least this
    /// (0: not checked). Not checked either when fewer than `min_beats` peaks or less than
    /// 0.5 s of signal farther than 150 ms from every peak remain.
    pub min_slope_prominence: f64,
    /// Half-span `k` (s) of the slope `|x[i + k] − x[i − k]|` of the prominence (a difference
    /// filter peaking near `1 / (4k)` Hz: 25 Hz for 10 ms, the QRS band).
    pub slope_span_s: f64,
    /// Records with fewer peaks than this are not judged (too little evidence) and pass.
    pub min_beats: usize,
    /// At most this many beats, evenly spread over the record, are judged: the fraction is then
    /// an estimate whose cost does not grow with the record's length.
    pub max_judged: usize,
}

impl Default for QualityGate {
    fn default() -> Self {
        Self {
            half_window_s: 0.100,
            smooth_s: 0.020,
            min_correlation: 0.9,
            neighbours: 2,
            max_lag_s: 0.008,
            min_consistent_fraction: 0.5,
            min_slope_prominence: 5.0,
            slope_span_s: 0.010,
            min_beats: 4,
            max_judged: 400,
        }
    }
}

/// The gate's measurement on one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Beats judged (peaks whose whole window lies inside the record, at most `max_judged`).
    pub beats: usize,
    /// Fraction of judged beats that are consistent (`None` when fewer than `min_beats`).
    pub consistent_fraction: Option<f64>,
    /// The peaks' slope prominence (type docs of [`QualityGate`]; `None` when not measured).
    #[serde(default)]
    pub slope_prominence: Option<f64>,
    /// Whether the record passes the gate.
    pub passes: bool,
}

/// The gate's measurement on one stretch `start..end` of a record
/// ([`QualityGate::assess_segments`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentQuality {
    /// First sample of the stretch.
    pub start: usize,
    /// One past its last sample.
    pub end: usize,
    /// The gate's measurement on the peaks inside it.
    pub report: QualityReport,
}

impl QualityGate {
    /// Measures how consistently the QRS windows at `peaks` repeat in `ecg`.
    pub fn assess(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<QualityReport> {
        Ok(self.judge(ecg.fs(), ecg.samples(), 0, peaks.indices(), 0..ecg.len()))
    }

    /// The gate applied to consecutive `segment_s`-long stretches of a long record separately
    /// (a Holter recording is rarely noise throughout, or clean throughout). The last stretch
    /// takes the remainder, merged into the one before when shorter than half a segment. A
    /// stretch with fewer than `min_beats` peaks is not judged and passes, as a short record
    /// does. QRS windows may reach into the neighbouring stretch.
    ///
    /// ```
    /// use exg_signal::{Ecg, Hz, rpeaks::{PanTompkins, QualityGate, RPeakDetector}};
    /// let fs = Hz::new(250.0)?;
    /// // 60 s of 1 Hz QRS-like spikes, then 60 s of white noise (a small LCG).
    /// let mut s = 7u64;
    /// let x: Vec<f64> = (0..30_000).map(|i| if i < 15_000 {
    ///     (-((i % 250) as f64 - 125.0).powi(2) / 8.0).exp()
    /// } else {
    ///     s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ///     (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    /// }).collect();
    /// let ecg = Ecg::new(x, fs)?;
    /// let peaks = PanTompkins::default().detect(&ecg)?.peaks;
    /// let segments = QualityGate::default().assess_segments(&ecg, &peaks, 30.0)?;
    /// let passes: Vec<bool> = segments.iter().map(|s| s.report.passes).collect();
    /// assert_eq!(passes, [true, true, false, false]);
    /// let kept = QualityGate::keep_passing(&peaks, &segments)?;
    /// assert!(kept.indices().iter().all(|&p| p < 15_000));
    /// # Ok::<(), exg_signal::Error>(())
    /// ```
    pub fn assess_segments(
        &self,
        ecg: &Ecg,
        peaks: &RPeaks,
        segment_s: f64,
    ) -> Result<Vec<SegmentQuality>> {
        if !(segment_s.is_finite() && segment_s > 0.0) {
            return Err(crate::Error::InvalidParameter {
                name: "segment_s",
                reason: format!("{segment_s} must be finite and > 0"),
            });
        }
        let len = ecg.fs().samples(segment_s).max(1);
        let mut bounds: Vec<usize> = (0..ecg.len()).step_by(len).collect();
        // The remainder joins the last full stretch when shorter than half a segment.
        if bounds.len() > 1 && ecg.len() - bounds[bounds.len() - 1] < len / 2 {
            bounds.pop();
        }
        bounds.push(ecg.len());
        let p = peaks.indices();
        Ok(bounds
            .windows(2)
            .map(|w| {
                let inside = &p[p.partition_point(|&i| i < w[0])..p.partition_point(|&i| i < w[1])];
                SegmentQuality {
                    start: w[0],
                    end: w[1],
                    report: self.judge(ecg.fs(), ecg.samples(), 0, inside, w[0]..w[1]),
                }
            })
            .collect())
    }

    /// The peaks of `peaks` that lie in stretches that pass.
    pub fn keep_passing(peaks: &RPeaks, segments: &[SegmentQuality]) -> Result<RPeaks> {
        let failing: Vec<std::ops::Range<usize>> = segments
            .iter()
            .filter(|s| !s.report.passes)
            .map(|s| s.start..s.end)
            .collect();
        RPeaks::new(
            crate::score::outside(peaks.indices(), &failing),
            peaks.fs(),
            peaks.signal_len(),
        )
    }

    /// How far (samples at `fs`) the windows compared for a beat reach on either side of it:
    /// the judged beats are those with this many samples of signal on both sides.
    pub(crate) fn reach(&self, fs: Hz) -> usize {
        self.windows(fs).2
    }

    /// Half-window, smoothing half-width and reach in samples at `fs`.
    fn windows(&self, fs: Hz) -> (usize, usize, usize) {
        let hw = fs.samples(self.half_window_s).max(1);
        let sm = if self.smooth_s > 0.0 {
            fs.samples(self.smooth_s / 2.0)
        } else {
            0
        };
        let lag = if self.max_lag_s > 0.0 {
            fs.samples(self.max_lag_s)
        } else {
            0
        };
        (hw, sm, hw + sm + lag)
    }

    /// The rule (type docs) on the peaks `peaks` (increasing absolute sample indices) of a
    /// signal at `fs` of which `x` holds samples `x_start .. x_start + x.len()`: a whole record
    /// (`x_start = 0`) or the recent samples a [`RecordStream`](super::RecordStream) keeps.
    /// Peaks whose windows do not fit in `x` are not judged (at a record's ends, as batch
    /// detection has it). `span`: the stretch judged (absolute sample indices inside `x`'s),
    /// whose samples away from the peaks are the slope prominence's background.
    pub(crate) fn judge(
        &self,
        fs: Hz,
        x: &[f64],
        x_start: usize,
        peaks: &[usize],
        span: std::ops::Range<usize>,
    ) -> QualityReport {
        let (hw, sm, reach) = self.windows(fs);
        let lag = reach - hw - sm;
        // Indices relative to `x` from here on.
        let idx: Vec<usize> = peaks
            .iter()
            .filter_map(|&p| p.checked_sub(x_start))
            .filter(|&p| p >= reach && p + reach < x.len())
            .collect();
        if idx.len() < self.min_beats.max(2) {
            return QualityReport {
                beats: idx.len(),
                consistent_fraction: None,
                slope_prominence: None,
                passes: true,
            };
        }
        let n = idx.len();
        let judged: Vec<usize> = if n <= self.max_judged.max(1) {
            (0..n).collect()
        } else {
            let m = self.max_judged.max(1);
            (0..m).map(|i| i * n / m).collect()
        };
        // Window statistics are computed on first use and cached: `any` stops at the first
        // match, so a typical judged beat needs its own window and one neighbour's.
        let mut windows = Windows::new(x, &idx, hw, sm);
        let consistent = judged
            .iter()
            .filter(|&&k| {
                let lo = k.saturating_sub(self.neighbours);
                let hi = (k + self.neighbours).min(n - 1);
                let near = || (lo..=hi).filter(|&j| j != k);
                // Aligned first (the cached windows; most beats of a clean record match there),
                // then the shifted neighbours.
                near().any(|j| windows.correlation(k, j) > self.min_correlation)
                    || (lag > 0
                        && near().any(|j| windows.best_shifted(k, j, lag) > self.min_correlation))
            })
            .count();
        let frac = consistent as f64 / judged.len() as f64;
        let prominence = if self.min_slope_prominence > 0.0 {
            let k = fs.samples(self.slope_span_s).max(1);
            let rel: Vec<usize> = peaks
                .iter()
                .filter_map(|&p| p.checked_sub(x_start))
                .collect();
            let span = span.start.saturating_sub(x_start)..span.end.saturating_sub(x_start);
            slope_prominence(x, &rel, span, k, fs)
        } else {
            None
        };
        QualityReport {
            beats: judged.len(),
            consistent_fraction: Some(frac),
            slope_prominence: prominence,
            passes: frac >= self.min_consistent_fraction
                && prominence.is_none_or(|p| p >= self.min_slope_prominence),
        }
    }
}

/// Most background samples the slope prominence looks at (evenly spread): its cost stays
/// bounded on long stretches.
const MAX_BACKGROUND: usize = 20_000;

/// Median over `peaks` of the steepest slope `|x[i + k] − x[i − k]|` within ±50 ms of the peak,
/// over the median slope of the samples of `span` farther than 150 ms from every peak (at most
/// [`MAX_BACKGROUND`] of them). `None` without peaks, with less than 0.5 s of such samples, or
/// with a zero background slope (a flat stretch between the peaks: nothing to compare against).
fn slope_prominence(
    x: &[f64],
    peaks: &[usize],
    span: std::ops::Range<usize>,
    k: usize,
    fs: Hz,
) -> Option<f64> {
    let (near, gap) = (fs.samples(0.050), fs.samples(0.150));
    // Slopes are defined on k..len − k.
    let (lo, hi) = (span.start.max(k), span.end.min(x.len().saturating_sub(k)));
    if peaks.is_empty() || lo >= hi {
        return None;
    }
    let slope = |i: usize| (x[i + k] - x[i - k]).abs();
    let mut steepest: Vec<f64> = peaks
        .iter()
        .filter_map(|&p| {
            let (a, b) = (p.saturating_sub(near).max(lo), (p + near + 1).min(hi));
            (a < b).then(|| (a..b).map(slope).fold(0.0, f64::max))
        })
        .collect();
    // Background: the samples of lo..hi outside every peak's ±gap, walked with the sorted
    // peaks, every `stride`-th kept.
    let stride = ((hi - lo) / MAX_BACKGROUND).max(1);
    let mut background = Vec::with_capacity((hi - lo) / stride + 1);
    let mut next = 0; // first peak whose exclusion zone may still cover i
    let mut i = lo;
    while i < hi {
        while next < peaks.len() && peaks[next] + gap < i {
            next += 1;
        }
        if next < peaks.len() && peaks[next].saturating_sub(gap) <= i {
            i = peaks[next] + gap + 1;
            continue;
        }
        background.push(slope(i));
        i += stride;
    }
    if background.len() * stride < fs.samples(0.5) || steepest.is_empty() {
        return None;
    }
    let floor = median(&mut background);
    (floor > 0.0).then(|| median(&mut steepest) / floor)
}

/// The median of `v` (upper middle for an even length), reordering `v`.
fn median(v: &mut [f64]) -> f64 {
    let m = v.len() / 2;
    *v.select_nth_unstable_by(m, f64::total_cmp).1
}

/// The ±`hw` window of `x` around sample `p`, smoothed by a centred `2 sm + 1`-sample moving
/// average (a sliding sum: O(window)).
fn smoothed_at(x: &[f64], p: usize, hw: usize, sm: usize) -> Vec<f64> {
    let raw = &x[p - hw - sm..=p + hw + sm];
    let w = (2 * sm + 1) as f64;
    let mut sum: f64 = raw[..2 * sm].iter().sum();
    (0..=2 * hw)
        .map(|i| {
            sum += raw[i + 2 * sm];
            let v = sum / w;
            sum -= raw[i];
            v
        })
        .collect()
}

/// The ±`hw` windows of `x` (smoothed by a centred `2 sm + 1`-sample moving average) around the
/// peaks `idx`, each with its least-squares line removed
/// (baseline wander and offset; no whole-record filter, so the gate costs O(beats × window),
/// not O(samples)). Correlations come from per-window sums, computed on first use and cached.
struct Windows<'a> {
    x: &'a [f64],
    idx: &'a [usize],
    hw: usize,
    sm: usize,
    /// `Σ t²` over the centred times `t = −hw ..= hw`.
    t_ss: f64,
    /// Each window's smoothed samples and statistics, computed on first use.
    cache: Vec<Option<(Vec<f64>, Stats)>>,
}

/// One window's least-squares line `mean + slope · t` and the norm of its residual.
#[derive(Clone, Copy)]
struct Stats {
    mean: f64,
    slope: f64,
    norm: f64,
}

impl<'a> Windows<'a> {
    fn new(x: &'a [f64], idx: &'a [usize], hw: usize, sm: usize) -> Self {
        Self {
            x,
            idx,
            hw,
            sm,
            t_ss: (1..=hw).map(|t| 2.0 * (t * t) as f64).sum(),
            cache: vec![None; idx.len()],
        }
    }

    /// The smoothed window of beat `k`.
    fn smoothed(&self, k: usize) -> Vec<f64> {
        smoothed_at(self.x, self.idx[k], self.hw, self.sm)
    }

    /// Pearson's r of the residuals of beats `a` and `b` (0 when one is a straight line). The
    /// residuals are orthogonal to both the constant and `t`, so
    /// `⟨ea, eb⟩ = Σ a·b − w·ma·mb − Σt²·sa·sb`: one dot product per pair, no detrended copies.
    fn correlation(&mut self, a: usize, b: usize) -> f64 {
        let (sa, sb) = (self.stats(a), self.stats(b));
        if sa.norm == 0.0 || sb.norm == 0.0 {
            return 0.0;
        }
        let (Some((wa, _)), Some((wb, _))) = (&self.cache[a], &self.cache[b]) else {
            return 0.0;
        };
        let dot: f64 = wa.iter().zip(wb).map(|(p, q)| p * q).sum();
        let w = (2 * self.hw + 1) as f64;
        (dot - w * sa.mean * sb.mean - self.t_ss * sa.slope * sb.slope) / (sa.norm * sb.norm)
    }

    /// The largest Pearson's r of beat `a`'s residual with beat `b`'s window shifted by
    /// `−lag ..= lag` samples (shift 0 excluded: [`correlation`](Self::correlation) gives it).
    fn best_shifted(&mut self, a: usize, b: usize, lag: usize) -> f64 {
        let sa = self.stats(a);
        if sa.norm == 0.0 {
            return 0.0;
        }
        let Some((wa, _)) = &self.cache[a] else {
            return 0.0;
        };
        let (p, hw, sm) = (self.idx[b], self.hw, self.sm);
        let w = (2 * hw + 1) as f64;
        let mut best = f64::NEG_INFINITY;
        for o in 1..=lag {
            for q in [p - o, p + o] {
                let wb = smoothed_at(self.x, q, hw, sm);
                let (mut sum, mut tsum, mut sq, mut dot) = (0.0, 0.0, 0.0, 0.0);
                for (i, (&v, &u)) in wb.iter().zip(wa).enumerate() {
                    sum += v;
                    tsum += (i as f64 - hw as f64) * v;
                    sq += v * v;
                    dot += u * v;
                }
                let (mean, slope) = (sum / w, tsum / self.t_ss);
                let res = sq - w * mean * mean - self.t_ss * slope * slope;
                if res > 1e-12 * sq {
                    let r = (dot - w * sa.mean * mean - self.t_ss * sa.slope * slope)
                        / (sa.norm * res.sqrt());
                    best = best.max(r);
                }
            }
        }
        best
    }

    fn stats(&mut self, k: usize) -> Stats {
        if let Some((_, s)) = self.cache[k] {
            return s;
        }
        let win = self.smoothed(k);
        let (mut sum, mut tsum, mut sq) = (0.0, 0.0, 0.0);
        for (i, &v) in win.iter().enumerate() {
            sum += v;
            tsum += (i as f64 - self.hw as f64) * v;
            sq += v * v;
        }
        let w = win.len() as f64;
        let (mean, slope) = (sum / w, tsum / self.t_ss);
        // Residual energy by Pythagoras; a straight-line window leaves only rounding, which is
        // treated as zero so that its correlation is 0, not noise.
        let res = sq - w * mean * mean - self.t_ss * slope * slope;
        let norm = if res > 1e-12 * sq { res.sqrt() } else { 0.0 };
        let s = Stats { mean, slope, norm };
        self.cache[k] = Some((win, s));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sawtooth `i mod 4` (every slope `|x[i + 1] − x[i − 1]|` is 2) with spikes of 20 at
    /// `peaks`, all ≡ 2 (mod 4): the steepest slope near a spike is `|x[p] − x[p − 2]|` =
    /// 22 − 0 = 22. Expected prominence by hand: 22 / 2 = 11.
    fn sawtooth_with_spikes(len: usize, peaks: &[usize]) -> Vec<f64> {
        let mut x: Vec<f64> = (0..len).map(|i| (i % 4) as f64).collect();
        for &p in peaks {
            x[p] += 20.0;
        }
        x
    }

    #[test]
    fn slope_prominence_matches_the_hand_computed_ratio() {
        let fs = Hz::new(100.0).unwrap(); // k = 1 sample (10 ms), ±5 and ±15 samples
        let peaks: Vec<usize> = (1..10).map(|b| 100 * b + 2).collect();
        let x = sawtooth_with_spikes(1000, &peaks);
        assert_eq!(slope_prominence(&x, &peaks, 0..1000, 1, fs), Some(11.0));
        // Only the stretch 300..700 (its 4 peaks; the background from that stretch alone).
        let inside: Vec<usize> = peaks
            .iter()
            .copied()
            .filter(|p| (300..700).contains(p))
            .collect();
        assert_eq!(slope_prominence(&x, &inside, 300..700, 1, fs), Some(11.0));
    }

    #[test]
    fn slope_prominence_has_no_value_without_background_or_peaks() {
        let fs = Hz::new(100.0).unwrap();
        // A spike every 20 samples: every sample lies within 150 ms (15 samples) of one.
        let peaks: Vec<usize> = (0..50).map(|b| 20 * b + 2).collect();
        let x = sawtooth_with_spikes(1000, &peaks);
        assert_eq!(slope_prominence(&x, &peaks, 0..1000, 1, fs), None);
        assert_eq!(slope_prominence(&x, &[], 0..1000, 1, fs), None);
        // A flat background: nothing to compare against.
        let mut flat = vec![0.0; 1000];
        flat[502] = 5.0;
        assert_eq!(slope_prominence(&flat, &[502], 0..1000, 1, fs), None);
    }
}
