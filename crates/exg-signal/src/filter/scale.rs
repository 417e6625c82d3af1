//! Amplitude scaling: z-score and robust (median / IQR or MAD) scaling.

use crate::{Error, Result};

/// Below this ratio of spread to magnitude a signal counts as flat: its spread is rounding
/// noise of the mean, and dividing by it would amplify that noise to unit variance.
const FLAT_RATIO: f64 = 1e-12;

fn check(x: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    Ok(())
}

fn is_flat(spread: f64, x: &[f64]) -> bool {
    let mag = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // Written so that a NaN spread also counts as flat.
    spread.partial_cmp(&(FLAT_RATIO * mag)) != Some(std::cmp::Ordering::Greater) || spread == 0.0
}

/// `(x - mean) / std` with the population standard deviation (`ddof = 0`):
/// `scipy.stats.zscore(x)`.
///
/// # Errors
/// [`Error::Flat`] when the standard deviation is zero or below `1e-12 · max|x|` (SciPy returns
/// NaN there; we refuse); [`Error::Empty`], [`Error::NonFinite`] for bad input.
///
/// ```
/// use exg_signal::filter::zscore;
/// let z = zscore(&[1.0, 2.0, 3.0])?;
/// assert!((z[2] - 1.224744871391589).abs() < 1e-15);
/// assert!(zscore(&[0.1; 100]).is_err()); // flat: typed error, never NaN
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn zscore(x: &[f64]) -> Result<Vec<f64>> {
    check(x)?;
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if is_flat(sd, x) {
        return Err(Error::Flat {
            measure: "standard deviation",
        });
    }
    Ok(x.iter().map(|v| (v - mean) / sd).collect())
}

/// Percentile `q` in `[0, 100]` of already sorted data, with NumPy's default linear
/// interpolation (`np.percentile(x, q)`), including its two-sided lerp.
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// Median as `np.median` (mean of the two middle values for even lengths).
pub(crate) fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if !n.is_multiple_of(2) {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The spread measure of [`robust_scale`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Spread {
    /// Interquartile range `Q3 - Q1` (NumPy linear percentiles), as scikit-learn's
    /// `RobustScaler`.
    #[default]
    Iqr,
    /// Median absolute deviation scaled to the standard deviation of a normal distribution:
    /// `scipy.stats.median_abs_deviation(x, scale='normal')`.
    Mad,
}

/// `(x - median) / spread`, robust to the large R waves and artefacts that inflate a standard
/// deviation.
///
/// # Errors
/// [`Error::Flat`] when the spread is zero (e.g. more than half the samples equal) or below
/// `1e-12 · max|x|`; [`Error::Empty`], [`Error::NonFinite`] for bad input.
///
/// ```
/// use exg_signal::filter::{robust_scale, Spread};
/// let y = robust_scale(&[1.0, 2.0, 3.0, 4.0, 100.0], Spread::Iqr)?;
/// assert_eq!(y[2], 0.0); // the median maps to 0
/// assert_eq!(y[3], 0.5); // IQR = 4 - 2
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn robust_scale(x: &[f64], spread: Spread) -> Result<Vec<f64>> {
    check(x)?;
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let med = median_sorted(&sorted);
    let (s, measure) = match spread {
        Spread::Iqr => (
            percentile_sorted(&sorted, 75.0) - percentile_sorted(&sorted, 25.0),
            "IQR",
        ),
        Spread::Mad => {
            let mut dev: Vec<f64> = x.iter().map(|v| (v - med).abs()).collect();
            dev.sort_by(f64::total_cmp);
            // scale='normal': divide by the 0.75 quantile of the standard normal.
            (median_sorted(&dev) / 0.674_489_750_196_081_7, "MAD")
        }
    };
    if is_flat(s, x) {
        return Err(Error::Flat { measure });
    }
    Ok(x.iter().map(|v| (v - med) / s).collect())
}
