//! Batch normalisation over `(batch, time)` per channel, fused with an optional residual add and
//! an optional ReLU: `y = act(gamma * (x - mean) / sqrt(var + eps) + beta [+ r])`.
//!
//! Why fused: composed from candle ops, a training-mode batch norm is about ten passes over the
//! activation forward and twenty backward, each single-threaded. Here it is two passes forward
//! (statistics, output) and two backward (reductions, input gradient), parallel over channels /
//! rows. The ReLU mask is read back from the output, so nothing extra is stored.

use std::sync::{Arc, OnceLock};

use candle::backend::BackendStorage;
use candle::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::{Float, cpu_slice, dispatch_float, non_empty, on_cpu, storage, with_slice};

/// Per-channel statistics of one training-mode batch, for updating running estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormStats {
    /// Mean over batch and time, per channel.
    pub mean: Vec<f64>,
    /// Biased variance (divided by `count`), per channel.
    pub var: Vec<f64>,
    /// Number of values per channel (`B * L`).
    pub count: usize,
}

/// Where the normalising statistics come from.
#[derive(Clone, Copy, Debug)]
pub enum Normalize<'a> {
    /// Training: statistics of the current batch (their gradient is propagated).
    Batch,
    /// Inference: fixed running estimates (constants for autograd).
    Running {
        /// Running mean per channel.
        mean: &'a [f64],
        /// Running (unbiased) variance per channel.
        var: &'a [f64],
    },
}

/// Fused batch norm (+ residual) (+ ReLU) with autograd.
///
/// Returns the output and, in [`Normalize::Batch`] mode, the batch statistics.
///
/// # Shapes
/// `x (B, C, L)`, `gamma (C)`, `beta (C)`, `residual (B, C, L)` → `(B, C, L)`.
///
/// # Errors
/// [`candle::Error::EmptyTensor`] when `B`, `C` or `L` is 0; shape mismatches, fewer than two
/// values per channel in batch mode, unsupported dtype.
///
/// # Examples
/// ```
/// # fn main() -> candle::Result<()> {
/// use candle::{Device, Tensor};
/// use exg_model::ops::{batch_norm, Normalize};
/// let dev = Device::Cpu;
/// let x = Tensor::new(&[[[1f32, 3.]], [[5., 7.]]], &dev)?; // (2, 1, 2): mean 4, var 5
/// let (y, stats) = batch_norm(&x, &Tensor::ones(1, candle::DType::F32, &dev)?,
///     &Tensor::zeros(1, candle::DType::F32, &dev)?, None, false, 0.0, Normalize::Batch)?;
/// assert_eq!(stats.unwrap().mean, vec![4.0]);
/// let y = y.flatten_all()?.to_vec1::<f32>()?;
/// assert!((y[0] + 3.0 / 5f32.sqrt()).abs() < 1e-6);
/// # Ok(()) }
/// ```
pub fn batch_norm(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    residual: Option<&Tensor>,
    relu: bool,
    eps: f64,
    norm: Normalize<'_>,
) -> candle::Result<(Tensor, Option<BatchNormStats>)> {
    let (b, c, l) = x.dims3()?;
    non_empty("batch_norm", &[b, c, l])?;
    if gamma.dims1()? != c || beta.dims1()? != c {
        candle::bail!("batch_norm: gamma/beta must have {c} elements");
    }
    if let Some(r) = residual
        && r.dims() != x.dims()
    {
        candle::bail!(
            "batch_norm: residual shape {:?} != input {:?}",
            r.dims(),
            x.dims()
        );
    }
    let given = match norm {
        Normalize::Batch => {
            if b * l < 2 {
                candle::bail!(
                    "batch_norm: need at least 2 values per channel, got {}",
                    b * l
                );
            }
            None
        }
        Normalize::Running { mean, var } => {
            if mean.len() != c || var.len() != c {
                candle::bail!("batch_norm: running stats must have {c} elements");
            }
            let invstd = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
            Some(Moments {
                mean: mean.to_vec(),
                var: var.to_vec(),
                invstd,
            })
        }
    };
    if !(on_cpu(x) && residual.is_none_or(on_cpu)) {
        return batch_norm_candle(x, gamma, beta, residual, relu, eps, norm);
    }
    let gb = Tensor::stack(&[gamma, beta], 0)?;
    let train = given.is_none();
    let cell = Arc::new(OnceLock::new());
    if let Some(m) = given {
        let _ = cell.set(m);
    }
    let op = BnOp {
        relu,
        eps,
        train,
        moments: cell.clone(),
    };
    let y = match residual {
        None => x.apply_op2(&gb, op)?,
        Some(r) => x.apply_op3(&gb, r, op)?,
    };
    let stats = if train {
        let m = cell
            .get()
            .ok_or_else(|| candle::Error::Msg("batch_norm: stats missing".into()))?;
        Some(BatchNormStats {
            mean: m.mean.clone(),
            var: m.var.clone(),
            count: b * l,
        })
    } else {
        None
    };
    Ok((y, stats))
}

