//! # exg-xai
//!
//! Explanations for 1-D ECG classifiers that can sit inside a training loss (EXGnet's XAI
//! supervision), and the tools to judge them.
//!
//! See `docs/xai.md` for every convention.

mod error;

pub use error::{Error, Result};
