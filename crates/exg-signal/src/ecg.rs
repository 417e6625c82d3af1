//! One ECG lead with its sampling rate.

use serde::{Deserialize, Serialize};

use crate::{Error, Hz, Result};

/// One ECG lead: physical samples (usually millivolts) at a known sampling rate.
///
/// Invariants, checked in [`Ecg::new`]: at least one sample, every sample finite. Samples are
/// `f64` so that filters match SciPy to tight tolerances; the model converts to `f32` itself.
///
/// ```
/// use exg_signal::{Ecg, Hz};
/// let ecg = Ecg::new(vec![0.0, 0.1, 1.2, 0.1], Hz::new(500.0)?)?.with_lead("II");
/// assert_eq!(ecg.len(), 4);
/// assert_eq!(ecg.lead(), Some("II"));
/// assert!(Ecg::new(vec![0.0, f64::NAN], Hz::new(500.0)?).is_err());
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ecg {
    samples: Vec<f64>,
    fs: Hz,
    lead: Option<String>,
}

impl Ecg {
    /// Wraps `samples` recorded at `fs`. Fails on an empty signal or a non-finite sample.
    pub fn new(samples: Vec<f64>, fs: Hz) -> Result<Self> {
        check_samples(&samples)?;
        Ok(Self {
            samples,
            fs,
            lead: None,
        })
    }

    /// Names the lead ("II", "MLII", "V5", ...).
    pub fn with_lead(mut self, lead: impl Into<String>) -> Self {
        self.lead = Some(lead.into());
        self
    }

    /// A record with new samples but the same rate and lead (for processing steps).
    pub fn with_samples(&self, samples: Vec<f64>) -> Result<Self> {
        check_samples(&samples)?;
        Ok(Self {
            samples,
            fs: self.fs,
            lead: self.lead.clone(),
        })
    }

    /// A record with new samples at a new rate, same lead (for resamplers).
    pub fn with_samples_at(&self, samples: Vec<f64>, fs: Hz) -> Result<Self> {
        check_samples(&samples)?;
        Ok(Self {
            samples,
            fs,
            lead: self.lead.clone(),
        })
    }

    /// The samples.
    pub fn samples(&self) -> &[f64] {
        &self.samples
    }

    /// Takes the samples out.
    pub fn into_samples(self) -> Vec<f64> {
        self.samples
    }

    /// Sampling rate.
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Lead name, when known.
    pub fn lead(&self) -> Option<&str> {
        self.lead.as_deref()
    }

    /// Number of samples (never 0).
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Always `false`: an `Ecg` holds at least one sample. Present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.fs.seconds(self.samples.len())
    }
}

fn check_samples(samples: &[f64]) -> Result<()> {
    if samples.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(index) = first_non_finite(samples) {
        return Err(Error::NonFinite { index });
    }
    Ok(())
}

/// Index of the first NaN or infinity. Scans blocks of 64 without early exit (the compiler
/// vectorises that) and looks for the exact index only in a failing block: checking a 30-min
/// record costs a few microseconds instead of a serial compare-and-branch per sample.
pub(crate) fn first_non_finite(xs: &[f64]) -> Option<usize> {
    const B: usize = 64;
    xs.chunks(B).enumerate().find_map(|(b, block)| {
        block
            .iter()
            .fold(false, |bad, v| bad | !v.is_finite())
            .then(|| block.iter().position(|v| !v.is_finite()))
            .flatten()
            .map(|i| b * B + i)
    })
}
