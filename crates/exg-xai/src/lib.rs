//! # exg-xai
//!
//! Explanations for 1-D ECG classifiers that can sit inside a training loss (EXGnet's XAI
//! supervision), and the tools to judge them.
//!
//! * [`saliency`]: the [`Saliency`] trait; [`GradCam`] with its exact, differentiable map for
//!   global-average-pooling → linear heads ([`GradCam::differentiable`]) and a backpropagated
//!   path for any [`exg_model::Classifier`]; [`saliency::GradCamPlusPlus`],
//!   [`saliency::HiResCam`] and [`saliency::IntegratedGradients`] for comparison; the map
//!   conventions ([`saliency::TargetClass`], [`saliency::PostProcess`]).
//! * [`resample()`]: linear interpolation between the activation length `T'` and the input
//!   length `T`, with its own backward.
//! * [`ncc()`] and [`ncc_loss`]: normalised cross-correlation per record and the XAI loss
//!   `1 − NCC`, averaged over the records that have a target.
//! * [`metrics`]: CAM-target NCC, pointing game, relevance mass, deletion/insertion curves and
//!   their AUC, the parameter-randomisation sanity check.
//! * [`target`]: attention targets derived from R-peaks (the [`AttentionTarget`] trait, the
//!   HRV-based [`HrvTarget`]) and their check against hand-annotated waves;
//! * [`figure`]: the explanation figure (ECG, R-peaks, saliency band, target) as PNG or SVG.
//!
//! Maps and targets cross the crate boundary as candle tensors of shape `(B, T)` (f32 or f64);
//! which records have a target is a separate `[bool]` mask.
//!
//! One XAI training step, the paper's way (true-class Grad-CAM, upsampled to the target's
//! length, `1 − NCC`), adds only cheap `O(B·T)` ops to the graph and no second backward:
//!
//! ```
//! # fn main() -> exg_xai::Result<()> {
//! use candle::{DType, Device, Tensor};
//! use exg_model::{Classifier, ExgNet, ExgNetConfig, init::SeededVarMap};
//! use exg_xai::saliency::{GradCam, PostProcess, Resolution};
//! let cfg = ExgNetConfig::tiny();
//! let vars = SeededVarMap::new(0);
//! let net = ExgNet::new(&cfg, vars.var_builder(DType::F32, &Device::Cpu))?;
//! let xs = Tensor::randn(0f32, 1., (2, 1, cfg.input_len), &Device::Cpu)?;
//! let targets = Tensor::rand(0f32, 1., (2, cfg.input_len), &Device::Cpu)?;
//! let labels = [1, 0];
//!
//! let fwd = net.forward_all_t(&xs, true)?;
//! let cam = GradCam::new(PostProcess::TRAINING).differentiable(
//!     &fwd, net.head_weight().expect("GAP -> linear head"), &labels, Resolution::Length(cfg.input_len))?;
//! let xai = exg_xai::ncc_loss(&cam, &targets, Some(&[true, true]), exg_xai::ncc::DEFAULT_EPS)?;
//! let grads = xai.loss.backward()?; // add it to the cross-entropy before backward in practice
//! assert!(grads.get(net.head_weight().expect("GAP -> linear head")).is_some());
//! # Ok(()) }
//! ```
//!
//! See `docs/xai.md` for every convention.

mod check;
mod error;
pub mod figure;
pub mod metrics;
pub mod ncc;
pub mod resample;
pub mod saliency;
pub mod target;

pub use error::{Error, Result};
pub use figure::{ExplainFigure, Prediction};
pub use ncc::{NccLoss, ncc, ncc_loss};
pub use resample::resample;
pub use saliency::{GradCam, Saliency};
pub use target::{AttentionTarget, HrvTarget, HrvTargetConfig, NoTarget, TargetMap, TargetOutcome};
