//! Small statistics with NumPy's conventions (the parity target is NeuroKit2, built on NumPy).

/// Arithmetic mean (`NaN` for an empty slice).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Standard deviation with `ddof` delta degrees of freedom (`np.std(x, ddof)`); `NaN` when
/// `len <= ddof`.
pub fn std(x: &[f64], ddof: usize) -> f64 {
    if x.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (x.len() - ddof) as f64).sqrt()
}

/// Sorted copy (total order; inputs here are finite).
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// Percentile `q` in [0, 100] of sorted data with NumPy's default `linear` method
/// (Hyndman & Fan type 7), including NumPy's symmetric lerp.
pub fn percentile_sorted(s: &[f64], q: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let h = (s.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    let t = h - lo as f64;
    let (a, b) = (s[lo], s[hi]);
    // numpy._lerp: a + (b-a)t, evaluated from the nearer end for t >= 0.5.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Median (mean of the two middle values for even lengths).
pub fn median(x: &[f64]) -> f64 {
    percentile_sorted(&sorted(x), 50.0)
}

/// Median absolute deviation scaled by 1.4826 (NeuroKit2 `mad`, consistent with the SD of a
/// normal distribution).
pub fn mad(x: &[f64]) -> f64 {
    let m = median(x);
    let dev: Vec<f64> = x.iter().map(|v| (v - m).abs()).collect();
    1.4826 * median(&dev)
}

/// Successive differences.
pub fn diff(x: &[f64]) -> Vec<f64> {
    x.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Least-squares slope of `y` on `x` (what `np.polyfit(x, y, 1)[0]` returns).
pub fn slope(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// Pearson correlation (`NaN` when either side is flat: zero variance).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb) = (std(a, 0), std(b, 0));
    let (ma, mb) = (mean(a), mean(b));
    let cov = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / a.len() as f64;
    cov / (sa * sb)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from NumPy 2.4: np.percentile([1,2,3,4,10], [20, 50, 80]),
    // np.std([1,2,3,4,10], ddof=1), and neurokit2.mad([2, 8, 7, 5, 4, 12, 5, 1]).
    #[test]
    fn numpy_conventions() {
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        let s = sorted(&x);
        assert!((percentile_sorted(&s, 20.0) - 1.8).abs() < 1e-12);
        assert!((percentile_sorted(&s, 50.0) - 3.0).abs() < 1e-12);
        assert!((percentile_sorted(&s, 80.0) - 5.2).abs() < 1e-12);
        assert!((std(&x, 1) - 3.5355339059327378).abs() < 1e-12);
        assert!((mad(&[2.0, 8.0, 7.0, 5.0, 4.0, 12.0, 5.0, 1.0]) - 3.7065).abs() < 1e-12);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < 1e-12);
    }
}
