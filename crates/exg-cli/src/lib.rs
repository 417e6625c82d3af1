//! The `exg` binary. Each subcommand lives in its own module under `cmd/`.
//!
//! Exit codes: 0 success, 1 the input could not be processed (corrupt, unsupported, no result),
//! 2 bad command line (clap's convention). Errors are one line on stderr; nothing panics.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Benchmarks (e.g. `exg bench train --config FILE --steps N --json`).
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(a) => cmd::info::run(a),
        Command::Peaks(a) => cmd::peaks::run(a),
        Command::ScorePeaks(a) => cmd::score_peaks::run(a),
        Command::Hrv(a) => cmd::hrv::run(a),
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
