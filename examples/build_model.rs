//! EXGnet from a preset: its size and cost, a forward pass, a self-describing file, and
//! classifying a raw recording with what the file says.
//!
//! The network is seeded, not trained (`examples/train.rs` trains one), so its probabilities
//! are near uniform; everything else is what a deployed model does.
//!
//! ```sh
//! cargo run --release --example build_model
//! ```

use anyhow::{Result, bail, ensure};
use candle::{DType, Device};
use exg::model::init::SeededVarMap;
use exg::model::{Classifier, Error, ExgNet, ExgNetConfig, ModelMeta, Preprocessing};
use exg::signal::Hz;
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};

fn main() -> Result<()> {
    // Presets are plain serde structs: start from one and change fields (rate, length,
    // classes, blocks) before building. `cost` needs no tensors.
    for (name, cfg) in [
        ("paper", ExgNetConfig::paper()),
        ("edge", ExgNetConfig::edge()),
    ] {
        let c = cfg.cost()?;
        println!(
            "{name:<5}: {} samples at {} Hz, {} blocks; {} parameters (+{} in the train-only \
             feature branch), {:.1} MFLOPs per record, Grad-CAM map of {} steps",
            cfg.input_len,
            cfg.sample_rate_hz,
            cfg.blocks.len(),
            c.params,
            c.aux_params,
            c.flops as f64 / 1e6,
            cfg.activation_len()?
        );
    }

    let cfg = ExgNetConfig::edge();
    let dev = Device::Cpu;
    // Same seed, same weights: runs and tests are reproducible.
    let net = ExgNet::new(&cfg, SeededVarMap::new(0).var_builder(DType::F32, &dev))?;
    ensure!(net.num_params() == cfg.cost()?.params);

    // A raw 30-s recording at 360 Hz. The preprocessing (stored in the model file below)
    // resamples it to the model's rate, z-scores it and cuts it into model windows.
    let syn = generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::AtrialFibrillation,
        white_noise_mv: 0.02,
        ..SyntheticConfig::new(Hz::new(360.0)?, 30.0)
    })?;
    let pre = Preprocessing {
        highpass_hz: Some(0.5),
        ..Preprocessing::zscore_at(cfg.sample_rate_hz)
    };
    let windows = pre.windows(&syn.ecg, cfg.input_len)?;
    let x = windows.tensor(&dev)?; // (windows, 1, input_len)
    // `forward_all_t` keeps what Grad-CAM and the feature head need, not only the logits.
    let fwd = net.forward_all_t(&x, false)?;
    println!(
        "\ninput {:?} -> activations {:?}, embedding {:?}, logits {:?}",
        x.dims(),
        fwd.activations.dims(),
        fwd.embedding.dims(),
        fwd.logits.dims()
    );

    // Self-described: configuration, class names, preprocessing and version travel in the
    // safetensors metadata, so loading needs nothing but the path.
    let classes: Vec<String> = ["SR", "SB", "ST", "AFIB", "SVT"].map(String::from).to_vec();
    let meta = ModelMeta::new(classes, pre, "untrained (examples/build_model.rs)");
    let dir = std::env::temp_dir().join(format!("exg-build-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("model.safetensors");
    net.save_described(&path, &meta)?;
    let (loaded, meta) = ExgNet::load_described(&path, &dev)?;
    println!(
        "saved and reloaded {} ({} bytes): exg {}, data {:?}, classes {:?}",
        path.display(),
        std::fs::metadata(&path)?.len(),
        meta.version,
        meta.dataset,
        meta.classes
    );

    // `classify` replays the stored preprocessing and averages the windows' probabilities.
    let p = loaded.classify(&meta.preprocessing, &syn.ecg)?;
    let direct: Vec<f32> = net.predict_proba(&x)?.mean(0)?.to_vec1()?;
    ensure!(p == direct, "reloaded model differs: {p:?} vs {direct:?}");
    for (c, p) in meta.classes.iter().zip(&p) {
        println!("  P({c:<4}) = {p:.3}");
    }

    // A description that does not fit the network is refused before anything is written.
    let wrong = ModelMeta::new(
        vec!["A".into(), "B".into()],
        meta.preprocessing.clone(),
        "x",
    );
    match net.save_described(&dir.join("wrong.safetensors"), &wrong) {
        Err(e @ Error::Metadata { .. }) => println!("refused: {e}"),
        other => bail!("expected a metadata error, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main().unwrap();
    }
}