/// Accelerator path, composed of candle ops (also the CPU cross-check in the tests).
fn batch_norm_candle(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    residual: Option<&Tensor>,
    relu: bool,
    eps: f64,
    norm: Normalize<'_>,
) -> candle::Result<(Tensor, Option<BatchNormStats>)> {
    let (b, c, l) = x.dims3()?;
    let (mean, var, stats) = match norm {
        Normalize::Batch => {
            let mean = x.mean_keepdim(2)?.mean_keepdim(0)?; // (1, C, 1)
            let xc = x.broadcast_sub(&mean)?;
            let var = xc.sqr()?.mean_keepdim(2)?.mean_keepdim(0)?;
            let stats = BatchNormStats {
                mean: mean
                    .flatten_all()?
                    .to_dtype(candle::DType::F64)?
                    .to_vec1()?,
                var: var.flatten_all()?.to_dtype(candle::DType::F64)?.to_vec1()?,
                count: b * l,
            };
            (mean, var, Some(stats))
        }
        Normalize::Running { mean, var } => {
            let m = Tensor::from_slice(mean, (1, c, 1), x.device())?.to_dtype(x.dtype())?;
            let v = Tensor::from_slice(var, (1, c, 1), x.device())?.to_dtype(x.dtype())?;
            (m, v, None)
        }
    };
    let xhat = x
        .broadcast_sub(&mean)?
        .broadcast_div(&(var + eps)?.sqrt()?)?;
    let mut y = xhat
        .broadcast_mul(&gamma.reshape((1, c, 1))?)?
        .broadcast_add(&beta.reshape((1, c, 1))?)?;
    if let Some(r) = residual {
        y = (y + r)?;
    }
    if relu {
        y = y.relu()?;
    }
    Ok((y, stats))
}

/// Mean and inverse standard deviation per channel.
#[derive(Debug)]
struct Moments {
    mean: Vec<f64>,
    var: Vec<f64>,
    invstd: Vec<f64>,
}

struct BnOp {
    relu: bool,
    eps: f64,
    train: bool,
    /// Batch moments (set by the forward in training mode) or the running ones (eval).
    moments: Arc<OnceLock<Moments>>,
}

fn moments<T: Float>(x: &[T], (b, c, l): (usize, usize, usize), eps: f64) -> Moments {
    let n = (b * l) as f64;
    let (mean, var): (Vec<f64>, Vec<f64>) = (0..c)
        .into_par_iter()
        .map(|ci| {
            // Shifted sums (by the channel's first value) keep the one-pass variance accurate;
            // each row is summed in 8 lanes of T (vectorised), rows are combined in f64.
            let shift = x[ci * l];
            let (mut s, mut ss) = (0.0f64, 0.0f64);
            for bi in 0..b {
                let (rs, rss) = row_sums(&x[(bi * c + ci) * l..(bi * c + ci + 1) * l], shift);
                s += rs;
                ss += rss;
            }
            let var = ((ss - s * s / n) / n).max(0.0);
            (shift.to_f64() + s / n, var)
        })
        .unzip();
    let invstd = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    Moments { mean, var, invstd }
}

