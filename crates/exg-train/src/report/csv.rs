//! `epochs.csv`: one row per epoch with every [`EpochLog`] field.

use std::fmt::Write as _;
use std::path::Path;

use crate::trainer::EpochLog;
use crate::{Error, Result};

/// Column names of [`epochs_csv`], in order (the [`EpochLog`] field names).
pub const EPOCHS_CSV_HEADER: [&str; 11] = [
    "epoch",
    "lr",
    "loss",
    "ce",
    "ce_features",
    "xai",
    "xai_skipped",
    "train_accuracy",
    "val_score",
    "val_accuracy",
    "seconds",
];

/// The per-epoch table as CSV: the header [`EPOCHS_CSV_HEADER`], then one row per epoch.
///
/// Numbers are written in Rust's shortest round-trip form (`0.1`, `3e-5`, `NaN`, `inf`), so
/// [`parse_epochs_csv`] (or pandas, R, a spreadsheet) reads back exactly the logged values. A
/// missing validation figure (no validation split) is an empty field. An empty history gives
/// the header alone.
pub fn epochs_csv(history: &[EpochLog]) -> String {
    let mut csv = EPOCHS_CSV_HEADER.join(",");
    csv.push('\n');
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for e in history {
        // Writing to a String cannot fail.
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{}",
            e.epoch,
            e.lr,
            e.loss,
            e.ce,
            e.ce_features,
            e.xai,
            e.xai_skipped,
            e.train_accuracy,
            opt(e.val_score),
            opt(e.val_accuracy),
            e.seconds
        );
    }
    csv
}

/// Writes [`epochs_csv`] to `path` atomically (temporary file, flush, rename).
///
/// # Errors
/// [`Error::Input`] for an empty history (a run folder without epochs is a mistake);
/// [`Error::Io`] when the file cannot be written.
pub fn write_epochs_csv(path: &Path, history: &[EpochLog]) -> Result<()> {
    if history.is_empty() {
        return Err(Error::Input(format!(
            "{}: no epochs to write",
            path.display()
        )));
    }
    super::write_file(path, epochs_csv(history).as_bytes())
}

/// Reads back what [`epochs_csv`] wrote (to redraw a run folder's figures from its
/// `epochs.csv`). The header must be [`EPOCHS_CSV_HEADER`]; blank lines are ignored.
///
/// # Errors
/// [`Error::Input`] naming the line and column of the first field that does not parse, a row
/// with another number of fields, or a different header.
pub fn parse_epochs_csv(text: &str) -> Result<Vec<EpochLog>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if header != EPOCHS_CSV_HEADER {
        return Err(Error::Input(format!(
            "epochs CSV: the header must be `{}`",
            EPOCHS_CSV_HEADER.join(",")
        )));
    }
    lines
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != EPOCHS_CSV_HEADER.len() {
                return Err(Error::Input(format!(
                    "epochs CSV line {}: {} fields, {} expected",
                    i + 1,
                    fields.len(),
                    EPOCHS_CSV_HEADER.len()
                )));
            }
            let bad = |c: usize| {
                Error::Input(format!(
                    "epochs CSV line {}, column `{}`: cannot read `{}`",
                    i + 1,
                    EPOCHS_CSV_HEADER[c],
                    fields[c]
                ))
            };
            let f = |c: usize| fields[c].parse::<f64>().map_err(|_| bad(c));
            let n = |c: usize| fields[c].parse::<usize>().map_err(|_| bad(c));
            let opt = |c: usize| match fields[c] {
                "" => Ok(None),
                _ => f(c).map(Some),
            };
            Ok(EpochLog {
                epoch: n(0)?,
                lr: f(1)?,
                loss: f(2)?,
                ce: f(3)?,
                ce_features: f(4)?,
                xai: f(5)?,
                xai_skipped: n(6)?,
                train_accuracy: f(7)?,
                val_score: opt(8)?,
                val_accuracy: opt(9)?,
                seconds: f(10)?,
            })
        })
        .collect()
}
