//! 1-D convolution (cross-correlation, PyTorch semantics) as a candle `CustomOp2` on `(x, w)`.
//!
//! Layouts: `x (B, C_in, L)`, `w (C_out, C_in, K)`, `y (B, C_out, L_out)`.
//!
//! Design (why, see also `docs/model.md`): the channel counts of EXGnet are small (1 to 32) and
//! the kernels long (16), so a GEMM per kernel tap would have an inner dimension of 1..32 and run
//! far below peak. im2col gives an inner dimension of `C_in * K` (16..512) instead. To keep the
//! im2col matrix in cache it is built for a *tile* of output columns at a time, into a buffer
//! owned by the worker thread, and immediately consumed by one GEMM:
//!
//! * forward: `y_b[:, tile] = W (C_out x C_in K) * col (C_in K x tile)`;
//! * input gradient: `dcol = W^T * dy_b[:, tile]`, scattered back with col2im;
//! * weight gradient: `dW += dy_b[:, tile] * col^T`, accumulated per worker thread, then summed.
//!
//! Work is split over the batch with rayon (so `RAYON_NUM_THREADS` or the surrounding pool decides
//! the thread count); each GEMM is single-threaded.

use candle::backend::BackendStorage;
use candle::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::gemm::{MatRef, matmul};
use super::{Float, cpu_slice, dispatch_float, non_empty, on_cpu, storage, with_slice};

/// Stride, dilation and (possibly asymmetric) zero padding of a 1-D convolution.
///
/// # Examples
/// ```
/// use exg_model::ops::Conv1dGeometry;
/// // PyTorch's padding="same" for an even kernel puts the extra zero on the right.
/// let g = Conv1dGeometry::same(16, 1);
/// assert_eq!((g.pad_left, g.pad_right), (7, 8));
/// assert_eq!(g.out_len(5000, 16), Some(5000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conv1dGeometry {
    /// Step between output samples (>= 1).
    pub stride: usize,
    /// Spacing between kernel taps (>= 1).
    pub dilation: usize,
    /// Zeros added before the first sample.
    pub pad_left: usize,
    /// Zeros added after the last sample.
    pub pad_right: usize,
}

impl Default for Conv1dGeometry {
    fn default() -> Self {
        Self::valid(1, 1)
    }
}

impl Conv1dGeometry {
    /// No padding ("valid").
    pub fn valid(stride: usize, dilation: usize) -> Self {
        Self {
            stride,
            dilation,
            pad_left: 0,
            pad_right: 0,
        }
    }

    /// PyTorch's `padding="same"` at stride 1: total padding `dilation * (kernel - 1)`, the odd
    /// extra zero on the right.
    pub fn same(kernel: usize, dilation: usize) -> Self {
        let total = dilation * kernel.saturating_sub(1);
        Self {
            stride: 1,
            dilation,
            pad_left: total / 2,
            pad_right: total - total / 2,
        }
    }

    /// Output length for an input of `len` samples, or `None` when the (padded) input is shorter
    /// than the dilated kernel, stride/dilation/kernel is 0, or the sizes overflow `usize`.
    pub fn out_len(&self, len: usize, kernel: usize) -> Option<usize> {
        if self.stride == 0 || self.dilation == 0 || kernel == 0 {
            return None;
        }
        let span = self.dilation.checked_mul(kernel - 1)?.checked_add(1)?;
        let padded = len
            .checked_add(self.pad_left)?
            .checked_add(self.pad_right)?;
        (padded >= span).then(|| (padded - span) / self.stride + 1)
    }
}

/// Sizes of one convolution.
#[derive(Clone, Copy, Debug)]
struct Dims {
    b: usize,
    cin: usize,
    l: usize,
    cout: usize,
    k: usize,
    lout: usize,
}

impl Dims {
    fn cink(&self) -> usize {
        self.cin * self.k
    }
    /// Output columns per im2col tile: about 64k elements (256 KB in f32) of col buffer, so the
    /// tile stays in L2 between im2col and the GEMM.
    fn tile(&self) -> usize {
        (65_536 / self.cink().max(1))
            .clamp(64, 4096)
            .min(self.lout.max(1))
    }
}

