//! The main job on the built-in synthetic dataset, end to end, with no download:
//!
//! 1. generate the paper's five classes (SR, SB, ST, AF/flutter, SVT) as 10-s single-lead
//!    records with random noise, amplitude and polarity, and score the default R-peak detector
//!    against the generator's beats;
//! 2. prepare windows at the model's rate with the 17 HRV features and the HRV attention target
//!    (cached in the run folder), split records into train / validation / test (stratified), and
//!    standardise the features on the training records only;
//! 3. train EXGnet (`edge` preset at 125 Hz) with the three-term objective: cross-entropy of the
//!    deployable head, of the train-only feature head, and the XAI term 1 − NCC(Grad-CAM, target);
//! 4. evaluate the deployable signal-only model on the held-out records (accuracy, macro-F1,
//!    per-class figures, CAM-target NCC, pointing game);
//! 5. save the self-describing model, reload it and check the probabilities are identical, and
//!    write the run folder with `exg::train::report`: `metrics.json`, `epochs.csv`, `report.md`,
//!    the learning curves and confusion matrix, and one explanation figure per class.
//!
//! ```sh
//! cargo run --release --example quickstart                  # run folder: runs/quickstart
//! cargo run --release --example quickstart -- --quick       # a few seconds (the tests run it)
//! cargo run --release --example quickstart -- --out DIR
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use candle::{DType, Device, Tensor};
use exg::model::init::SeededVarMap;
use exg::model::{Classifier, ExgNet, ExgNetConfig, FeatureHead, ModelMeta, Preprocessing};
use exg::signal::Hz;
use exg::signal::rpeaks::{RPeakDetector, default_detector};
use exg::signal::score::{Score, score_peaks};
use exg::signal::synthetic::{DatasetConfig, LabelledEcg, SyntheticClass, dataset};
use exg::train::cv::{Evaluation, Folds, Record, inner_split, predict_records};
use exg::train::prepare::{PrepareConfig, Source, prepare, standardize_fold};
use exg::train::report::{self, ConfusionFigure, LearningCurves, Report};
use exg::train::trainer::{Checkpoints, Example, FitOutcome, Models, TrainConfig, argmax, fit};
use exg::xai::{ExplainFigure, Prediction};

/// What one run measured (also written to `metrics.json`).
#[derive(Debug, serde::Serialize)]
pub struct Summary {
    /// Held-out evaluation of the deployable model.
    pub test: Evaluation,
    /// Mean CAM-target NCC over held-out windows that have a target.
    pub cam_target_ncc: f64,
    /// Share of held-out windows whose map maximum lies on the target.
    pub pointing_game: f64,
    /// Default detector against the generator's beats (gross Se, +P).
    pub rpeaks_se_ppv: (f64, f64),
    /// Epoch the model was selected at.
    pub selected_epoch: usize,
    /// Wall time (s).
    pub seconds: f64,
}

fn records_of(all: &[Record], idx: &[usize]) -> Vec<Record> {
    idx.iter().map(|&i| all[i].clone()).collect()
}

fn windows(records: &[Record]) -> Vec<Example> {
    records
        .iter()
        .flat_map(|r| r.windows.iter().cloned())
        .collect()
}

