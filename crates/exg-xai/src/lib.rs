//! # exg-xai
//!
//! Explanations for 1-D ECG classifiers that can sit inside a training loss (EXGnet's XAI
//! supervision), and the tools to judge them.
//!
//! * [`resample()`]: linear interpolation between the activation length `T'` and the input
//!   length `T`, with its own backward.
//! * [`ncc()`] and [`ncc_loss`]: normalised cross-correlation per record and the XAI loss
//!   `1 − NCC`, averaged over the records that have a target.
//!
//! See `docs/xai.md` for every convention.

#[allow(dead_code)]
mod check;
mod error;
pub mod ncc;
pub mod resample;

pub use error::{Error, Result};
pub use ncc::{NccLoss, ncc, ncc_loss};
pub use resample::resample;
