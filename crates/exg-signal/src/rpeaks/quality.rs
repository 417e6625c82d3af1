//! Whole-record signal-quality gate: do the detected peaks look like repeated QRS complexes?
//!
//! Real ECG repeats its QRS morphology: the linearly detrended ±100 ms window around a beat
//! correlates strongly with the windows of nearby beats (same morphology class),
//! even in AF (irregular rhythm, regular QRS), with PVCs (bigeminy: beat *i* matches beat *i*±2)
//! or paced beats. Peaks that an adaptive detector finds in noise are local maxima of random
//! bursts whose surroundings do not repeat. When the windows of a record's steep peaks do not
//! repeat (f waves and muscle noise around every QRS), a second opinion decides: do the beats
//! match their own median beat, and do three independent detectors agree on them? See
//! `docs/signal-rpeaks.md` §"Signal-quality gate".

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
/// A record that fails only on its consistent fraction gets a second opinion
/// (`min_second_opinion`). Defaults (0.1 s, 0.9, 2, 8 ms, 0.5, 5.0, 10 ms, 0.8, 50 ms) were
/// chosen on MIT-BIH, LUDB and CPSC 2019 windows against NSTDB and generated noise; see
/// `docs/signal-rpeaks.md` §"Signal-quality gate".
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
    /// Second opinion for a stretch whose beats stand out by their slope but repeat in fewer
    /// than `min_consistent_fraction` of them (noisy ECG: atrial fibrillation with a wandering,
    /// noisy baseline, muscle noise riding on every window): the stretch passes after all when
    /// its [`second opinion`](QualityReport::second_opinion) is at least this (0: never
    /// consulted). The score is the smaller of two measures that noise keeps low: how well
    /// the beats match their own median beat, and how well three independent detectors
    /// (Pan-Tompkins, Hamilton, NeuroKit) agree on where the beats are.
    pub min_second_opinion: f64,
    /// Two detectors' peaks closer than this (s) are the same beat (the agreement of the
    /// second opinion).
    pub agreement_tolerance_s: f64,
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
            min_second_opinion: 0.8,
            agreement_tolerance_s: 0.05,
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
    /// The second opinion, measured only for a stretch that stands out by slope but whose beats
    /// do not repeat (`QualityGate::min_second_opinion`): the smaller of the median correlation
    /// of the beats with their median beat and the mean pairwise agreement of three detectors'
    /// peaks (matched beats over the union), both in 0..=1. `None` when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_opinion: Option<f64>,
    /// Whether the record passes the gate.
    pub passes: bool,
}

impl QualityReport {
    /// Whether the stretch passed on its second opinion (its beats counted as consistent when
    /// stretches are pooled).
    pub fn rescued(&self, gate: &QualityGate) -> bool {
        self.second_opinion
            .is_some_and(|s| gate.min_second_opinion > 0.0 && s >= gate.min_second_opinion)
    }
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
                second_opinion: None,
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
            .filter(|&&k| self.repeats(&mut windows, k, lag))
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
        let prominent = prominence.is_none_or(|p| p >= self.min_slope_prominence);
        let consistent = frac >= self.min_consistent_fraction;
        let second_opinion = (prominent && !consistent && self.min_second_opinion > 0.0)
            .then(|| {
                let template = windows.template_match(&judged, lag);
                let span = span.start.saturating_sub(x_start).min(x.len())
                    ..span.end.saturating_sub(x_start).min(x.len());
                let agreement = detector_agreement(&x[span], fs, self.agreement_tolerance_s)?;
                Some(template.min(agreement))
            })
            .flatten();
        let mut report = QualityReport {
            beats: judged.len(),
            consistent_fraction: Some(frac),
            slope_prominence: prominence,
            second_opinion,
            passes: false,
        };
        report.passes = prominent && (consistent || report.rescued(self));
        report
    }

    /// For each of `peaks` (increasing sample indices of `x` at `fs`), whether its window
    /// repeats: the gate's consistency rule ([`QualityGate`] type docs) applied to one beat,
    /// against the `neighbours` nearest peaks on either side. Peaks whose windows do not fit
    /// in `x`, and every peak of a record with fewer than three, count as repeating (nothing
    /// to judge them by).
    pub(crate) fn repeating_beats(&self, fs: Hz, x: &[f64], peaks: &[usize]) -> Vec<bool> {
        let (hw, sm, reach) = self.windows(fs);
        let lag = reach - hw - sm;
        let inside: Vec<usize> = (0..peaks.len())
            .filter(|&i| peaks[i] >= reach && peaks[i] + reach < x.len())
            .collect();
        let idx: Vec<usize> = inside.iter().map(|&i| peaks[i]).collect();
        let mut repeats = vec![true; peaks.len()];
        if idx.len() < 3 {
            return repeats;
        }
        let mut windows = Windows::new(x, &idx, hw, sm);
        for (k, &i) in inside.iter().enumerate() {
            repeats[i] = self.repeats(&mut windows, k, lag);
        }
        repeats
    }

    /// Whether judged beat `k` of `windows` correlates above `min_correlation` with one of its
    /// `neighbours` nearest beats on either side, aligned or shifted by up to `lag` samples.
    fn repeats(&self, windows: &mut Windows, k: usize, lag: usize) -> bool {
        let n = windows.len();
        let lo = k.saturating_sub(self.neighbours);
        let hi = (k + self.neighbours).min(n - 1);
        let near = || (lo..=hi).filter(|&j| j != k);
        // Aligned first (the cached windows; most beats of a clean record match there), then
        // the shifted neighbours.
        near().any(|j| windows.correlation(k, j) > self.min_correlation)
            || (lag > 0 && near().any(|j| windows.best_shifted(k, j, lag) > self.min_correlation))
    }
}