/// `(sum(x - shift), sum((x - shift)^2))` of one row, in 8 independent lanes.
fn row_sums<T: Float>(x: &[T], shift: T) -> (f64, f64) {
    let mut s = [T::ZERO; 8];
    let mut ss = [T::ZERO; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for ch in chunks {
        for j in 0..8 {
            let d = ch[j] - shift;
            s[j] += d;
            ss[j] += d * d;
        }
    }
    let (mut a, mut q) = (0.0f64, 0.0f64);
    for j in 0..8 {
        a += s[j].to_f64();
        q += ss[j].to_f64();
    }
    for v in rest {
        let d = (*v - shift).to_f64();
        a += d;
        q += d * d;
    }
    (a, q)
}

/// `(sum(g), sum(g * (x - mu)))` of one row with `g = dy` masked by `y > 0` when `relu`.
///
/// The masked `g` of a block of [`GRAD_BLOCK`] samples is written to a stack buffer first, in
/// its own loop, and the sums are taken over that buffer: fused into the summing loop, the
/// mask compiled to one unpredictable branch per sample (the compiler turns the select of a
/// loaded `dy` into a conditional load), about 10x slower on ReLU masks. The sums run over the
/// same 8 lanes in the same order as before, so the result is bit-identical.
fn grad_sums<T: Float>(x: &[T], y: &[T], dy: &[T], mu: T, relu: bool) -> (f64, f64) {
    let mut s = [T::ZERO; 8];
    let mut sx = [T::ZERO; 8];
    let n8 = x.len() / 8 * 8;
    let mut buf = [T::ZERO; GRAD_BLOCK];
    let blocks = x[..n8]
        .chunks(GRAD_BLOCK)
        .zip(y[..n8].chunks(GRAD_BLOCK))
        .zip(dy[..n8].chunks(GRAD_BLOCK));
    for ((xb, yb), db) in blocks {
        let g = &mut buf[..xb.len()];
        if relu {
            for ((o, &yv), &d) in g.iter_mut().zip(yb).zip(db) {
                *o = if yv > T::ZERO { d } else { T::ZERO };
            }
        } else {
            g.copy_from_slice(db);
        }
        for (xc, gc) in xb.chunks_exact(8).zip(g.chunks_exact(8)) {
            for j in 0..8 {
                s[j] += gc[j];
                sx[j] += gc[j] * (xc[j] - mu);
            }
        }
    }
    let (mut a, mut q) = (0.0f64, 0.0f64);
    for j in 0..8 {
        a += s[j].to_f64();
        q += sx[j].to_f64();
    }
    for i in n8..x.len() {
        let g = if !relu || y[i] > T::ZERO {
            dy[i]
        } else {
            T::ZERO
        };
        a += g.to_f64();
        q += (g * (x[i] - mu)).to_f64();
    }
    (a, q)
}

/// Samples per block of [`grad_sums`] (a multiple of 8; 256 bytes of f32 on the stack).
const GRAD_BLOCK: usize = 64;

fn bn_forward<T: Float>(
    x: &[T],
    gb: &[T],
    r: Option<&[T]>,
    dims: (usize, usize, usize),
    relu: bool,
    m: &Moments,
) -> Vec<T> {
    let (_, c, l) = dims;
    let mut y = vec![T::ZERO; x.len()];
    y.par_chunks_mut(l).enumerate().for_each(|(row, yr)| {
        let ci = row % c;
        let scale = gb[ci].to_f64() * m.invstd[ci];
        let shift = T::from_f64(gb[c + ci].to_f64() - m.mean[ci] * scale);
        let scale = T::from_f64(scale);
        let xr = &x[row * l..(row + 1) * l];
        match r {
            Some(r) => {
                let rr = &r[row * l..(row + 1) * l];
                for ((o, &v), &q) in yr.iter_mut().zip(xr).zip(rr) {
                    let t = v * scale + shift + q;
                    *o = if relu && t < T::ZERO { T::ZERO } else { t };
                }
            }
            None => {
                for (o, &v) in yr.iter_mut().zip(xr) {
                    let t = v * scale + shift;
                    *o = if relu && t < T::ZERO { T::ZERO } else { t };
                }
            }
        }
    });
    y
}

/// Gradients `(dx, d[gamma; beta], dr)`.
#[allow(clippy::too_many_arguments)]
fn bn_backward<T: Float>(
    x: &[T],
    gb: &[T],
    y: &[T],
    dy: &[T],
    (b, c, l): (usize, usize, usize),
    relu: bool,
    train: bool,
    with_residual: bool,
    m: &Moments,
) -> (Vec<T>, Vec<T>, Option<Vec<T>>) {
    // Pass 1: per-channel sums of g and g * (x - mean).
    let (sg, sgx): (Vec<f64>, Vec<f64>) = (0..c)
        .into_par_iter()
        .map(|ci| {
            let mu = T::from_f64(m.mean[ci]);
            let mut acc = (0.0f64, 0.0f64);
            for bi in 0..b {
                let r = (bi * c + ci) * l..(bi * c + ci + 1) * l;
                let (s, sx) = grad_sums(&x[r.clone()], &y[r.clone()], &dy[r], mu, relu);
                acc.0 += s;
                acc.1 += sx;
            }
            // sum(g * (x - mean)) was taken around the f32-rounded mean; correct to the exact one.
            acc.1 -= acc.0 * (m.mean[ci] - mu.to_f64());
            acc
        })
        .unzip();
    let n = (b * l) as f64;
    let mut dgb = vec![T::ZERO; 2 * c];
    for ci in 0..c {
        dgb[ci] = T::from_f64(sgx[ci] * m.invstd[ci]);
        dgb[c + ci] = T::from_f64(sg[ci]);
    }
    // Pass 2: dx (and dr = g).
    let mut dx = vec![T::ZERO; x.len()];
    let mut dr = if with_residual {
        vec![T::ZERO; x.len()]
    } else {
        Vec::new()
    };
    let body = |row: usize, dxr: &mut [T], drr: Option<&mut [T]>| {
        let ci = row % c;
        let is = m.invstd[ci];
        let k = gb[ci].to_f64() * is;
        let r = row * l..(row + 1) * l;
        let (xr, yr, dyr) = (&x[r.clone()], &y[r.clone()], &dy[r]);
        // train: dx = k * (g - mean(g) - xhat * mean(g * xhat)) = a g + cxx x + off
        let (a, cxx, off) = if train {
            let mg = sg[ci] / n;
            let cx = sgx[ci] * is * is / n;
            (
                T::from_f64(k),
                T::from_f64(-k * cx),
                T::from_f64(-k * (mg - m.mean[ci] * cx)),
            )
        } else {
            (T::from_f64(k), T::ZERO, T::ZERO)
        };
        for (((o, &xv), &yv), &d) in dxr.iter_mut().zip(xr).zip(yr).zip(dyr) {
            let g = if !relu || yv > T::ZERO { d } else { T::ZERO };
            *o = a * g + cxx * xv + off;
        }
        if let Some(drr) = drr {
            for ((o, &yv), &d) in drr.iter_mut().zip(yr).zip(dyr) {
                *o = if !relu || yv > T::ZERO { d } else { T::ZERO };
            }
        }
    };
    if with_residual {
        dx.par_chunks_mut(l)
            .zip(dr.par_chunks_mut(l))
            .enumerate()
            .for_each(|(row, (dxr, drr))| body(row, dxr, Some(drr)));
    } else {
        dx.par_chunks_mut(l)
            .enumerate()
            .for_each(|(row, dxr)| body(row, dxr, None));
    }
    (dx, dgb, with_residual.then_some(dr))
}

impl BnOp {
    fn fwd<T: Float>(
        &self,
        x: &CpuStorage,
        lx: &Layout,
        gb: &CpuStorage,
        lgb: &Layout,
        r: Option<(&CpuStorage, &Layout)>,
    ) -> candle::Result<(CpuStorage, Shape)> {
        let dims = lx.shape().dims3()?;
        let x = cpu_slice::<T>(x, lx)?;
        let gb = cpu_slice::<T>(gb, lgb)?;
        let r = r.map(|(s, l)| cpu_slice::<T>(s, l)).transpose()?;
        if self.train {
            let _ = self.moments.set(moments(&x, dims, self.eps));
        }
        let m = self
            .moments
            .get()
            .ok_or_else(|| candle::Error::Msg("batch_norm: moments missing".into()))?;
        let y = bn_forward(&x, &gb, r.as_deref(), dims, self.relu, m);
        Ok((storage(y), lx.shape().clone()))
    }

    fn bwd_impl<T: Float>(
        &self,
        x: &Tensor,
        gb: &Tensor,
        res: &Tensor,
        dy: &Tensor,
        with_residual: bool,
    ) -> candle::Result<(Tensor, Tensor, Option<Tensor>)> {
        let dims = x.dims3()?;
        let m = self
            .moments
            .get()
            .ok_or_else(|| candle::Error::Msg("batch_norm: moments missing".into()))?;
        let (dx, dgb, dr) = with_slice::<T, _>(x, |xs| {
            with_slice::<T, _>(gb, |gbs| {
                with_slice::<T, _>(res, |ys| {
                    with_slice::<T, _>(dy, |dys| {
                        Ok(bn_backward(
                            xs,
                            gbs,
                            ys,
                            dys,
                            dims,
                            self.relu,
                            self.train,
                            with_residual,
                            m,
                        ))
                    })
                })
            })
        })?;
        let dev = x.device();
        let c = dims.1;
        Ok((
            Tensor::from_vec(dx, dims, dev)?,
            Tensor::from_vec(dgb, (2, c), dev)?,
            dr.map(|v| Tensor::from_vec(v, dims, dev)).transpose()?,
        ))
    }
}

impl CustomOp2 for BnOp {
    fn name(&self) -> &'static str {
        "exg-batch-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle::Result<(CpuStorage, Shape)> {
        dispatch_float!(s1.dtype(), fwd_dispatch::<T>(self, s1, l1, s2, l2, None))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gb: &Tensor,
        res: &Tensor,
        dy: &Tensor,
    ) -> candle::Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dgb, _) =
            dispatch_float!(x.dtype(), bwd_dispatch::<T>(self, x, gb, res, dy, false))?;
        Ok((Some(dx), Some(dgb)))
    }
}

