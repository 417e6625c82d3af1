//! Non-overlapping 1-D max pooling (kernel = stride), a candle `CustomOp1`.
//!
//! candle has no 1-D pooling; its 2-D pooling on `H = 1` works but copies through a generic
//! 4-D path. The gradient goes to the first maximum of each window (PyTorch's convention).

use candle::backend::BackendStorage;
use candle::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::{Float, cpu_slice, dispatch_float, non_empty, on_cpu, storage, with_slice};

/// Max pooling over windows of `k` samples with stride `k`; a trailing partial window is dropped.
///
/// # Shapes
/// `(B, C, L)` → `(B, C, L / k)`.
///
/// # Errors
/// [`candle::Error::EmptyTensor`] when `B`, `C` or `L` is 0; `k == 0`, `L < k`, or an
/// unsupported dtype.
///
/// # Examples
/// ```
/// # fn main() -> candle::Result<()> {
/// use candle::{Device, Tensor};
/// let x = Tensor::new(&[[[1f32, 5., 2., 0., 9.]]], &Device::Cpu)?;
/// let y = exg_model::ops::max_pool1d(&x, 2)?;
/// assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, vec![5., 2.]);
/// # Ok(()) }
/// ```
pub fn max_pool1d(x: &Tensor, k: usize) -> candle::Result<Tensor> {
    let (b, c, l) = x.dims3()?;
    non_empty("max_pool1d", &[b, c, l])?;
    if k == 0 || l < k {
        candle::bail!("max_pool1d: kernel {k} does not fit length {l}");
    }
    if k == 1 {
        return Ok(x.clone());
    }
    if on_cpu(x) {
        x.apply_op1(MaxPool { k })
    } else {
        x.unsqueeze(2)?
            .max_pool2d_with_stride((1, k), (1, k))?
            .squeeze(2)
    }
}

struct MaxPool {
    k: usize,
}

/// Index (within the window) of the first maximum.
fn argmax<T: Float>(w: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in w.iter().enumerate().skip(1) {
        if *v > w[best] {
            best = i;
        }
    }
    best
}

fn pool_fwd<T: Float>(s: &CpuStorage, l: &Layout, k: usize) -> candle::Result<(CpuStorage, Shape)> {
    let (b, c, len) = l.shape().dims3()?;
    let lo = len / k;
    let x = cpu_slice::<T>(s, l)?;
    let mut y = vec![T::ZERO; b * c * lo];
    y.par_chunks_mut(lo.max(1))
        .enumerate()
        .for_each(|(row, yr)| {
            let xr = &x[row * len..row * len + lo * k];
            if k == 2 {
                // Branch-free pairwise max (vectorises); same value as the first-max rule.
                for (o, w) in yr.iter_mut().zip(xr.chunks_exact(2)) {
                    *o = if w[1] > w[0] { w[1] } else { w[0] };
                }
            } else {
                for (o, w) in yr.iter_mut().zip(xr.chunks_exact(k)) {
                    *o = w[argmax(w)];
                }
            }
        });
    Ok((storage(y), Shape::from((b, c, lo))))
}

fn pool_bwd<T: Float>(x: &Tensor, dy: &Tensor, k: usize) -> candle::Result<Tensor> {
    let (b, c, len) = x.dims3()?;
    let lo = len / k;
    let dx = with_slice::<T, _>(x, |xs| {
        with_slice::<T, _>(dy, |dys| {
            let mut dx = vec![T::ZERO; b * c * len];
            dx.par_chunks_mut(len).enumerate().for_each(|(row, dxr)| {
                let xr = &xs[row * len..row * len + lo * k];
                let dyr = &dys[row * lo..(row + 1) * lo];
                if k == 2 {
                    for ((o, w), &d) in dxr.chunks_exact_mut(2).zip(xr.chunks_exact(2)).zip(dyr) {
                        let second = w[1] > w[0];
                        o[0] = if second { T::ZERO } else { d };
                        o[1] = if second { d } else { T::ZERO };
                    }
                } else {
                    for (t, &d) in dyr.iter().enumerate() {
                        dxr[t * k + argmax(&xr[t * k..(t + 1) * k])] = d;
                    }
                }
            });
            Ok(dx)
        })
    })?;
    Tensor::from_vec(dx, (b, c, len), x.device())
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "exg-max-pool1d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle::Result<(CpuStorage, Shape)> {
        dispatch_float!(s.dtype(), pool_fwd::<T>(s, l, self.k))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, dy: &Tensor) -> candle::Result<Option<Tensor>> {
        dispatch_float!(x.dtype(), pool_bwd::<T>(x, dy, self.k)).map(Some)
    }
}
