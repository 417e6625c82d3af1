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
    /// `train` only: override the config's `lambda_features` (0: no feature head in the graph).
    #[arg(long)]
    pub lambda_features: Option<f64>,
    /// `train` only: override the config's `lambda_xai` (0: no XAI term).
    #[arg(long)]
    pub lambda_xai: Option<f64>,
    /// `train` only: time the step without the XAI term (`lambda_xai = 0`) and with it (the
    /// config's `lambda_xai`, 0.5 if it is 0), interleaved in one run, and print both and their
    /// ratio.
    #[arg(long)]
    pub compare_xai: bool,
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
    let mut cfg = BenchConfig::from_file(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    if let Some(l) = args.lambda_features {
        cfg.lambda_features = l;
    }
    if let Some(l) = args.lambda_xai {
        cfg.lambda_xai = l;
    }
    cfg.validate()?;
    if train && args.compare_xai {
        return compare_xai(&cfg, &args);
    }
    let report = if train {
        train_bench(&cfg, args.steps, args.threads)?
    } else {
        infer_bench(&cfg, args.steps, args.threads)?
    };
    print(&report, args.json)
}

/// Without and with the XAI term, alternating three rounds of `steps` each so that drifts in
/// machine speed hit both; the ratio is of the medians over all rounds.
fn compare_xai(cfg: &BenchConfig, args: &TrainArgs) -> anyhow::Result<()> {
    let off = BenchConfig {
        lambda_xai: 0.0,
        ..cfg.clone()
    };
    let on = BenchConfig {
        lambda_xai: if cfg.lambda_xai > 0.0 {
            cfg.lambda_xai
        } else {
            0.5
        },
        ..cfg.clone()
    };
    let (mut a, mut b) = (vec![], vec![]);
    for _ in 0..3 {
        a.push(train_bench(&off, args.steps, args.threads)?);
        b.push(train_bench(&on, args.steps, args.threads)?);
    }
    let median = |v: &[BenchReport]| {
        let mut m: Vec<f64> = v.iter().map(|r| r.ms_median).collect();
        m.sort_by(f64::total_cmp);
        m[m.len() / 2]
    };
    let (ms_off, ms_on) = (median(&a), median(&b));
    let ratio = ms_on / ms_off;
    if args.json {
        let out = serde_json::json!({
            "bench": "train-xai-ratio", "ms_without_xai": ms_off, "ms_with_xai": ms_on,
            "ratio": ratio, "lambda_xai": on.lambda_xai, "batch": cfg.batch,
            "threads": a[0].threads, "steps": args.steps, "rounds": 3,
        });
        println!("{}", serde_json::to_string(&out)?);
    } else {
        for r in a.iter().chain(&b) {
            print(r, false)?;
        }
        println!(
            "train step without XAI {ms_off:.2} ms, with XAI (lambda_xai {}) {ms_on:.2} ms: \
             ratio {ratio:.3} (batch {}, threads {})",
            on.lambda_xai, cfg.batch, a[0].threads
        );
    }
    Ok(())
}

fn print(r: &BenchReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else {
        println!(
            "{}{}{}: {:.2} ms/{} (min {:.2}, median {:.2}; fwd {:.2}, bwd {:.2}, opt {:.2}) \
             batch {} threads {} params {} (+{} aux) {:.1} MFLOP/record",
            r.bench,
            if r.lambda_features > 0.0 {
                " +features"
            } else {
                ""
            },
            if r.lambda_xai > 0.0 { " +xai" } else { "" },
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