/// 1-D convolution `y = conv1d(x, w)` with autograd (no bias: every conv in EXGnet is followed by
/// batch norm, whose shift makes a bias redundant).
///
/// # Shapes
/// `x (B, C_in, L)`, `w (C_out, C_in, K)` → `(B, C_out, L_out)` with
/// `L_out = (L + pad_left + pad_right - dilation (K - 1) - 1) / stride + 1`.
///
/// # Errors
/// [`candle::Error::EmptyTensor`] when `B`, `C_in`, `L`, `C_out` or `K` is 0; rank or channel
/// mismatch, an input shorter than the dilated kernel, a stride or dilation of 0, a dtype other
/// than f32/f64, or mixed devices.
///
/// # Examples
/// ```
/// # fn main() -> candle::Result<()> {
/// use candle::{Device, Tensor};
/// use exg_model::ops::{conv1d, Conv1dGeometry};
/// let x = Tensor::new(&[[[1f32, 2., 3., 4.]]], &Device::Cpu)?; // (1, 1, 4)
/// let w = Tensor::new(&[[[1f32, -1.]]], &Device::Cpu)?;        // (1, 1, 2): a difference
/// let y = conv1d(&x, &w, Conv1dGeometry::valid(1, 1))?;
/// assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, vec![-1., -1., -1.]);
/// # Ok(()) }
/// ```
pub fn conv1d(x: &Tensor, w: &Tensor, g: Conv1dGeometry) -> candle::Result<Tensor> {
    let d = dims(x.shape(), w.shape(), g)?;
    if x.dtype() != w.dtype() {
        candle::bail!("conv1d: dtype mismatch {:?} vs {:?}", x.dtype(), w.dtype());
    }
    if on_cpu(x) && on_cpu(w) {
        x.apply_op2(w, Conv1dOp { g, l: d.l })
    } else {
        conv1d_candle(x, w, g, d)
    }
}

/// Accelerator path: candle's conv2d with H = 1, which (unlike its conv1d) has correct gradients
/// in candle 0.11.1. Padding is explicit and the input narrowed to the used span, as Conv2D's
/// backward derives output padding from the H dimension only.
fn conv1d_candle(x: &Tensor, w: &Tensor, g: Conv1dGeometry, d: Dims) -> candle::Result<Tensor> {
    let xp = x.pad_with_zeros(2, g.pad_left, g.pad_right)?;
    let span = g.dilation * (d.k - 1) + 1;
    let xp = xp.narrow(2, 0, (d.lout - 1) * g.stride + span)?;
    xp.unsqueeze(2)?
        .conv2d(&w.unsqueeze(2)?, 0, g.stride, g.dilation, 1)?
        .squeeze(2)
}

fn dims(xs: &Shape, ws: &Shape, g: Conv1dGeometry) -> candle::Result<Dims> {
    let (b, cin, l) = xs.dims3()?;
    let (cout, cin_w, k) = ws.dims3()?;
    non_empty("conv1d", &[b, cin, l, cout, cin_w, k])?;
    if cin != cin_w {
        candle::bail!("conv1d: input has {cin} channels, kernel expects {cin_w}");
    }
    let Some(lout) = g.out_len(l, k) else {
        candle::bail!("conv1d: input length {l} too short for kernel {k} with {g:?}")
    };
    if [b, cout, lout]
        .iter()
        .chain(&[cin, k])
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .is_none()
    {
        candle::bail!("conv1d: sizes ({b}, {cin}, {l}) x ({cout}, {cin}, {k}) overflow");
    }
    Ok(Dims {
        b,
        cin,
        l,
        cout,
        k,
        lout,
    })
}

/// Valid output columns `[lo, hi)` of a tile for tap offset `off`: those whose input index
/// `(t0 + j) * s + off` falls in `[0, l)`.
fn valid_cols(t0: usize, n: usize, s: usize, off: isize, l: usize) -> (usize, usize) {
    let (t0, n, s, l) = (t0 as isize, n as isize, s as isize, l as isize);
    // smallest t with t*s + off >= 0, and smallest t with t*s + off >= l
    let first = if off >= 0 { 0 } else { (-off + s - 1) / s };
    let end = if l - off <= 0 {
        0
    } else {
        (l - off + s - 1) / s
    };
    let lo = (first - t0).clamp(0, n);
    let hi = (end - t0).clamp(lo, n);
    (lo as usize, hi as usize)
}

