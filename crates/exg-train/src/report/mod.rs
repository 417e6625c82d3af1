//! The run folder's files from training results: the per-epoch table (`epochs.csv`), the
//! learning-curve and confusion-matrix figures (PNG or SVG), and a markdown report with the
//! evaluation tables.
//!
//! * [`epochs_csv`] / [`write_epochs_csv`] / [`parse_epochs_csv`]: one row per
//!   [`EpochLog`](crate::trainer::EpochLog), every field, values that read back exactly.
//! * [`LearningCurves`]: losses (total, signal-head CE, feature-head CE, XAI term), training
//!   accuracy and validation score against the epoch, for one run or the folds of a study, the
//!   selected epoch marked.
//! * [`ConfusionFigure`]: counts and row shares, shaded, with each class's sensitivity in its
//!   row label.
//! * [`Report`]: a small markdown builder (headings, paragraphs, lists, tables, images with
//!   relative links, code blocks); [`evaluation_table`], [`summary_table`] and
//!   [`confusion_table`] give its tables.
//!
//! Figures use the DejaVu Sans font embedded in exg-xai (no system font); every file is written
//! atomically with [`write_atomic`](crate::checkpoint::write_atomic), so a run killed at any
//! moment leaves whole files only. Bad input (an empty history, a confusion matrix that does not
//! match its classes, an unknown extension) is an [`Error::Input`], never a
//! panic.
//!
//! A run folder, end to end:
//!
//! ```
//! use exg_train::cv::Evaluation;
//! use exg_train::metrics::Confusion;
//! use exg_train::report::{
//!     ConfusionFigure, LearningCurves, Report, evaluation_table, write_epochs_csv,
//! };
//! use exg_train::trainer::EpochLog;
//!
//! let out = std::env::temp_dir().join(format!("exg-report-doc-{}", std::process::id()));
//! std::fs::create_dir_all(out.join("figures"))?;
//!
//! // What a training run produced: its history and a held-out evaluation.
//! let history: Vec<EpochLog> = (1..=8)
//!     .map(|epoch| {
//!         let t = epoch as f64;
//!         EpochLog {
//!             epoch,
//!             lr: 1e-3,
//!             loss: 1.0 + 2.0 / t,
//!             ce: 0.2 + 1.0 / t,
//!             ce_features: 0.3 + 0.8 / t,
//!             xai: 0.4 + 0.2 / t,
//!             xai_skipped: 0,
//!             train_accuracy: 1.0 - 0.5 / t,
//!             val_score: Some(0.9 - 0.4 / t),
//!             val_accuracy: Some(0.92 - 0.4 / t),
//!             seconds: 0.5,
//!         }
//!     })
//!     .collect();
//! let classes = vec!["SR".to_string(), "AFIB".to_string(), "SVT".to_string()];
//! let c = Confusion::from_pairs(3, &[0, 0, 1, 1, 2, 2], &[0, 0, 1, 2, 2, 2])?;
//! let eval = Evaluation::from_confusion(&c, &classes, None);
//!
//! write_epochs_csv(&out.join("epochs.csv"), &history)?;
//! LearningCurves::new("learning curves")
//!     .with_run("run", &history, Some(7))
//!     .render(&out.join("figures/curves.png"))?;
//! ConfusionFigure::of_evaluation("held-out records", &eval)
//!     .render(&out.join("figures/confusion.png"))?;
//!
//! let (headers, rows) = evaluation_table(&eval);
//! let mut report = Report::new("Run");
//! report
//!     .paragraph(format!("Accuracy {:.3}, macro-F1 {:.3}.", eval.accuracy, eval.macro_f1))
//!     .table(&headers, &rows)
//!     .image(out.join("figures/curves.png"), "learning curves")
//!     .image("figures/confusion.png", "confusion matrix");
//! report.write(&out.join("report.md"))?;
//!
//! let md = std::fs::read_to_string(out.join("report.md"))?;
//! assert!(md.contains("![learning curves](figures/curves.png)"));
//! assert_eq!(std::fs::read_to_string(out.join("epochs.csv"))?.lines().count(), 9);
//! # std::fs::remove_dir_all(&out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;
mod figures;
mod markdown;

use std::path::Path;

pub use csv::{EPOCHS_CSV_HEADER, epochs_csv, parse_epochs_csv, write_epochs_csv};
pub use figures::{ConfusionFigure, LEARNING_CURVES_SIZE, LearningCurves};
pub use markdown::{Report, confusion_table, evaluation_table, summary_table};

use crate::{Error, Result};

/// [`write_atomic`](crate::checkpoint::write_atomic), its I/O error as this crate's
/// [`Error::Io`].
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::checkpoint::write_atomic(path, bytes).map_err(|e| match e {
        exg_model::Error::Io { path, source } => Error::Io { path, source },
        other => Error::Model(other),
    })
}

/// Checks that `confusion` is `classes.len()` square, with at least one class.
fn check_square(classes: &[String], confusion: &[Vec<u64>]) -> Result<()> {
    let k = classes.len();
    if k == 0 {
        return Err(Error::Input("confusion matrix: no class".into()));
    }
    if confusion.len() != k {
        return Err(Error::Input(format!(
            "confusion matrix: {} rows for {k} classes",
            confusion.len()
        )));
    }
    if let Some((r, row)) = confusion.iter().enumerate().find(|(_, row)| row.len() != k) {
        return Err(Error::Input(format!(
            "confusion matrix: row {r} has {} counts for {k} classes",
            row.len()
        )));
    }
    Ok(())
}
