//! Time-domain HRV: heart rate and NeuroKit2's `hrv_time` indices.

use std::sync::Arc;

use exg_signal::RPeaks;

use super::{RrSeries, finite_or, gated};
use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::stats::{diff, mad, mean, median, percentile_sorted, sorted, std};

/// Histogram bin width of HTI and TINN: 1/128 s (Task Force 1996; NeuroKit2 default).
pub const HISTOGRAM_BIN_MS: f64 = 1000.0 / 128.0;

/// One time-domain feature. Names are NeuroKit2's without the `HRV_` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeFeature {
    /// Heart rate `60000 / MeanNN`, bpm.
    Hr,
    /// Mean RR interval, ms.
    MeanNn,
    /// SD of RR intervals (ddof = 1), ms.
    Sdnn,
    /// SD of successive differences (ddof = 1), ms.
    Sdsd,
    /// Root mean square of successive differences, ms.
    Rmssd,
    /// SDNN / MeanNN.
    Cvnn,
    /// RMSSD / MeanNN.
    Cvsd,
    /// Median RR, ms.
    MedianNn,
    /// Median absolute deviation of RR × 1.4826, ms.
    MadNn,
    /// MadNN / MedianNN.
    Mcvnn,
    /// Interquartile range of RR (linear percentiles), ms.
    IqrNn,
    /// SDNN / RMSSD.
    SdRmssd,
    /// 20th percentile of RR, ms.
    Prc20Nn,
    /// 80th percentile of RR, ms.
    Prc80Nn,
    /// Shortest RR, ms.
    MinNn,
    /// Longest RR, ms.
    MaxNn,
    /// HRV triangular index: `n_RR / max histogram count` (bins of 1/128 s).
    Hti,
    /// Percentage of |ΔRR| > 50 ms, over `n_RR` (NeuroKit2's denominator), %.
    Pnn50,
    /// Percentage of |ΔRR| > 20 ms, over `n_RR`, %.
    Pnn20,
    /// Triangular interpolation of the RR histogram (NeuroKit2's search), ms.
    Tinn,
    /// SD of the mean RR of consecutive windows of `minutes` (NeuroKit2 `SDANN<m>`), ms.
    Sdann(u8),
    /// Mean of the SD of RR in consecutive windows of `minutes` (NeuroKit2 `SDNNI<m>`), ms.
    Sdnni(u8),
}

impl TimeFeature {
    /// The 17 features of EXGnet's released data, in its column order: heart rate, then the
    /// 16 NeuroKit2 indices.
    pub const EXGNET_17: [TimeFeature; 17] = [
        TimeFeature::Hr,
        TimeFeature::MeanNn,
        TimeFeature::Sdnn,
        TimeFeature::Sdsd,
        TimeFeature::Rmssd,
        TimeFeature::Cvnn,
        TimeFeature::Cvsd,
        TimeFeature::MedianNn,
        TimeFeature::MadNn,
        TimeFeature::Mcvnn,
        TimeFeature::IqrNn,
        TimeFeature::SdRmssd,
        TimeFeature::Prc20Nn,
        TimeFeature::Prc80Nn,
        TimeFeature::MinNn,
        TimeFeature::MaxNn,
        TimeFeature::Hti,
    ];

    /// Every time-domain feature: the 17, then pNN50, pNN20, TINN and SDANN/SDNNI 1, 2, 5 min.
    pub fn all() -> Vec<TimeFeature> {
        let mut v = Self::EXGNET_17.to_vec();
        v.extend([TimeFeature::Pnn50, TimeFeature::Pnn20, TimeFeature::Tinn]);
        for m in [1, 2, 5] {
            v.extend([TimeFeature::Sdann(m), TimeFeature::Sdnni(m)]);
        }
        v
    }

