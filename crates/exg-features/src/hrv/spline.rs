//! Quadratic interpolating B-spline, as SciPy's `interp1d(kind="quadratic")` builds it
//! (`make_interp_spline(x, y, k=2)`: knots at the data ends (multiplicity 3) and at the
//! midpoints between data sites, leaving out the first and last midpoints).

/// A degree-2 interpolating spline through `(x, y)`, constant `y[0]` / `y[n-1]` outside.
pub(crate) struct QuadraticSpline {
    knots: Vec<f64>,
    coef: Vec<f64>,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl QuadraticSpline {
    /// `x` strictly increasing, at least 3 points (SciPy refuses fewer).
    pub(crate) fn new(x: &[f64], y: &[f64]) -> Option<Self> {
        let n = x.len();
        if n < 3 || y.len() != n || x.windows(2).any(|w| w[1] <= w[0]) {
            return None;
        }
        let mut knots = vec![x[0]; 3];
        knots.extend((1..n - 2).map(|i| (x[i] + x[i + 1]) / 2.0));
        knots.extend([x[n - 1]; 3]);
        // Collocation matrix: row i has the 3 basis values at x[i] in columns l-2..=l.
        // B-spline collocation matrices are totally positive (de Boor), so banded Gaussian
        // elimination without pivoting is stable.
        const W: usize = 5; // columns i-2..=i+2
        let mut a = vec![[0.0f64; W]; n];
        let mut rhs = y.to_vec();
        for i in 0..n {
            let (l, b) = basis(&knots, n, x[i]);
            for (r, v) in b.iter().enumerate() {
                let col = l - 2 + r;
                let off = col as isize - i as isize + 2;
                if !(0..W as isize).contains(&off) {
                    return None; // sites violate the band assumption (cannot happen for sorted x)
                }
                a[i][off as usize] = *v;
            }
        }
        // Forward elimination within the band.
        for k in 0..n {
            let p = a[k][2];
            if p.abs() < 1e-300 {
                return None;
            }
            for i in k + 1..(k + 3).min(n) {
                let off_ik = k as isize - i as isize + 2;
                if off_ik < 0 {
                    continue;
                }
                let f = a[i][off_ik as usize] / p;
                if f == 0.0 {
                    continue;
                }
                for col in k..(k + 3).min(n) {
                    let oi = col as isize - i as isize + 2;
                    let ok = col as isize - k as isize + 2;
                    if (0..W as isize).contains(&oi) && (0..W as isize).contains(&ok) {
                        a[i][oi as usize] -= f * a[k][ok as usize];
                    }
                }
                rhs[i] -= f * rhs[k];
            }
        }
        let mut coef = vec![0.0; n];
        for k in (0..n).rev() {
            let mut s = rhs[k];
            for col in k + 1..(k + 3).min(n) {
                s -= a[k][col - k + 2] * coef[col];
            }
            coef[k] = s / a[k][2];
        }
        Some(Self {
            knots,
            coef,
            x0: x[0],
            x1: x[n - 1],
            y0: y[0],
            y1: y[n - 1],
        })
    }

    pub(crate) fn eval(&self, x: f64) -> f64 {
        if x < self.x0 {
            return self.y0;
        }
        if x > self.x1 {
            return self.y1;
        }
        let (l, b) = basis(&self.knots, self.coef.len(), x);
        (0..3).map(|r| self.coef[l - 2 + r] * b[r]).sum()
    }
}

/// Knot interval `l` (with `t[l] <= x < t[l+1]`, the last interval closed) and the three
/// non-zero degree-2 B-spline values at `x` (B_{l-2}, B_{l-1}, B_l), Cox–de Boor recursion.
fn basis(t: &[f64], n: usize, x: f64) -> (usize, [f64; 3]) {
    // Valid intervals are l in 2..=n-1 (t has n + 3 knots).
    let mut l = t.partition_point(|&k| k <= x).saturating_sub(1);
    l = l.clamp(2, n - 1);
    let mut left = [0.0; 3];
    let mut right = [0.0; 3];
    let mut nb = [1.0, 0.0, 0.0];
    for j in 1..=2 {
        left[j] = x - t[l + 1 - j];
        right[j] = t[l + j] - x;
        let mut saved = 0.0;
        for r in 0..j {
            let temp = nb[r] / (right[r + 1] + left[j - r]);
            nb[r] = saved + right[r + 1] * temp;
            saved = left[j - r] * temp;
        }
        nb[j] = saved;
    }
    (l, nb)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Oracle: scipy.interpolate.interp1d([0,1,2.5,3,4.2,5], [1,3,2,5,4,4.5], kind="quadratic")
    // evaluated at [0, 0.5, 1.7, 2.9, 4.6, 5.0] (SciPy 1.17).
    #[test]
    fn matches_scipy_interp1d_quadratic() {
        let s = QuadraticSpline::new(
            &[0.0, 1.0, 2.5, 3.0, 4.2, 5.0],
            &[1.0, 3.0, 2.0, 5.0, 4.0, 4.5],
        )
        .unwrap();
        let want = SCIPY;
        for (x, w) in [0.0, 0.5, 1.7, 2.9, 4.6, 5.0].iter().zip(want) {
            assert!(
                (s.eval(*x) - w).abs() < 1e-12,
                "x={x}: {} vs {w}",
                s.eval(*x)
            );
        }
        assert_eq!(s.eval(-1.0), 1.0);
        assert_eq!(s.eval(9.0), 4.5);
    }

    const SCIPY: [f64; 6] = [
        1.0,
        2.5578263802407637,
        1.7447464300539641,
        4.505963366542133,
        3.9329373183893725,
        4.5,
    ];
}