impl CustomOp3 for BnOp {
    fn name(&self) -> &'static str {
        "exg-batch-norm-add"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle::Result<(CpuStorage, Shape)> {
        dispatch_float!(
            s1.dtype(),
            fwd_dispatch::<T>(self, s1, l1, s2, l2, Some((s3, l3)))
        )
    }

    fn bwd(
        &self,
        x: &Tensor,
        gb: &Tensor,
        _r: &Tensor,
        res: &Tensor,
        dy: &Tensor,
    ) -> candle::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (dx, dgb, dr) =
            dispatch_float!(x.dtype(), bwd_dispatch::<T>(self, x, gb, res, dy, true))?;
        Ok((Some(dx), Some(dgb), dr))
    }
}

fn fwd_dispatch<T: Float>(
    op: &BnOp,
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    r: Option<(&CpuStorage, &Layout)>,
) -> candle::Result<(CpuStorage, Shape)> {
    op.fwd::<T>(s1, l1, s2, l2, r)
}

fn bwd_dispatch<T: Float>(
    op: &BnOp,
    x: &Tensor,
    gb: &Tensor,
    res: &Tensor,
    dy: &Tensor,
    with_residual: bool,
) -> candle::Result<(Tensor, Tensor, Option<Tensor>)> {
    op.bwd_impl::<T>(x, gb, res, dy, with_residual)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-sample form `grad_sums` replaced (mask and sums in one loop over 8 lanes).
    fn grad_sums_fused<T: Float>(x: &[T], y: &[T], dy: &[T], mu: T, relu: bool) -> (f64, f64) {
        let mut s = [T::ZERO; 8];
        let mut sx = [T::ZERO; 8];
        let n8 = x.len() / 8 * 8;
        for i in 0..n8 {
            let g = if !relu || y[i] > T::ZERO {
                dy[i]
            } else {
                T::ZERO
            };
            s[i % 8] += g;
            sx[i % 8] += g * (x[i] - mu);
        }
        let (mut a, mut q) = (0.0f64, 0.0f64);
        for j in 0..8 {
            a += s[j].to_f64();
            q += sx[j].to_f64();
        }
        for i in n8..x.len() {
            let g = if !relu || y[i] > T::ZERO {
                dy[i]
            } else {
                T::ZERO
            };
            a += g.to_f64();
            q += (g * (x[i] - mu)).to_f64();
        }
        (a, q)
    }

    fn values<T: Float>(n: usize, seed: u64) -> Vec<T> {
        let mut g = splitmix(seed);
        (0..n).map(|_| T::from_f64(g() * 2.0 - 1.0)).collect()
    }

    /// SplitMix64 in [0, 1), local so the test needs no dependency.
    fn splitmix(mut state: u64) -> impl FnMut() -> f64 {
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn same_bits<T: Float>() {
        // Lengths below one lane group, between blocks, at block edges and the paper's rows;
        // y has exact zeros (ReLU outputs) and negative zeros.
        for n in [1, 7, 8, 9, 63, 64, 65, 127, 128, 200, 625, 1250, 5000] {
            let x = values::<T>(n, n as u64);
            let mut y = values::<T>(n, 7 + n as u64);
            for (i, v) in y.iter_mut().enumerate() {
                match i % 5 {
                    0 => *v = T::ZERO,
                    1 => *v = T::from_f64(-0.0),
                    _ => {}
                }
            }
            let dy = values::<T>(n, 11 + n as u64);
            let mu = T::from_f64(0.125);
            for relu in [false, true] {
                let (a, q) = grad_sums(&x, &y, &dy, mu, relu);
                let (ra, rq) = grad_sums_fused(&x, &y, &dy, mu, relu);
                assert_eq!(
                    (a.to_bits(), q.to_bits()),
                    (ra.to_bits(), rq.to_bits()),
                    "n {n}, relu {relu}"
                );
            }
        }
    }

    /// Oracle: the fused per-sample loop it replaced; the blocked form must give the same bits.
    #[test]
    fn blocked_grad_sums_are_bit_identical_to_the_fused_loop() {
        same_bits::<f32>();
        same_bits::<f64>();
    }
}
