//! Normalised cross-correlation between a saliency map and an attention target, and the XAI
//! loss built on it.
//!
//! # Definition
//! For one record, with `m` the map and `g` the target over the same `T` samples,
//!
//! ```text
//! NCC(m, g) = Σ_t (m_t − m̄)(g_t − ḡ) / (‖m − m̄‖ · ‖g − ḡ‖ + ε)
//! ```
//!
//! It lies in `[−1, 1]`, is symmetric, and is invariant to `m → k·m + c` for `k > 0` (up to
//! `ε`), so a map needs no normalisation before the loss.
//!
//! **Flat maps.** A map (or target) whose values are all equal has no pattern to correlate:
//! its NCC is defined as **0**, with **zero gradient**, whatever the other map. "All equal" is
//! tested exactly (`max == min` per row), so an all-zero ReLU map gives 0 rather than a
//! correlation of rounding noise, and never NaN. (A ReLU map is flat exactly when no time step
//! carries positive class evidence, and the ReLU passes no gradient there either.)
//!
//! The loss is `1 − NCC` averaged over the records that have a target ([`ncc_loss`]); records
//! without one are left out and counted, never compared with a zero map.
//!
//! # Cost
//! On the CPU one fused op (`CustomOp2` with a hand-written backward): two passes over
//! `(B, T)` forward, two backward, no second backward of the model. Elsewhere the same formula
//! from candle's element-wise ops.

use candle::{CpuStorage, CustomOp2, D, DType, Layout, Shape, Tensor, WithDType};

use crate::{Result, check};

/// The default `ε` of the NCC denominator.
pub const DEFAULT_EPS: f64 = 1e-8;

/// Squared norms are floored at this before the square root, so the root's derivative stays
/// finite; the floored norm (1e-15) is far below any `ε` in use.
const NORM_FLOOR: f64 = 1e-30;

/// NCC of each row of `maps` with the same row of `targets` (see the [module docs](self)).
/// Differentiable with respect to both; the result has the dtype of `maps`.
///
/// # Shapes
/// `maps (B, T)`, `targets (B, T)` → `(B,)`.
///
/// # Errors
/// [`Error::Input`](crate::Error::Input) for shapes that are not `(B, T)` with `B, T >= 1`, shapes that differ,
/// a non-float dtype, or `eps` not finite and positive.
///
/// # Examples
/// ```
/// # fn main() -> exg_xai::Result<()> {
/// use candle::{Device, Tensor};
/// let m = Tensor::new(&[[0f64, 1., 2., 1.], [3., 3., 3., 3.]], &Device::Cpu)?;
/// let g = Tensor::new(&[[5f64, 7., 9., 7.], [0., 1., 0., 1.]], &Device::Cpu)?;
/// let r = exg_xai::ncc(&m, &g, exg_xai::ncc::DEFAULT_EPS)?.to_vec1::<f64>()?;
/// assert!((r[0] - 1.0).abs() < 1e-8); // g = 2m + 5
/// assert_eq!(r[1], 0.0); // a flat map
/// # Ok(()) }
/// ```
pub fn ncc(maps: &Tensor, targets: &Tensor, eps: f64) -> Result<Tensor> {
    check::same_maps(maps, targets)?;
    check::eps(eps, "ncc")?;
    let g = targets.to_dtype(maps.dtype())?;
    if maps.device().is_cpu() {
        return Ok(maps
            .contiguous()?
            .apply_op2(&g.contiguous()?, FusedNcc { eps })?);
    }
    ncc_by_candle_ops(maps, &g, eps)
}

/// The same formula from candle's element-wise ops (any device; the CPU uses [`FusedNcc`]).
fn ncc_by_candle_ops(maps: &Tensor, g: &Tensor, eps: f64) -> Result<Tensor> {
    let mc = centre(maps)?;
    let gc = centre(g)?;
    let num = (&mc * &gc)?.sum(D::Minus1)?;
    let den = (norm(&mc)? * norm(&gc)?)?.affine(1.0, eps)?;
    let varying = (not_flat(maps)? * not_flat(g)?)?;
    Ok((num / den)?.mul(&varying)?)
}

