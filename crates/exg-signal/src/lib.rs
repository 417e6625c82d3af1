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
//! ## R-peaks ([`rpeaks`]) and scoring ([`score`])
//! * [`rpeaks::RPeakDetector`] (batch) and [`rpeaks::StreamingDetector`] (push chunks into an
//!   [`rpeaks::RPeakStream`], constant delay, same peaks as batch): Pan-Tompkins (default),
//!   Hamilton, a NeuroKit-style gradient detector and their consensus; polarity detected and
//!   reported, peaks refined to the QRS extremum. See `docs/signal-rpeaks.md`.
//! * [`score::match_peaks`] / [`score::Score`]: one-to-one matching within a tolerance, Se, +P,
//!   F1, timing error, per record and gross; [`score::add_noise`] for noise-stress tests.
//!
//! ```
//! use exg_signal::{Ecg, Hz, RPeaks};
//! use exg_signal::rpeaks::{default_detector, RPeakDetector};
//! use exg_signal::score::score_peaks;
//! let fs = Hz::new(250.0)?;
//! let x: Vec<f64> = (0..5000).map(|i| (-((i % 200) as f64 - 100.0).powi(2) / 6.0).exp()).collect();
//! let found = default_detector().detect(&Ecg::new(x, fs)?)?.peaks;
//! let truth = RPeaks::new((0..25).map(|k| 100 + 200 * k).collect(), fs, 5000)?;
//! let s = score_peaks(&truth, &found, 0.150)?;
//! assert!(s.sensitivity().unwrap() > 0.95 && s.ppv() == Some(1.0));
//! # Ok::<(), exg_signal::Error>(())
//! ```
//!
//! ## Synthetic ECG ([`synthetic`]) and random numbers ([`rng`])
//! [`synthetic::generate`] draws a deterministic ECG with known R-peaks (sinus, sinus
//! arrhythmia, AF-like, flutter-like rhythms, PVCs, noise): the ground truth of the detector
//! conformance battery ([`rpeaks::conformance`]) and of many tests. [`rng::SplitMix64`] is the
//! seeded generator behind it.
//!
//! ## Other crates
//! `exg-data` (file formats), `exg-features` (HRV and morphology), `exg-model` (the network),
//! `exg` (facade).

mod ecg;
mod error;
pub mod filter;
mod peaks;
pub mod rng;
pub mod rpeaks;
pub mod score;
pub mod synthetic;
mod units;

pub use ecg::Ecg;
pub use error::{Error, Result};
pub use peaks::RPeaks;
pub use units::Hz;
