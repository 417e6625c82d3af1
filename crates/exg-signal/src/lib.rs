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
//! ## Filters ([`filter`])
//! * Design: [`filter::butter`]`(order, `[`filter::Band`]`, fs)` (= SciPy `butter(...,
//!   output='sos')`) and [`filter::iirnotch`] return an [`filter::Sos`] cascade.
//! * Run: [`filter::Sos::filter`] (causal, `sosfilt`), [`filter::Sos::filtfilt`] (zero-phase,
//!   `sosfiltfilt`), and the stateful causal [`filter::SosFilter`] (`push` one sample or
//!   `process` a chunk; state carries over) for streaming.
//! * Conditioning: baseline-wander removal, resampling, z-score / robust scaling, and the
//!   [`filter::Preprocess`] trait chaining them on an [`Ecg`].
//!
//! ```
//! use exg_signal::{Ecg, Hz};
//! use exg_signal::filter::{butter, Band, Bandpass, Preprocess, SosFilter, ZScore};
//! let fs = Hz::new(250.0)?;
//! let sos = butter(2, Band::Bandpass(Hz::new(5.0)?, Hz::new(15.0)?), fs)?;
//! let mut stream = SosFilter::new(&sos);
//! let _y0 = stream.push(0.3);
//!
//! let ecg = Ecg::new((0..2500).map(|i| (i as f64 * 0.07).sin()).collect(), fs)?;
//! let clean = Bandpass::new(Hz::new(0.5)?, Hz::new(40.0)?, 4).then(ZScore).apply(&ecg)?;
//! assert_eq!(clean.fs(), fs);
//! # Ok::<(), exg_signal::Error>(())
//! ```
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