/// NCC of one pair of rows, and what its gradient needs.
struct RowNcc {
    /// Means of `m` and `g`.
    means: (f64, f64),
    /// `‖m − m̄‖`, `‖g − ḡ‖`.
    norms: (f64, f64),
    /// `Σ (m − m̄)(g − ḡ)`.
    num: f64,
    /// Either row is flat (NCC 0, no gradient).
    flat: bool,
}

impl RowNcc {
    fn new<T: WithDType>(m: &[T], g: &[T]) -> Self {
        let n = m.len() as f64;
        let flat = |x: &[T]| x.iter().all(|v| v.to_f64() == x[0].to_f64());
        let mean = |x: &[T]| x.iter().map(|v| v.to_f64()).sum::<f64>() / n;
        let (mm, gm) = (mean(m), mean(g));
        let (mut num, mut sm, mut sg) = (0.0, 0.0, 0.0);
        for (a, b) in m.iter().zip(g) {
            let (a, b) = (a.to_f64() - mm, b.to_f64() - gm);
            num += a * b;
            sm += a * a;
            sg += b * b;
        }
        Self {
            means: (mm, gm),
            norms: (sm.sqrt(), sg.sqrt()),
            num,
            flat: flat(m) || flat(g),
        }
    }

    fn value(&self, eps: f64) -> f64 {
        if self.flat {
            0.0
        } else {
            self.num / (self.norms.0 * self.norms.1 + eps)
        }
    }

    /// `∂NCC/∂m_t = (g_t − ḡ)/D − N‖g − ḡ‖(m_t − m̄)/(‖m − m̄‖D²)` with `D = ‖m − m̄‖‖g − ḡ‖ + ε`
    /// (the means drop out: centred rows sum to zero), times `dy`, written into `dm`; and the
    /// same with the roles swapped into `dg`.
    fn grad<T: WithDType>(&self, m: &[T], g: &[T], dy: f64, eps: f64, dm: &mut [T], dg: &mut [T]) {
        if self.flat {
            return;
        }
        let (nm, ng) = self.norms;
        let d = nm * ng + eps;
        let (km, kg) = (self.num * ng / (nm * d * d), self.num * nm / (ng * d * d));
        for (t, (a, b)) in m.iter().zip(g).enumerate() {
            let (a, b) = (a.to_f64() - self.means.0, b.to_f64() - self.means.1);
            dm[t] = T::from_f64(dy * (b / d - km * a));
            dg[t] = T::from_f64(dy * (a / d - kg * b));
        }
    }
}

/// NCC per row as one CPU op: two passes forward, two backward, no temporaries.
struct FusedNcc {
    eps: f64,
}

impl FusedNcc {
    fn fwd<T: WithDType>(&self, m: &[T], g: &[T], t: usize) -> Vec<T> {
        m.chunks_exact(t)
            .zip(g.chunks_exact(t))
            .map(|(m, g)| T::from_f64(RowNcc::new(m, g).value(self.eps)))
            .collect()
    }

    fn bwd<T: WithDType>(&self, m: &[T], g: &[T], dy: &[T], t: usize) -> (Vec<T>, Vec<T>) {
        let mut dm = vec![T::zero(); m.len()];
        let mut dg = vec![T::zero(); g.len()];
        let rows = m.chunks_exact(t).zip(g.chunks_exact(t));
        let grads = dm.chunks_exact_mut(t).zip(dg.chunks_exact_mut(t));
        for (((m, g), (dm, dg)), dy) in rows.zip(grads).zip(dy) {
            RowNcc::new(m, g).grad(m, g, dy.to_f64(), self.eps, dm, dg);
        }
        (dm, dg)
    }
}

/// The contiguous data of a CPU tensor, as `Vec<T>`.
fn host<T: WithDType>(x: &Tensor) -> candle::Result<Vec<T>> {
    x.flatten_all()?.to_vec1::<T>()
}