    /// Name, unit and generic validity rule.
    ///
    /// Beat minima are where the definition yields a number (e.g. SDNN needs 2 RR = 3 beats,
    /// SDSD 2 successive differences = 4 beats). SDANN/SDNNI need `round(RR span / window) >= 3`
    /// windows as in NeuroKit2, hence a record of at least 2.5 windows.
    pub fn spec(self) -> FeatureSpec {
        use TimeFeature::*;
        let s = FeatureSpec::new;
        match self {
            Hr => s("HR", "bpm", 2, 0.0),
            MeanNn => s("MeanNN", "ms", 2, 0.0),
            Sdnn => s("SDNN", "ms", 3, 0.0),
            Sdsd => s("SDSD", "ms", 4, 0.0),
            Rmssd => s("RMSSD", "ms", 3, 0.0),
            Cvnn => s("CVNN", "1", 3, 0.0),
            Cvsd => s("CVSD", "1", 3, 0.0),
            MedianNn => s("MedianNN", "ms", 2, 0.0),
            MadNn => s("MadNN", "ms", 2, 0.0),
            Mcvnn => s("MCVNN", "1", 2, 0.0),
            IqrNn => s("IQRNN", "ms", 2, 0.0),
            SdRmssd => s("SDRMSSD", "1", 3, 0.0),
            Prc20Nn => s("Prc20NN", "ms", 2, 0.0),
            Prc80Nn => s("Prc80NN", "ms", 2, 0.0),
            MinNn => s("MinNN", "ms", 2, 0.0),
            MaxNn => s("MaxNN", "ms", 2, 0.0),
            Hti => s("HTI", "1", 2, 0.0),
            Pnn50 => s("pNN50", "%", 3, 0.0),
            Pnn20 => s("pNN20", "%", 3, 0.0),
            Tinn => s("TINN", "ms", 2, 0.0),
            Sdann(1) => s("SDANN1", "ms", 4, 150.0),
            Sdann(2) => s("SDANN2", "ms", 4, 300.0),
            Sdann(_) => s("SDANN5", "ms", 4, 750.0),
            Sdnni(1) => s("SDNNI1", "ms", 4, 150.0),
            Sdnni(2) => s("SDNNI2", "ms", 4, 300.0),
            Sdnni(_) => s("SDNNI5", "ms", 4, 750.0),
        }
    }
}

/// Time-domain HRV extractor (NeuroKit2 `hrv_time` definitions plus heart rate).
///
/// ```
/// use exg_features::HrvTime;
/// use exg_signal::{Hz, RPeaks};
/// // 3 beats: SDNN is defined, SDSD (needs 2 successive differences) is not.
/// let peaks = RPeaks::new(vec![100, 500, 950], Hz::new(500.0)?, 5000)?;
/// let v = HrvTime::exgnet17().compute(&peaks);
/// assert!((v.value("SDNN").unwrap() - 70.71067811865476).abs() < 1e-9);
/// assert!(v.value("SDSD").is_none());
/// println!("{}", v.get("SDSD").unwrap().reason().unwrap()); // too few beats: 3, need at least 4
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct HrvTime {
    features: Vec<TimeFeature>,
    schema: Arc<Schema>,
}

impl HrvTime {
    /// The given features, in that order. Fails on duplicates.
    pub fn new(features: Vec<TimeFeature>) -> Result<Self> {
        let schema = Arc::new(Schema::new(features.iter().map(|f| f.spec()).collect())?);
        Ok(Self { features, schema })
    }

    /// EXGnet's 17 (`EXGNET_17`): HR + the 16 NeuroKit2 indices of the released data.
    pub fn exgnet17() -> Self {
        Self::new(TimeFeature::EXGNET_17.to_vec()).expect("static schema has unique names")
    }

    /// All 26 time-domain features.
    pub fn all() -> Self {
        Self::new(TimeFeature::all()).expect("static schema has unique names")
    }

