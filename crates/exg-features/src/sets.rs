//! Named feature sets: every extractor of the crate in one [`Concat`].

use crate::core::extractor::{Concat, FeatureExtractor};
use crate::{
    AtrialActivity, BeatTemplate, Complexity, Ectopy, HrvFrequency, HrvTime, Morphology, Poincare,
    Result, Rhythm, SignalQuality,
};

/// Every feature the crate computes from a record and its R-peaks, in a fixed order (the one
/// `exg hrv` prints): HRV time domain, frequency domain (Welch, then Lomb–Scargle), Poincaré,
/// complexity, rhythm, ectopy (peaks only), then P-wave presence, morphology, signal quality
/// and beat template (signal). A fused model's feature classifier
/// (`exg_train::fusion`) is trained and run on this set.
///
/// ```
/// use exg_features::{Extract, full_set};
/// use exg_signal::{Ecg, Hz, RPeaks};
/// let fs = Hz::new(250.0)?;
/// let peaks = RPeaks::new((0..12).map(|k| 50 + 200 * k).collect(), fs, 2500)?;
/// let v = full_set()?.extract_peaks(&peaks)?;
/// assert_eq!(v.value("HR"), Some(75.0));
/// assert!(v.schema().len() > 90);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// None in practice: [`Concat::new`]'s error were two extractors to name a feature alike
/// (a unit test checks they do not).
pub fn full_set() -> Result<Concat> {
    let parts: Vec<Box<dyn FeatureExtractor>> = vec![
        Box::new(HrvTime::all()),
        Box::new(HrvFrequency::welch()),
        Box::new(HrvFrequency::lomb()),
        Box::new(Poincare::default()),
        Box::new(Complexity::default()),
        Box::new(Rhythm::default()),
        Box::new(Ectopy::default()),
        Box::new(AtrialActivity::default()),
        Box::new(Morphology::default()),
        Box::new(SignalQuality::default()),
        Box::new(BeatTemplate::default()),
    ];
    Concat::new(parts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_full_set_builds() {
        assert!(super::full_set().is_ok());
    }
}