/// Mean pairwise agreement of the built-in Pan-Tompkins, Hamilton and NeuroKit detectors (with
/// their defaults, ungated) on `x`: for each pair, the beats matched one to one within
/// `tolerance_s` over the beats either found (1 when neither found any). `None` when a detector
/// cannot run on `x` (too short). Detectors disagree on noise, where each follows its own
/// thresholds from burst to burst, and agree on ECG however noisy its baseline.
fn detector_agreement(x: &[f64], fs: Hz, tolerance_s: f64) -> Option<f64> {
    use super::{Hamilton, NeuroKit, PanTompkins, RPeakDetector};
    let ecg = Ecg::new(x.to_vec(), fs).ok()?;
    let detectors: [&dyn RPeakDetector; 3] = [
        // The paper front end alone: the short-record path judges its beats with this gate.
        &PanTompkins::default().paper_front_end_only(),
        &Hamilton::default(),
        &NeuroKit::default(),
    ];
    let peaks = detectors
        .iter()
        .map(|d| d.detect(&ecg).ok().map(|d| d.peaks.indices().to_vec()))
        .collect::<Option<Vec<_>>>()?;
    let tol = fs.samples(tolerance_s);
    let pairs = [(0, 1), (0, 2), (1, 2)];
    Some(
        pairs
            .iter()
            .map(|&(a, b)| jaccard(&peaks[a], &peaks[b], tol))
            .sum::<f64>()
            / pairs.len() as f64,
    )
}

