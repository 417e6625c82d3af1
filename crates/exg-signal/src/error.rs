//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `exg-signal`.
///
/// Variants carry the offending values so a caller can report them without re-deriving them.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A frequency (sampling rate or cut-off) that is not finite and strictly positive.
    #[error("invalid frequency {0} Hz: must be finite and > 0")]
    InvalidFrequency(f64),
    /// A signal with no samples.
    #[error("empty signal")]
    Empty,
    /// A sample that is NaN or infinite.
    #[error("non-finite sample at index {index}")]
    NonFinite {
        /// 0-based index of the first non-finite sample.
        index: usize,
    },
    /// A signal too short for the requested operation.
    #[error("signal too short: {len} samples, need at least {min}")]
    TooShort {
        /// Samples given.
        len: usize,
        /// Samples required.
        min: usize,
    },
    /// R-peak indices that are not strictly increasing or fall outside the signal.
    #[error("invalid peak list: {0}")]
    InvalidPeaks(String),
    /// A parameter outside its valid range (e.g. a cut-off above Nyquist, an odd filter order).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API.
        name: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A filter cut-off (or notch frequency) at or above the Nyquist frequency `fs / 2`.
    #[error("frequency {freq} Hz is at or above Nyquist for fs = {fs} Hz")]
    AboveNyquist {
        /// The offending frequency in Hz.
        freq: f64,
        /// The sampling rate in Hz.
        fs: f64,
    },
    /// A signal with zero spread (constant), which cannot be scaled to unit spread.
    #[error("flat signal: {measure} is zero, cannot scale")]
    Flat {
        /// The spread measure that was zero ("standard deviation", "IQR", "MAD").
        measure: &'static str,
    },
}

/// `Result` with this crate's [`Error`](enum@Error).
pub type Result<T> = std::result::Result<T, Error>;
