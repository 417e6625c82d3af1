//! `exg bench ...` (being implemented).

/// Benchmark subcommands.
#[derive(clap::Subcommand)]
pub enum BenchCommand {}

/// Runs the subcommand.
pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {}
}
