//! Integrated Gradients on the input samples (Sundararajan et al. 2017).

use candle::{Tensor, Var};
use exg_model::{Classifier, Forward};

use super::{PostProcess, Saliency, class_score, grad_of};
use crate::{Error, Result, check};

/// Integrated Gradients: `IG_t = (x_t − x'_t) · ∫₀¹ ∂y_c(x' + s(x − x'))/∂x_t ds`, with the
/// all-zero baseline `x'` (0 mV, an isoelectric line) and the integral by the midpoint rule
/// over `steps` points. Completeness: `Σ_t IG_t ≈ y_c(x) − y_c(x')`, exact for a model linear
/// in its input. One forward and one backward of the batch per step, in inference mode;
/// inspection only (detached). The map has the input length `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntegratedGradients {
    /// Number of interpolation points (>= 1).
    pub steps: usize,
    /// Post-processing of the maps.
    pub post: PostProcess,
}

impl Default for IntegratedGradients {
    /// 32 steps, default post-processing.
    fn default() -> Self {
        Self {
            steps: 32,
            post: PostProcess::default(),
        }
    }
}

impl Saliency for IntegratedGradients {
    fn name(&self) -> &'static str {
        "integrated-gradients"
    }

    fn post_process(&self) -> PostProcess {
        self.post
    }

    fn raw(
        &self,
        model: &dyn Classifier,
        xs: &Tensor,
        _fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor> {
        check::model_input(model, xs)?;
        if self.steps == 0 {
            return Err(Error::Input(
                "integrated gradients: steps must be >= 1".into(),
            ));
        }
        let x = xs.detach();
        let mut total = x.zeros_like()?;
        for s in 0..self.steps {
            let alpha = (s as f64 + 0.5) / self.steps as f64;
            let point = Var::from_tensor(&x.affine(alpha, 0.0)?)?;
            let logits = model.forward_t(point.as_tensor(), false)?;
            let g = grad_of(&class_score(&logits, classes)?, &point, "input")?;
            total = (total + g)?;
        }
        Ok((total * x)?
            .affine(1.0 / self.steps as f64, 0.0)?
            .squeeze(1)?)
    }
}
