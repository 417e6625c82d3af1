//! # exg-features
//!
//! Quantitative ECG features with an explicit validity flag on every value — never a bare
//! `NaN`. Built for short (10-s) records as well as Holter-length ones.
//!
//! * [`FeatureExtractor`]: a named [`Schema`] (names, units, minimum beats / duration) and
//!   [`features`](FeatureExtractor::features) of a checked [`Input`] → [`FeatureVector`] of
//!   [`Feature`]s, each valid or invalid with an [`Invalid`] reason. Callers use [`Extract`]'s
//!   `extract(ecg, peaks)` / `extract_peaks(peaks)`, which check the input for every extractor.
//!   [`Concat`] joins extractors.
//! * HRV, NeuroKit2-compatible definitions: [`HrvTime`] (EXGnet's 17 via
//!   [`HrvTime::exgnet17`], plus pNN50/pNN20/TINN/SDANN/SDNNI), [`HrvFrequency`] (Welch on
//!   interpolated RR, Lomb–Scargle on raw RR), [`Poincare`] and [`Complexity`] (SampEn, ApEn,
//!   DFA α1).
//! * [`Rhythm`]: RR irregularity for AF/flutter on short records (COSEn, turning points,
//!   normalised RMSSD, ...), and [`AtrialActivity`]: P-wave presence from the signal.
//! * [`Ectopy`]: premature beats, pauses and the RR histogram's entropy (peaks only).
//! * [`Morphology`]: QRS width, QT/QTc, PR, R/S amplitudes from a simple delineator.
//! * [`BeatTemplate`]: beat-to-median-beat correlations, amplitude ratios of the median beat and
//!   the lead's polarity; [`SignalQuality`]: kurtosis, skewness and spectral-band indices
//!   (kSQI, pSQI, basSQI, ...).
//! * [`ProvidedFeatures`]: dataset-provided columns (e.g. Chapman Diagnostics) as a source.
//! * [`full_set`]: every extractor above in one [`Concat`] (what `exg hrv` prints).
//! * [`Standardizer`]: z-scoring fitted on a training fold only, saved as JSON.
//!
//! Every item is exported here, at the crate root (the modules are private).
//!
//! Every feature, its definition, unit, validity rule and source: `docs/features.md`.

mod core;
mod ectopy;
mod error;
mod hrv;
mod morphology;
mod provided;
mod quality;
mod rhythm;
mod sets;
mod spectrum;
mod standardize;
mod stats;
mod template;

pub use core::extractor::{Concat, Extract, FeatureExtractor, Input};
pub use core::feature::{Feature, Invalid, Validity};
pub use core::schema::{FeatureSpec, FeatureVector, Schema};
pub use ectopy::Ectopy;
pub use error::{Error, Result};
pub use hrv::frequency::{BANDS, HrvFrequency, PsdMethod, ULF_MIN_DURATION_S, lomb_scargle};
pub use hrv::nonlinear::{Complexity, Poincare, approximate_entropy, dfa_alpha, sample_entropy};
pub use hrv::time::{HISTOGRAM_BIN_MS, HrvTime, TimeFeature};
pub use morphology::{
    AtrialActivity, Delineation, DelineatorParams, Morphology, delineate, delineate_with,
};
pub use provided::{CHAPMAN_DIAGNOSTICS, ProvidedFeatures, ProvidedRecord};
pub use quality::SignalQuality;
pub use rhythm::{COSEN_R_S, Rhythm};
pub use sets::full_set;
pub use standardize::Standardizer;
pub use template::BeatTemplate;
