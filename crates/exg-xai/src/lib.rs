//! # exg-xai
//!
//! Explanations for 1-D ECG classifiers that can sit inside a training loss (EXGnet's XAI
//! supervision), and the tools to judge them.
//!
//! * [`target`]: attention targets derived from R-peaks (the [`AttentionTarget`] trait, the
//!   HRV-based [`HrvTarget`]) and their check against hand-annotated waves;
//! * [`figure`]: the explanation figure (ECG, R-peaks, saliency band, target) as PNG or SVG.
//!
//! See `docs/xai.md` for every convention.

mod error;
pub mod figure;
pub mod target;

pub use error::{Error, Result};
pub use figure::{ExplainFigure, Prediction};

pub use target::{AttentionTarget, HrvTarget, HrvTargetConfig, NoTarget, TargetMap, TargetOutcome};
