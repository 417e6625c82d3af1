//! Baseline-wander estimation: the two-stage median filter of de Chazal et al. (2004), and the
//! running median it is built on.

use crate::{Error, Hz, Result};

/// Odd window length (in samples) covering `seconds` at `fs`: `round(seconds * fs)`, plus one
/// when even, so the window is centred on the sample. At least 1.
pub fn odd_window(seconds: f64, fs: Hz) -> usize {
    fs.samples(seconds).max(1) | 1
}

/// Index reflection of `scipy.ndimage` mode `'reflect'` (`d c b a | a b c d | d c b a`),
/// applied repeatedly so any offset maps into `0..n`.
#[inline]
fn reflect(j: isize, n: usize) -> usize {
    let period = 2 * n as isize;
    let m = j.rem_euclid(period);
    if m < n as isize {
        m as usize
    } else {
        (period - 1 - m) as usize
    }
}

/// Running median over an odd window of `k` samples centred on each sample, edges extended by
/// half-sample-symmetric reflection: `scipy.ndimage.median_filter(x, size=k, mode='reflect')`.
///
/// Cost O(n·k) (a sorted window updated by binary search and a memmove), which for ECG windows
/// (k of a few hundred) beats heap-based O(n log k) schemes in practice.
///
/// # Errors
/// [`Error::Empty`] for an empty input; [`Error::InvalidParameter`] when `k` is even or 0;
/// [`Error::NonFinite`] for a NaN or infinite sample (a median over NaN has no order);
/// [`Error::TooShort`] when `k` exceeds the signal length.
///
/// ```
/// use exg_signal::filter::median_filter;
/// let y = median_filter(&[1.0, 9.0, 2.0, 3.0, 4.0], 3)?;
/// assert_eq!(y, vec![1.0, 2.0, 3.0, 3.0, 4.0]);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub fn median_filter(x: &[f64], k: usize) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    if k == 0 || k.is_multiple_of(2) {
        return Err(Error::InvalidParameter {
            name: "k",
            reason: format!("median window must be odd and > 0, got {k}"),
        });
    }
    if let Some(index) = crate::ecg::first_non_finite(x) {
        return Err(Error::NonFinite { index });
    }
    if k > x.len() {
        // SciPy would keep reflecting; a window longer than the signal has no meaning as a
        // baseline estimate (and an absurd k must not allocate without bound).
        return Err(Error::TooShort {
            len: x.len(),
            min: k,
        });
    }
    let n = x.len();
    let half = (k / 2) as isize;
    let at = |j: isize| x[reflect(j, n)];
    let mut window: Vec<f64> = (-half..=half).map(at).collect();
    window.sort_by(f64::total_cmp);
    let mut out = Vec::with_capacity(n);
    out.push(window[k / 2]);
    for i in 1..n as isize {
        let old = at(i - 1 - half);
        let new = at(i + half);
        if old != new {
            // Replace `old` by `new` moving only the elements ranked between them (few, for
            // the smooth output of the first stage), instead of a remove + insert that would
            // move half the window twice.
            let po = window.partition_point(|v| v.total_cmp(&old).is_lt());
            let pn = window.partition_point(|v| v.total_cmp(&new).is_lt());
            if pn > po {
                window.copy_within(po + 1..pn, po);
                window[pn - 1] = new;
            } else {
                window.copy_within(pn..po, pn + 1);
                window[pn] = new;
            }
        }
        out.push(window[k / 2]);
    }
    Ok(out)
}

/// Baseline estimate of de Chazal, O'Dwyer & Reilly (2004): a 200 ms median filter (removes
/// QRS complexes and P waves), then a 600 ms median filter (removes T waves) of its output.
/// Subtract it from the signal to remove baseline wander. Window lengths are
/// [`odd_window`]`(seconds, fs)`; edges reflect as in [`median_filter`].
///
/// # Errors
/// As [`median_filter`]; [`Error::InvalidParameter`] for non-positive window durations.
pub fn median_baseline(x: &[f64], fs: Hz, first_s: f64, second_s: f64) -> Result<Vec<f64>> {
    for (name, s) in [("first_s", first_s), ("second_s", second_s)] {
        if !(s.is_finite() && s > 0.0) {
            return Err(Error::InvalidParameter {
                name,
                reason: format!("window duration must be finite and > 0 s, got {s}"),
            });
        }
    }
    let stage1 = median_filter(x, odd_window(first_s, fs))?;
    median_filter(&stage1, odd_window(second_s, fs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_matches_ndimage() {
        // n = 3: ... c b a | a b c | c b a | a b c ...
        let got: Vec<usize> = (-4..7).map(|j| reflect(j, 3)).collect();
        assert_eq!(got, vec![2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0]);
    }

    #[test]
    fn median_filter_matches_brute_force() {
        let x: Vec<f64> = (0..50).map(|i| ((i * 37) % 11) as f64).collect();
        for k in [1, 3, 7, 49] {
            let got = median_filter(&x, k).unwrap();
            for (i, g) in got.iter().enumerate() {
                let h = (k / 2) as isize;
                let mut w: Vec<f64> = (i as isize - h..=i as isize + h)
                    .map(|j| x[reflect(j, x.len())])
                    .collect();
                w.sort_by(f64::total_cmp);
                assert_eq!(*g, w[k / 2]);
            }
        }
    }
}
