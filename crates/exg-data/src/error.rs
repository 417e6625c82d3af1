//! The crate's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while reading ECG files and datasets.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// File involved.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file ends before the header or data says it should.
    #[error("{path}: truncated: {detail}")]
    Truncated {
        /// File involved.
        path: PathBuf,
        /// What was expected.
        detail: String,
    },
    /// The content does not follow the format (bad header line, bad magic, bad number).
    #[error("{path}: malformed {format}: {detail}")]
    Malformed {
        /// File involved.
        path: PathBuf,
        /// Format name ("WFDB header", "MAT v4", ...).
        format: &'static str,
        /// What is wrong, with line numbers where possible.
        detail: String,
    },
    /// A valid file that uses a feature this crate does not read (e.g. a multi-segment record).
    #[error("{path}: unsupported: {detail}")]
    Unsupported {
        /// File involved.
        path: PathBuf,
        /// What is unsupported.
        detail: String,
    },
    /// The format could not be recognised from the path or content.
    #[error("{path}: unknown file format")]
    UnknownFormat {
        /// File involved.
        path: PathBuf,
    },
    /// The file does not store its sampling rate (CSV, a bare MAT v4 file) and none was given.
    #[error("{path}: {format} files do not store a sampling rate; supply one (e.g. `--fs 500`)")]
    MissingSamplingRate {
        /// File involved.
        path: PathBuf,
        /// Format name ("CSV", "MAT v4").
        format: &'static str,
    },
    /// A requested channel/lead does not exist.
    #[error("no channel {0}")]
    NoSuchChannel(String),
    /// A dataset label that is not in the label map.
    #[error("unknown label `{0}`")]
    UnknownLabel(String),
    /// Invalid arguments (e.g. k-fold with k < 2).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A dataset folder that does not exist (or is not a folder).
    #[error("{dataset}: folder {path} not found")]
    DatasetNotFound {
        /// Dataset name (`"cinc2017"`, ...).
        dataset: String,
        /// The folder that was asked for.
        path: PathBuf,
    },
    /// A folder that exists but does not hold the dataset in the layout the loader reads.
    #[error("{dataset}: {path} is not a {dataset} folder: expected {expected}")]
    DatasetLayout {
        /// Dataset name.
        dataset: String,
        /// The folder that was asked for.
        path: PathBuf,
        /// The layout the loader expects, in words.
        expected: String,
    },
    /// A lead name that the dataset's records do not have.
    #[error("{dataset}: unknown lead `{lead}` (leads: {})", known.join(", "))]
    UnknownLead {
        /// Dataset name.
        dataset: String,
        /// The lead that was asked for.
        lead: String,
        /// The dataset's leads.
        known: Vec<String>,
    },
    /// Classes of a labelled set that no record belongs to (training on it would be
    /// meaningless for those classes).
    #[error("{dataset}: no record of class {}", classes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    ClassAbsent {
        /// Dataset name.
        dataset: String,
        /// The absent classes, in class order.
        classes: Vec<String>,
    },
    /// An error from `exg-signal` (e.g. an invalid sampling rate in a header).
    #[error(transparent)]
    Signal(#[from] exg_signal::Error),
}

/// `Result` with this crate's [`Error`](enum@Error).
pub type Result<T> = std::result::Result<T, Error>;
