//! Linear interpolation along time, between the activation length `T'` and the input length `T`
//! (either way), with its own backward pass.
//!
//! # Convention
//! Sample `i` of a row of length `n` sits at the centre of its cell, `(i + 0.5) / n` of the
//! record (PyTorch's `interpolate(mode="linear", align_corners=False)`): an activation sample
//! summarises a window of input samples, and its value belongs to the window's centre. Output
//! sample `j` of `m` reads the input at `s = (j + 0.5) · n / m − 0.5`, clamped to `[0, n − 1]`,
//! and mixes its two neighbours `⌊s⌋` and `⌊s⌋ + 1` linearly. Beyond the first and last centres
//! the edge value is held.
//!
//! # Gradient
//! The map is linear, `y = R x`, so its backward is the adjoint `dx = Rᵀ dy`: a scatter of each
//! output gradient onto the same two neighbours with the same weights. Both directions are one
//! candle `CustomOp1` (forward and adjoint share the interpolation plan, and each is the
//! other's backward), `O(rows · (n + m))`, one allocation for the output. candle's own
//! `upsample_nearest1d` backward is not used (it needs integer factors and loses accumulated
//! gradient). On a non-CPU device the same plan runs as two `index_select`s.

use std::sync::Arc;

use candle::backend::BackendStorage;
use candle::{CpuStorage, CustomOp1, D, Layout, Shape, Tensor, WithDType};

use crate::{Error, Result};

/// Linearly interpolates the last dimension of `x` to `len` samples (centre-aligned, see the
/// [module docs](self)). Differentiable with respect to `x`; identity when the lengths agree.
///
/// # Shapes
/// `(…, n)` → `(…, len)`; usually `(B, T')` → `(B, T)` or `(B, T)` → `(B, T')`.
///
/// # Errors
/// [`Error::Input`] for a scalar tensor, `n = 0`, `len = 0`, or a dtype other than f32/f64.
///
/// # Examples
/// ```
/// # fn main() -> exg_xai::Result<()> {
/// use candle::{Device, Tensor};
/// let cam = Tensor::new(&[[0f32, 1.0]], &Device::Cpu)?; // T' = 2
/// let up = exg_xai::resample(&cam, 4)?; // T = 4: centres at 0.25 and 0.75 of the record
/// assert_eq!(up.to_vec2::<f32>()?, vec![vec![0.0, 0.25, 0.75, 1.0]]);
/// # Ok(()) }
/// ```
pub fn resample(x: &Tensor, len: usize) -> Result<Tensor> {
    let n = match x.dims().last() {
        Some(&n) if n > 0 && len > 0 => n,
        _ => {
            return Err(Error::Input(format!(
                "resample: cannot interpolate {:?} to length {len}",
                x.dims()
            )));
        }
    };
    if !matches!(x.dtype(), candle::DType::F32 | candle::DType::F64) {
        return Err(Error::Input(format!(
            "resample: expected f32 or f64, got {:?}",
            x.dtype()
        )));
    }
    if n == len {
        return Ok(x.clone());
    }
    let plan = Arc::new(Plan::new(n, len));
    if x.device().is_cpu() {
        Ok(x.contiguous()?.apply_op1(Interp {
            plan,
            adjoint: false,
        })?)
    } else {
        plan.by_index_select(x)
    }
}

/// For each output sample: the two input neighbours and the weight of the second.
#[derive(Debug)]
struct Plan {
    from: usize,
    to: usize,
    taps: Vec<(usize, usize, f64)>,
}

impl Plan {
    fn new(from: usize, to: usize) -> Self {
        let scale = from as f64 / to as f64;
        let last = (from - 1) as f64;
        let taps = (0..to)
            .map(|j| {
                let s = ((j as f64 + 0.5) * scale - 0.5).clamp(0.0, last);
                let i0 = s.floor() as usize;
                let i1 = (i0 + 1).min(from - 1);
                (i0, i1, s - i0 as f64)
            })
            .collect();
        Self { from, to, taps }
    }

    /// `y = R x` (forward) or `y = Rᵀ x` (adjoint) on contiguous rows.
    fn run<T: WithDType>(&self, x: &[T], adjoint: bool) -> Vec<T> {
        let (n_in, n_out) = if adjoint {
            (self.to, self.from)
        } else {
            (self.from, self.to)
        };
        let rows = x.len() / n_in;
        let mut y = vec![T::zero(); rows * n_out];
        for (xr, yr) in x.chunks_exact(n_in).zip(y.chunks_exact_mut(n_out)) {
            if adjoint {
                let mut acc = vec![0f64; n_out];
                for (&(i0, i1, w), g) in self.taps.iter().zip(xr) {
                    let g = g.to_f64();
                    acc[i0] += (1.0 - w) * g;
                    acc[i1] += w * g;
                }
                for (o, a) in yr.iter_mut().zip(acc) {
                    *o = T::from_f64(a);
                }
            } else {
                for (o, &(i0, i1, w)) in yr.iter_mut().zip(&self.taps) {
                    *o = T::from_f64((1.0 - w) * xr[i0].to_f64() + w * xr[i1].to_f64());
                }
            }
        }
        y
    }

