//! # exg-features
//!
//! Quantitative ECG features (HRV and morphology) with a validity flag on every value.