impl CustomOp2 for FusedNcc {
    fn name(&self) -> &'static str {
        "exg-ncc"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle::Result<(CpuStorage, Shape)> {
        let (b, t) = l1.shape().dims2()?;
        let (Some((a1, e1)), Some((a2, e2))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle::bail!("ncc: non-contiguous input");
        };
        let out = match (s1, s2) {
            (CpuStorage::F32(m), CpuStorage::F32(g)) => {
                CpuStorage::F32(self.fwd(&m[a1..e1], &g[a2..e2], t))
            }
            (CpuStorage::F64(m), CpuStorage::F64(g)) => {
                CpuStorage::F64(self.fwd(&m[a1..e1], &g[a2..e2], t))
            }
            _ => candle::bail!("ncc: expected two f32 or two f64 tensors"),
        };
        Ok((out, Shape::from(b)))
    }

    fn bwd(
        &self,
        m: &Tensor,
        g: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> candle::Result<(Option<Tensor>, Option<Tensor>)> {
        let (t, dev) = (m.dim(1)?, m.device());
        let (dm, dg) = match m.dtype() {
            DType::F32 => {
                let (dm, dg) = self.bwd(&host::<f32>(m)?, &host(g)?, &host(dy)?, t);
                (
                    Tensor::from_vec(dm, m.shape(), dev)?,
                    Tensor::from_vec(dg, g.shape(), dev)?,
                )
            }
            _ => {
                let (dm, dg) = self.bwd(&host::<f64>(m)?, &host(g)?, &host(dy)?, t);
                (
                    Tensor::from_vec(dm, m.shape(), dev)?,
                    Tensor::from_vec(dg, g.shape(), dev)?,
                )
            }
        };
        // No gradient for an argument the graph does not track (the attention targets, a
        // constant batch): candle would zero-fill and accumulate a `(B, T)` tensor for nothing.
        Ok((m.track_op().then_some(dm), g.track_op().then_some(dg)))
    }
}

fn centre(x: &Tensor) -> Result<Tensor> {
    Ok(x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?)
}

fn norm(xc: &Tensor) -> Result<Tensor> {
    Ok(xc.sqr()?.sum(D::Minus1)?.maximum(NORM_FLOOR)?.sqrt()?)
}

/// `(B,)`: 1 where a row has two different values, 0 where it is flat (no gradient).
fn not_flat(x: &Tensor) -> Result<Tensor> {
    let x = x.detach();
    let range = (x.max(D::Minus1)? - x.min(D::Minus1)?)?;
    Ok(range.gt(0.0)?.to_dtype(x.dtype())?)
}

/// The XAI loss of a batch and what went into it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NccLoss {
    /// Scalar `mean(1 − NCC)` over the records with a target (in the graph); `0` when none
    /// has one.
    pub loss: Tensor,
    /// `(used,)`: the NCC of each record that has a target, in batch order.
    pub ncc: Tensor,
    /// Batch indices of the records in the loss.
    pub used: Vec<usize>,
    /// Number of records left out because they have no target.
    pub skipped: usize,
}

