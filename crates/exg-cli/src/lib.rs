//! # exg-cli
//!
//! The `exg` command-line tool (`info`, `peaks`, `score-peaks`, `hrv`, `predict`, `explain`,
//! `train`, `cv`, `eval`, `bench`) as a library, so
//! that a program can run the same commands with its own R-peak detectors: [`run`] takes the
//! command line and the [`Registry`] that `--detector NAME` is looked up in. The `exg` binary is
//! `run(std::env::args_os(), &Registry::builtin())`.
//!
//! ```no_run
//! use std::process::ExitCode;
//! use exg_signal::rpeaks::{Hamilton, Registry};
//!
//! fn main() -> ExitCode {
//!     let mut registry = Registry::builtin();
//!     registry.register("hamilton-strict", || {
//!         Box::new(Hamilton { threshold_coeff: 0.4, ..Hamilton::default() })
//!     });
//!     // `my-exg peaks rec.hea --detector hamilton-strict`, `my-exg score-peaks DIR --detector all`
//!     exg_cli::run(std::env::args_os(), &registry)
//! }
//! ```
//!
//! Exit codes: 0 success, 1 the input could not be processed (corrupt, unsupported, no result),
//! 2 bad command line (clap's convention). Errors are one line on stderr; nothing panics.
//! Each subcommand lives in its own module under `cmd/`.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use exg_signal::rpeaks::Registry;

mod cmd;

#[derive(Parser)]
#[command(name = "exg", version, about = "ECG tools from the exg workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a record's format, sampling rate, channels and metadata as JSON.
    Info(cmd::info::Args),
    /// Detect R-peaks and print `{"fs": F, "peaks": [...]}`.
    Peaks(cmd::peaks::Args),
    /// Score R-peak detectors against reference annotations (MIT-BIH style).
    ScorePeaks(cmd::score_peaks::Args),
    /// Compute HRV and quantitative features and print them as JSON.
    Hrv(cmd::hrv::Args),
    /// Classify records with a described model: class and probabilities per record.
    Predict(cmd::predict::Args),
    /// Grad-CAM of the predicted class with R-peaks and the HRV attention target, as a figure
    /// (`--out FILE.png|FILE.svg`) or JSON.
    Explain(cmd::explain::Args),
    /// Train a deployable model on every record of a dataset; writes a run folder.
    Train(cmd::study::train::Args),
    /// k-fold cross-validation by record on a dataset; writes a run folder with a report.
    Cv(cmd::study::cv::Args),
    /// Evaluate a described model on a labelled dataset (accuracy, macro-F1, per class, confusion).
    Eval(cmd::study::eval::Args),
    /// Fuse a cross-validated network with a feature classifier (nested evaluation; optionally
    /// writes the model with the classifier kept at deployment).
    Fuse(cmd::study::fuse::Args),
    /// Benchmarks (e.g. `exg bench train --config FILE --steps N --json`).
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
}

/// Runs the command line `args` (program name first, as [`std::env::args_os`] gives it) with
/// the detectors of `registry`, printing to stdout and stderr like the `exg` binary, and returns
/// its exit code.
pub fn run<I, T>(args: I, registry: &Registry) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` come here too, with exit code 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Info(a) => cmd::info::run(a),
        Command::Peaks(a) => cmd::peaks::run(a, registry),
        Command::ScorePeaks(a) => cmd::score_peaks::run(a, registry),
        Command::Hrv(a) => cmd::hrv::run(a, registry),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Train(a) => cmd::study::train::run(a),
        Command::Cv(a) => cmd::study::cv::run(a),
        Command::Eval(a) => cmd::study::eval::run(a),
        Command::Fuse(a) => cmd::study::fuse::run(a),
        Command::Bench(c) => cmd::bench::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints anyhow's context chain on one line.
            eprintln!("exg: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
