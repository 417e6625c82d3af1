//! The crate's error type.

/// Errors of exg-xai.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument that cannot be used (shape, length, class index, parameter range).
    #[error("invalid input: {0}")]
    Input(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle::Error),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] exg_model::Error),
    /// Signal processing (R-peak detection, rates) failed.
    #[error(transparent)]
    Signal(#[from] exg_signal::Error),
    /// Drawing a figure failed.
    #[error("figure: {0}")]
    Figure(String),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result alias of exg-xai.
pub type Result<T> = std::result::Result<T, Error>;
