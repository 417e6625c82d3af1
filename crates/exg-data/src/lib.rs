//! # exg-data
//!
//! Readers for the ECG file formats and datasets the `exg` workspace uses, all producing one
//! [`Record`] type whose sampling rate is typed ([`exg_signal::Hz`]).
//!
//! File formats live in [`format`](mod@format): [`format::open`] sniffs the format of any supported file;
//! WFDB records are read with [`format::wfdb::read_record`]`("dir/100")` (whole record, physical
//! units), [`format::wfdb::SignalReader`] (chunked) and
//! [`format::wfdb::read_annotations`]`("dir/100", "atr")` (beats: [`exg_signal::score::is_beat_symbol`]).
//!
//! Datasets live in [`dataset`]: Chapman-Shaoxing (`Diagnostics.xlsx` + waveform CSVs), CinC 2021
//! (SNOMED CT codes), CinC 2017 (`REFERENCE.csv`) and MIT-BIH (beats, rhythm stretches), with
//! class schemes ([`dataset::Group4`], [`dataset::Paper5`], [`dataset::Paper6`]) that report
//! excluded records instead of dropping them. [`dataset::catalog`] loads any of them (or a
//! synthetic set) from one [`dataset::catalog::DatasetSpec`] into labelled single-lead ECGs for
//! training. Reproducible cross-validation folds: [`split`].
//!
//! Where tests find the real datasets (`$EXG_DATA_DIR`, `EXG_REQUIRE_DATA`): [`testdata`].
//!
//! The synthetic ECG generator lives in `exg_signal::synthetic` (next to the signal types it
//! produces); [`Record::from_synthetic`] turns its output into a [`Record`].

pub mod dataset;
mod error;
pub mod format;
mod guard;
mod record;
pub mod split;
pub mod testdata;

pub use error::{Error, Result};
pub use record::{Annotation, Channel, Metadata, Record};