/// Runs the main job; writes the run folder `out`.
pub fn run(quick: bool, out: &Path) -> Result<Summary> {
    let t0 = Instant::now();
    std::fs::create_dir_all(out.join("figures"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    let (per_class, epochs) = if quick { (4, 2) } else { (160, 40) };

    // 1. Data.
    let classes = SyntheticClass::PAPER.to_vec();
    let names: Vec<String> = classes.iter().map(|c| c.name().to_string()).collect();
    let data = dataset(&DatasetConfig {
        classes,
        per_class,
        fs: Hz::new(250.0)?,
        duration_s: 10.0,
        seed: 2025,
    })?;
    let detector = default_detector();
    let mut gross = Score::default();
    for r in &data {
        gross += score_peaks(&r.r_peaks, &detector.detect(&r.ecg)?.peaks, 0.150)?;
    }
    let se_ppv = (
        gross.sensitivity().unwrap_or(0.0),
        gross.ppv().unwrap_or(0.0),
    );
    eprintln!(
        "dataset: {} records x 10 s, classes {names:?}; R-peaks (default detector): Se {:.2} %, +P {:.2} %",
        data.len(),
        100.0 * se_ppv.0,
        100.0 * se_ppv.1
    );

    // 2. Windows, features, targets; split by record; standardise on the training records.
    let mut cfg = ExgNetConfig::edge();
    cfg.sample_rate_hz = 125.0;
    cfg.input_len = 1250;
    cfg.n_classes = names.len();
    let model_fs = Hz::new(cfg.sample_rate_hz)?;
    let sources: Vec<Source> = data
        .iter()
        .map(|r| Source {
            id: r.id.clone(),
            label: r.label,
            class_hint: Some(r.class.name().to_string()),
            provided: None,
            ecg: r.ecg.clone(),
        })
        .collect();
    let prep = PrepareConfig::new(model_fs, cfg.input_len, cfg.input_len);
    let (records, stats) = prepare(&sources, &prep, Some(&out.join("cache")))?;
    eprintln!("prepared: {stats:?}");
    let labels: Vec<usize> = records.iter().map(|r| r.label).collect();
    let fold = &Folds::Stratified { k: 5, seed: 7 }.split(&labels)?[0];
    let (fit_idx, val_idx) = inner_split(&labels, &fold.train, 0.2, 7)?;
    let (mut train, mut val, mut test) = (
        records_of(&records, &fit_idx),
        records_of(&records, &val_idx),
        records_of(&records, &fold.test),
    );
    standardize_fold(&mut train, &mut [&mut val, &mut test])?;

    // 3. Train.
    let dev = Device::Cpu;
    let vars = SeededVarMap::new(1);
    let net = ExgNet::new(&cfg, vars.var_builder(DType::F32, &dev))?;
    let head = FeatureHead::new(&cfg.feature_head()?, vars.var_builder(DType::F32, &dev))?;
    let tc = TrainConfig {
        epochs,
        batch_size: 16,
        optimizer: exg::train::optim::AdamWConfig {
            lr: 3e-3,
            ..Default::default()
        },
        patience: None,
        ..TrainConfig::default()
    };
    let mut console = exg::train::progress::Console::new();
    let outcome = fit(
        &Models {
            classifier: &net,
            features: Some(&head),
        },
        &windows(&train),
        &windows(&val),
        &tc,
        &Checkpoints::default(),
        &mut |p| console.show_fit(p),
    )?;

    // 4. Held-out evaluation: record probabilities = mean of window probabilities.
    let probs = predict_records(&net, &test, 32, &dev)?;
    let test_labels: Vec<usize> = test.iter().map(|r| r.label).collect();
    let eval = Evaluation::from_probabilities(&test_labels, &probs, &names, None)?;
    let test_windows: Vec<Example> = windows(&test)
        .into_iter()
        .filter(|w| w.target.is_some())
        .collect();
    let (ncc, pointing) = explanation_scores(&net, &test_windows, &dev)?;

    // 5. Save, reload, compare; report.
    let meta = ModelMeta::new(
        names.clone(),
        Preprocessing::zscore_at(cfg.sample_rate_hz),
        "exg synthetic (5 classes)",
    );
    let model_path = out.join("model.safetensors");
    net.save_described(&model_path, &meta)?;
    let (reloaded, _) = ExgNet::load_described(&model_path, &dev)?;
    let x = Tensor::from_vec(
        test[0].windows[0].signal.clone(),
        (1, 1, cfg.input_len),
        &dev,
    )?;
    ensure!(
        net.predict_proba(&x)?.to_vec2::<f32>()? == reloaded.predict_proba(&x)?.to_vec2::<f32>()?,
        "reloaded model differs"
    );
    let summary = Summary {
        test: eval,
        cam_target_ncc: ncc,
        pointing_game: pointing,
        rpeaks_se_ppv: se_ppv,
        selected_epoch: outcome.selected_epoch,
        seconds: t0.elapsed().as_secs_f64(),
    };
    let figures = explain_one_per_class(&net, &test, &data, &names, out)?;
    write_report(out, &summary, &outcome, &names, &figures)?;
    Ok(summary)
}

/// Mean CAM-target NCC and pointing-game hit rate of the true-class Grad-CAM on `windows`.
fn explanation_scores(net: &ExgNet, windows: &[Example], dev: &Device) -> Result<(f64, f64)> {
    use exg::xai::saliency::{GradCam, Resolution};
    let (mut ncc, mut hits, mut n) = (0.0, 0usize, 0usize);
    for chunk in windows.chunks(32) {
        let t = chunk[0].signal.len();
        let x: Vec<f32> = chunk
            .iter()
            .flat_map(|w| w.signal.iter().copied())
            .collect();
        let g: Vec<f32> = chunk
            .iter()
            .flat_map(|w| w.target.clone().unwrap_or_default())
            .collect();
        let x = Tensor::from_vec(x, (chunk.len(), 1, t), dev)?;
        let g = Tensor::from_vec(g, (chunk.len(), t), dev)?;
        let fwd = net.forward_all_t(&x, false)?;
        let labels: Vec<usize> = chunk.iter().map(|w| w.label).collect();
        let w = net
            .head_weight()
            .context("EXGnet has a GAP -> linear head")?;
        let maps = GradCam::default().differentiable(&fwd, w, &labels, Resolution::Length(t))?;
        for v in exg::xai::metrics::cam_target_ncc(&maps, &g, None, 1e-8)?
            .into_iter()
            .flatten()
        {
            ncc += v;
            n += 1;
        }
        hits += exg::xai::metrics::pointing_game(&maps, &g, None, 0.5)?
            .into_iter()
            .flatten()
            .filter(|&h| h)
            .count();
    }
    let n = n.max(1) as f64;
    Ok((ncc / n, hits as f64 / n))
}

/// One explanation figure per class (the first held-out record of each class), drawn on the
/// recorded signal in mV with the map and target resampled from the model's rate.
fn explain_one_per_class(
    net: &ExgNet,
    test: &[Record],
    originals: &[LabelledEcg],
    names: &[String],
    out: &Path,
) -> Result<Vec<String>> {
    use exg::xai::saliency::{GradCam, Resolution, Saliency, TargetClass};
    let mut files = Vec::new();
    for (c, name) in names.iter().enumerate() {
        let Some(r) = test.iter().find(|r| r.label == c) else {
            continue;
        };
        let w = &r.windows[0];
        let t = w.signal.len();
        let x = Tensor::from_vec(w.signal.clone(), (1, 1, t), &Device::Cpu)?;
        let e =
            GradCam::default().explain(net, &x, TargetClass::Predicted, Resolution::Length(t))?;
        let map: Vec<f32> = e.maps.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
        let p: Vec<f32> = candle_nn::ops::softmax_last_dim(&e.logits)?
            .flatten_all()?
            .to_vec1()?;
        let ecg = &originals
            .iter()
            .find(|o| o.id == r.id)
            .context("record of a window")?
            .ecg;
        let to_record = |v: &[f32]| -> Result<Vec<f32>> {
            let t = Tensor::from_vec(v.to_vec(), (1, v.len()), &Device::Cpu)?;
            Ok(exg::xai::resample(&t, ecg.len())?
                .flatten_all()?
                .to_vec1()?)
        };
        let (map, target) = (
            to_record(&map)?,
            w.target.as_deref().map(to_record).transpose()?,
        );
        let peaks = default_detector().detect(ecg)?.peaks;
        let mut fig = ExplainFigure::new(ecg, format!("{} (true class {name})", r.id));
        fig.peaks = Some(&peaks);
        fig.map = Some(&map);
        fig.target = target.as_deref();
        fig.prediction = Some(Prediction::new(
            names[argmax(&p)].clone(),
            names.iter().cloned().zip(p.iter().copied()).collect(),
        )?);
        let file = format!("figures/explain_{name}.png");
        fig.render(out.join(&file))?;
        files.push(file);
    }
    Ok(files)
}

fn write_report(
    out: &Path,
    s: &Summary,
    outcome: &FitOutcome,
    names: &[String],
    figures: &[String],
) -> Result<()> {
    exg::model::described::write_atomic(
        &out.join("metrics.json"),
        serde_json::to_string_pretty(s)?.as_bytes(),
    )?;
    report::write_epochs_csv(&out.join("epochs.csv"), &outcome.history)?;
    let curves = "figures/learning_curves.png";
    LearningCurves::of_outcome("Quickstart: learning curves", outcome).render(&out.join(curves))?;
    let confusion = "figures/confusion.png";
    ConfusionFigure::of_evaluation("Quickstart: held-out records", &s.test)
        .render(&out.join(confusion))?;

    let mut md = Report::new("Quickstart run");
    md.paragraph(format!(
        "Held-out records: {}. Accuracy {:.3}, macro-F1 {:.3}, macro sensitivity {:.3}, \
         macro specificity {:.3}. Grad-CAM vs attention target: NCC {:.3}, pointing game {:.3}. \
         Selected epoch {}. Default R-peak detector on the synthetic beats: Se {:.4}, +P {:.4}. \
         Wall time {:.0} s.",
        s.test.records,
        s.test.accuracy,
        s.test.macro_f1,
        s.test.macro_sensitivity,
        s.test.macro_specificity,
        s.cam_target_ncc,
        s.pointing_game,
        s.selected_epoch,
        s.rpeaks_se_ppv.0,
        s.rpeaks_se_ppv.1,
        s.seconds
    ));
    let (headers, rows) = report::evaluation_table(&s.test);
    md.table(&headers, &rows);
    md.heading("Confusion matrix")
        .paragraph("Rows: truth, columns: prediction.");
    let (headers, rows) = report::confusion_table(names, &s.test.confusion)?;
    md.table(&headers, &rows)
        .image(confusion, "confusion matrix");
    md.heading("Training")
        .paragraph(
            "The epoch-by-epoch figures are in `epochs.csv`; the model is `model.safetensors`.",
        )
        .image(curves, "learning curves");
    md.heading("Explanations");
    for file in figures {
        md.image(file, file);
    }
    md.write(&out.join("report.md"))?;
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("runs/quickstart"), PathBuf::from);
    let s = run(quick, &out)?;
    println!(
        "held-out accuracy {:.3}, macro-F1 {:.3}, CAM-target NCC {:.3}, pointing game {:.3}; {:.0} s; report: {}",
        s.test.accuracy,
        s.test.macro_f1,
        s.cam_target_ncc,
        s.pointing_game,
        s.seconds,
        out.join("report.md").display()
    );
    Ok(())
}
