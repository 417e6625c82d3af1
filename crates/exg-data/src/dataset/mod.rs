//! Datasets: where their files are, how their labels read, and the class schemes that map
//! those labels to training classes.
//!
//! [`catalog`] loads any of them (and a synthetic set) from one [`catalog::DatasetSpec`] into
//! labelled single-lead ECGs for training.
//!
//! | module | dataset | labels |
//! |---|---|---|
//! | [`chapman`] | Chapman-Shaoxing 12-lead (10,646 records, 500 Hz, 10 s) | `Diagnostics.xlsx` rhythm acronyms |
//! | [`cinc2021`] | CinC 2021 sets (Ningbo, Georgia, PTB-XL...) | SNOMED CT codes in `# Dx:` |
//! | [`cinc2017`] | CinC 2017 AF challenge (single lead, 300 Hz) | `REFERENCE.csv`: N, A, O, ~ |
//! | [`mitdb`] | MIT-BIH Arrhythmia (48 x 30 min, 360 Hz) | `.atr` beats and rhythm changes |
//! | [`cpsc2019`] | CPSC 2019 QRS detection (10 s, 500 Hz, single lead, MAT v5) | expert R-peaks |
//! | [`ludb`] | LUDB (200 x 10 s, 500 Hz, 12 leads) | per-lead P/QRS/T delineation |
//!
//! Chapman and CinC 2021 labels become [`RhythmLabel`]s; a [`ClassScheme`] ([`Group4`],
//! [`Paper5`], [`Paper6`], or your own) turns rhythms into classes, and [`assign`] says why a
//! record has none ([`Exclusion`]). Mapping tables: [`labels`] and `docs/datasets.md`.
//! Folds for cross-validation are in [`crate::split`].

pub mod catalog;
pub mod chapman;
pub mod cinc2017;
pub mod cinc2021;
pub mod cpsc2019;
pub mod labels;
pub mod ludb;
pub mod mitdb;

use std::path::Path;

pub use labels::{
    Assignment, ClassScheme, Exclusion, Group4, Paper5, Paper6, RhythmLabel, Scheme, Tally, assign,
};

use crate::{Error, Result};

/// Calls `f` on every file under `dir`, recursively (directories in no particular order;
/// callers sort).
pub(crate) fn walk_files(dir: &Path, f: &mut dyn FnMut(&Path)) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            walk_files(&path, f)?;
        } else {
            f(&path);
        }
    }
    Ok(())
}
