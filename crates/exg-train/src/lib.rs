//! # exg-train
//!
//! Training and evaluation of EXGnet-style classifiers: classification metrics
//! ([`metrics`]) and learning-rate schedules ([`schedule`]).
//!
//! See `docs/training.md` for the objective, schedule, model selection and every default.

mod error;
pub mod metrics;
pub mod schedule;

pub use error::{Error, Result};
