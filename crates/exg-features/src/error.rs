//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong in `exg-features`.
///
/// A feature that cannot be computed for a record (too few beats, too short) is **not** an
/// error: it comes back as an invalid [`Feature`](crate::Feature) with its reason. `Err` is
/// reserved for invalid input or misuse (mismatched schemas, unreadable files).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The peaks and the ECG disagree (different rate or length).
    #[error("peaks do not index this ECG: {0}")]
    PeaksMismatch(String),
    /// Two vectors or a vector and a fitted object have different schemas.
    #[error("schema mismatch: {0}")]
    SchemaMismatch(String),
    /// A parameter outside its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API.
        name: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A record key that a provided-feature source does not know.
    #[error("unknown record `{0}`")]
    UnknownRecord(String),
    /// Reading or writing a file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A saved object could not be parsed or serialized.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    /// An error from `exg-signal` (invalid rate, peaks, samples).
    #[error(transparent)]
    Signal(#[from] exg_signal::Error),
}

/// `Result` with this crate's [`Error`](enum@Error).
pub type Result<T> = std::result::Result<T, Error>;
