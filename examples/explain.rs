//! Explaining one prediction: Grad-CAM of the predicted class, the HRV attention target the
//! map is trained towards, how well they agree (NCC, pointing game), and a figure of all three.
//!
//! Without an argument a model is trained briefly on synthetic records (a few seconds; its
//! maps are rough); pass a self-describing model file to explain that one instead.
//!
//! ```sh
//! cargo run --release --example explain
//! cargo run --release --example explain -- runs/quickstart/model.safetensors
//! ```

use std::path::{Path, PathBuf};

use anyhow::Result;
use candle::{Device, Tensor};
use exg::data::dataset::catalog::{DatasetSpec, SyntheticClasses};
use exg::model::{ExgNet, ModelMeta};
use exg::signal::Hz;
use exg::signal::rpeaks::{RPeakDetector, default_detector};
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
use exg::train::study::{RunOptions, StudyConfig, StudyData, train_model};
use exg::xai::saliency::{GradCam, Resolution, Saliency, TargetClass};
use exg::xai::{AttentionTarget, ExplainFigure, HrvTarget, Prediction, metrics, ncc};

/// The model in `file`, or one trained for eight epochs in `dir/run`.
fn model(file: Option<&Path>, dir: &Path) -> Result<(ExgNet, ModelMeta)> {
    let file = match file {
        Some(f) => f.to_path_buf(),
        None => {
            let spec = DatasetSpec::Synthetic {
                per_class: 20,
                duration_s: 10.0,
                fs_hz: 250.0,
                seed: 2025,
                classes: SyntheticClasses::Paper5,
            };
            let mut cfg = StudyConfig::for_dataset("synthetic");
            cfg.train.epochs = 8;
            cfg.train.batch_size = 8;
            let data = StudyData::from(spec.load()?);
            let opts = RunOptions::default();
            train_model(&data, &cfg, &dir.join("run"), &opts, &mut |_| {})?;
            dir.join("run/model.safetensors")
        }
    };
    Ok(ExgNet::load_described(&file, &Device::Cpu)?)
}

/// Explains one synthetic AF record; returns the figure's path.
fn run(file: Option<&Path>, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let (net, meta) = model(file, dir)?;
    let cfg = net.config();
    // One model window long, so that the window's map covers the whole record.
    let seconds = cfg.input_len as f64 / cfg.sample_rate_hz;
    let syn = generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::AtrialFibrillation,
        heart_rate_bpm: 100.0,
        white_noise_mv: 0.02,
        baseline_wander_mv: 0.1,
        seed: 5,
        ..SyntheticConfig::new(Hz::new(250.0)?, seconds)
    })?;
    let ecg = &syn.ecg;

    // The target lives at the record's rate; the class hint picks the rhythm's rule (no
    // P-wave region for AF). A record without one says why (`NoTarget`), never a zero map.
    let peaks = default_detector().detect(ecg)?.peaks;
    let target = HrvTarget::default()
        .target(ecg, &peaks, Some("AFIB"))?
        .into_result()?;

    // The model sees the record as its file says (resampled, normalised); the map of the
    // predicted class comes back at the record's samples, in [0, 1].
    let x = meta.preprocessing.windows(ecg, cfg.input_len)?;
    let e = GradCam::default().explain(
        &net,
        &x.tensor(&Device::Cpu)?,
        TargetClass::Predicted,
        Resolution::Length(ecg.len()),
    )?;
    let g = Tensor::from_slice(target.values(), (1, ecg.len()), &Device::Cpu)?;

    // Agreement with the target: NCC in [-1, 1]; the pointing game asks whether the map's
    // maximum falls where the target is at least half its peak.
    let r = ncc(&e.maps, &g, exg::xai::ncc::DEFAULT_EPS)?.to_vec1::<f32>()?[0];
    let hit = metrics::pointing_game(&e.maps, &g, None, 0.5)?[0] == Some(true);
    let probs = net.classify(&meta.preprocessing, ecg)?;
    let predicted = meta.classes[e.classes[0]].clone();
    println!(
        "true AFIB, predicted {predicted} (p = {:.2}); Grad-CAM vs target: NCC {r:.3}, \
         map maximum {} the target",
        probs[e.classes[0]],
        if hit { "on" } else { "off" }
    );

    let map: Vec<f32> = e.maps.flatten_all()?.to_vec1()?;
    let mut fig = ExplainFigure::new(ecg, "Synthetic atrial fibrillation, lead II");
    fig.peaks = Some(&peaks);
    fig.map = Some(&map);
    fig.target = Some(target.values());
    let named = meta.classes.iter().cloned().zip(probs).collect();
    fig.prediction = Some(Prediction::new(predicted, named)?);
    let png = dir.join("explain.png"); // `.svg` works too
    fig.render(&png)?;
    let _ = std::fs::remove_dir_all(dir.join("run"));
    Ok(png)
}

fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("exg-explain-{}", std::process::id()))
}

// Unused when `cargo test` builds the example with the test harness.
#[cfg_attr(test, allow(dead_code))]
fn main() -> Result<()> {
    let file = std::env::args().nth(1).map(PathBuf::from);
    let png = run(file.as_deref(), &dir())?;
    println!("figure: {}", png.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        let png = super::run(None, &super::dir()).unwrap();
        assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
        std::fs::remove_dir_all(super::dir()).unwrap();
    }
}
