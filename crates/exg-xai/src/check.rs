//! Argument checks shared by the modules: every bad shape, class or mask becomes a typed
//! [`Error::Input`] before any tensor work starts.

use candle::{DType, Tensor};
use exg_model::Classifier;

use crate::{Error, Result};

/// `(B, T)` of a batch of maps, with `B >= 1` and `T >= 1`, in `f32` or `f64`.
pub(crate) fn batch_of_maps(t: &Tensor, what: &str) -> Result<(usize, usize)> {
    match t.dims() {
        [b, n] if *b > 0 && *n > 0 => {}
        d => {
            return Err(Error::Input(format!(
                "{what}: expected (B, T) with B, T >= 1, got {d:?}"
            )));
        }
    }
    float(t, what)?;
    Ok(t.dims2()?)
}

/// `(B, C, T')` of an activation map, with every dimension at least 1.
pub(crate) fn activations(t: &Tensor) -> Result<(usize, usize, usize)> {
    match t.dims() {
        [b, c, n] if *b > 0 && *c > 0 && *n > 0 => {}
        d => {
            return Err(Error::Input(format!(
                "activations: expected (B, C, T') with every dimension >= 1, got {d:?}"
            )));
        }
    }
    float(t, "activations")?;
    Ok(t.dims3()?)
}

/// `(B, T)` of a model input `(B, 1, T)` whose values are all finite (a NaN would otherwise
/// turn every map into NaN).
pub(crate) fn input(xs: &Tensor) -> Result<(usize, usize)> {
    match xs.dims() {
        [b, 1, n] if *b > 0 && *n > 0 => {}
        d => {
            return Err(Error::Input(format!(
                "input: expected (B, 1, T) with B, T >= 1, got {d:?}"
            )));
        }
    }
    float(xs, "input")?;
    let energy = xs
        .to_dtype(DType::F64)?
        .sqr()?
        .sum_all()?
        .to_scalar::<f64>()?;
    if !energy.is_finite() {
        return Err(Error::Input(
            "input: contains NaN or infinite values".into(),
        ));
    }
    Ok((xs.dim(0)?, xs.dim(2)?))
}

/// [`input`], and `T` equal to the model's own input length when it has one.
pub(crate) fn model_input(model: &dyn Classifier, xs: &Tensor) -> Result<(usize, usize)> {
    let (b, t) = input(xs)?;
    if let Some(want) = model.input_len().filter(|&n| n != t) {
        return Err(Error::Input(format!(
            "input: the model takes {want} samples, got {t}"
        )));
    }
    Ok((b, t))
}

fn float(t: &Tensor, what: &str) -> Result<()> {
    match t.dtype() {
        DType::F32 | DType::F64 => Ok(()),
        dt => Err(Error::Input(format!(
            "{what}: expected f32 or f64, got {dt:?}"
        ))),
    }
}

/// Two batches of maps of the same shape; returns it.
pub(crate) fn same_maps(a: &Tensor, b: &Tensor) -> Result<(usize, usize)> {
    let da = batch_of_maps(a, "map")?;
    let db = batch_of_maps(b, "target")?;
    if da != db {
        return Err(Error::Input(format!(
            "maps {da:?} and targets {db:?} differ in shape (resample one with exg_xai::resample)"
        )));
    }
    Ok(da)
}

/// One class per record, each below `k`.
pub(crate) fn classes(classes: &[usize], b: usize, k: usize) -> Result<()> {
    if classes.len() != b {
        return Err(Error::Input(format!(
            "{} classes for a batch of {b}",
            classes.len()
        )));
    }
    if let Some(c) = classes.iter().find(|&&c| c >= k) {
        return Err(Error::Input(format!(
            "class {c} out of range for {k} classes"
        )));
    }
    Ok(())
}

/// A per-record mask of which records have a target: `None` means all of them.
pub(crate) fn mask(mask: Option<&[bool]>, b: usize) -> Result<Vec<bool>> {
    match mask {
        None => Ok(vec![true; b]),
        Some(m) if m.len() == b => Ok(m.to_vec()),
        Some(m) => Err(Error::Input(format!(
            "target mask has {} entries for a batch of {b}",
            m.len()
        ))),
    }
}

/// A positive, finite epsilon.
pub(crate) fn eps(eps: f64, what: &str) -> Result<()> {
    if eps > 0.0 && eps.is_finite() {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "{what}: epsilon must be finite and > 0, got {eps}"
        )))
    }
}

/// The rows of a `(B, T)` tensor as `f64`.
pub(crate) fn rows(t: &Tensor) -> Result<Vec<Vec<f64>>> {
    Ok(t.detach().to_dtype(DType::F64)?.to_vec2::<f64>()?)
}

/// Class indices as a `(B,)` `u32` tensor on `dev`.
pub(crate) fn class_tensor(classes: &[usize], dev: &candle::Device) -> Result<Tensor> {
    let idx: Vec<u32> = classes.iter().map(|&c| c as u32).collect();
    Ok(Tensor::from_vec(idx, classes.len(), dev)?)
}
