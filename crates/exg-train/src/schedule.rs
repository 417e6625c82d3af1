//! Learning-rate schedules.
//!
//! [`WarmupCosine`]: a linear warm-up from `base_lr / warmup_steps` to `base_lr` over the first
//! `warmup_steps` optimiser steps, then half a cosine from `base_lr` down to `min_lr` at the last
//! step — the shape of PyTorch's `LinearLR` followed by `CosineAnnealingLR`, and the schedule of
//! the course project that reproduced the EXGnet notebook (AdamW, cosine).
//!
//! ```
//! use exg_train::schedule::WarmupCosine;
//! let s = WarmupCosine::new(1e-3, 10, 111, 0.0)?;
//! assert!((s.lr(9) - 1e-3).abs() < 1e-15);          // end of warm-up
//! assert!((s.lr(60) - 0.5e-3).abs() < 1e-12);       // half-way down the cosine
//! assert!(s.lr(110) < 1e-15);                       // last step
//! # Ok::<(), exg_train::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Linear warm-up, then cosine decay to `min_lr` (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmupCosine {
    base_lr: f64,
    warmup_steps: usize,
    total_steps: usize,
    min_lr: f64,
}

impl WarmupCosine {
    /// `total_steps` ≥ 1 optimiser steps, the first `warmup_steps` (< `total_steps`) of them
    /// warming up; `0 ≤ min_lr ≤ base_lr`, both finite.
    pub fn new(base_lr: f64, warmup_steps: usize, total_steps: usize, min_lr: f64) -> Result<Self> {
        if !(base_lr.is_finite() && base_lr > 0.0) {
            return Err(Error::Input(format!(
                "base_lr {base_lr} must be finite and > 0"
            )));
        }
        if !(min_lr.is_finite() && (0.0..=base_lr).contains(&min_lr)) {
            return Err(Error::Input(format!(
                "min_lr {min_lr} must lie in 0..=base_lr"
            )));
        }
        if total_steps == 0 || warmup_steps >= total_steps {
            return Err(Error::Input(format!(
                "need 0 <= warmup_steps ({warmup_steps}) < total_steps ({total_steps})"
            )));
        }
        Ok(Self {
            base_lr,
            warmup_steps,
            total_steps,
            min_lr,
        })
    }

    /// Learning rate of optimiser step `step` (0-based); steps past the end keep `min_lr`.
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.base_lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = (self.total_steps - self.warmup_steps).max(2) - 1;
        let t = ((step - self.warmup_steps) as f64 / span as f64).min(1.0);
        self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
    }

    /// Total optimiser steps the schedule was built for.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }
}
