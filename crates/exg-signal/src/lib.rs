//! # exg-signal
//!
//! ECG signal processing for the `exg` workspace: the typed sampling rate [`Hz`], one-lead
//! records [`Ecg`], R-peak lists [`RPeaks`], zero-phase filters, resampling, R-peak detectors
//! (batch and streaming) and detection scoring.
//!
//! ## Conventions
//! * Sample indices are 0-based from the start of the record.
//! * Samples are `f64`; RR intervals are in milliseconds.
//! * The sampling rate travels with the data ([`Ecg::fs`], [`RPeaks::fs`]); no function takes a
//!   default rate.
//!
//! ## Other crates
//! `exg-data` (file formats), `exg-features` (HRV and morphology), `exg-model` (the network),
//! `exg` (facade).

mod ecg;
mod error;
pub mod filter;
mod peaks;
pub mod rpeaks;
pub mod score;
mod units;

pub use ecg::Ecg;
pub use error::{Error, Result};
pub use peaks::RPeaks;
pub use units::Hz;
