//! Channel concatenation of three `(B, C_i, L)` tensors, a candle `CustomOp3`.
//!
//! candle's `Tensor::cat` backward hands each input a *narrowed view* of the output gradient; a
//! tensor that is also used elsewhere (every branch of the multiresolution block is) then gets its
//! gradients summed through candle's strided element-wise path. This op returns three contiguous
//! gradients instead, so the accumulation is a plain vector add.

use candle::backend::BackendStorage;
use candle::{CpuStorage, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::{Float, cpu_slice, dispatch_float, non_empty, on_cpu, storage, with_slice};

/// `concat([a, b, c], dim = 1)` with autograd.
///
/// # Shapes
/// `(B, C_a, L)`, `(B, C_b, L)`, `(B, C_c, L)` → `(B, C_a + C_b + C_c, L)`.
///
/// # Errors
/// [`candle::Error::EmptyTensor`] when any input has a zero-sized dimension; batch or length
/// mismatch, unsupported dtype.
///
/// # Examples
/// ```
/// # fn main() -> candle::Result<()> {
/// use candle::{Device, Tensor};
/// let a = Tensor::new(&[[[1f32, 2.]]], &Device::Cpu)?;
/// let b = Tensor::new(&[[[3f32, 4.], [5., 6.]]], &Device::Cpu)?;
/// let y = exg_model::ops::concat3(&a, &b, &a)?;
/// assert_eq!(y.dims(), &[1, 4, 2]);
/// assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, vec![1., 2., 3., 4., 5., 6., 1., 2.]);
/// # Ok(()) }
/// ```
pub fn concat3(a: &Tensor, b: &Tensor, c: &Tensor) -> candle::Result<Tensor> {
    let (ba, ca, la) = a.dims3()?;
    non_empty("concat3", &[ba, ca, la])?;
    for t in [b, c] {
        let (bt, ct, lt) = t.dims3()?;
        non_empty("concat3", &[bt, ct, lt])?;
        if (bt, lt) != (ba, la) {
            candle::bail!(
                "concat3: shapes {:?}, {:?}, {:?} differ outside dim 1",
                a.dims(),
                b.dims(),
                c.dims()
            );
        }
    }
    if on_cpu(a) && on_cpu(b) && on_cpu(c) {
        a.apply_op3(b, c, Concat3)
    } else {
        Tensor::cat(&[a, b, c], 1)
    }
}

struct Concat3;

fn fwd<T: Float>(parts: [(&CpuStorage, &Layout); 3]) -> candle::Result<(CpuStorage, Shape)> {
    let (b, _, l) = parts[0].1.shape().dims3()?;
    let chans: Vec<usize> = parts.iter().map(|(_, lay)| lay.shape().dims()[1]).collect();
    let ctot: usize = chans.iter().sum();
    let data: Vec<_> = parts
        .iter()
        .map(|(s, lay)| cpu_slice::<T>(s, lay))
        .collect::<candle::Result<_>>()?;
    let mut y = vec![T::ZERO; b * ctot * l];
    y.par_chunks_mut((ctot * l).max(1))
        .enumerate()
        .for_each(|(bi, yb)| {
            let mut off = 0;
            for (d, &ci) in data.iter().zip(&chans) {
                yb[off..off + ci * l].copy_from_slice(&d[bi * ci * l..(bi + 1) * ci * l]);
                off += ci * l;
            }
        });
    Ok((storage(y), Shape::from((b, ctot, l))))
}

fn bwd<T: Float>(dims: [(usize, usize, usize); 3], dy: &Tensor) -> candle::Result<[Tensor; 3]> {
    let (b, _, l) = dims[0];
    let ctot: usize = dims.iter().map(|d| d.1).sum();
    let dev = dy.device().clone();
    with_slice::<T, _>(dy, |g| {
        let mut off = 0;
        let mut out = Vec::with_capacity(3);
        for &(_, ci, _) in &dims {
            let mut v = Vec::with_capacity(b * ci * l);
            for bi in 0..b {
                let start = bi * ctot * l + off;
                v.extend_from_slice(&g[start..start + ci * l]);
            }
            off += ci * l;
            out.push(Tensor::from_vec(v, (b, ci, l), &dev)?);
        }
        let [x, y, z]: [Tensor; 3] = out
            .try_into()
            .map_err(|_| candle::Error::Msg("concat3".into()))?;
        Ok([x, y, z])
    })
}

impl CustomOp3 for Concat3 {
    fn name(&self) -> &'static str {
        "exg-concat3"
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
        dispatch_float!(s1.dtype(), fwd::<T>([(s1, l1), (s2, l2), (s3, l3)]))
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        c: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> candle::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dims = [a.dims3()?, b.dims3()?, c.dims3()?];
        let [x, y, z] = dispatch_float!(a.dtype(), bwd::<T>(dims, dy))?;
        Ok((Some(x), Some(y), Some(z)))
    }
}
