//! Saliency maps: which time steps of a record drove the score of a class.
//!
//! * [`Saliency`]: the trait, a `(B, L)` map per batch, at the method's native length `L`
//!   (the activation length `T'` for the CAM family, the input length `T` for input
//!   attributions) or resampled to any length ([`Resolution`]).
//! * [`GradCam`]: Grad-CAM. For a global-average-pooling → linear head its map is computed in
//!   closed form from the activations and the head weight, inside the autograd graph
//!   ([`GradCam::differentiable`]), which is what the XAI loss trains; for any other
//!   [`Classifier`] it backpropagates the class score to a detached copy of the activations.
//! * [`GradCamPlusPlus`] and [`HiResCam`]: comparison maps from the same gradients.
//! * [`IntegratedGradients`]: attribution on the input samples (inspection only).
//!
//! # Conventions
//! * **Class** ([`TargetClass`]): the true label in training, the predicted class (arg-max of
//!   the logits) at inference. Scores are logits, before the softmax.
//! * **Post-processing** ([`PostProcess`]), in this order: ReLU (keep positive evidence) if
//!   enabled, then resampling to the requested length ([`crate::resample()`], linear, centre
//!   aligned), then per-record min-max normalisation `(m − min) / (max − min + ε)` if enabled,
//!   which maps a flat map to all zeros.
//! * For the loss use [`PostProcess::TRAINING`] (ReLU, no normalisation: NCC is invariant to
//!   it); for figures and metrics [`PostProcess::default`] (ReLU, min-max).

mod cam;
mod integrated;

pub use cam::{GradCam, GradCamPlusPlus, HiResCam};
pub use integrated::IntegratedGradients;

use candle::{D, Tensor};
use exg_model::{Classifier, Forward};
use serde::{Deserialize, Serialize};

use crate::{Error, Result, check, resample};

/// Which class each record is explained for.
#[derive(Clone, Copy, Debug)]
pub enum TargetClass<'a> {
    /// Given classes, one per record (the true labels, in training).
    Labels(&'a [usize]),
    /// The arg-max of the logits (inference).
    Predicted,
}

impl TargetClass<'_> {
    /// One class per record, checked against the logits' shape.
    ///
    /// # Shapes
    /// `logits (B, K)`.
    ///
    /// # Errors
    /// [`Error::Input`] for a label count other than `B`, a label `>= K`, or logits that are
    /// not `(B, K)` with `B, K >= 1`.
    pub fn resolve(&self, logits: &Tensor) -> Result<Vec<usize>> {
        let (b, k) = check::batch_of_maps(logits, "logits")?;
        match self {
            Self::Labels(l) => {
                check::classes(l, b, k)?;
                Ok(l.to_vec())
            }
            Self::Predicted => Ok(logits
                .detach()
                .argmax(D::Minus1)?
                .to_vec1::<u32>()?
                .into_iter()
                .map(|c| c as usize)
                .collect()),
        }
    }
}

/// Per-record normalisation of a map.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// Leave the values as they are.
    None,
    /// `(m − min) / (max − min + eps)`: values in `[0, 1)`, a flat map becomes all zeros.
    MinMax {
        /// Added to the range; must be finite and > 0.
        eps: f64,
    },
}

/// How a raw map is post-processed (see the [module docs](self) for the order).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostProcess {
    /// Keep only positive evidence (`max(m, 0)`), before resampling.
    pub relu: bool,
    /// Normalisation, after resampling.
    pub normalize: Normalize,
}

impl PostProcess {
    /// For the XAI loss: ReLU, no normalisation (NCC does not need it).
    pub const TRAINING: Self = Self {
        relu: true,
        normalize: Normalize::None,
    };
    /// No post-processing at all (signed raw map).
    pub const RAW: Self = Self {
        relu: false,
        normalize: Normalize::None,
    };

    /// Applies the post-processing to raw maps, resampling to `len` samples if given.
    /// Differentiable.
    ///
    /// # Shapes
    /// `(B, L)` → `(B, len)` (or `(B, L)`).
    ///
    /// # Errors
    /// [`Error::Input`] for a tensor that is not `(B, L)`, `len == Some(0)` or a bad `eps`.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> exg_xai::Result<()> {
    /// use candle::{Device, Tensor};
    /// use exg_xai::saliency::PostProcess;
    /// let raw = Tensor::new(&[[-1f32, 1., 3.], [2., 2., 2.]], &Device::Cpu)?;
    /// let m = PostProcess::default().apply(&raw, None)?.to_vec2::<f32>()?;
    /// assert!((m[0][2] - 1.0).abs() < 1e-6 && m[0][0] == 0.0); // ReLU, then min-max
    /// assert_eq!(m[1], vec![0.0; 3]); // a flat map is all zeros
    /// # Ok(()) }
    /// ```
    pub fn apply(&self, raw: &Tensor, len: Option<usize>) -> Result<Tensor> {
        check::batch_of_maps(raw, "map")?;
        let mut m = if self.relu { raw.relu()? } else { raw.clone() };
        if let Some(len) = len {
            m = resample(&m, len)?;
        }
        if let Normalize::MinMax { eps } = self.normalize {
            check::eps(eps, "min-max normalisation")?;
            let lo = m.min_keepdim(D::Minus1)?;
            let range = (m.max_keepdim(D::Minus1)? - &lo)?.affine(1.0, eps)?;
            m = m.broadcast_sub(&lo)?.broadcast_div(&range)?;
        }
        Ok(m)
    }
}

