//! A bounds-checked, safe wrapper over [`gemm::gemm`], the pure-Rust GEMM candle itself uses on CPU.
//!
//! `gemm::gemm` takes raw pointers and strides. This module is the only place in the crate that
//! calls it: every call first checks that the last element each matrix view touches lies inside
//! its slice, so the unsafe call cannot read or write out of bounds. The `&mut`/`&` borrows
//! guarantee that `dst` does not alias `lhs` or `rhs`.
#![allow(unsafe_code)]

use super::Float;

/// A strided, read-only matrix view into a slice (row stride `rs`, column stride `cs`, in elements).
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rs: usize,
    pub cs: usize,
}

/// Checks that a `rows x cols` view with strides `(rs, cs)` fits in `len` elements.
fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    (rows - 1)
        .checked_mul(rs)
        .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)))
        .is_some_and(|last| last < len)
}

/// `dst (m x n) = [dst +] lhs (m x k) * rhs (k x n)`, single-threaded.
///
/// `accumulate = true` adds to the existing contents of `dst`; `false` overwrites them.
///
/// # Panics
/// Panics if a view does not fit in its slice (a bug in the caller, never data-dependent).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    dst_rs: usize,
    dst_cs: usize,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        fits(dst.len(), m, n, dst_rs, dst_cs),
        "gemm: dst view out of bounds"
    );
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    dst[i * dst_rs + j * dst_cs] = T::ZERO;
                }
            }
        }
        return;
    }
    assert!(
        fits(lhs.data.len(), m, k, lhs.rs, lhs.cs),
        "gemm: lhs view out of bounds"
    );
    assert!(
        fits(rhs.data.len(), k, n, rhs.rs, rhs.cs),
        "gemm: rhs view out of bounds"
    );
    // SAFETY: the three views were checked to lie inside their slices just above; strides are
    // non-negative; `dst` is borrowed mutably, so it cannot alias `lhs` or `rhs`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            dst_cs as isize,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: the textbook triple loop.
    #[test]
    fn matches_triple_loop_with_strides() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.11).cos()).collect();
        // lhs row-major (rs=k, cs=1); rhs viewed transposed from an (n x k) buffer (rs=1, cs=k).
        let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        let mut c = vec![1.0; m * n];
        matmul(
            m,
            n,
            k,
            &mut c,
            n,
            1,
            MatRef {
                data: &a,
                rs: k,
                cs: 1,
            },
            MatRef {
                data: &bt,
                rs: 1,
                cs: k,
            },
            true,
        );
        for i in 0..m {
            for j in 0..n {
                let want: f64 = 1.0 + (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum::<f64>();
                assert!((c[i * n + j] - want).abs() < 1e-12);
            }
        }
    }
}
