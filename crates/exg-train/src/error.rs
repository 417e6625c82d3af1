//! The crate's error type.

/// Errors of exg-train.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument or configuration value that cannot be used.
    #[error("invalid input: {0}")]
    Input(String),
    /// A loss or gradient became NaN or infinite.
    #[error("non-finite value: {0}")]
    NonFinite(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Drawing a figure failed (the plotting backend's message).
    #[error("figure: {0}")]
    Figure(String),
    /// A checkpoint file is truncated, corrupt or not an exg checkpoint.
    #[error("bad checkpoint {0}")]
    Checkpoint(String),
    /// The model failed (configuration, input, file).
    #[error(transparent)]
    Model(#[from] exg_model::Error),
    /// An explanation or the XAI loss failed.
    #[error(transparent)]
    Xai(#[from] exg_xai::Error),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle::Error),
}

/// Result alias of exg-train.
pub type Result<T> = std::result::Result<T, Error>;
