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
//! About ten element-wise passes over `(B, T)` and no second backward: negligible next to a
//! convolution layer.

use candle::{D, DType, Tensor};

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
    let mc = centre(maps)?;
    let gc = centre(&g)?;
    let num = (&mc * &gc)?.sum(D::Minus1)?;
    let den = (norm(&mc)? * norm(&gc)?)?.affine(1.0, eps)?;
    let varying = (not_flat(maps)? * not_flat(&g)?)?;
    Ok((num / den)?.mul(&varying)?)
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