/// Fills `col (C_in K x n)` for output columns `t0 .. t0 + n` of one batch item.
fn im2col<T: Float>(xb: &[T], d: &Dims, g: &Conv1dGeometry, t0: usize, n: usize, col: &mut [T]) {
    let s = g.stride;
    for ci in 0..d.cin {
        let xr = &xb[ci * d.l..(ci + 1) * d.l];
        for kk in 0..d.k {
            let row = &mut col[(ci * d.k + kk) * n..(ci * d.k + kk + 1) * n];
            let off = (kk * g.dilation) as isize - g.pad_left as isize;
            let (lo, hi) = valid_cols(t0, n, s, off, d.l);
            row[..lo].fill(T::ZERO);
            row[hi..].fill(T::ZERO);
            if hi > lo {
                let start = ((t0 + lo) * s) as isize + off;
                let start = start as usize;
                if s == 1 {
                    row[lo..hi].copy_from_slice(&xr[start..start + (hi - lo)]);
                } else {
                    for (j, v) in row[lo..hi].iter_mut().enumerate() {
                        *v = xr[start + j * s];
                    }
                }
            }
        }
    }
}

/// Adds `col (C_in K x n)` back into `dxb (C_in x L)`: the adjoint of [`im2col`].
fn col2im<T: Float>(col: &[T], d: &Dims, g: &Conv1dGeometry, t0: usize, n: usize, dxb: &mut [T]) {
    let s = g.stride;
    for ci in 0..d.cin {
        let xr = &mut dxb[ci * d.l..(ci + 1) * d.l];
        for kk in 0..d.k {
            let row = &col[(ci * d.k + kk) * n..(ci * d.k + kk + 1) * n];
            let off = (kk * g.dilation) as isize - g.pad_left as isize;
            let (lo, hi) = valid_cols(t0, n, s, off, d.l);
            if hi > lo {
                let start = (((t0 + lo) * s) as isize + off) as usize;
                if s == 1 {
                    for (o, v) in xr[start..start + (hi - lo)].iter_mut().zip(&row[lo..hi]) {
                        *o += *v;
                    }
                } else {
                    for (j, v) in row[lo..hi].iter().enumerate() {
                        xr[start + j * s] += *v;
                    }
                }
            }
        }
    }
}

fn tiles(lout: usize, tile: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..lout)
        .step_by(tile.max(1))
        .map(move |t0| (t0, tile.min(lout - t0)))
}

fn forward<T: Float>(x: &[T], w: &[T], d: Dims, g: Conv1dGeometry) -> Vec<T> {
    let cink = d.cink();
    let nt = d.tile();
    let mut y = vec![T::ZERO; d.b * d.cout * d.lout];
    if y.is_empty() {
        return y;
    }
    y.par_chunks_mut(d.cout * d.lout).enumerate().for_each_init(
        || vec![T::ZERO; cink * nt],
        |col, (b, yb)| {
            let xb = &x[b * d.cin * d.l..(b + 1) * d.cin * d.l];
            for (t0, n) in tiles(d.lout, nt) {
                let col = &mut col[..cink * n];
                im2col(xb, &d, &g, t0, n, col);
                matmul(
                    d.cout,
                    n,
                    cink,
                    &mut yb[t0..],
                    d.lout,
                    1,
                    MatRef {
                        data: w,
                        rs: cink,
                        cs: 1,
                    },
                    MatRef {
                        data: col,
                        rs: n,
                        cs: 1,
                    },
                    false,
                );
            }
        },
    );
    y
}

fn backward_input<T: Float>(dy: &[T], w: &[T], d: Dims, g: Conv1dGeometry) -> Vec<T> {
    let cink = d.cink();
    let nt = d.tile();
    let mut dx = vec![T::ZERO; d.b * d.cin * d.l];
    if dx.is_empty() || d.lout == 0 {
        return dx;
    }
    dx.par_chunks_mut(d.cin * d.l).enumerate().for_each_init(
        || vec![T::ZERO; cink * nt],
        |col, (b, dxb)| {
            let dyb = &dy[b * d.cout * d.lout..(b + 1) * d.cout * d.lout];
            for (t0, n) in tiles(d.lout, nt) {
                let col = &mut col[..cink * n];
                matmul(
                    cink,
                    n,
                    d.cout,
                    col,
                    n,
                    1,
                    MatRef {
                        data: w,
                        rs: 1,
                        cs: cink,
                    },
                    MatRef {
                        data: &dyb[t0..],
                        rs: d.lout,
                        cs: 1,
                    },
                    false,
                );
                col2im(col, &d, &g, t0, n, dxb);
            }
        },
    );
    dx
}

