//! R-peak locations with the rate and length of the record they index.

use serde::{Deserialize, Serialize};

use crate::{Error, Hz, Result};

/// R-peak sample indices into a record of `signal_len` samples at `fs`.
///
/// Invariants, checked in [`RPeaks::new`]: strictly increasing, every index `< signal_len`.
/// Indices are 0-based from the first sample of the record. Carrying `fs` means RR intervals
/// and HRV never need a separate rate argument.
///
/// ```
/// use exg_signal::{Hz, RPeaks};
/// let p = RPeaks::new(vec![100, 460, 820], Hz::new(360.0)?, 1000)?;
/// assert_eq!(p.rr_ms(), vec![1000.0, 1000.0]);
/// assert!(RPeaks::new(vec![5, 5], Hz::new(360.0)?, 10).is_err());
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RPeaks {
    indices: Vec<usize>,
    fs: Hz,
    signal_len: usize,
}

impl RPeaks {
    /// Validates and wraps `indices`.
    pub fn new(indices: Vec<usize>, fs: Hz, signal_len: usize) -> Result<Self> {
        if let Some(w) = indices.windows(2).find(|w| w[1] <= w[0]) {
            return Err(Error::InvalidPeaks(format!(
                "indices must be strictly increasing, found {} then {}",
                w[0], w[1]
            )));
        }
        if let Some(&last) = indices.last()
            && last >= signal_len
        {
            return Err(Error::InvalidPeaks(format!(
                "index {last} is outside a signal of {signal_len} samples"
            )));
        }
        Ok(Self {
            indices,
            fs,
            signal_len,
        })
    }

    /// An empty peak list (the documented "no beats" result).
    pub fn empty(fs: Hz, signal_len: usize) -> Self {
        Self {
            indices: Vec::new(),
            fs,
            signal_len,
        }
    }

    /// The sample indices.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Sampling rate of the indexed record.
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Length in samples of the indexed record.
    pub fn signal_len(&self) -> usize {
        self.signal_len
    }

    /// Number of peaks.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// `true` when no peak was found.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Peak times in seconds from the start of the record.
    pub fn times_s(&self) -> Vec<f64> {
        self.indices.iter().map(|&i| self.fs.seconds(i)).collect()
    }

    /// Successive RR intervals in milliseconds (`len() - 1` values, empty for < 2 peaks).
    pub fn rr_ms(&self) -> Vec<f64> {
        self.indices
            .windows(2)
            .map(|w| 1000.0 * self.fs.seconds(w[1] - w[0]))
            .collect()
    }
}