    /// Features of `peaks` (never fails: impossible values come back invalid).
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let rr = RrSeries::new(peaks);
        let ctx = Ctx::new(&rr);
        let features = self
            .features
            .iter()
            .map(|&f| gated(&f.spec(), &rr, || ctx.feature(f)))
            .collect();
        FeatureVector::new(self.schema.clone(), features).expect("one value per column")
    }
}

impl FeatureExtractor for HrvTime {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// Quantities shared by several features, computed once.
struct Ctx<'a> {
    rr: &'a RrSeries,
    d: Vec<f64>,
    sorted: Vec<f64>,
}

impl<'a> Ctx<'a> {
    fn new(rr: &'a RrSeries) -> Self {
        Self {
            rr,
            d: diff(&rr.ms),
            sorted: sorted(&rr.ms),
        }
    }

    fn mean(&self) -> f64 {
        mean(&self.rr.ms)
    }
    fn sdnn(&self) -> f64 {
        std(&self.rr.ms, 1)
    }
    fn rmssd(&self) -> f64 {
        (self.d.iter().map(|v| v * v).sum::<f64>() / self.d.len() as f64).sqrt()
    }
    fn prc(&self, q: f64) -> f64 {
        percentile_sorted(&self.sorted, q)
    }
    fn pnn(&self, thr: f64) -> f64 {
        let n = self.d.iter().filter(|v| v.abs() > thr).count();
        // NeuroKit2 divides by len(diff) + 1 = the number of RR intervals.
        n as f64 / (self.d.len() + 1) as f64 * 100.0
    }

    fn feature(&self, f: TimeFeature) -> Feature {
        use TimeFeature::*;
        let rr = &self.rr.ms;
        match f {
            Hr => finite_or(60_000.0 / self.mean(), "mean RR is zero"),
            MeanNn => finite_or(self.mean(), "no RR interval"),
            Sdnn => finite_or(self.sdnn(), "fewer than 2 RR intervals"),
            Sdsd => finite_or(std(&self.d, 1), "fewer than 2 successive differences"),
            Rmssd => finite_or(self.rmssd(), "no successive difference"),
            Cvnn => finite_or(self.sdnn() / self.mean(), "SDNN undefined"),
            Cvsd => finite_or(self.rmssd() / self.mean(), "RMSSD undefined"),
            MedianNn => finite_or(median(rr), "no RR interval"),
            MadNn => finite_or(mad(rr), "no RR interval"),
            Mcvnn => finite_or(mad(rr) / median(rr), "no RR interval"),
            IqrNn => finite_or(self.prc(75.0) - self.prc(25.0), "no RR interval"),
            SdRmssd => finite_or(self.sdnn() / self.rmssd(), "RMSSD is zero"),
            Prc20Nn => finite_or(self.prc(20.0), "no RR interval"),
            Prc80Nn => finite_or(self.prc(80.0), "no RR interval"),
            MinNn => finite_or(self.sorted[0], "no RR interval"),
            MaxNn => finite_or(self.sorted[self.sorted.len() - 1], "no RR interval"),
            Hti => {
                let h = Histogram::new(rr);
                finite_or(rr.len() as f64 / h.max_count() as f64, "empty histogram")
            }
            Pnn50 => finite_or(self.pnn(50.0), "no successive difference"),
            Pnn20 => finite_or(self.pnn(20.0), "no successive difference"),
            Tinn => match Histogram::new(rr).tinn(&self.sorted) {
                Some(v) => Feature::from_value(v),
                None => {
                    Feature::invalid(Invalid::undefined("no histogram bin above the shortest RR"))
                }
            },
            Sdann(m) => windowed(self.rr, m, mean, |vals| std(vals, 1)),
            Sdnni(m) => windowed(self.rr, m, |seg| std(seg, 1), mean),
        }
    }
}

