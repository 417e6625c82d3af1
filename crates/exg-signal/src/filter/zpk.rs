//! Zeros-poles-gain algebra, ported step by step from SciPy's `scipy.signal._filter_design`
//! (`buttap`, `lp2{lp,hp,bp,bs}_zpk`, `bilinear_zpk`, `_cplxreal`, `zpk2sos` with
//! `pairing='nearest'`).
//!
//! The port follows SciPy's order of operations (including its sorting and pairing rules)
//! so that the second-order sections come out in the same order with the same pairing; the
//! coefficients then agree with SciPy's to a few ulps. Only the pieces the Butterworth design
//! needs are here.

use realfft::num_complex::Complex;

pub(crate) type C64 = Complex<f64>;

/// An analog or digital filter in zeros-poles-gain form.
#[derive(Clone, Debug)]
pub(crate) struct Zpk {
    pub z: Vec<C64>,
    pub p: Vec<C64>,
    pub k: f64,
}

/// `scipy.signal.buttap(n)`: poles of the normalised analog Butterworth low-pass.
pub(crate) fn buttap(n: usize) -> Zpk {
    let nf = n as f64;
    let p = (0..n)
        .map(|i| {
            // m runs over -n+1, -n+3, ..., n-1; the middle value 0 gives an exactly real pole.
            let m = -(nf) + 1.0 + 2.0 * i as f64;
            -C64::new(0.0, std::f64::consts::PI * m / (2.0 * nf)).exp()
        })
        .collect();
    Zpk {
        z: Vec::new(),
        p,
        k: 1.0,
    }
}

/// Principal complex square root with the C99 `csqrt` algorithm (what NumPy calls), which is
/// more accurate than the polar-form root of `num_complex`.
fn csqrt(z: C64) -> C64 {
    if z.re == 0.0 && z.im == 0.0 {
        return C64::new(0.0, z.im);
    }
    let t = ((z.re.abs() + z.re.hypot(z.im)) / 2.0).sqrt();
    if z.re >= 0.0 {
        C64::new(t, z.im / (2.0 * t))
    } else {
        C64::new(z.im.abs() / (2.0 * t), t.copysign(z.im))
    }
}

fn prod(v: impl Iterator<Item = C64>) -> C64 {
    v.fold(C64::new(1.0, 0.0), |acc, x| acc * x)
}

/// `lp2lp_zpk`.
pub(crate) fn lp2lp(f: Zpk, wo: f64) -> Zpk {
    let degree = f.p.len() - f.z.len();
    Zpk {
        z: f.z.iter().map(|z| z * wo).collect(),
        p: f.p.iter().map(|p| p * wo).collect(),
        k: f.k * wo.powi(degree as i32),
    }
}

/// `lp2hp_zpk`.
pub(crate) fn lp2hp(f: Zpk, wo: f64) -> Zpk {
    let degree = f.p.len() - f.z.len();
    let mut z: Vec<C64> = f.z.iter().map(|z| C64::new(wo, 0.0) / z).collect();
    let p = f.p.iter().map(|p| C64::new(wo, 0.0) / p).collect();
    z.extend(std::iter::repeat_n(C64::new(0.0, 0.0), degree));
    let k = f.k * (prod(f.z.iter().map(|z| -z)) / prod(f.p.iter().map(|p| -p))).re;
    Zpk { z, p, k }
}

fn shift_pair(v: &[C64], wo: f64) -> Vec<C64> {
    let plus = v.iter().map(|x| x + csqrt(x * x - wo * wo));
    let minus = v.iter().map(|x| x - csqrt(x * x - wo * wo));
    plus.chain(minus).collect()
}

/// `lp2bp_zpk`.
pub(crate) fn lp2bp(f: Zpk, wo: f64, bw: f64) -> Zpk {
    let degree = f.p.len() - f.z.len();
    let z_lp: Vec<C64> = f.z.iter().map(|z| z * bw / 2.0).collect();
    let p_lp: Vec<C64> = f.p.iter().map(|p| p * bw / 2.0).collect();
    let mut z = shift_pair(&z_lp, wo);
    z.extend(std::iter::repeat_n(C64::new(0.0, 0.0), degree));
    Zpk {
        z,
        p: shift_pair(&p_lp, wo),
        k: f.k * bw.powi(degree as i32),
    }
}

