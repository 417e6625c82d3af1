//! `exg bench train|infer`: time the EXGnet training step or single-record inference.
//!
//! The JSON config is shared with the PyTorch twin (`benches/torch/exgnet.py`), which prints the
//! same fields, so both can be compared side by side (`benches/compare.sh`).

use std::path::PathBuf;

use anyhow::Context;

mod timing;

use timing::{BenchConfig, BenchReport, infer_bench, train_bench};

/// Benchmark subcommands.
#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Time full training steps (forward, cross-entropy, backward, AdamW).
    Train(TrainArgs),
    /// Time inference of one record (batch 1, eval mode).
    Infer(TrainArgs),
}

/// Arguments of `exg bench train` / `exg bench infer`.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Benchmark configuration (JSON: model, batch, lr, weight_decay, ...).
    #[arg(long)]
    pub config: PathBuf,
    /// Timed iterations (after the config's warm-up).
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: RAYON_NUM_THREADS or all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs the subcommand.
pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let (args, train) = match cmd {
        BenchCommand::Train(a) => (a, true),
        BenchCommand::Infer(a) => (a, false),
    };
    if args.steps == 0 {
        anyhow::bail!("--steps must be >= 1");
    }
    let cfg = BenchConfig::from_file(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let report = if train {
        train_bench(&cfg, args.steps, args.threads)?
    } else {
        infer_bench(&cfg, args.steps, args.threads)?
    };
    print(&report, args.json)
}

fn print(r: &BenchReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else {
        println!(
            "{}: {:.2} ms/{} (min {:.2}, median {:.2}; fwd {:.2}, bwd {:.2}, opt {:.2}) \
             batch {} threads {} params {} (+{} aux) {:.1} MFLOP/record",
            r.bench,
            r.ms_per_step,
            if r.bench == "train" { "step" } else { "record" },
            r.ms_min,
            r.ms_median,
            r.ms_forward,
            r.ms_backward,
            r.ms_optimizer,
            r.batch,
            r.threads,
            r.params,
            r.aux_params,
            r.flops_per_record as f64 / 1e6,
        );
    }
    Ok(())
}
