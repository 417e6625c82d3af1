//! `exg score-peaks` (being implemented).

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`score-peaks` is not implemented yet")
}
