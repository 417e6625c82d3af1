//! The extractor trait and its combinator.

use std::sync::Arc;

use exg_signal::{Ecg, RPeaks};

use super::feature::{Feature, Invalid};
use super::schema::{FeatureVector, Schema};
use crate::{Error, Result};

/// Computes a fixed, named set of features from one ECG lead and its R-peaks.
///
/// Peaks are passed in (detected once per record, then shared by every extractor and by the
/// attention target). An extractor that needs only the peaks (HRV) overrides
/// [`extract_peaks`](FeatureExtractor::extract_peaks); one that needs samples (morphology)
/// keeps its default, which marks every feature [`Invalid::NeedsSignal`].
///
/// ```
/// use exg_features::{FeatureExtractor, HrvTime};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// let peaks = RPeaks::new((0..12).map(|k| 50 + 200 * k).collect(), fs, 2500)?;
/// let ecg = Ecg::new(vec![0.0; 2500], fs)?;
/// let v = HrvTime::exgnet17().extract(&ecg, &peaks)?;
/// assert_eq!(v.value("MeanNN"), Some(800.0));
/// assert_eq!(v.value("HR"), Some(75.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FeatureExtractor: Send + Sync {
    /// The columns, known before any data is seen.
    fn schema(&self) -> Arc<Schema>;

    /// Features of `ecg` with R-peaks `peaks` (which must index `ecg`).
    fn extract(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<FeatureVector> {
        check_pair(ecg, peaks)?;
        self.extract_peaks(peaks)
    }

    /// Features from the peaks alone. Default: every feature [`Invalid::NeedsSignal`].
    fn extract_peaks(&self, _peaks: &RPeaks) -> Result<FeatureVector> {
        Ok(FeatureVector::all_invalid(
            self.schema(),
            Invalid::NeedsSignal,
        ))
    }
}

/// Fails unless `peaks` were found on a record with `ecg`'s rate and length.
pub fn check_pair(ecg: &Ecg, peaks: &RPeaks) -> Result<()> {
    if ecg.fs() != peaks.fs() || ecg.len() != peaks.signal_len() {
        return Err(Error::PeaksMismatch(format!(
            "ECG has {} samples at {}, peaks index {} samples at {}",
            ecg.len(),
            ecg.fs(),
            peaks.signal_len(),
            peaks.fs()
        )));
    }
    Ok(())
}

/// Several extractors side by side; the schema is the concatenation of theirs.
///
/// ```
/// use exg_features::{Concat, FeatureExtractor, HrvTime, Poincare};
/// let both = Concat::new(vec![Box::new(HrvTime::exgnet17()), Box::new(Poincare::default())])?;
/// assert_eq!(both.schema().len(), 17 + 6);
/// # Ok::<(), exg_features::Error>(())
/// ```
pub struct Concat {
    parts: Vec<Box<dyn FeatureExtractor>>,
    schema: Arc<Schema>,
}

impl Concat {
    /// Joins `parts`. Fails when two parts produce the same column name.
    pub fn new(parts: Vec<Box<dyn FeatureExtractor>>) -> Result<Self> {
        let specs = parts
            .iter()
            .flat_map(|p| p.schema().specs().to_vec())
            .collect();
        let schema = Arc::new(Schema::new(specs)?);
        Ok(Self { parts, schema })
    }

    fn join(&self, vectors: Vec<FeatureVector>) -> Result<FeatureVector> {
        let features: Vec<Feature> = vectors
            .into_iter()
            .flat_map(|v| v.features().to_vec())
            .collect();
        FeatureVector::new(self.schema.clone(), features)
    }
}

impl FeatureExtractor for Concat {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    fn extract(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<FeatureVector> {
        let v = self
            .parts
            .iter()
            .map(|p| p.extract(ecg, peaks))
            .collect::<Result<Vec<_>>>()?;
        self.join(v)
    }

    fn extract_peaks(&self, peaks: &RPeaks) -> Result<FeatureVector> {
        let v = self
            .parts
            .iter()
            .map(|p| p.extract_peaks(peaks))
            .collect::<Result<Vec<_>>>()?;
        self.join(v)
    }
}
