//! # exg-model
//!
//! The EXGnet network (single-lead ECG classifier built from multiresolution blocks) on
//! [candle](https://github.com/huggingface/candle), with its own CPU kernels for the hot layers.
//!
//! * [`Classifier`]: the seam every network implements (trunk/head split, variables, the
//!   Grad-CAM head weight); a trainer and explanation methods need nothing else.
//! * [`ExgNet`]: the deployable network (`net.*` parameters): trunk of [`layers::MultiResBlock`]s,
//!   global average pooling, one linear layer. Its [`Classifier::forward_all_t`] returns a
//!   [`Forward`] with the activation map (for Grad-CAM), the embedding and the logits, all in
//!   the autograd graph.
//! * [`FeatureHead`]: the train-only branch (`aux.*`) joining quantitative features to any
//!   [`Classifier`]'s embedding, sized by a [`FeatureHeadConfig`].
//! * [`ExgNetConfig`]: serde configuration, presets [`ExgNetConfig::paper`] and
//!   [`ExgNetConfig::edge`], parameter and FLOP counts ([`ExgNetConfig::cost`]).
//! * [`layers`]: the building blocks, each built from a plain `VarBuilder` and listing its own
//!   tensors ([`layers::NamedTensors`]), for other networks too.
//! * [`ops`]: conv1d, fused batch norm and max pooling as candle custom ops with hand-written,
//!   finite-difference-tested gradients (candle 0.11.1's CPU conv1d gradients are wrong for
//!   batch > 1).
//! * [`described`]: the self-describing deployable file ([`ExgNet::save_described`],
//!   [`ExgNet::load_described`]): configuration, class names, preprocessing ([`Preprocessing`]),
//!   exg version and training data in the safetensors metadata ([`ModelMeta`]).
//! * [`Ensemble`]: several networks of one configuration, probabilities averaged; stored in one
//!   described file ([`Ensemble::save_described`], [`Ensemble::load_described`]).
//! * [`trees`]: gradient-boosted trees ([`trees::BoostedTrees`]) for a feature classifier kept
//!   beside the network at deployment, stored in the same file.
//! * [`init::SeededVarMap`]: seeded, reproducible initialisation.
//!
//! Conventions: tensors are `(batch, channel, time)`; inputs are one lead at the configured
//! sampling rate and length. This crate knows nothing about ECG files or features: it takes
//! tensors.
//!
//! ```
//! # fn main() -> exg_model::Result<()> {
//! use candle::{DType, Device, Tensor};
//! use exg_model::{ExgNet, ExgNetConfig, init::SeededVarMap};
//! let cfg = ExgNetConfig::tiny();
//! let net = ExgNet::new(&cfg, SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu))?;
//! let x = Tensor::randn(0f32, 1., (3, 1, cfg.input_len), &Device::Cpu)?;
//! let p = net.predict_proba(&x)?; // (3, n_classes), rows sum to 1
//! assert_eq!(p.dims(), &[3, cfg.n_classes]);
//! # Ok(()) }
//! ```
//!
//! Errors: one [`Error`] for the model-level API (constructors, `load`/`save`, configuration and
//! input checks), wrapping candle's. Tensor-level functions ([`ops`], layer forwards, the
//! [`Classifier`] methods) return [`candle::Result`], as candle-nn does, and `?` converts.
//!
//! Other crates of the workspace: `exg-signal` (signals, filters, R-peaks), `exg-data` (file
//! formats, datasets), `exg-features` (HRV features), `exg-cli` (the `exg` binary).

pub mod config;
pub mod described;
mod ensemble;
mod error;
pub mod init;
pub mod layers;
mod model;
pub mod ops;
pub mod trees;

pub use config::{AuxConfig, BlockConfig, BlockKind, Cost, ExgNetConfig, FeatureHeadConfig};
pub use described::{ModelMeta, Normalise, Pad, Preprocessing};
pub use ensemble::Ensemble;
pub use error::{Error, Result};
pub use model::{Classifier, ExgNet, FeatureHead, Forward};
