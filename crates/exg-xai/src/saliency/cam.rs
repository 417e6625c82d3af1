//! The CAM family: Grad-CAM (exact and differentiable for GAP → linear heads, backpropagated
//! otherwise), Grad-CAM++ and HiResCAM.

use candle::{D, Tensor, Var};
use exg_model::{Classifier, Forward};

use super::{PostProcess, Resolution, Saliency, class_score, grad_of};
use crate::{Error, Result, check};

/// Grad-CAM (Selvaraju et al. 2017) on the activation map `A (B, C, T')` of the last block:
/// `cam_c = Σ_k α_k A_k` with `α_k = mean_t ∂y_c/∂A_k(t)`, ReLU applied by [`PostProcess`].
///
/// With a global-average-pooling → linear head (EXGnet's), the score is
/// `y_c = b_c + Σ_k W[c,k] · mean_t A_k(t)`, so `∂y_c/∂A_k(t) = W[c,k] / T'` at every `t` and
///
/// ```text
/// cam_c = ReLU( Σ_k W[c,k] / T' · A_k )
/// ```
///
/// exactly: [`GradCam::differentiable`] computes this with ordinary tensor ops, so the map stays
/// in the autograd graph of the trunk and of `W` and the XAI loss needs no second backward.
/// Through the [`Saliency`] trait, any [`Classifier`] is served by backpropagating the class
/// score to a detached copy of the activations (no gradient to the model).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GradCam {
    /// Post-processing of the maps.
    pub post: PostProcess,
}

impl GradCam {
    /// Grad-CAM with the given post-processing.
    pub fn new(post: PostProcess) -> Self {
        Self { post }
    }

    /// The exact, differentiable Grad-CAM of a GAP → linear head, post-processed and at the
    /// requested resolution: gradients reach the activations (hence the trunk) and the head
    /// weight.
    ///
    /// `head_weight` is the head's `W (K, C)` (for EXGnet, `Classifier::head_weight()`); the
    /// result is only Grad-CAM if the head really is global average pooling followed by this
    /// linear layer.
    ///
    /// # Shapes
    /// `fwd.activations (B, C, T')`, `head_weight (K, C)`, `classes [B]` → `(B, T')` or
    /// `(B, len)`.
    ///
    /// # Errors
    /// [`Error::Input`] for shapes that do not fit, `T' = 0`, an empty batch or a class `>= K`.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> exg_xai::Result<()> {
    /// use candle::{DType, Device, Tensor};
    /// use exg_model::{Classifier, ExgNet, ExgNetConfig, init::SeededVarMap};
    /// use exg_xai::saliency::{GradCam, PostProcess, Resolution};
    /// let cfg = ExgNetConfig::tiny();
    /// let net = ExgNet::new(&cfg, SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu))?;
    /// let xs = Tensor::randn(0f32, 1., (2, 1, cfg.input_len), &Device::Cpu)?;
    /// let fwd = net.forward_all_t(&xs, true)?;
    /// let labels = [0, 2];
    /// let cam = GradCam::new(PostProcess::TRAINING).differentiable(
    ///     &fwd, net.head_weight().expect("GAP -> linear head"), &labels, Resolution::Length(cfg.input_len))?;
    /// assert_eq!(cam.dims(), &[2, cfg.input_len]); // ready for exg_xai::ncc_loss
    /// # Ok(()) }
    /// ```
    pub fn differentiable(
        &self,
        fwd: &Forward,
        head_weight: &Tensor,
        classes: &[usize],
        res: Resolution,
    ) -> Result<Tensor> {
        let raw = gap_linear_cam(&fwd.activations, head_weight, classes)?;
        self.post.apply(&raw, res.len())
    }
}

/// `Σ_k W[c_b, k] / T' · A[b, k, :]`, one batched matmul `(B, 1, C) × (B, C, T')`.
fn gap_linear_cam(a: &Tensor, w: &Tensor, classes: &[usize]) -> Result<Tensor> {
    let (b, c, t) = check::activations(a)?;
    let (k, cw) = match w.dims() {
        [k, cw] => (*k, *cw),
        d => {
            return Err(Error::Input(format!(
                "head weight: expected (K, C), got {d:?}"
            )));
        }
    };
    if cw != c || k == 0 {
        return Err(Error::Input(format!(
            "head weight ({k}, {cw}) does not fit activations with {c} channels"
        )));
    }
    check::classes(classes, b, k)?;
    let wc = w
        .to_dtype(a.dtype())?
        .index_select(&check::class_tensor(classes, a.device())?, 0)?
        .affine(1.0 / t as f64, 0.0)?;
    Ok(wc.unsqueeze(1)?.matmul(&a.contiguous()?)?.squeeze(1)?)
}