    /// The same interpolation from candle's own ops (any device; differentiable through
    /// `index_select`, whose backward is `index_add`).
    fn by_index_select(&self, x: &Tensor) -> Result<Tensor> {
        let dev = x.device();
        let (i0, (i1, w)): (Vec<u32>, (Vec<u32>, Vec<f64>)) = self
            .taps
            .iter()
            .map(|&(a, b, w)| (a as u32, (b as u32, w)))
            .unzip();
        let w1 = Tensor::from_vec(w, self.to, dev)?.to_dtype(x.dtype())?;
        let w0 = w1.affine(-1.0, 1.0)?;
        let x0 = x.index_select(&Tensor::from_vec(i0, self.to, dev)?, D::Minus1)?;
        let x1 = x.index_select(&Tensor::from_vec(i1, self.to, dev)?, D::Minus1)?;
        Ok(x0.broadcast_mul(&w0)?.add(&x1.broadcast_mul(&w1)?)?)
    }
}

/// The interpolation as a candle op: `adjoint = false` maps length `from` to `to`, `true` maps
/// `to` back to `from` with the transposed weights. Each is the other's backward.
struct Interp {
    plan: Arc<Plan>,
    adjoint: bool,
}

impl CustomOp1 for Interp {
    fn name(&self) -> &'static str {
        if self.adjoint {
            "exg-interp1d-adjoint"
        } else {
            "exg-interp1d"
        }
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle::Result<(CpuStorage, Shape)> {
        let (a, b) = l
            .contiguous_offsets()
            .ok_or_else(|| candle::Error::Msg("interp1d: non-contiguous input".into()))?;
        let out_len = if self.adjoint {
            self.plan.from
        } else {
            self.plan.to
        };
        let mut dims = l.dims().to_vec();
        if let Some(last) = dims.last_mut() {
            *last = out_len;
        }
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(self.plan.run(&v[a..b], self.adjoint)),
            CpuStorage::F64(v) => CpuStorage::F64(self.plan.run(&v[a..b], self.adjoint)),
            _ => candle::bail!("interp1d: expected f32 or f64, got {:?}", s.dtype()),
        };
        Ok((out, Shape::from(dims)))
    }

    fn bwd(&self, _x: &Tensor, _res: &Tensor, dy: &Tensor) -> candle::Result<Option<Tensor>> {
        let back = Interp {
            plan: Arc::clone(&self.plan),
            adjoint: !self.adjoint,
        };
        dy.contiguous()?.apply_op1(back).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use candle::{DType, Device, Tensor, Var};

    use super::*;

    fn ramp(b: usize, n: usize, dt: DType) -> Tensor {
        let v: Vec<f64> = (0..b * n)
            .map(|i| ((i * 37 % 11) as f64) * 0.3 - 1.0)
            .collect();
        Tensor::from_vec(v, (b, n), &Device::Cpu)
            .unwrap()
            .to_dtype(dt)
            .unwrap()
    }

    /// Closed form: a linear ramp sampled at cell centres stays a linear ramp at the new
    /// centres (away from the held edges), and a constant stays constant.
    #[test]
    fn preserves_ramps_and_constants() -> Result<()> {
        let n = 8;
        let m = 20;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let y = resample(&Tensor::from_vec(x, (1, n), &Device::Cpu)?, m)?.to_vec2::<f64>()?;
        for (j, v) in y[0].iter().enumerate() {
            let pos = (j as f64 + 0.5) / m as f64;
            let expect = pos.clamp(0.5 / n as f64, 1.0 - 0.5 / n as f64);
            assert!((v - expect).abs() < 1e-12, "{j}: {v} vs {expect}");
        }
        let c = resample(&Tensor::full(0.7f32, (3, 5), &Device::Cpu)?, 13)?;
        assert!(
            c.flatten_all()?
                .to_vec1::<f32>()?
                .iter()
                .all(|v| (v - 0.7).abs() < 1e-6)
        );
        Ok(())
    }

    /// The CPU op and the index-select construction compute the same values and gradients
    /// (two independent implementations of the same plan).
    #[test]
    fn op_matches_index_select_path() -> Result<()> {
        for (n, m) in [(7, 23), (23, 7), (5, 5 * 4), (1, 6), (6, 1)] {
            let x = Var::from_tensor(&ramp(3, n, DType::F64))?;
            let r = ramp(3, m, DType::F64).affine(0.5, 0.1)?;
            let plan = Plan::new(n, m);
            let a = resample(x.as_tensor(), m)?;
            let b = plan.by_index_select(x.as_tensor())?;
            let diff = (&a - &b)?.abs()?.max_all()?.to_scalar::<f64>()?;
            assert!(diff < 1e-12, "{n}->{m}: {diff}");
            let ga = (a * &r)?.sum_all()?.backward()?;
            let gb = (b * &r)?.sum_all()?.backward()?;
            let (ga, gb) = (
                ga.get(x.as_tensor()).unwrap(),
                gb.get(x.as_tensor()).unwrap(),
            );
            let diff = (ga - gb)?.abs()?.max_all()?.to_scalar::<f64>()?;
            assert!(diff < 1e-12, "{n}->{m} grad: {diff}");
        }
        Ok(())
    }

    /// Bad lengths are typed input errors, not panics.
    #[test]
    fn rejects_bad_lengths() {
        let x = Tensor::zeros((2, 0), DType::F32, &Device::Cpu).unwrap();
        assert!(matches!(resample(&x, 4), Err(Error::Input(_))));
        let x = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
        assert!(matches!(resample(&x, 0), Err(Error::Input(_))));
        let x = Tensor::zeros((2, 3), DType::U32, &Device::Cpu).unwrap();
        assert!(matches!(resample(&x, 5), Err(Error::Input(_))));
    }
}
