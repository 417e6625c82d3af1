//! `exg info PATH [--fs HZ]`: what a file holds, as one JSON object on stdout.
//!
//! ```text
//! $ exg info ../shared/data/mitdb/100.hea
//! {"format":"wfdb","fs":360.0,"n_samples":650000,"duration_s":1805.55...,
//!  "channels":[{"name":"MLII","units":"mV","gain":200.0,"n_invalid":0},...],
//!  "metadata":{"record":"100","fields":{},"labels":[],"comments":[...]},
//!  "n_annotations":2274,"n_beats":2273}
//! ```
//!
//! CSV files and bare MAT v4 files store no sampling rate: `--fs` is then required and its
//! absence is an error (exit code 1) rather than a guessed rate. Formats that store a rate
//! ignore `--fs`.
//!
//! A described model file (`.safetensors`) is described instead: `{"format": "exg-model/1",
//! "dataset", "version", "classes", "networks", "parameters", "sample_rate_hz", "input_len",
//! "preprocessing", "config", "feature_fusion": {"features", "iterations", "weight"}|null}`.

use std::path::PathBuf;

use serde_json::{Value, json};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The file: WFDB header/record (`100.hea`, `100`), CinC `.mat`, EDF/EDF+/BDF, WAV, CSV.
    pub path: PathBuf,
    /// Sampling rate in Hz, for formats that do not store one (CSV, bare MAT v4).
    #[arg(long, value_name = "HZ")]
    pub fs: Option<f64>,
    /// WFDB annotation file extension to load alongside the record (`none` to skip).
    #[arg(long, value_name = "EXT", default_value = "atr")]
    pub annotations: String,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.path.extension().is_some_and(|e| e == "safetensors") {
        println!("{}", serde_json::to_string(&describe_model(&args.path)?)?);
        return Ok(());
    }
    let annotations = (args.annotations != "none").then(|| args.annotations.clone());
    let record = super::open_record(&args.path, args.fs, annotations)?;
    println!("{}", serde_json::to_string(&describe(&record))?);
    Ok(())
}

/// The JSON description of a record (everything but the samples).
pub fn describe(record: &exg_data::Record) -> Value {
    let channels: Vec<Value> = record
        .channels
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "units": c.units,
                "gain": c.gain,
                "n_invalid": c.samples.iter().filter(|v| !v.is_finite()).count(),
            })
        })
        .collect();
    let md = &record.metadata;
    let mut metadata = json!({ "record": md.record, "fields": md.fields });
    if !md.labels.is_empty() {
        metadata["labels"] = json!(md.labels);
    }
    if !md.comments.is_empty() {
        metadata["comments"] = json!(md.comments);
    }
    let mut out = json!({
        "format": record.format,
        "fs": record.fs.get(),
        "n_samples": record.n_samples(),
        "duration_s": record.duration_s(),
        "channels": channels,
        "metadata": metadata,
    });
    if !record.annotations.is_empty() {
        out["n_annotations"] = json!(record.annotations.len());
        if record.format == "wfdb" {
            let beats = record
                .annotations
                .iter()
                .filter(|a| exg_signal::score::is_beat_symbol(&a.label))
                .count();
            out["n_beats"] = json!(beats);
        }
    }
    out
}

/// The JSON description of a described model file (see the module docs).
fn describe_model(path: &std::path::Path) -> anyhow::Result<Value> {
    use anyhow::Context;
    let (nets, meta) = exg_model::Ensemble::load_described(path, &candle::Device::Cpu)
        .with_context(|| format!("loading model {}", path.display()))?;
    let cfg = nets.config();
    let fusion = meta.fusion.as_ref().map(|f| {
        json!({
            "features": f.features.len(),
            "iterations": f.trees.trees.len(),
            "weight": f.weight,
        })
    });
    Ok(json!({
        "format": exg_model::described::FORMAT,
        "dataset": meta.dataset,
        "version": meta.version,
        "classes": meta.classes,
        "networks": nets.members().len(),
        "parameters": nets.num_params(),
        "sample_rate_hz": cfg.sample_rate_hz,
        "input_len": cfg.input_len,
        "preprocessing": meta.preprocessing,
        "config": cfg,
        "feature_fusion": fusion,
    }))
}
