//! The main job on the built-in synthetic dataset, end to end, with no download:
//!
//! 1. generate a labelled synthetic single-lead dataset (four rhythm classes, 10 s records);
//! 2. detect R-peaks with the default detector and score them against the generator's truth;
//! 3. compute the 17 EXGnet HRV features (validity-flagged) and standardise them on the
//!    training fold only;
//! 4. train the EXGnet signal path together with its train-only feature branch (AdamW), then
//!    evaluate the deployable signal-only head on the held-out fold;
//! 5. save the deployable model as safetensors, reload it and check the logits are identical.
//!
//! ```sh
//! cargo run --release --example quickstart            # ~15 s on 2 cores once built
//! cargo run --release --example quickstart -- --quick # a few seconds (used by the tests)
//! ```
//!
//! The XAI loss and the cross-validated study arrive with `exg-xai` and `exg-train`; this
//! example already exercises every crate those will compose.

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use candle::{D, DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use exg::data::split::StratifiedKFold;
use exg::features::{Extract, FeatureExtractor, HrvTime, Standardizer};
use exg::model::init::SeededVarMap;
use exg::model::{Classifier, ExgNet, ExgNetConfig, FeatureHead};
use exg::signal::filter::ZScore;
use exg::signal::rpeaks::{RPeakDetector, default_detector};
use exg::signal::score::{Score, score_peaks};
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
use exg::signal::{Ecg, Hz, RPeaks};

/// A class of the synthetic study: a rhythm at a heart-rate range (rate-based classes like
/// SB/ST and rhythm-based ones like AFIB, as in the paper's Chapman classes).
struct Class {
    name: &'static str,
    rhythm: SyntheticRhythm,
    bpm: (f64, f64),
}

const CLASSES: [Class; 4] = [
    Class {
        name: "SR",
        rhythm: SyntheticRhythm::Sinus,
        bpm: (62.0, 95.0),
    },
    Class {
        name: "SB",
        rhythm: SyntheticRhythm::Sinus,
        bpm: (40.0, 56.0),
    },
    Class {
        name: "ST",
        rhythm: SyntheticRhythm::Sinus,
        bpm: (105.0, 150.0),
    },
    Class {
        name: "AFIB",
        rhythm: SyntheticRhythm::AtrialFibrillation,
        bpm: (70.0, 130.0),
    },
];

/// One prepared example: the signal (z-scored), its true and detected peaks, its label.
struct Example {
    ecg: Ecg,
    truth: RPeaks,
    detected: RPeaks,
    label: u32,
}

fn main() -> Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (per_class, epochs) = if quick { (6, 1) } else { (40, 12) };
    let fs = Hz::new(250.0)?;
    let seconds = 10.0;
    let t0 = Instant::now();

    // 1. Synthetic dataset (deterministic: seed = record number).
    let detector = default_detector();
    let mut examples = Vec::new();
    for (label, class) in CLASSES.iter().enumerate() {
        for i in 0..per_class {
            let seed = (label * 1000 + i) as u64;
            let frac = i as f64 / per_class.max(2) as f64;
            let cfg = SyntheticConfig {
                heart_rate_bpm: class.bpm.0 + frac * (class.bpm.1 - class.bpm.0),
                rhythm: class.rhythm,
                baseline_wander_mv: 0.15,
                white_noise_mv: 0.03,
                emg_noise_mv: 0.02,
                powerline_mv: 0.05,
                seed,
                ..SyntheticConfig::new(fs, seconds)
            };
            let syn = generate(&cfg)?;
            // 2. R-peaks with the default detector.
            let detected = detector.detect(&syn.ecg)?.peaks;
            let ecg = exg::signal::filter::Preprocess::apply(&ZScore, &syn.ecg)?;
            examples.push(Example {
                ecg,
                truth: syn.r_peaks,
                detected,
                label: label as u32,
            });
        }
    }
    let mut gross = Score::default();
    for e in &examples {
        gross += score_peaks(&e.truth, &e.detected, 0.150)?;
    }
    println!(
        "dataset: {} records x {seconds} s at {fs}, classes {:?}; R-peaks ({}): Se {:.2} %, +P {:.2} %",
        examples.len(),
        CLASSES.map(|c| c.name),
        detector.name(),
        100.0 * gross.sensitivity().unwrap_or(0.0),
        100.0 * gross.ppv().unwrap_or(0.0),
    );

    // 3. Features, split, standardise on the training fold only.
    let hrv = HrvTime::exgnet17();
    let features = examples
        .iter()
        .map(|e| hrv.extract(&e.ecg, &e.detected))
        .collect::<exg::features::Result<Vec<_>>>()?;
    let labels: Vec<u32> = examples.iter().map(|e| e.label).collect();
    let fold = StratifiedKFold {
        k: 5,
        seed: 42,
        shuffle: true,
    }
    .split(&labels)?
    .remove(0);
    let train_feats: Vec<_> = fold.train.iter().map(|&i| features[i].clone()).collect();
    let standardizer = Standardizer::fit(&train_feats)?;
    let n_valid = features
        .iter()
        .flat_map(|f| f.mask())
        .filter(|&v| v)
        .count();
    println!(
        "features: {} x {} ({} % valid), standardised on {} training records",
        features.len(),
        hrv.schema().len(),
        100 * n_valid / (features.len() * hrv.schema().len()),
        fold.train.len()
    );

    // 4. Model: the `edge` preset resized to this input, with the train-only feature branch.
    let dev = Device::Cpu;
    let mut cfg = ExgNetConfig::edge();
    cfg.sample_rate_hz = fs.get();
    cfg.input_len = fs.samples(seconds);
    cfg.n_classes = CLASSES.len();
    if let Some(aux) = cfg.aux.as_mut() {
        aux.n_features = hrv.schema().len();
    }
    let vars = SeededVarMap::new(7);
    let vb = vars.var_builder(DType::F32, &dev);
    let net = ExgNet::new(&cfg, vb.clone())?;
    let aux = FeatureHead::new(&cfg.feature_head()?, vb)?;
    let mut params = net.trainable_vars();
    params.extend(aux.trainable_vars());
    let mut opt = AdamW::new(
        params,
        ParamsAdamW {
            lr: 3e-3,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )?;
    println!(
        "model: edge preset, {} deployable parameters (+{} train-only), {} MFLOP per record",
        net.num_params(),
        aux.num_params(),
        cfg.cost()?.flops / 1_000_000
    );

    let batch_of = |idx: &[usize]| -> Result<(Tensor, Tensor, Tensor)> {
        let len = cfg.input_len;
        let mut xs = Vec::with_capacity(idx.len() * len);
        let mut fs_rows = Vec::new();
        for &i in idx {
            xs.extend(examples[i].ecg.samples()[..len].iter().map(|&v| v as f32));
            fs_rows.extend(
                standardizer
                    .transform_row(&features[i])?
                    .iter()
                    .map(|&v| v as f32),
            );
        }
        let ys: Vec<u32> = idx.iter().map(|&i| examples[i].label).collect();
        Ok((
            Tensor::from_vec(xs, (idx.len(), 1, len), &dev)?,
            Tensor::from_vec(fs_rows, (idx.len(), hrv.schema().len()), &dev)?,
            Tensor::new(ys, &dev)?,
        ))
    };

    let batch = 16;
    let mut order = fold.train.clone();
    let mut rng = exg::signal::rng::SplitMix64::new(1);
    for epoch in 0..epochs {
        rng.shuffle(&mut order);
        let mut total = 0.0;
        for chunk in order.chunks(batch) {
            let (xs, feats, ys) = batch_of(chunk)?;
            let out = net.forward_all_t(&xs, true)?;
            // Signal head (deployed) + joint head (train only), as in the paper.
            let joint = aux.forward(&out.embedding, &feats)?;
            let loss = (candle_nn::loss::cross_entropy(&out.logits, &ys)?
                + candle_nn::loss::cross_entropy(&joint, &ys)?)?;
            opt.backward_step(&loss)?;
            total += loss.to_scalar::<f32>()? as f64 * chunk.len() as f64;
        }
        println!(
            "epoch {:>2}: loss {:.4}",
            epoch + 1,
            total / order.len() as f64
        );
    }

    // Evaluate the deployable signal-only head on the held-out fold.
    let (xs, _, ys) = batch_of(&fold.test)?;
    let logits = net.forward_all_t(&xs, false)?.logits;
    let pred = logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
    let truth = ys.to_vec1::<u32>()?;
    let correct = pred.iter().zip(&truth).filter(|(p, t)| p == t).count();
    println!(
        "held-out fold: accuracy {:.1} % ({correct}/{}) from the raw signal alone",
        100.0 * correct as f64 / truth.len() as f64,
        truth.len()
    );

    // 5. Save the deployable model (signal path only) and reload it.
    let dir = std::env::temp_dir().join(format!("exg-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("exgnet-edge.safetensors");
    net.save(&path)?;
    let reloaded = ExgNet::load(&cfg, &path, &dev)?;
    let again = reloaded.forward_all_t(&xs, false)?.logits;
    let max_diff = (logits - again)?.abs()?.max_all()?.to_scalar::<f32>()?;
    ensure!(max_diff == 0.0, "reloaded model differs by {max_diff}");
    println!(
        "saved {} ({} bytes); reloaded logits identical",
        path.display(),
        std::fs::metadata(&path).context("saved model")?.len()
    );
    std::fs::remove_dir_all(&dir)?;
    if !quick && correct * 10 < truth.len() * 7 {
        println!("note: accuracy below 70 % on this run; the synthetic task is meant to be easy");
    }
    println!("done in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}
