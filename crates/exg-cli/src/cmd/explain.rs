//! `exg explain --model M PATH [--channel N] [--fs HZ] [--out FILE.png|FILE.svg] [--json]`:
//! Grad-CAM of the predicted class over the record, drawn with the R-peaks and the HRV attention
//! target.
//!
//! The record is preprocessed, windowed and classified as for `exg predict` (an ensemble's
//! networks averaged, a feature classifier fused in). Every window is explained for the record's
//! predicted class with `exg_xai::GradCam` (ReLU, per-window min-max normalisation), at the
//! model's input length; an ensemble's map is the mean of its networks'. Overlapping windows are
//! averaged, the zero padding is dropped, and the map is linearly resampled to the record's own
//! rate, so it has one value per recorded sample. R-peaks come from
//! `exg_signal::rpeaks::default_detector()` and the attention target from
//! `exg_xai::HrvTarget::default()` on the recorded lead; a record without a target is drawn
//! without one (`"target": null` and the reason in `"no_target"`).
//!
//! `--out` draws the figure (PNG or SVG by extension); `--json` prints
//! `{"path", "class", "probabilities", "fs", "map": [...], "peaks": [...], "target": [...]|null,
//! "no_target": reason|null}`; without either a one-line summary is printed.

use std::path::{Path, PathBuf};

use anyhow::Context;
use candle::Tensor;
use exg_signal::Ecg;
use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_xai::saliency::{PostProcess, Resolution, TargetClass};
use exg_xai::{AttentionTarget, ExplainFigure, GradCam, HrvTarget, Prediction, Saliency};
use serde_json::json;

use super::model::{Model, ModelArgs};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The record: WFDB record/header, CinC `.mat`, MAT v5 (`--fs`), EDF, WAV, CSV.
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

/// The explanation of one record.
pub struct Explanation {
    /// Index of the predicted class.
    pub class_idx: usize,
    /// Class probabilities of the record (as `exg predict` gives them).
    pub probs: Vec<f32>,
    /// Grad-CAM of the predicted class, one value per recorded sample.
    pub map: Vec<f32>,
    /// R-peaks of the recorded lead.
    pub peaks: exg_signal::RPeaks,
    /// HRV attention target at the recorded rate, when there is one.
    pub target: Option<Vec<f32>>,
    /// Why there is no target.
    pub no_target: Option<String>,
}

/// Explains `ecg` (as recorded) with `model` (see the module docs).
pub fn explain(model: &Model, ecg: &Ecg) -> anyhow::Result<Explanation> {
    let (windows, starts, n) = model.windows(ecg)?;
    let probs = model.probabilities(ecg, &windows)?;
    let (class_idx, _) = model.predicted(&probs);
    let labels = vec![class_idx; starts.len()];
    // An ensemble's map is the mean of its networks' (each normalised per window).
    let maps = model
        .nets
        .members()
        .iter()
        .map(|net| {
            GradCam::new(PostProcess::default())
                .explain(
                    net,
                    &windows,
                    TargetClass::Labels(&labels),
                    Resolution::Length(net.config().input_len),
                )
                .map(|e| e.maps)
        })
        .collect::<Result<Vec<_>, _>>()
        .context("Grad-CAM")?;
    let maps = Tensor::stack(&maps, 0)?
        .mean(0)?
        .to_dtype(candle::DType::F32)?
        .to_vec2::<f32>()?;
    // Overlap-average the windows' maps over the preprocessed record.
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
    let peaks = default_detector()
        .detect(ecg)
        .context("detecting R-peaks")?
        .peaks;
    let outcome = HrvTarget::default().target(ecg, &peaks, None)?;
    Ok(Explanation {
        class_idx,
        probs,
        map,
        target: outcome.map().map(|t| t.values().to_vec()),
        no_target: outcome.reason().map(ToString::to_string),
        peaks,
    })
}

impl Explanation {
    /// Draws the record with its map, peaks, target and prediction to `out` (PNG or SVG).
    pub fn draw(&self, model: &Model, ecg: &Ecg, title: String, out: &Path) -> anyhow::Result<()> {
        let probabilities = model
            .meta
            .classes
            .iter()
            .cloned()
            .zip(self.probs.iter().copied())
            .collect();
        let mut fig = ExplainFigure::new(ecg, title);
        fig.peaks = Some(&self.peaks);
        fig.map = Some(&self.map);
        fig.target = self.target.as_deref();
        fig.prediction = Some(Prediction::new(
            model.meta.classes[self.class_idx].clone(),
            probabilities,
        )?);
        fig.render(out)
            .with_context(|| format!("drawing {}", out.display()))
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    let ecg = Model::read(&args.model, &args.path)?;
    let e = explain(&model, &ecg).with_context(|| format!("explaining {}", args.path.display()))?;
    let class = &model.meta.classes[e.class_idx];
    if let Some(out) = &args.out {
        let name = args.path.file_name().unwrap_or_default().to_string_lossy();
        let mut title = format!("{name} — channel {}", args.model.channel);
        if let Some(lead) = ecg.lead().filter(|l| !l.is_empty()) {
            title += &format!(" ({lead})");
        }
        e.draw(&model, &ecg, title, out)?;
    }
    if args.json {
        let out = json!({
            "path": args.path,
            "class": class,
            "probabilities": model.probability_json(&e.probs),
            "fs": ecg.fs().get(),
            "map": e.map,
            "peaks": e.peaks.indices(),
            "target": e.target,
            "no_target": e.no_target,
        });
        println!("{}", serde_json::to_string(&out)?);
    } else if args.out.is_none() {
        println!(
            "{}: {class} (p = {:.2}); pass --out FILE.png or --json for the map",
            args.path.display(),
            e.probs[e.class_idx]
        );
    }
    Ok(())
}