fn backward_weight<T: Float>(x: &[T], dy: &[T], d: Dims, g: Conv1dGeometry) -> Vec<T> {
    let cink = d.cink();
    let nt = d.tile();
    let nw = d.cout * cink;
    (0..d.b)
        .into_par_iter()
        .fold(
            || (vec![T::ZERO; nw], vec![T::ZERO; cink * nt]),
            |(mut acc, mut col), b| {
                let xb = &x[b * d.cin * d.l..(b + 1) * d.cin * d.l];
                let dyb = &dy[b * d.cout * d.lout..(b + 1) * d.cout * d.lout];
                for (t0, n) in tiles(d.lout, nt) {
                    let c = &mut col[..cink * n];
                    im2col(xb, &d, &g, t0, n, c);
                    matmul(
                        d.cout,
                        cink,
                        n,
                        &mut acc,
                        cink,
                        1,
                        MatRef {
                            data: &dyb[t0..],
                            rs: d.lout,
                            cs: 1,
                        },
                        MatRef {
                            data: c,
                            rs: 1,
                            cs: n,
                        },
                        true,
                    );
                }
                (acc, col)
            },
        )
        .map(|(acc, _)| acc)
        .reduce(
            || vec![T::ZERO; nw],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += *y;
                }
                a
            },
        )
}

/// Forward op on `(x, w)`.
struct Conv1dOp {
    g: Conv1dGeometry,
    l: usize,
}

impl CustomOp2 for Conv1dOp {
    fn name(&self) -> &'static str {
        "exg-conv1d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle::Result<(CpuStorage, Shape)> {
        let d = dims(l1.shape(), l2.shape(), self.g)?;
        fn run<T: Float>(
            s1: &CpuStorage,
            l1: &Layout,
            s2: &CpuStorage,
            l2: &Layout,
            d: Dims,
            g: Conv1dGeometry,
        ) -> candle::Result<CpuStorage> {
            let x = cpu_slice::<T>(s1, l1)?;
            let w = cpu_slice::<T>(s2, l2)?;
            Ok(storage(forward(&x, &w, d, g)))
        }
        let out = dispatch_float!(s1.dtype(), run::<T>(s1, l1, s2, l2, d, self.g))?;
        Ok((out, Shape::from((d.b, d.cout, d.lout))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> candle::Result<(Option<Tensor>, Option<Tensor>)> {
        let d = dims(x.shape(), w.shape(), self.g)?;
        let g = self.g;
        // A gradient only for an argument the graph tracks (a variable or a function of one):
        // the network's input batch needs none, and candle would zero-fill and accumulate it.
        let need = (x.track_op(), w.track_op());
        fn grads<T: Float>(
            x: &Tensor,
            w: &Tensor,
            dy: &Tensor,
            d: Dims,
            g: Conv1dGeometry,
            (need_dx, need_dw): (bool, bool),
        ) -> candle::Result<(Option<Tensor>, Option<Tensor>)> {
            let dev = x.device();
            let (dx, dw) = with_slice::<T, _>(dy, |dy| {
                let dx = need_dx
                    .then(|| with_slice::<T, _>(w, |w| Ok(backward_input(dy, w, d, g))))
                    .transpose()?;
                let dw = need_dw
                    .then(|| with_slice::<T, _>(x, |x| Ok(backward_weight(x, dy, d, g))))
                    .transpose()?;
                Ok((dx, dw))
            })?;
            Ok((
                dx.map(|v| Tensor::from_vec(v, (d.b, d.cin, d.l), dev))
                    .transpose()?,
                dw.map(|v| Tensor::from_vec(v, (d.cout, d.cin, d.k), dev))
                    .transpose()?,
            ))
        }
        debug_assert_eq!(d.l, self.l);
        dispatch_float!(x.dtype(), grads::<T>(x, w, dy, d, g, need))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_cols_agrees_with_brute_force() {
        for s in 1..4 {
            for off in -9..9 {
                for t0 in 0..6 {
                    for l in 1..12 {
                        let n = 7;
                        let (lo, hi) = valid_cols(t0, n, s, off, l);
                        for j in 0..n {
                            let idx = ((t0 + j) * s) as isize + off;
                            let ok = idx >= 0 && idx < l as isize;
                            assert_eq!(ok, j >= lo && j < hi, "s{s} off{off} t0{t0} l{l} j{j}");
                        }
                    }
                }
            }
        }
    }
}
