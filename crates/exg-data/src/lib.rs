//! # exg-data
//!
//! Readers for the ECG file formats and datasets the `exg` workspace uses, all producing one
//! [`Record`] type whose sampling rate is typed ([`exg_signal::Hz`]).

mod error;
mod record;

pub use error::{Error, Result};
pub use record::{Annotation, Channel, Metadata, Record};