/// `lp2bs_zpk`.
pub(crate) fn lp2bs(f: Zpk, wo: f64, bw: f64) -> Zpk {
    let degree = f.p.len() - f.z.len();
    let half = C64::new(bw / 2.0, 0.0);
    let z_hp: Vec<C64> = f.z.iter().map(|z| half / z).collect();
    let p_hp: Vec<C64> = f.p.iter().map(|p| half / p).collect();
    let mut z = shift_pair(&z_hp, wo);
    z.extend(std::iter::repeat_n(C64::new(0.0, wo), degree));
    z.extend(std::iter::repeat_n(C64::new(0.0, -wo), degree));
    let k = f.k * (prod(f.z.iter().map(|z| -z)) / prod(f.p.iter().map(|p| -p))).re;
    Zpk {
        z,
        p: shift_pair(&p_hp, wo),
        k,
    }
}

/// `bilinear_zpk(z, p, k, fs)`.
pub(crate) fn bilinear(f: Zpk, fs: f64) -> Zpk {
    let degree = f.p.len() - f.z.len();
    let fs2 = C64::new(2.0 * fs, 0.0);
    let mut z: Vec<C64> = f.z.iter().map(|z| (fs2 + z) / (fs2 - z)).collect();
    let p = f.p.iter().map(|p| (fs2 + p) / (fs2 - p)).collect();
    z.extend(std::iter::repeat_n(C64::new(-1.0, 0.0), degree));
    let k = f.k * (prod(f.z.iter().map(|z| fs2 - z)) / prod(f.p.iter().map(|p| fs2 - p))).re;
    Zpk { z, p, k }
}

/// A root after `_cplxreal`: either real, or one member (positive imaginary part) of a
/// conjugate pair.
#[derive(Clone, Copy, Debug)]
struct Root {
    v: C64,
    real: bool,
}

/// `_cplxreal`: sorts, splits reals from conjugate pairs, keeps one member of each pair
/// (averaged with its conjugate), and returns complex ones first, then reals.
fn cplxreal(z: &[C64]) -> Option<Vec<Root>> {
    let tol = 100.0 * f64::EPSILON;
    let mut z = z.to_vec();
    // np.lexsort((abs(imag), real)): primary key real part, secondary |imag|; stable.
    z.sort_by(|a, b| {
        a.re.total_cmp(&b.re)
            .then(a.im.abs().total_cmp(&b.im.abs()))
    });
    let is_real = |x: &C64| x.im.abs() <= tol * x.norm();
    let zr: Vec<f64> = z.iter().filter(|x| is_real(x)).map(|x| x.re).collect();
    let zc: Vec<C64> = z.iter().filter(|x| !is_real(x)).copied().collect();
    let mut zp: Vec<C64> = zc.iter().filter(|x| x.im > 0.0).copied().collect();
    let mut zn: Vec<C64> = zc.iter().filter(|x| x.im < 0.0).copied().collect();
    if zp.len() != zn.len() {
        return None; // a complex root without its conjugate (SciPy raises ValueError)
    }
    // Within runs of (approximately) equal real part, sort by |imag| (SciPy does the same).
    let mut start = 0;
    while start < zp.len() {
        let mut stop = start + 1;
        while stop < zp.len() && zp[stop].re - zp[stop - 1].re <= tol * zp[stop - 1].norm() {
            stop += 1;
        }
        if stop - start > 1 {
            zp[start..stop].sort_by(|a, b| a.im.abs().total_cmp(&b.im.abs()));
            if stop <= zn.len() {
                zn[start..stop].sort_by(|a, b| a.im.abs().total_cmp(&b.im.abs()));
            }
        }
        start = stop;
    }
    let mut out: Vec<Root> = zp
        .iter()
        .zip(&zn)
        .map(|(p, n)| Root {
            v: (p + n.conj()) / 2.0,
            real: false,
        })
        .collect();
    out.extend(zr.into_iter().map(|r| Root {
        v: C64::new(r, 0.0),
        real: true,
    }));
    Some(out)
}

/// Index of the root closest to `to` among those of the requested kind (`None` = any);
/// ties go to the lowest index (a stable sort, where NumPy's `argsort` is unspecified; ties
/// only occur between identical roots, so the choice does not change the result).
fn nearest(from: &[Root], to: C64, real: Option<bool>) -> Option<usize> {
    from.iter()
        .enumerate()
        .filter(|(_, r)| real.is_none_or(|want| r.real == want))
        .min_by(|(_, a), (_, b)| (a.v - to).norm().total_cmp(&(b.v - to).norm()))
        .map(|(i, _)| i)
}

