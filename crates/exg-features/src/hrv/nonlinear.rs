//! Non-linear HRV: Poincaré geometry, sample and approximate entropy, DFA α1.

use std::sync::Arc;

use exg_signal::RPeaks;

use super::{RrSeries, finite_or, gated};
use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::stats::{mean, slope, std};

/// Poincaré plot descriptors (NeuroKit2 `_hrv_nonlinear_poincare`, Brennan et al. 2001):
/// SD1, SD2, SD1SD2, S, CSI, CVI.
///
/// ```
/// use exg_features::Poincare;
/// use exg_signal::{Hz, RPeaks};
/// let peaks = RPeaks::new(vec![0, 400, 850, 1200, 1650, 2000], Hz::new(500.0)?, 2500)?;
/// let v = Poincare::default().compute(&peaks);
/// assert!(v.value("SD1").unwrap() > v.value("SD2").unwrap()); // alternating RR: short-term dominates
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Poincare {
    schema: Arc<Schema>,
}

impl Default for Poincare {
    fn default() -> Self {
        let s = FeatureSpec::new;
        // SD1/SD2 use ddof = 1 over the n-1 pairs (RR_n, RR_n+1): 2 pairs = 3 RR = 4 beats.
        let specs = vec![
            s("SD1", "ms", 4, 0.0),
            s("SD2", "ms", 4, 0.0),
            s("SD1SD2", "1", 4, 0.0),
            s("S", "ms^2", 4, 0.0),
            s("CSI", "1", 4, 0.0),
            s("CVI", "1", 4, 0.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl Poincare {
    /// Features of `peaks`.
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let rr = RrSeries::new(peaks);
        let x = &rr.ms;
        let (mut sd1, mut sd2) = (f64::NAN, f64::NAN);
        if x.len() >= 2 {
            let x1: Vec<f64> = x.windows(2).map(|w| (w[0] - w[1]) / 2f64.sqrt()).collect();
            let x2: Vec<f64> = x.windows(2).map(|w| (w[0] + w[1]) / 2f64.sqrt()).collect();
            sd1 = std(&x1, 1);
            sd2 = std(&x2, 1);
        }
        let (t, l) = (4.0 * sd1, 4.0 * sd2);
        let values = [
            (sd1, "fewer than 2 RR pairs"),
            (sd2, "fewer than 2 RR pairs"),
            (sd1 / sd2, "SD2 is zero"),
            (std::f64::consts::PI * sd1 * sd2, "SD1/SD2 undefined"),
            (l / t, "SD1 is zero"),
            ((l * t).log10(), "SD1 or SD2 is zero"),
        ];
        let features = self
            .schema
            .specs()
            .iter()
            .zip(values)
            .map(|(spec, (v, why))| gated(spec, &rr, || finite_or(v, why)))
            .collect();
        FeatureVector::new(self.schema.clone(), features).expect("one value per column")
    }
}

impl FeatureExtractor for Poincare {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// Sample entropy, approximate entropy and DFA α1 of the RR series, with NeuroKit2's
/// `hrv_nonlinear` parameters: embedding dimension 2, delay 1, tolerance `0.2 * SD(RR)`
/// (ddof = 1), Chebyshev distance `<= r`; DFA on the integrated, mean-removed series with
/// scales 4..=11 beats, half-overlapping windows and linear detrending.
///
/// Validity: SampEn and ApEn need 3 RR; SampEn is invalid when no template of length 3
/// matches (ln 0). DFA α1 needs 12 RR (NeuroKit2's own rule).
#[derive(Clone, Debug)]
pub struct Complexity {
    schema: Arc<Schema>,
}

impl Default for Complexity {
    fn default() -> Self {
        let s = FeatureSpec::new;
        let specs = vec![
            s("SampEn", "1", 4, 0.0),
            s("ApEn", "1", 4, 0.0),
            s("DFA_alpha1", "1", 13, 0.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl Complexity {
    /// Features of `peaks`.
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let rr = RrSeries::new(peaks);
        let x = &rr.ms;
        let r = 0.2 * std(x, 1);
        let sp = self.schema.specs();
        let features = vec![
            gated(&sp[0], &rr, || sample_entropy(x, 2, r)),
            gated(&sp[1], &rr, || {
                finite_or(
                    approximate_entropy(x, 2, r),
                    "embedding longer than the series",
                )
            }),
            gated(&sp[2], &rr, || dfa_alpha(x, &(4..=11).collect::<Vec<_>>())),
        ];
        FeatureVector::new(self.schema.clone(), features).expect("one value per column")
    }
}

impl FeatureExtractor for Complexity {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// Number of templates `j` of length `m` (starting in `0..n_templates`) within Chebyshev
/// distance `r` of template `i`, self-match included.
fn matches(x: &[f64], m: usize, r: f64, i: usize, n_templates: usize) -> usize {
    (0..n_templates)
        .filter(|&j| (0..m).all(|k| (x[i + k] - x[j + k]).abs() <= r))
        .count()
}

/// Sample entropy as NeuroKit2 `entropy_sample` computes it: both template lengths use the
/// same `N - m` templates, `phi_k = mean((count - 1) / (N - m - 1))`, `SampEn = -ln(phi_1 / phi_0)`.
pub fn sample_entropy(x: &[f64], m: usize, r: f64) -> Feature {
    let n = x.len();
    if n < m + 2 || !r.is_finite() {
        return Feature::invalid(Invalid::undefined("series too short for the embedding"));
    }
    let nt = n - m;
    let phi = |len: usize| {
        let s: f64 = (0..nt)
            .map(|i| (matches(x, len, r, i, nt) - 1) as f64)
            .sum();
        s / nt as f64 / (nt - 1) as f64
    };
    let (p0, p1) = (phi(m), phi(m + 1));
    // NeuroKit2 `_phi_divide`: isclose(phi0, 0) -> -inf, isclose(ratio, 0) -> inf.
    if p0.abs() <= 1e-8 {
        return Feature::invalid(Invalid::undefined("no template of length m matches"));
    }
    let ratio = p1 / p0;
    if ratio.abs() <= 1e-8 {
        return Feature::invalid(Invalid::undefined("no template of length m+1 matches"));
    }
    finite_or(-ratio.ln(), "negative ratio")
}

/// Approximate entropy (Pincus 1991) as NeuroKit2 `entropy_approximate`: self-matches counted,
/// `phi_k = mean(ln(count / n_k))` over `n_k = N - k + 1` templates, `ApEn = |phi_m - phi_m+1|`.
pub fn approximate_entropy(x: &[f64], m: usize, r: f64) -> f64 {
    let n = x.len();
    if n < m + 1 || !r.is_finite() {
        return f64::NAN;
    }
    let phi = |len: usize| {
        let nt = n - len + 1;
        (0..nt)
            .map(|i| (matches(x, len, r, i, nt) as f64 / nt as f64).ln())
            .sum::<f64>()
            / nt as f64
    };
    (phi(m) - phi(m + 1)).abs()
}

/// DFA exponent over `scales` (NeuroKit2 `fractal_dfa`, order 1, overlapping windows, q = 2).
pub fn dfa_alpha(x: &[f64], scales: &[usize]) -> Feature {
    let n = x.len();
    if scales.iter().any(|&s| s < 2 || s >= n) {
        return Feature::invalid(Invalid::undefined("a DFA scale exceeds the series"));
    }
    let m = mean(x);
    let mut acc = 0.0;
    let y: Vec<f64> = x
        .iter()
        .map(|v| {
            acc += v - m;
            acc
        })
        .collect();
    let mut log_s = Vec::new();
    let mut log_f = Vec::new();
    for &w in scales {
        let t: Vec<f64> = (0..w).map(|i| i as f64).collect();
        let mut vars = Vec::new();
        // np.arange(0, n - w, w // 2): window starts.
        let mut start = 0;
        while start < n - w {
            let seg = &y[start..start + w];
            let b = slope(&t, seg);
            let a = mean(seg) - b * mean(&t);
            let res: Vec<f64> = seg.iter().zip(&t).map(|(v, ti)| v - (a + b * ti)).collect();
            let var = std(&res, 0).powi(2);
            if var > 1e-8 {
                vars.push(var);
            }
            start += w / 2;
        }
        if vars.is_empty() {
            return Feature::invalid(Invalid::undefined("a DFA scale has no variance"));
        }
        log_s.push((w as f64).log2());
        log_f.push(mean(&vars).sqrt().log2());
    }
    finite_or(slope(&log_s, &log_f), "DFA fit undefined")
}
