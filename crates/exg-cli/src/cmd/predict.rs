//! `exg predict --model M PATH... [--channel N] [--fs HZ] [--json]`: class and probabilities of
//! each record.
//!
//! ```text
//! $ exg predict --model model.safetensors rec1.hea rec2.hea
//! rec1.hea: N (N 0.91, A 0.05, O 0.04)
//! ```
//!
//! The model file carries its preprocessing, which is replayed on every record; long records are
//! classified from 50 %-overlapping windows, short ones are zero-padded (see `cmd::model`). An
//! ensemble averages its networks' probabilities; a model with a feature classifier
//! (`exg fuse --save`) computes the record's features and averages the classifier's
//! probabilities with the network's.
//! `--json` prints one JSON object per record, one per line:
//! `{"path", "class", "probabilities": {class: p}, "windows"}`.

use std::path::PathBuf;

use serde_json::json;

use super::model::{Model, ModelArgs};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The records: WFDB record/header, CinC `.mat`, MAT v5 (`--fs`), EDF, WAV, CSV.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object per record.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    for path in &args.paths {
        let ecg = Model::read(&args.model, path)?;
        let (windows, starts, _) = model.windows(&ecg)?;
        let probs = model.probabilities(&ecg, &windows)?;
        let (_, class) = model.predicted(&probs);
        if args.json {
            let out = json!({
                "path": path,
                "class": class,
                "probabilities": model.probability_json(&probs),
                "windows": starts.len(),
            });
            println!("{}", serde_json::to_string(&out)?);
        } else {
            let list: Vec<String> = model
                .meta
                .classes
                .iter()
                .zip(&probs)
                .map(|(c, p)| format!("{c} {p:.2}"))
                .collect();
            println!("{}: {class} ({})", path.display(), list.join(", "));
        }
    }
    Ok(())
}
