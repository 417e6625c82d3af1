//! Classification losses: cross-entropy with optional class weights and label smoothing
//! (PyTorch's `CrossEntropyLoss(weight, label_smoothing)`, reduction `mean`), and class-weight
//! rules.
//!
//! For logits `z (B, K)`, labels `y`, class weights `w` (all 1 when absent) and smoothing `ε`:
//!
//! ```text
//! loss = Σ_i [ (1 − ε) w_{y_i} (−log p_{i,y_i}) + ε/K Σ_k w_k (−log p_{i,k}) ] / Σ_i w_{y_i}
//! ```
//!
//! which is PyTorch's definition (checked against it in `tests/loss_torch.rs`).
//!
//! ```
//! use candle::{Device, Tensor};
//! let z = Tensor::new(&[[2f32, 0.0], [0.0, 2.0]], &Device::Cpu)?;
//! let y = Tensor::new(&[0u32, 1], &Device::Cpu)?;
//! let loss = exg_train::loss::cross_entropy(&z, &y, None, 0.0)?.to_scalar::<f32>()?;
//! assert!((loss - (1.0 + (-2f32).exp()).ln()).abs() < 1e-6);
//! # Ok::<(), exg_train::Error>(())
//! ```

use candle::{D, DType, Tensor};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Weighted, label-smoothed cross-entropy, averaged as PyTorch does (see the module docs).
///
/// `logits (B, K)` float, `labels (B)` `u32`, `weights (K)` of the logits' dtype, `smoothing`
/// in `[0, 1)`.
pub fn cross_entropy(
    logits: &Tensor,
    labels: &Tensor,
    weights: Option<&Tensor>,
    smoothing: f64,
) -> Result<Tensor> {
    let (b, k) = logits.dims2()?;
    if labels.dims() != [b] || b == 0 {
        return Err(Error::Input(format!(
            "labels {:?} do not match logits {:?}",
            labels.dims(),
            logits.dims()
        )));
    }
    if !(0.0..1.0).contains(&smoothing) {
        return Err(Error::Input(format!(
            "label smoothing {smoothing} not in [0, 1)"
        )));
    }
    let nll = candle_nn::ops::log_softmax(logits, D::Minus1)?.neg()?; // (B, K)
    let idx = labels.to_dtype(DType::U32)?.unsqueeze(1)?;
    let picked = nll.gather(&idx, 1)?.squeeze(1)?; // (B)
    let (per_record, norm) = match weights {
        None => {
            let smooth = nll.mean(1)?;
            let l = ((picked * (1.0 - smoothing))? + (smooth * smoothing)?)?;
            (
                l,
                Tensor::new(b as f64, logits.device())?.to_dtype(logits.dtype())?,
            )
        }
        Some(w) => {
            if w.dims() != [k] {
                return Err(Error::Input(format!(
                    "{} class weights for {k} classes",
                    w.elem_count()
                )));
            }
            let wy = w.gather(&labels.to_dtype(DType::U32)?, 0)?; // (B)
            let smooth = nll.broadcast_mul(&w.unsqueeze(0)?)?.mean(1)?;
            let l = (((picked * &wy)? * (1.0 - smoothing))? + (smooth * smoothing)?)?;
            (l, wy.sum_all()?)
        }
    };
    Ok(per_record.sum_all()?.broadcast_div(&norm)?)
}

/// How class weights are chosen from the training fold's class counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeights {
    /// All classes weigh 1.
    #[default]
    None,
    /// `n / (K · n_k)`: scikit-learn's `class_weight="balanced"`.
    Balanced,
    /// `log(n / n_k)`, floored at 1: milder than balanced for very rare classes.
    LogFrequency,
}

impl ClassWeights {
    /// Weights for `counts[k]` training records of class `k`; a class absent from the fold
    /// gets weight 0 (it cannot be a label in that fold's loss).
    pub fn weights(self, counts: &[usize]) -> Vec<f64> {
        let n: usize = counts.iter().sum();
        let k = counts.len() as f64;
        counts
            .iter()
            .map(|&c| match (self, c) {
                (_, 0) => 0.0,
                (ClassWeights::None, _) => 1.0,
                (ClassWeights::Balanced, c) => n as f64 / (k * c as f64),
                (ClassWeights::LogFrequency, c) => (n as f64 / c as f64).ln().max(1.0),
            })
            .collect()
    }
}
