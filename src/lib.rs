//! # exg
//!
//! Facade over the `exg` workspace: EXGnet (arXiv 2506.12404) and the signal, feature and data
//! libraries around it. Each crate is re-exported as a module.

pub use exg_data as data;
pub use exg_features as features;
pub use exg_model as model;
pub use exg_signal as signal;
pub use exg_train as train;
pub use exg_xai as xai;