impl Default for PostProcess {
    /// For figures and metrics: ReLU, min-max with `eps = 1e-8`.
    fn default() -> Self {
        Self {
            relu: true,
            normalize: Normalize::MinMax { eps: 1e-8 },
        }
    }
}

/// The length a map is returned at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The method's own length: `T'` for CAMs, `T` for input attributions.
    Native,
    /// Resampled (linear, centre aligned) to this many samples, e.g. the input length `T`.
    Length(usize),
}

impl Resolution {
    fn len(self) -> Option<usize> {
        match self {
            Self::Native => None,
            Self::Length(n) => Some(n),
        }
    }
}

/// A batch explained: maps, the classes they explain and the logits of the forward pass.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Explanation {
    /// `(B, L)` post-processed maps.
    pub maps: Tensor,
    /// The class each map explains.
    pub classes: Vec<usize>,
    /// `(B, K)` logits of the model (inference mode).
    pub logits: Tensor,
}

/// A saliency method: a map per record showing which time steps drove a class score.
///
/// Implementors write [`Saliency::raw`]; [`Saliency::map`] and [`Saliency::explain`] add the
/// conventions of the [module docs](self).
pub trait Saliency: Send + Sync {
    /// Short name for reports and figures, e.g. `"grad-cam"`.
    fn name(&self) -> &'static str;

    /// The post-processing this method applies.
    fn post_process(&self) -> PostProcess;

    /// The raw (signed, un-normalised) maps at the native length.
    ///
    /// `fwd` must be `model.forward_all_t(xs, _)` for the same `xs`: methods that read the
    /// activations use it rather than rerunning the trunk; methods on the input use `xs`.
    ///
    /// # Shapes
    /// `xs (B, 1, T)`, `classes [B]` → `(B, L)`.
    ///
    /// # Errors
    /// [`Error::Input`] for inconsistent shapes or class indices out of range.
    fn raw(
        &self,
        model: &dyn Classifier,
        xs: &Tensor,
        fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor>;

    /// Post-processed maps at the requested resolution.
    ///
    /// # Errors
    /// As [`Saliency::raw`] and [`PostProcess::apply`].
    fn map(
        &self,
        model: &dyn Classifier,
        xs: &Tensor,
        fwd: &Forward,
        classes: &[usize],
        res: Resolution,
    ) -> Result<Tensor> {
        let raw = self.raw(model, xs, fwd, classes)?;
        self.post_process().apply(&raw, res.len())
    }

    /// Runs the model in inference mode, picks the classes and returns the maps.
    ///
    /// # Shapes
    /// `xs (B, 1, T)`.
    ///
    /// # Errors
    /// [`Error::Input`] for an input that is not `(B, 1, T)` (f32/f64, `B, T >= 1`), holds a NaN
    /// or infinite value, or whose `T` differs from the model's
    /// [`input_len`](Classifier::input_len); bad labels; model errors.
    fn explain(
        &self,
        model: &dyn Classifier,
        xs: &Tensor,
        class: TargetClass<'_>,
        res: Resolution,
    ) -> Result<Explanation> {
        check::model_input(model, xs)?;
        let fwd = model.forward_all_t(xs, false)?;
        let classes = class.resolve(&fwd.logits)?;
        let maps = self.map(model, xs, &fwd, &classes, res)?;
        Ok(Explanation {
            maps: maps.detach(),
            classes,
            logits: fwd.logits.detach(),
        })
    }
}

/// `Σ_b score[b, classes[b]]`: the scalar whose gradient gives every record's class gradient at
/// once (records do not interact in inference mode).
pub(crate) fn class_score(logits: &Tensor, classes: &[usize]) -> Result<Tensor> {
    let (b, k) = check::batch_of_maps(logits, "logits")?;
    check::classes(classes, b, k)?;
    let idx = check::class_tensor(classes, logits.device())?.unsqueeze(1)?;
    Ok(logits.gather(&idx, 1)?.sum_all()?)
}

/// The gradient of `score` with respect to the leaf `var`, or an error naming `what` when the
/// score does not depend on it.
pub(crate) fn grad_of(score: &Tensor, var: &candle::Var, what: &str) -> Result<Tensor> {
    let grads = score.backward()?;
    grads
        .get(var.as_tensor())
        .cloned()
        .ok_or_else(|| Error::Input(format!("the class score does not depend on the {what}")))
}
