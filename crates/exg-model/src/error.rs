//! The crate's error type.

/// Errors of exg-model: the one error type of the crate's model-level API (building, loading,
/// saving, validating configurations and input). Tensor errors are wrapped as
/// [`Error::Candle`].
///
/// Tensor-level functions (the [`ops`](crate::ops), layer forwards, the
/// [`Classifier`](crate::Classifier) methods) return [`candle::Result`] instead, as candle-nn's
/// `Module` does, so they compose with candle code; `?` converts their errors into this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration that cannot be built (sizes, lengths).
    #[error("invalid model configuration: {0}")]
    Config(String),
    /// Input of the wrong shape, dtype or length for this model.
    #[error("invalid input: {0}")]
    Input(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle::Error),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result alias of exg-model.
pub type Result<T> = std::result::Result<T, Error>;
