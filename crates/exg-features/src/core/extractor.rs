//! The extractor trait and its combinator.

use std::sync::Arc;

use exg_signal::{Ecg, RPeaks};

use super::feature::Feature;
use super::schema::{FeatureVector, Schema};
use crate::{Error, Result};

/// Computes a fixed, named set of features from one ECG lead and its R-peaks.
///
/// Implement [`schema`](FeatureExtractor::schema) and [`features`](FeatureExtractor::features);
/// call the checked entry points of [`Extract`] (`extract`, `extract_peaks`), which every
/// implementor gets and none can override: they check that the peaks belong to the ECG and that
/// the result has the extractor's schema. [`features`](FeatureExtractor::features) receives an
/// [`Input`], which only those checks can build.
///
/// Peaks are passed in (detected once per record, then shared by every extractor and by the
/// attention target). An extractor that needs only the peaks (HRV) reads [`Input::peaks`]; one
/// that needs samples (morphology) marks every feature [`Invalid::NeedsSignal`](crate::Invalid::NeedsSignal) when
/// [`Input::ecg`] is `None`.
///
/// ```
/// use std::sync::Arc;
/// use exg_features::{Extract, Feature, FeatureExtractor, FeatureSpec, FeatureVector, Input, Schema};
/// use exg_signal::{Ecg, Hz, RPeaks};
///
/// /// Beats per record: a crate-external extractor.
/// struct BeatCount(Arc<Schema>);
/// impl FeatureExtractor for BeatCount {
///     fn schema(&self) -> Arc<Schema> {
///         self.0.clone()
///     }
///     fn features(&self, input: Input<'_>) -> exg_features::Result<FeatureVector> {
///         let n = Feature::from_value(input.peaks().len() as f64);
///         FeatureVector::new(self.schema(), vec![n])
///     }
/// }
///
/// let count = BeatCount(Arc::new(Schema::new(vec![FeatureSpec::new("Beats", "1", 0, 0.0)])?));
/// let fs = Hz::new(250.0)?;
/// let peaks = RPeaks::new(vec![100, 300, 500], fs, 1000)?;
/// assert_eq!(count.extract(&Ecg::new(vec![0.0; 1000], fs)?, &peaks)?.value("Beats"), Some(3.0));
/// // Peaks found on another record are refused before `features` runs.
/// assert!(count.extract(&Ecg::new(vec![0.0; 999], fs)?, &peaks).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FeatureExtractor: Send + Sync {
    /// The columns, known before any data is seen.
    fn schema(&self) -> Arc<Schema>;

    /// The features of a checked input, one per column of [`schema`](FeatureExtractor::schema).
    /// Called through [`Extract`].
    fn features(&self, input: Input<'_>) -> Result<FeatureVector>;
}

/// What an extractor computes from: R-peaks, and the ECG they index when the caller has it.
///
/// Only [`Extract`]'s checks build one, so an implementor of [`FeatureExtractor`] can rely on
/// the peaks indexing the ECG (same rate, same length).
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    peaks: &'a RPeaks,
    ecg: Option<&'a Ecg>,
}

impl<'a> Input<'a> {
    /// The R-peaks.
    pub fn peaks(&self) -> &'a RPeaks {
        self.peaks
    }

    /// The ECG the peaks index; `None` when only peaks were given
    /// ([`Extract::extract_peaks`]).
    pub fn ecg(&self) -> Option<&'a Ecg> {
        self.ecg
    }
}

/// The checked entry points of every [`FeatureExtractor`] (implemented for all of them, and
/// for nothing else, so the checks cannot be skipped or overridden).
///
/// ```
/// use exg_features::{Extract, HrvTime};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// let peaks = RPeaks::new((0..12).map(|k| 50 + 200 * k).collect(), fs, 2500)?;
/// let ecg = Ecg::new(vec![0.0; 2500], fs)?;
/// let v = HrvTime::exgnet17().extract(&ecg, &peaks)?;
/// assert_eq!(v.value("MeanNN"), Some(800.0));
/// assert_eq!(v.value("HR"), Some(75.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Extract: FeatureExtractor {
    /// Features of `ecg` with R-peaks `peaks`.
    ///
    /// # Errors
    /// [`Error::PeaksMismatch`] unless `peaks` were found on a record with `ecg`'s rate and
    /// length; [`Error::SchemaMismatch`] when the extractor returns a vector of another schema;
    /// the extractor's own errors.
    fn extract(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<FeatureVector>;

    /// Features from the peaks alone (features that need the signal are
    /// [`Invalid::NeedsSignal`](crate::Invalid::NeedsSignal)).
    ///
    /// # Errors
    /// As [`extract`](Extract::extract), without the pairing check.
    fn extract_peaks(&self, peaks: &RPeaks) -> Result<FeatureVector>;
}

impl<T: FeatureExtractor + ?Sized> Extract for T {
    fn extract(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<FeatureVector> {
        check_pair(ecg, peaks)?;
        checked_features(
            self,
            Input {
                peaks,
                ecg: Some(ecg),
            },
        )
    }

    fn extract_peaks(&self, peaks: &RPeaks) -> Result<FeatureVector> {
        checked_features(self, Input { peaks, ecg: None })
    }
}

/// `ex.features(input)`, refused unless it has `ex`'s schema.
fn checked_features<T: FeatureExtractor + ?Sized>(
    ex: &T,
    input: Input<'_>,
) -> Result<FeatureVector> {
    let v = ex.features(input)?;
    let schema = ex.schema();
    if **v.schema() != *schema {
        return Err(Error::SchemaMismatch(format!(
            "extractor declared columns {:?} but returned {:?}",
            schema.names().collect::<Vec<_>>(),
            v.schema().names().collect::<Vec<_>>()
        )));
    }
    Ok(v)
}

/// Fails unless `peaks` were found on a record with `ecg`'s rate and length.
fn check_pair(ecg: &Ecg, peaks: &RPeaks) -> Result<()> {
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
}

impl FeatureExtractor for Concat {
    fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    fn features(&self, input: Input<'_>) -> Result<FeatureVector> {
        let features: Vec<Feature> = self
            .parts
            .iter()
            .map(|p| checked_features(p.as_ref(), input))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flat_map(|v| v.features().to_vec())
            .collect();
        FeatureVector::new(self.schema.clone(), features)
    }
}
