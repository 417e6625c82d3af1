//! AdamW with global-norm gradient clipping and a state that can be saved and restored.
//!
//! Why not `candle_nn::AdamW`: its moments are private, so a checkpoint could not hold the
//! optimiser state and a resumed run would not continue the same trajectory. This one keeps
//! the moments as plain `f32` vectors ([`AdamWState`], serde), applies the update in one pass
//! over each parameter (EXGnet's parameters are small: tens of thousands of values, where a
//! dozen tensor operations per parameter would cost more than the arithmetic), and clips by
//! the global gradient norm first (PyTorch's `clip_grad_norm_`). The update is PyTorch's /
//! candle-nn's AdamW (decoupled weight decay, bias-corrected moments); `tests/optim.rs` checks
//! it against `candle_nn::AdamW`.
//!
//! ```
//! use candle::{Device, Tensor, Var};
//! use exg_train::optim::{AdamW, AdamWConfig};
//! let w = Var::new(&[1f32, -2.0], &Device::Cpu)?;
//! let mut opt = AdamW::new(vec![w.clone()], AdamWConfig { lr: 0.1, ..AdamWConfig::default() })?;
//! let loss = w.as_tensor().sqr()?.sum_all()?; // minimum at 0
//! let norm = opt.step(&loss.backward()?, None)?;
//! assert!((norm - 20f64.sqrt()).abs() < 1e-6);   // |grad| = |2 w|
//! assert!(w.as_tensor().to_vec1::<f32>()?[0] < 1.0);
//! # Ok::<(), exg_train::Error>(())
//! ```

use candle::backprop::GradStore;
use candle::{DType, Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// AdamW hyper-parameters (PyTorch's names and defaults, but `weight_decay` 1e-4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamWConfig {
    /// Learning rate (a schedule overrides it each step with [`AdamW::set_lr`]).
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay (applied as `θ ← θ (1 − lr · wd)`).
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-4,
        }
    }
}

impl AdamWConfig {
    fn validate(&self) -> Result<()> {
        let ok = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v < hi;
        if !(ok(self.lr, 0.0, f64::INFINITY)
            && ok(self.beta1, 0.0, 1.0)
            && ok(self.beta2, 0.0, 1.0)
            && ok(self.eps, 0.0, f64::INFINITY)
            && ok(self.weight_decay, 0.0, f64::INFINITY))
        {
            return Err(Error::Input(format!(
                "invalid AdamW configuration {self:?}"
            )));
        }
        Ok(())
    }
}

/// The optimiser's state: step count and both moments of every parameter, in the order of the
/// variables given to [`AdamW::new`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdamWState {
    /// Optimiser steps taken.
    pub step: u64,
    /// First moments.
    pub m: Vec<Vec<f32>>,
    /// Second moments.
    pub v: Vec<Vec<f32>>,
}

/// AdamW over a fixed list of `f32` variables.
pub struct AdamW {
    cfg: AdamWConfig,
    vars: Vec<Var>,
    state: AdamWState,
}

impl AdamW {
    /// An optimiser for `vars` (all `f32`), moments at zero.
    pub fn new(vars: Vec<Var>, cfg: AdamWConfig) -> Result<Self> {
        cfg.validate()?;
        if let Some(v) = vars.iter().find(|v| v.dtype() != DType::F32) {
            return Err(Error::Input(format!(
                "AdamW takes f32 variables, got {:?}",
                v.dtype()
            )));
        }
        let zeros = || vars.iter().map(|v| vec![0f32; v.elem_count()]).collect();
        let state = AdamWState {
            step: 0,
            m: zeros(),
            v: zeros(),
        };
        Ok(Self { cfg, vars, state })
    }

    /// Sets the learning rate of the next steps.
    pub fn set_lr(&mut self, lr: f64) {
        self.cfg.lr = lr;
    }

    /// The current configuration.
    pub fn config(&self) -> &AdamWConfig {
        &self.cfg
    }

    /// The state to save in a checkpoint.
    pub fn state(&self) -> &AdamWState {
        &self.state
    }

    /// Restores a saved state (same variables, same order and sizes).
    pub fn load_state(&mut self, state: AdamWState) -> Result<()> {
        let sizes: Vec<usize> = self.vars.iter().map(|v| v.elem_count()).collect();
        let fits = |moments: &[Vec<f32>]| {
            moments.len() == sizes.len() && moments.iter().zip(&sizes).all(|(m, &n)| m.len() == n)
        };
        if !fits(&state.m) || !fits(&state.v) {
            return Err(Error::Input(
                "optimiser state does not match the model's variables".into(),
            ));
        }
        self.state = state;
        Ok(())
    }

    /// One update from `grads`. With `clip = Some(c)`, gradients are first scaled so that
    /// their global L2 norm is at most `c`. Returns the global norm before clipping. A
    /// variable without a gradient is left unchanged (its moments too), as in PyTorch.
    ///
    /// A non-finite gradient norm is an error and changes nothing, so a trainer can stop
    /// with the last good parameters.
    pub fn step(&mut self, grads: &GradStore, clip: Option<f64>) -> Result<f64> {
        let grads: Vec<Option<Vec<f32>>> = self
            .vars
            .iter()
            .map(|v| {
                grads
                    .get(v.as_tensor())
                    .map(|g| g.flatten_all()?.to_vec1::<f32>())
                    .transpose()
            })
            .collect::<candle::Result<_>>()?;
        let norm = grads
            .iter()
            .flatten()
            .flat_map(|g| g.iter())
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt();
        if !norm.is_finite() {
            return Err(Error::NonFinite(format!("gradient norm is {norm}")));
        }
        let scale = match clip {
            Some(c) if norm > c => (c / (norm + 1e-6)) as f32,
            _ => 1.0,
        };
        self.state.step += 1;
        let t = self.state.step as i32;
        let AdamWConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.cfg;
        let bias1 = 1.0 - beta1.powi(t);
        let bias2 = 1.0 - beta2.powi(t);
        let decay = (1.0 - lr * weight_decay) as f32;
        let (b1, b2) = (beta1 as f32, beta2 as f32);
        for (i, (var, g)) in self.vars.iter().zip(&grads).enumerate() {
            let Some(g) = g else { continue };
            let mut theta = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            let (m, v) = (&mut self.state.m[i], &mut self.state.v[i]);
            for (((p, &g), m), v) in theta.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = g * scale;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                let m_hat = f64::from(*m) / bias1;
                let v_hat = f64::from(*v) / bias2;
                *p = *p * decay - (lr * m_hat / (v_hat.sqrt() + eps)) as f32;
            }
            let next = Tensor::from_vec(theta, var.shape(), var.device())?;
            var.set(&next)?;
        }
        Ok(norm)
    }
}