/// Digital "worst" pole: the one closest to the unit circle (first on ties, like `argmin`).
fn idx_worst(p: &[Root]) -> usize {
    p.iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            (1.0 - a.v.norm())
                .abs()
                .total_cmp(&(1.0 - b.v.norm()).abs())
        })
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// Coefficients of the monic polynomial with the given roots, as `np.poly` computes them
/// (real part kept: the roots passed here are real or conjugate pairs).
fn poly(roots: &[C64]) -> Vec<f64> {
    let mut c = vec![C64::new(1.0, 0.0)];
    for r in roots {
        let mut next = vec![C64::new(0.0, 0.0); c.len() + 1];
        for (i, ci) in c.iter().enumerate() {
            next[i] += ci;
            next[i + 1] += ci * -r;
        }
        c = next;
    }
    c.into_iter().map(|x| x.re).collect()
}

/// `_single_zpksos`: right-aligned `b` and `a` of one section.
fn single_section(z: &[C64], p: &[C64]) -> [f64; 6] {
    let b = poly(z);
    let a = poly(p);
    let mut s = [0.0; 6];
    s[3 - b.len()..3].copy_from_slice(&b);
    s[6 - a.len()..6].copy_from_slice(&a);
    s
}

/// `zpk2sos(z, p, k, pairing='nearest')` for a digital filter. `None` when the roots are
/// numerically degenerate (unpaired conjugates), where SciPy raises; a Butterworth design of
/// order <= `MAX_ORDER` never gets there (tested for every order).
pub(crate) fn zpk2sos(f: &Zpk) -> Option<Vec<[f64; 6]>> {
    let zero = C64::new(0.0, 0.0);
    if f.z.is_empty() && f.p.is_empty() {
        return Some(vec![[f.k, 0.0, 0.0, 1.0, 0.0, 0.0]]);
    }
    let mut z = f.z.clone();
    let mut p = f.p.clone();
    let n = z.len().max(p.len());
    z.resize(n, zero);
    p.resize(n, zero);
    let n_sections = n.div_ceil(2);
    if p.len() % 2 == 1 {
        p.push(zero);
        z.push(zero);
    }
    let mut z = cplxreal(&z)?;
    let mut p = cplxreal(&p)?;
    let mut sos = vec![[0.0; 6]; n_sections];
    for si in (0..n_sections).rev() {
        if p.is_empty() {
            return None;
        }
        let p1 = p.remove(idx_worst(&p));
        let n_real_p = p.iter().filter(|r| r.real).count();
        let n_real_z = z.iter().filter(|r| r.real).count();
        if p1.real && n_real_p == 0 {
            // Special case (1): last remaining real pole.
            let z1 = z.remove(nearest(&z, p1.v, Some(true))?);
            sos[si] = single_section(&[z1.v, zero], &[p1.v, zero]);
        } else if p.len() + 1 == z.len() && !p1.real && n_real_p == 1 && n_real_z == 1 {
            // Special case (2): one real pole and one real zero left, so this complex pole
            // must take a complex zero.
            let z1 = z.remove(nearest(&z, p1.v, Some(false))?);
            sos[si] = single_section(&[z1.v, z1.v.conj()], &[p1.v, p1.v.conj()]);
        } else {
            let p2 = if p1.real {
                let reals: Vec<usize> = (0..p.len()).filter(|&i| p[i].real).collect();
                let sub: Vec<Root> = reals.iter().map(|&i| p[i]).collect();
                p.remove(*reals.get(idx_worst(&sub))?).v
            } else {
                p1.v.conj()
            };
            if let Some(i) = nearest(&z, p1.v, None) {
                let z1 = z.remove(i);
                if !z1.real {
                    sos[si] = single_section(&[z1.v, z1.v.conj()], &[p1.v, p2]);
                } else if let Some(j) = nearest(&z, p1.v, Some(true)) {
                    let z2 = z.remove(j);
                    sos[si] = single_section(&[z1.v, z2.v], &[p1.v, p2]);
                } else {
                    sos[si] = single_section(&[z1.v], &[p1.v, p2]);
                }
            } else {
                sos[si] = single_section(&[], &[p1.v, p2]);
            }
        }
    }
    if !(p.is_empty() && z.is_empty()) {
        return None;
    }
    for c in &mut sos[0][..3] {
        *c *= f.k;
    }
    Some(sos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csqrt_matches_principal_root() {
        for &(re, im) in &[
            (4.0, 0.0),
            (-4.0, 0.0),
            (-4.0, -0.0),
            (3.0, 4.0),
            (-3.0, -4.0),
        ] {
            let z = C64::new(re, im);
            let r = csqrt(z);
            assert!((r * r - z).norm() < 1e-14);
            assert!(r.re >= 0.0);
        }
    }

    #[test]
    fn poly_of_conjugates_is_real() {
        let r = C64::new(0.5, 0.5);
        assert_eq!(poly(&[r, r.conj()]), vec![1.0, -1.0, 0.5]);
    }
}
