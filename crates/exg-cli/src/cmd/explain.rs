//! `exg explain --model M PATH [--channel N] [--fs HZ] [--out FILE.png|FILE.svg] [--json]`:
//! Grad-CAM of the predicted class over the record, drawn with the R-peaks and the HRV attention
//! target.
//!
//! The record is preprocessed and windowed as for `exg predict`. Every window is explained for the
//! record's predicted class (the class of the averaged probabilities) with `exg_xai::GradCam`
//! (ReLU, per-window min-max normalisation), at the model's input length; overlapping windows are
//! averaged, the zero padding is dropped, and the map is linearly resampled to the record's own
//! rate, so it has one value per recorded sample. R-peaks come from
//! `exg_signal::rpeaks::default_detector()` and the attention target from
//! `exg_xai::HrvTarget::default()` on the recorded lead; a record without a target is drawn
//! without one (`"target": null` and the reason in `"no_target"`).
//!
//! `--out` draws the figure (PNG or SVG by extension); `--json` prints
//! `{"path", "class", "probabilities", "fs", "map": [...], "peaks": [...], "target": [...]|null,
//! "no_target": reason|null}`; without either a one-line summary is printed.

use std::path::PathBuf;

use anyhow::Context;
use candle::Tensor;
use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_xai::saliency::{PostProcess, Resolution, TargetClass};
use exg_xai::{AttentionTarget, ExplainFigure, GradCam, HrvTarget, Prediction, Saliency};
use serde_json::json;

use super::model::{Model, ModelArgs};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The record: WFDB record/header, CinC `.mat`, EDF, WAV, CSV.
    pub path: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Draw the figure to this file (`.png` or `.svg`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the map, peaks, target and probabilities as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    let ecg = Model::read(&args.model, &args.path)?;
    let x = model.preprocess(&ecg)?;
    let (windows, starts) = model.windows(&x)?;
    let probs = model.probabilities(&windows)?;
    let (class_idx, class) = model.predicted(&probs);
    let labels = vec![class_idx; starts.len()];
    let explanation = GradCam::new(PostProcess::default())
        .explain(
            &model.net,
            &windows,
            TargetClass::Labels(&labels),
            Resolution::Length(model.net.config().input_len),
        )
        .context("Grad-CAM")?;
    let maps = explanation
        .maps
        .to_dtype(candle::DType::F32)?
        .to_vec2::<f32>()?;
    // Overlap-average the windows' maps over the preprocessed record.
    let n = x.len();
    let (mut sum, mut count) = (vec![0f32; n], vec![0f32; n]);
    for (map, &start) in maps.iter().zip(&starts) {
        for (i, v) in map.iter().enumerate().take(n - start) {
            sum[start + i] += v;
            count[start + i] += 1.0;
        }
    }
    let merged: Vec<f32> = sum
        .iter()
        .zip(&count)
        .map(|(s, c)| s / c.max(1.0))
        .collect();
    let map = exg_xai::resample(
        &Tensor::from_vec(merged, (1, n), &candle::Device::Cpu)?,
        ecg.len(),
    )?
    .flatten_all()?
    .to_vec1::<f32>()?;

    let detector = default_detector();
    let detection = detector
        .detect(&ecg)
        .with_context(|| format!("detecting R-peaks in {}", args.path.display()))?;
    let outcome = HrvTarget::default().target(&ecg, &detection.peaks, None)?;
    let target = outcome.map().map(|t| t.values().to_vec());
    let no_target = outcome.reason().map(ToString::to_string);

    if let Some(out) = &args.out {
        let probabilities = model
            .meta
            .classes
            .iter()
            .cloned()
            .zip(probs.iter().copied())
            .collect();
        let name = args.path.file_name().unwrap_or_default().to_string_lossy();
        let mut title = format!("{name} — channel {}", args.model.channel);
        if let Some(lead) = ecg.lead().filter(|l| !l.is_empty()) {
            title += &format!(" ({lead})");
        }
        let mut fig = ExplainFigure::new(&ecg, title);
        fig.peaks = Some(&detection.peaks);
        fig.map = Some(&map);
        fig.target = target.as_deref();
        fig.prediction = Some(Prediction::new(class, probabilities)?);
        fig.render(out)
            .with_context(|| format!("drawing {}", out.display()))?;
    }
    if args.json {
        let out = json!({
            "path": args.path,
            "class": class,
            "probabilities": model.probability_json(&probs),
            "fs": ecg.fs().get(),
            "map": map,
            "peaks": detection.peaks.indices(),
            "target": target,
            "no_target": no_target,
        });
        println!("{}", serde_json::to_string(&out)?);
    } else if args.out.is_none() {
        println!(
            "{}: {class} (p = {:.2}); pass --out FILE.png or --json for the map",
            args.path.display(),
            probs[class_idx]
        );
    }
    Ok(())
}