/// Beats of `a` and `b` matched one to one within `tol` samples (the scorer's rule,
/// [`match_peaks`](crate::score::match_peaks)), over the beats of their union
/// (`|a| + |b| − matched`); 1 when both are empty.
fn jaccard(a: &[usize], b: &[usize], tol: usize) -> f64 {
    let matched = crate::score::match_peaks(a, b, tol).pairs.len();
    let union = a.len() + b.len() - matched;
    if union == 0 {
        1.0
    } else {
        matched as f64 / union as f64
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
    /// Number of beats.
    fn len(&self) -> usize {
        self.idx.len()
    }

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
                let sb = self.line_fit(&wb);
                if sb.norm > 0.0 {
                    let dot: f64 = wb.iter().zip(wa).map(|(v, u)| u * v).sum();
                    let r = (dot - w * sa.mean * sb.mean - self.t_ss * sa.slope * sb.slope)
                        / (sa.norm * sb.norm);
                    best = best.max(r);
                }
            }
        }
        best
    }

    /// Median over the `judged` beats of Pearson's r between a beat's residual and their
    /// median beat (the elementwise median of their unit residuals, itself detrended), each beat
    /// at its best shift within `±lag` samples. Noise has no typical beat: its median window is
    /// flat and matches no window well; a QRS buried in noise still dominates the median.
    fn template_match(&mut self, judged: &[usize], lag: usize) -> f64 {
        let units: Vec<Vec<f64>> = judged
            .iter()
            .map(|&k| self.unit_residual(&self.smoothed(k)))
            .collect();
        let template: Vec<f64> = (0..=2 * self.hw)
            .map(|i| median(&mut units.iter().map(|u| u[i]).collect::<Vec<_>>()))
            .collect();
        let template = self.unit_residual(&template);
        if template.iter().all(|&v| v == 0.0) {
            return 0.0;
        }
        let mut r: Vec<f64> = judged
            .iter()
            .map(|&k| {
                let p = self.idx[k];
                (p - lag..=p + lag)
                    .map(|q| {
                        let w = smoothed_at(self.x, q, self.hw, self.sm);
                        let s = self.line_fit(&w);
                        // The template is orthogonal to the constant and to t, so its dot
                        // product with the window is its dot product with the residual.
                        let dot: f64 = w.iter().zip(&template).map(|(a, b)| a * b).sum();
                        if s.norm > 0.0 { dot / s.norm } else { 0.0 }
                    })
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        median(&mut r)
    }

    /// A window minus its least-squares line, scaled to unit norm (zeros for a straight line).
    fn unit_residual(&self, win: &[f64]) -> Vec<f64> {
        let s = self.line_fit(win);
        let hw = self.hw as f64;
        win.iter()
            .enumerate()
            .map(|(i, v)| {
                if s.norm > 0.0 {
                    (v - s.mean - s.slope * (i as f64 - hw)) / s.norm
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Least-squares line of a window over `t = −hw ..= hw` and the norm of its residual (0
    /// for a straight line, up to rounding).
    fn line_fit(&self, win: &[f64]) -> Stats {
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
        Stats { mean, slope, norm }
    }

    fn stats(&mut self, k: usize) -> Stats {
        if let Some((_, s)) = self.cache[k] {
            return s;
        }
        let win = self.smoothed(k);
        let s = self.line_fit(&win);
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

    /// Oracle: `python3 tools/signal_gate_variants.py oracle` (NumPy, the same definitions:
    /// 5-sample moving average, least-squares detrending, upper median, best of ±2 shifts) on
    /// this signal: a chirp plus twelve Gaussian QRS (σ = 3 samples) with T waves, and the chirp
    /// alone at the same positions.
    #[test]
    fn template_match_matches_the_numpy_model() {
        let peaks: Vec<usize> = (0..12).map(|k| 125 + 200 * k).collect();
        let noise: Vec<f64> = (0..2500)
            .map(|i| {
                let i = i as f64;
                0.3 * (1.7 * i + 0.013 * i * i).sin()
            })
            .collect();
        let gauss = |d: f64, s: f64| (-(d / s).powi(2) / 2.0).exp();
        let beats: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let i = i as f64;
                v + peaks
                    .iter()
                    .map(|&p| {
                        let d = i - p as f64;
                        gauss(d, 3.0) + 0.3 * gauss(d - 70.0, 15.0)
                    })
                    .sum::<f64>()
            })
            .collect();
        let judged: Vec<usize> = (0..peaks.len()).collect();
        for (x, expected) in [
            (&beats, 0.987_509_149_781_290_1),
            (&noise, 0.253_252_975_790_553_9),
        ] {
            let got = Windows::new(x, &peaks, 25, 2).template_match(&judged, 2);
            assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
        }
    }

    #[test]
    fn jaccard_counts_one_to_one_matches_over_the_union() {
        // By hand: 100↔103 and 300↔298 match (tolerance 5); 200, 400 and 500 do not.
        assert_eq!(
            jaccard(&[100, 200, 300], &[103, 298, 400, 500], 5),
            2.0 / 5.0
        );
        // One detection cannot match two beats.
        assert_eq!(jaccard(&[100, 104], &[102], 5), 1.0 / 2.0);
        assert_eq!(jaccard(&[], &[], 5), 1.0);
        assert_eq!(jaccard(&[10], &[], 5), 0.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// The second opinion is consulted only for a record the rest of the rule refuses, and
        /// can only pass it: noise (an LCG) with or without spikes every `period` samples.
        #[test]
        fn a_second_opinion_only_turns_refusals_into_passes(
            seed in 0u64..1_000_000,
            spike in 0.0f64..10.0,
            period in 120usize..400,
        ) {
            use crate::rpeaks::{PanTompkins, RPeakDetector};
            let fs = Hz::new(250.0).unwrap();
            let mut s = seed;
            let x: Vec<f64> = (0..2500)
                .map(|i| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let v = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                    v + if i % period == period / 2 { spike } else { 0.0 }
                })
                .collect();
            let ecg = Ecg::new(x, fs).unwrap();
            let peaks = PanTompkins::default().detect(&ecg).unwrap().peaks;
            let off = QualityGate { min_second_opinion: 0.0, ..QualityGate::default() };
            let with = QualityGate::default().assess(&ecg, &peaks).unwrap();
            let without = off.assess(&ecg, &peaks).unwrap();
            proptest::prop_assert!(with.passes >= without.passes, "{:?} {:?}", with, without);
            proptest::prop_assert_eq!(without.second_opinion, None);
            proptest::prop_assert_eq!(with.consistent_fraction, without.consistent_fraction);
            if with.second_opinion.is_some() {
                proptest::prop_assert!(!without.passes);
            }
        }
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