/// Detached activations `A` and `G = ∂(Σ_b y[b, c_b]) / ∂A`, both `(B, C, T')`, from the head
/// rerun in inference mode on a leaf copy of the activations.
fn activation_gradients(
    model: &dyn Classifier,
    fwd: &Forward,
    classes: &[usize],
) -> Result<(Tensor, Tensor)> {
    check::activations(&fwd.activations)?;
    let a = Var::from_tensor(&fwd.activations.detach())?;
    let (_, logits) = model.head_t(a.as_tensor(), false)?;
    let g = grad_of(&class_score(&logits, classes)?, &a, "activations")?;
    Ok((a.as_tensor().clone(), g))
}

/// `Σ_k α[b, k] A[b, k, :]` for channel weights `α (B, C)`.
fn weighted_sum(alpha: &Tensor, a: &Tensor) -> Result<Tensor> {
    Ok(alpha.unsqueeze(1)?.matmul(&a.contiguous()?)?.squeeze(1)?)
}

impl Saliency for GradCam {
    fn name(&self) -> &'static str {
        "grad-cam"
    }

    fn post_process(&self) -> PostProcess {
        self.post
    }

    fn raw(
        &self,
        model: &dyn Classifier,
        _xs: &Tensor,
        fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor> {
        // The exact path when the model says its head is GAP -> linear.
        if let Some(w) = model.head_weight() {
            return gap_linear_cam(&fwd.activations, w, classes);
        }
        self.backpropagated(model, fwd, classes)
    }
}

impl GradCam {
    /// The raw (unprocessed, `(B, T')`) Grad-CAM of any [`Classifier`] by its definition:
    /// channel weights are the time-mean of `∂y_c/∂A`, backpropagated from the class scores to
    /// a detached leaf copy of the activations (no gradient flows to the model). What
    /// [`Saliency::raw`] uses for heads other than GAP → linear.
    pub fn backpropagated(
        &self,
        model: &dyn Classifier,
        fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor> {
        let (a, g) = activation_gradients(model, fwd, classes)?;
        weighted_sum(&g.mean(D::Minus1)?, &a)
    }
}

/// Grad-CAM++ (Chattopadhay et al. 2018), with the closed-form weights of the exponential score
/// as implemented by pytorch-grad-cam:
/// `a_kt = g² / (2g² + (Σ_t A_k) g³ + 1e-6)` (0 where `g = 0`), `α_k = Σ_t a_kt ReLU(g_kt)`,
/// `cam = Σ_k α_k A_k`. Inspection only (detached).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GradCamPlusPlus {
    /// Post-processing of the maps.
    pub post: PostProcess,
}

/// pytorch-grad-cam's epsilon in the Grad-CAM++ denominator.
const PLUS_PLUS_EPS: f64 = 1e-6;

impl Saliency for GradCamPlusPlus {
    fn name(&self) -> &'static str {
        "grad-cam++"
    }

    fn post_process(&self) -> PostProcess {
        self.post
    }

    fn raw(
        &self,
        model: &dyn Classifier,
        _xs: &Tensor,
        fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor> {
        let (a, g) = activation_gradients(model, fwd, classes)?;
        let g2 = g.sqr()?;
        let g3 = (&g2 * &g)?;
        let sum_a = a.sum_keepdim(D::Minus1)?;
        let den = (g2.affine(2.0, 0.0)? + g3.broadcast_mul(&sum_a)?)?.affine(1.0, PLUS_PLUS_EPS)?;
        let aij = g.ne(0.0)?.where_cond(&(g2 / den)?, &g.zeros_like()?)?;
        let alpha = (aij * g.relu()?)?.sum(D::Minus1)?;
        weighted_sum(&alpha, &a)
    }
}

/// HiResCAM (Draelos & Carin 2020): `cam = Σ_k ∂y_c/∂A_k ⊙ A_k`, element-wise, without
/// averaging the gradient over time. With a GAP → linear head the gradient is constant in
/// time and HiResCAM equals Grad-CAM; they differ for heads that see time. Inspection only.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HiResCam {
    /// Post-processing of the maps.
    pub post: PostProcess,
}

impl Saliency for HiResCam {
    fn name(&self) -> &'static str {
        "hires-cam"
    }

    fn post_process(&self) -> PostProcess {
        self.post
    }

    fn raw(
        &self,
        model: &dyn Classifier,
        _xs: &Tensor,
        fwd: &Forward,
        classes: &[usize],
    ) -> Result<Tensor> {
        let (a, g) = activation_gradients(model, fwd, classes)?;
        Ok((g * a)?.sum(1)?)
    }
}
