//! # exg-train
//!
//! Training and evaluation of EXGnet-style classifiers: losses ([`loss`]), classification metrics
//! ([`metrics`]), late fusion with a feature classifier kept at deployment ([`fusion`]),
//! learning-rate schedules ([`schedule`]) and a checkpointable AdamW
//! ([`optim`]), atomic, one-file checkpoints ([`checkpoint`]), and the run folder's files:
//! per-epoch CSV, learning-curve and confusion-matrix figures, and a markdown report
//! ([`report`]).
//!
//! See `docs/training.md` for the objective, schedule, model selection and every default.

pub mod checkpoint;
pub mod cv;
mod error;
pub mod fusion;
pub mod loss;
pub mod metrics;
pub mod optim;
pub mod prepare;
pub mod progress;
pub mod report;
pub mod schedule;
pub mod study;
pub mod trainer;

pub use error::{Error, Result};