/// `1 − NCC(map, target)` averaged over the records that have a target.
///
/// `has_target[b] == false` leaves record `b` out of the loss (its target row is never read, so
/// it may hold anything, NaN included); `None` means every record has one. With no record
/// left, the loss is a constant `0` and [`NccLoss::used`] is empty.
///
/// # Shapes
/// `maps (B, T)`, `targets (B, T)`, `has_target [B]`.
///
/// # Errors
/// As [`ncc`], and a mask whose length is not `B`.
///
/// # Examples
/// ```
/// # fn main() -> exg_xai::Result<()> {
/// use candle::{Device, Tensor};
/// let m = Tensor::new(&[[0f32, 1., 0.], [1., 0., 0.]], &Device::Cpu)?;
/// let g = Tensor::new(&[[0f32, 1., 0.], [f32::NAN, 0., 0.]], &Device::Cpu)?;
/// let l = exg_xai::ncc_loss(&m, &g, Some(&[true, false]), exg_xai::ncc::DEFAULT_EPS)?;
/// assert_eq!((l.used.clone(), l.skipped), (vec![0], 1));
/// assert!(l.loss.to_scalar::<f32>()?.abs() < 1e-6); // perfect match on record 0
/// # Ok(()) }
/// ```
pub fn ncc_loss(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    eps: f64,
) -> Result<NccLoss> {
    let (b, _) = check::same_maps(maps, targets)?;
    check::eps(eps, "ncc_loss")?;
    let mask = check::mask(has_target, b)?;
    let used: Vec<usize> = (0..b).filter(|&i| mask[i]).collect();
    let skipped = b - used.len();
    if used.is_empty() {
        return Ok(NccLoss {
            loss: Tensor::zeros((), maps.dtype(), maps.device())?,
            ncc: Tensor::zeros(0, maps.dtype(), maps.device())?,
            used,
            skipped,
        });
    }
    let (m, g) = if skipped == 0 {
        (maps.clone(), targets.clone())
    } else {
        let idx = Tensor::from_vec(
            used.iter().map(|&i| i as u32).collect::<Vec<_>>(),
            used.len(),
            maps.device(),
        )?;
        (maps.index_select(&idx, 0)?, targets.index_select(&idx, 0)?)
    };
    let r = ncc(&m, &g, eps)?;
    let loss = r.mean_all()?.affine(-1.0, 1.0)?;
    Ok(NccLoss {
        loss,
        ncc: r,
        used,
        skipped,
    })
}

/// Per-record NCC as `f64`, `None` for records without a target (for reports and metrics).
pub(crate) fn ncc_per_record(
    maps: &Tensor,
    targets: &Tensor,
    has_target: Option<&[bool]>,
    eps: f64,
) -> Result<Vec<Option<f64>>> {
    let l = ncc_loss(&maps.detach(), &targets.detach(), has_target, eps)?;
    let vals = l.ncc.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let mut out = vec![None; maps.dim(0)?];
    for (&i, v) in l.used.iter().zip(vals) {
        out[i] = Some(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use candle::{DType, Device, Tensor, Var};

    use super::*;

    /// The fused CPU op and the candle-op formula (two independent implementations) agree in
    /// value and in both gradients, including a flat row and a masked-looking constant row.
    #[test]
    fn fused_op_matches_candle_ops() -> Result<()> {
        for dtype in [DType::F32, DType::F64] {
            let mut v: Vec<f64> = (0..4 * 13).map(|i| ((i * 29 % 17) as f64).sin()).collect();
            v[13..26].fill(0.25);
            let m0 = Tensor::from_vec(v, (4, 13), &Device::Cpu)?.to_dtype(dtype)?;
            let g0 = Tensor::from_vec(
                (0..4 * 13)
                    .map(|i| ((i * 7 % 11) as f64).cos())
                    .collect::<Vec<_>>(),
                (4, 13),
                &Device::Cpu,
            )?
            .to_dtype(dtype)?;
            let r = Tensor::new(&[0.3f64, -1.2, 0.7, 2.0], &Device::Cpu)?.to_dtype(dtype)?;
            let run = |fused: bool| -> Result<Vec<Vec<f64>>> {
                let (m, g) = (Var::from_tensor(&m0)?, Var::from_tensor(&g0)?);
                let y = if fused {
                    ncc(m.as_tensor(), g.as_tensor(), DEFAULT_EPS)?
                } else {
                    ncc_by_candle_ops(m.as_tensor(), g.as_tensor(), DEFAULT_EPS)?
                };
                let grads = (&y * &r)?.sum_all()?.backward()?;
                let f = |t: &Tensor| -> Result<Vec<f64>> {
                    Ok(t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?)
                };
                Ok(vec![
                    f(&y)?,
                    f(grads.get(m.as_tensor()).unwrap())?,
                    f(grads.get(g.as_tensor()).unwrap())?,
                ])
            };
            let tol = if dtype == DType::F32 { 1e-5 } else { 1e-12 };
            for (a, b) in run(true)?.iter().zip(run(false)?) {
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() < tol, "{dtype:?}: {x} vs {y}");
                }
            }
        }
        Ok(())
    }
}
