//! # exg-features
//!
//! Quantitative ECG features with an explicit validity flag on every value — never a bare
//! `NaN`. Built for short (10-s) records as well as Holter-length ones.
//!
//! * [`FeatureExtractor`]: a named [`Schema`] (names, units, minimum beats / duration) and
//!   `extract(ecg, peaks)` → [`FeatureVector`] of [`Feature`]s, each valid or invalid with an
//!   [`Invalid`] reason. [`Concat`] joins extractors.
//! * HRV, NeuroKit2-compatible definitions: [`HrvTime`] (EXGnet's 17 via
//!   [`HrvTime::exgnet17`], plus pNN50/pNN20/TINN/SDANN/SDNNI), [`HrvFrequency`] (Welch on
//!   interpolated RR, Lomb–Scargle on raw RR), [`Poincare`] and [`Complexity`] (SampEn, ApEn,
//!   DFA α1).
//! * [`Rhythm`]: RR irregularity for AF/flutter on short records (COSEn, turning points,
//!   normalised RMSSD, ...), and [`AtrialActivity`]: P-wave presence from the signal.
//! * [`Morphology`]: QRS width, QT/QTc, PR, R/S amplitudes from a simple delineator.
//! * [`ProvidedFeatures`]: dataset-provided columns (e.g. Chapman Diagnostics) as a source.
//! * [`Standardizer`]: z-scoring fitted on a training fold only, saved as JSON.
//!
//! Every feature, its definition, unit, validity rule and source: `docs/features.md`.

mod core;
mod error;
pub mod hrv;
pub mod morphology;
pub mod provided;
pub mod rhythm;
mod standardize;
mod stats;

pub use core::extractor::{Concat, FeatureExtractor, check_pair};
pub use core::feature::{Feature, Invalid, Validity};
pub use core::schema::{FeatureSpec, FeatureVector, Schema};
pub use error::{Error, Result};
pub use hrv::frequency::{HrvFrequency, PsdMethod};
pub use hrv::nonlinear::{Complexity, Poincare};
pub use hrv::time::{HrvTime, TimeFeature};
pub use morphology::{
    AtrialActivity, Delineation, DelineatorParams, Morphology, delineate, delineate_with,
};
pub use provided::{CHAPMAN_DIAGNOSTICS, ProvidedFeatures, ProvidedRecord};
pub use rhythm::Rhythm;
pub use standardize::Standardizer;
