//! `exg hrv` (being implemented).

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`hrv` is not implemented yet")
}
