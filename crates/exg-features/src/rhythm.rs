//! RR-irregularity features aimed at atrial fibrillation and flutter on short records.

use std::sync::Arc;

use exg_signal::RPeaks;

use crate::Result;
use crate::core::extractor::{FeatureExtractor, Input};
use crate::core::feature::{Feature, Invalid};
use crate::core::schema::{FeatureSpec, FeatureVector, Schema};
use crate::hrv::{RrSeries, finite_or, gated};
use crate::stats::{mean, median};

/// Tolerance of COSEn, seconds (Lake & Moorman 2011 use r = 30 ms).
pub const COSEN_R_S: f64 = 0.030;

/// RR-irregularity features (peaks only).
///
/// * `COSEn` — coefficient of sample entropy (Lake & Moorman 2011):
///   `SampEn(m=1, r=30 ms) + ln(2r) − ln(mean RR)`, RR in seconds; self-matches excluded.
///   AF typically > −1 in their data; invalid when no template matches (needs ≥ 4 RR).
/// * `TPR` — turning-point ratio (Dash et al. 2009): share of inner RR that are a strict local
///   maximum or minimum; ≈ 2/3 for a random series, lower for sinus rhythm.
/// * `nRMSSD` — RMSSD / mean RR (Dash et al. 2009).
/// * `MedAbsdRR` — median |ΔRR| / median RR: a robust irregularity index that one ectopic
///   beat does not move (ours; documented in `docs/features.md`).
///
/// ```
/// use exg_features::Rhythm;
/// use exg_signal::{Hz, RPeaks};
/// let fs = Hz::new(500.0)?;
/// let regular = RPeaks::new((0..12).map(|k| 100 + 400 * k).collect(), fs, 5000)?;
/// let v = Rhythm::default().compute(&regular);
/// assert_eq!(v.value("nRMSSD"), Some(0.0));
/// assert_eq!(v.value("TPR"), Some(0.0));
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Rhythm {
    schema: Arc<Schema>,
}

impl Default for Rhythm {
    fn default() -> Self {
        let s = FeatureSpec::new;
        let specs = vec![
            s("COSEn", "1", 5, 0.0),
            s("TPR", "1", 4, 0.0),
            s("nRMSSD", "1", 3, 0.0),
            s("MedAbsdRR", "1", 3, 0.0),
        ];
        Self {
            schema: Arc::new(Schema::new(specs).expect("unique names")),
        }
    }
}

impl Rhythm {
    /// Features of `peaks`.
    pub fn compute(&self, peaks: &RPeaks) -> FeatureVector {
        let rr = RrSeries::new(peaks);
        let x = &rr.ms;
        let sp = self.schema.specs();
        let features = vec![
            gated(&sp[0], &rr, || cosen(x)),
            gated(&sp[1], &rr, || {
                let tp = x
                    .windows(3)
                    .filter(|w| (w[1] > w[0] && w[1] > w[2]) || (w[1] < w[0] && w[1] < w[2]))
                    .count();
                finite_or(tp as f64 / (x.len() - 2) as f64, "fewer than 3 RR")
            }),
            gated(&sp[2], &rr, || {
                let d: Vec<f64> = x.windows(2).map(|w| (w[1] - w[0]).powi(2)).collect();
                finite_or(mean(&d).sqrt() / mean(x), "fewer than 2 RR")
            }),
            gated(&sp[3], &rr, || {
                let d: Vec<f64> = x.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
                finite_or(median(&d) / median(x), "fewer than 2 RR")
            }),
        ];
        FeatureVector::new(self.schema.clone(), features).expect("one value per column")
    }
}

impl FeatureExtractor for Rhythm {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }
    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        Ok(self.compute(input.peaks()))
    }
}

/// COSEn (Lake & Moorman 2011) of RR intervals in ms.
fn cosen(rr_ms: &[f64]) -> Feature {
    let x: Vec<f64> = rr_ms.iter().map(|v| v / 1000.0).collect();
    let r = COSEN_R_S;
    let n = x.len();
    // Richman & Moorman 2000: templates i < n - m for both lengths, pairs i < j.
    let m = 1;
    let (mut a, mut b) = (0usize, 0usize);
    for i in 0..n - m {
        for j in i + 1..n - m {
            if (x[i] - x[j]).abs() <= r {
                b += 1;
                if (x[i + 1] - x[j + 1]).abs() <= r {
                    a += 1;
                }
            }
        }
    }
    if a == 0 || b == 0 {
        return Feature::invalid(Invalid::undefined("no matching RR templates"));
    }
    let sampen = -((a as f64) / (b as f64)).ln();
    finite_or(sampen + (2.0 * r).ln() - mean(&x).ln(), "undefined")
}
