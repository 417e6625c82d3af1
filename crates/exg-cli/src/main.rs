//! The `exg` binary: [`exg_cli::run`] with the built-in R-peak detectors.

use std::process::ExitCode;

use exg_signal::rpeaks::Registry;

fn main() -> ExitCode {
    exg_cli::run(std::env::args_os(), &Registry::builtin())
}
