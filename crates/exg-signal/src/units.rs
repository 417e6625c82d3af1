//! Typed frequencies. A sampling rate is never a bare `f64` in this workspace.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A frequency in hertz, finite and strictly positive.
///
/// Used for sampling rates and filter cut-offs alike. There is deliberately no `Default`:
/// a silent default sampling rate is the most common foot-gun of ECG toolkits.
///
/// ```
/// use exg_signal::Hz;
/// let fs = Hz::new(360.0)?;
/// assert_eq!(fs.samples(0.150), 54); // 150 ms at 360 Hz
/// assert_eq!(fs.nyquist().get(), 180.0);
/// assert!(Hz::new(0.0).is_err());
/// # Ok::<(), exg_signal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Hz(f64);

impl Hz {
    /// Checks that `hz` is finite and `> 0`.
    pub fn new(hz: f64) -> Result<Self> {
        if hz.is_finite() && hz > 0.0 {
            Ok(Self(hz))
        } else {
            Err(Error::InvalidFrequency(hz))
        }
    }

    /// The value in hertz.
    pub const fn get(self) -> f64 {
        self.0
    }

    /// Half of this rate.
    pub fn nyquist(self) -> Hz {
        Hz(self.0 / 2.0)
    }

    /// Number of whole samples in `seconds` at this rate (rounded to nearest).
    pub fn samples(self, seconds: f64) -> usize {
        (seconds * self.0).round().max(0.0) as usize
    }

    /// Duration in seconds of `samples` samples at this rate.
    pub fn seconds(self, samples: usize) -> f64 {
        samples as f64 / self.0
    }
}

impl TryFrom<f64> for Hz {
    type Error = Error;
    fn try_from(hz: f64) -> Result<Self> {
        Hz::new(hz)
    }
}

impl From<Hz> for f64 {
    fn from(hz: Hz) -> f64 {
        hz.0
    }
}

impl std::fmt::Display for Hz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Hz", self.0)
    }
}