/// NeuroKit2's `_sdann` / `_sdnni`: `per_window` on each window of `minutes`, then `combine`
/// over the finite results.
///
/// Kept exactly, quirks included: windows follow `cumsum(RR)` (not peak times), their number is
/// `round(span / window)` (half to even) and must be >= 3, and each window's slice stops one
/// interval short of the window end (`rri[start:end]` with `end` the last index inside).
fn windowed(
    rr: &RrSeries,
    minutes: u8,
    per_window: impl Fn(&[f64]) -> f64,
    combine: impl Fn(&[f64]) -> f64,
) -> Feature {
    let ws = f64::from(minutes) * 60.0 * 1000.0;
    let ms = &rr.ms;
    let cum: Vec<f64> = rr
        .time_s
        .iter()
        .map(|t| (t - rr.time_s[0]) * 1000.0 + ms[0])
        .collect();
    let span = cum[cum.len() - 1];
    let n = (span / ws).round_ties_even();
    if n < 3.0 {
        return Feature::invalid(Invalid::TooShort {
            have_s: span / 1000.0,
            need_s: 2.5 * ws / 1000.0,
        });
    }
    let mut vals = Vec::new();
    for i in 0..n as usize {
        let start = i as f64 * ws;
        let Some(a) = cum.iter().position(|&c| c >= start) else {
            continue;
        };
        let Some(b) = cum.iter().rposition(|&c| c < start + ws) else {
            continue;
        };
        let v = if a < b {
            per_window(&ms[a..b])
        } else {
            f64::NAN
        };
        if v.is_finite() {
            vals.push(v);
        }
    }
    finite_or(combine(&vals), "too few usable windows")
}

/// RR histogram with NeuroKit2's bins: edges `0, w, 2w, ... >= max(RR)` (`np.arange`), last bin
/// closed, as `np.histogram` counts them.
struct Histogram {
    edges: Vec<f64>,
    counts: Vec<usize>,
}

impl Histogram {
    fn new(rr: &[f64]) -> Self {
        let w = HISTOGRAM_BIN_MS;
        let max = rr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // np.arange(0, max + w, w): ceil((stop - start) / step) points.
        let n_edges = ((max + w) / w).ceil().max(0.0) as usize;
        let edges: Vec<f64> = (0..n_edges).map(|i| i as f64 * w).collect();
        let mut counts = vec![0usize; n_edges.saturating_sub(1)];
        if let Some(&last) = edges.last() {
            for &v in rr {
                let k = edges.partition_point(|&e| e <= v);
                if k == 0 || v > last {
                    continue;
                }
                let bin = if k == n_edges { n_edges - 2 } else { k - 1 };
                if let Some(c) = counts.get_mut(bin) {
                    *c += 1;
                }
            }
        }
        Self { edges, counts }
    }

    fn max_count(&self) -> usize {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// NeuroKit2's `_hrv_TINN`, including its quirk: the search over the right foot `M` runs
    /// only for the first candidate left foot `N` (the inner loop variable is never reset), the
    /// initial error bound is 2^14, and the result is 0 when no fit beats it.
    fn tinn(&self, sorted: &[f64]) -> Option<f64> {
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        let ymax = self.max_count();
        let ix = self.counts.iter().position(|&c| c == ymax)?;
        let (x, y) = (self.edges[ix], ymax as f64);
        let i0 = self.edges.iter().position(|&e| e - min > 0.0)?;
        let n = self.edges[i0];
        let (mut best_n, mut best_m, mut min_err) = (0.0, 0.0, 16384.0);
        if n < x {
            let mut im = ix + 1;
            while im < self.edges.len() && self.edges[im] < max {
                let m = self.edges[im];
                let mut err = 0.0;
                for j in i0..=im {
                    let bx = self.edges[j];
                    let q = if j < ix {
                        y * (bx - n) / (x - n)
                    } else {
                        y * (m - bx) / (m - x)
                    };
                    let e = self.counts.get(j).copied().unwrap_or(0) as f64 - q;
                    err += e * e;
                }
                if err < min_err {
                    (best_n, best_m, min_err) = (n, m, err);
                }
                im += 1;
            }
        }
        Some(best_m - best_n)
    }
}
