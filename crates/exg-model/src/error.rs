//! The crate's error type.

/// Errors of exg-model.
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
    /// A JSON configuration could not be parsed.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Result alias of exg-model.
pub type Result<T> = std::result::Result<T, Error>;
