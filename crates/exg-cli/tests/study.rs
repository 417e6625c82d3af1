//! `exg train`, `exg cv` and `exg eval` end to end on small synthetic sets: the run folder's
//! files, a model that `exg predict` and `exg eval` use with nothing else, resume, and the
//! documented errors (exit 1, one line, earlier files intact). Oracle: the library
//! (`exg_train::study`, `ExgNet::load_described`) and the CLI's own JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn exg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .output()
        .expect("runs exg")
}

fn ok(args: &[&str]) -> String {
    let out = exg(args);
    assert!(
        out.status.success(),
        "exg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `exg args`, requires exit code 1 and returns stderr.
fn fails(args: &[&str]) -> String {
    let out = exg(args);
    assert_eq!(out.status.code(), Some(1), "exg {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exg-cli-study-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `exg fuse` arguments on `per_class` synthetic records per class, with `--model M... --save S`
/// when `save` is `Some((M..., S))`.
fn fuse_args(
    per_class: &str,
    predictions: &[&Path],
    out: &Path,
    save: Option<(&[&Path], &Path)>,
) -> Vec<String> {
    let mut args: Vec<String> = ["fuse", "--dataset", "synthetic", "--per-class", per_class]
        .map(String::from)
        .to_vec();
    for p in predictions {
        args.extend(["--predictions".into(), p.display().to_string()]);
    }
    args.extend(["--out".into(), out.display().to_string()]);
    if let Some((models, fused)) = save {
        for m in models {
            args.extend(["--model".into(), m.display().to_string()]);
        }
        args.extend(["--save".into(), fused.display().to_string()]);
    }
    args
}

fn str_args(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `exg eval --json` of `model` on 3 synthetic records per class.
fn eval_synthetic(model: &Path) -> serde_json::Value {
    let args = [
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        "synthetic",
        "--per-class",
        "3",
        "--json",
    ];
    serde_json::from_str(&ok(&args)).unwrap()
}

/// A small network and 2 epochs, so that a run takes seconds.
fn small_config(d: &Path) -> PathBuf {
    std::fs::create_dir_all(d).unwrap();
    let path = d.join("small.json");
    let cfg = serde_json::json!({
        "model": {
            "sample_rate_hz": 100.0,
            "input_len": 500,
            "blocks": [
                {"width": 6, "kernel": 7, "pool": 4},
                {"width": 6, "kernel": 5, "pool": 1}
            ],
            "aux": {"n_features": 17, "hidden": [8]}
        },
        "hop_s": 5.0,
        "train": {"epochs": 2, "batch_size": 8}
    });
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

#[test]
fn train_writes_a_run_folder_whose_model_needs_nothing_else() {
    let d = dir("train");
    let cfg = small_config(&d);
    let out = d.join("run");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    let base = [
        "train",
        "--dataset",
        "synthetic",
        "--per-class",
        "4",
        "--config",
        cfg_s,
        "--out",
        out_s,
    ];
    let mut args = base.to_vec();
    args.push("--json");
    let result: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(result["history"].as_array().unwrap().len(), 2);
    assert_eq!(result["classes"].as_array().unwrap().len(), 5);
    for file in [
        "config.json",
        "metrics.json",
        "epochs.csv",
        "model.safetensors",
        "report.md",
        "figures/learning_curves.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("figures/learning_curves.png"));

    // The model describes itself: predict and eval need only the file.
    let model = out.join("model.safetensors");
    let (net, meta) = exg_model::ExgNet::load_described(&model, &candle::Device::Cpu).unwrap();
    assert_eq!(net.config().input_len, 500);
    assert_eq!(
        meta.preprocessing.normalise,
        exg_model::Normalise::ZscoreWindow
    );
    let eval = eval_synthetic(&model);
    for key in ["accuracy", "macro_f1", "per_class", "confusion"] {
        assert!(eval.get(key).is_some(), "eval JSON lacks {key}");
    }
    assert_eq!(eval["records"], 15);

    // A second run into the same folder is refused and leaves the model as it was.
    let before = std::fs::read(&model).unwrap();
    let err = fails(&base);
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(std::fs::read(&model).unwrap(), before);
    // Resuming a finished run reproduces the same model (tensors and metadata; the metadata's
    // key order in the file is not fixed).
    let mut resume = base.to_vec();
    resume.push("--resume");
    ok(&resume);
    let (again, meta_again) =
        exg_model::ExgNet::load_described(&model, &candle::Device::Cpu).unwrap();
    assert_eq!(meta_again, meta);
    let values = |n: &exg_model::ExgNet| -> Vec<Vec<f32>> {
        use exg_model::Classifier;
        n.named_tensors()
            .iter()
            .map(|(_, t)| t.flatten_all().unwrap().to_vec1::<f32>().unwrap())
            .collect()
    };
    assert_eq!(values(&again), values(&net));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn cv_reports_every_fold_and_resumes() {
    let d = dir("cv");
    let cfg = small_config(&d);
    let out = d.join("run");
    let (cfg_s, out_s) = (cfg.to_str().unwrap(), out.to_str().unwrap());
    let args = [
        "cv",
        "--dataset",
        "synthetic",
        "--per-class",
        "3",
        "--folds",
        "3",
        "--config",
        cfg_s,
        "--out",
        out_s,
        "--json",
    ];
    let result: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(result["folds"].as_array().unwrap().len(), 3);
    assert!(result["summary"]["macro_f1"]["mean"].is_number());
    for file in [
        "metrics.json",
        "predictions.csv",
        "report.md",
        "figures/confusion.png",
        "figures/learning_curves.png",
        "fold-1/epochs.csv",
        "fold-3/model.safetensors",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let mut resume = args.to_vec();
    resume.push("--resume");
    let again: serde_json::Value = serde_json::from_str(&ok(&resume)).unwrap();
    assert_eq!(again["summary"], result["summary"]);
    // Another configuration is not mixed into the run.
    let mut other = resume.clone();
    other.extend(["--epochs", "3"]);
    let err = fails(&other);
    assert!(err.contains("another configuration"), "{err}");

    // Fusion with a feature classifier, nested on the same folds, then kept in a model file
    // that `exg eval` uses with nothing else.
    let fusion = d.join("fusion");
    let fused = d.join("fused.safetensors");
    let network = out.join("fold-3/model.safetensors");
    let preds = out.join("predictions.csv");
    let save = Some((&[network.as_path()][..], fused.as_path()));
    let report = ok(&str_args(&fuse_args("3", &[&preds], &fusion, save)));
    assert!(report.contains("| **fused** |"), "{report}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fusion.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["folds"].as_array().unwrap().len(), 3);
    let csv = std::fs::read_to_string(fusion.join("predictions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 15);
    let (_, meta) = exg_model::ExgNet::load_described(&fused, &candle::Device::Cpu).unwrap();
    let f = meta
        .fusion
        .expect("the saved model keeps its feature classifier");
    let full = exg_features::FeatureExtractor::schema(&exg_features::full_set().unwrap());
    assert_eq!(f.features.len(), full.len());
    let eval = eval_synthetic(&fused);
    assert_eq!(eval["records"], 15);
    // Predictions of another dataset are refused.
    let err = fails(&str_args(&fuse_args("2", &[&preds], &fusion, None)));
    assert!(err.contains("not in synthetic"), "{err}");
    // Two networks' predictions are averaged for the evaluation, and their two final models
    // are kept as one ensemble (here two fold models stand in for them).
    let other = out.join("fold-2/model.safetensors");
    let pair = [network.as_path(), other.as_path()];
    let save = Some((&pair[..], fused.as_path()));
    let err = fails(&str_args(&fuse_args(
        "3",
        &[&preds, &preds],
        &fusion,
        Some((&pair[..1], &fused)),
    )));
    assert!(err.contains("1 --model for 2 --predictions"), "{err}");
    // A model that cannot be read fails before any work, and writes nothing.
    let missing = d.join("missing.safetensors");
    let untouched = d.join("untouched");
    let only = Some((&[missing.as_path()][..], fused.as_path()));
    let err = fails(&str_args(&fuse_args("3", &[&preds], &untouched, only)));
    assert!(err.contains("loading model"), "{err}");
    assert!(!untouched.exists());
    ok(&str_args(&fuse_args("3", &[&preds, &preds], &fusion, save)));
    let (nets, meta) = exg_model::Ensemble::load_described(&fused, &candle::Device::Cpu).unwrap();
    assert_eq!(nets.members().len(), 2);
    assert!(meta.fusion.is_some());
    assert_eq!(eval_synthetic(&fused)["records"], 15);
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn bad_datasets_are_one_line_errors() {
    let d = dir("bad");
    std::fs::create_dir_all(&d).unwrap();
    let out = d.join("run");
    let out_s = out.to_str().unwrap();
    let missing = d.join("nowhere");
    let err = fails(&[
        "cv",
        "--dataset",
        "cinc2017",
        "--data-dir",
        missing.to_str().unwrap(),
        "--out",
        out_s,
    ]);
    assert!(
        err.starts_with("exg: error:") && err.lines().count() == 1,
        "{err}"
    );
    assert!(
        !out.exists(),
        "nothing is written for a dataset that cannot be loaded"
    );
    // A folder without REFERENCE.csv is a layout error naming what is expected.
    let err = fails(&[
        "train",
        "--dataset",
        "cinc2017",
        "--data-dir",
        d.to_str().unwrap(),
        "--out",
        out_s,
    ]);
    assert!(err.contains("REFERENCE.csv"), "{err}");
    let err = fails(&["cv", "--dataset", "cinc2017", "--out", out_s]);
    assert!(err.contains("--data-dir"), "{err}");
    let err = fails(&[
        "cv",
        "--dataset",
        "mitdb",
        "--data-dir",
        d.to_str().unwrap(),
        "--out",
        out_s,
    ]);
    assert!(err.contains("exg eval"), "{err}");
    let err = fails(&["cv", "--dataset", "nosuch", "--out", out_s]);
    assert!(err.contains("nosuch"), "{err}");
    let err = fails(&[
        "train",
        "--dataset",
        "synthetic",
        "--out",
        out_s,
        "--device",
        "tpu",
    ]);
    assert!(err.contains("unknown device"), "{err}");
    std::fs::remove_dir_all(d).ok();
}

/// `exg cv` of the paper's Chapman protocol (`datasets/chapman/study-paper.json`, group4, lead
/// II, one epoch) on `data` into `out`, with `extra` flags; returns stdout.
fn chapman_cv(data: &Path, out: &Path, extra: &[&str]) -> String {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/chapman/study-paper.json"
    );
    let mut args = vec![
        "cv",
        "--dataset",
        "chapman",
        "--data-dir",
        data.to_str().unwrap(),
        "--classes",
        "group4",
        "--lead",
        "II",
        "--config",
        config,
        "--epochs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&args)
}

/// The paper's protocol as one command on the 35 Chapman waveforms in `../shared/data`: a
/// smoke test that the whole path runs (the numbers of 35 records and one epoch mean nothing).
#[test]
fn chapman_paper_protocol_runs_end_to_end() {
    let Some(chapman) = exg_data::testdata::dir("chapman") else {
        return;
    };
    let d = dir("chapman");
    let result: serde_json::Value =
        serde_json::from_str(&chapman_cv(&chapman, &d.join("run"), &["--json"])).unwrap();
    assert_eq!(result["folds"].as_array().unwrap().len(), 5);
    let records: u64 = result["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["evaluation"]["records"].as_u64().unwrap())
        .sum();
    assert_eq!(records, 35, "every local waveform is tested once");
    std::fs::remove_dir_all(d).ok();
}

/// The shipped model evaluates any folder in the CinC 2017 release layout (here three real
/// records copied with their own REFERENCE.csv) and classifies a record with no other flag.
#[test]
fn shipped_cinc2017_model_evaluates_a_release_layout_folder() {
    let Some(src) = exg_data::testdata::dir("cinc2017/training2017") else {
        return;
    };
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/exgnet-cinc2017.safetensors"
    );
    let d = dir("shipped");
    std::fs::create_dir_all(&d).unwrap();
    let mut reference = String::new();
    for (rec, label) in [("A00001", "N"), ("A00005", "A"), ("A00002", "N")] {
        for ext in ["hea", "mat"] {
            std::fs::copy(
                src.join(format!("{rec}.{ext}")),
                d.join(format!("{rec}.{ext}")),
            )
            .unwrap();
        }
        reference += &format!("{rec},{label}\n");
    }
    std::fs::write(d.join("REFERENCE.csv"), reference).unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "eval",
        "--model",
        model,
        "--dataset",
        "cinc2017",
        "--data-dir",
        d.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(v["records"], 3);
    for key in ["accuracy", "macro_f1", "per_class", "confusion", "f1_nao"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let out = ok(&[
        "predict",
        "--model",
        model,
        d.join("A00001.hea").to_str().unwrap(),
    ]);
    assert!(out.contains("A00001.hea: "), "{out}");
    std::fs::remove_dir_all(d).ok();
}

/// The paper's Chapman protocol with the features taken from `Diagnostics.xlsx`
/// (`--features diagnostics`) instead of computed: the run's configuration says so and the
/// feature branch takes the table's 11 columns. A smoke test on the 35 local waveforms.
#[test]
fn chapman_diagnostics_features_run_end_to_end() {
    let Some(chapman) = exg_data::testdata::dir("chapman") else {
        return;
    };
    let d = dir("chapman-diagnostics");
    let out = d.join("run");
    let flags = ["--features", "diagnostics"];
    let printed: serde_json::Value = serde_json::from_str(&chapman_cv(
        &chapman,
        &out,
        &[&flags[..], &["--print-config"]].concat(),
    ))
    .unwrap();
    assert_eq!(printed["features"], "provided");
    assert_eq!(printed["model"]["aux"]["n_features"], 11);
    chapman_cv(&chapman, &out, &flags);
    let metrics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["folds"].as_array().unwrap().len(), 5);
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(saved["config"]["features"], "provided");
    std::fs::remove_dir_all(d).ok();
}

/// Only Chapman ships a diagnostics table: elsewhere `--features diagnostics` is a clear error
/// before any run folder is made.
#[test]
fn diagnostics_features_need_the_chapman_dataset() {
    let d = dir("diagnostics-synthetic");
    let out = d.join("run");
    let err = fails(&[
        "cv",
        "--dataset",
        "synthetic",
        "--per-class",
        "4",
        "--features",
        "diagnostics",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("--dataset chapman"), "{err}");
    assert!(!out.exists());
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn every_shipped_cinc2017_study_configuration_resolves() {
    // The configurations under datasets/cinc2017 (the study script's and the screened
    // changes of docs/results.md) must stay valid as the configuration types evolve: each one
    // merges into the dataset's default and deserializes (unknown fields are refused).
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/cinc2017");
    let mut seen = 0;
    for entry in std::fs::read_dir(&configs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let out = dir("shipped-config");
            ok(&[
                "cv",
                "--dataset",
                "cinc2017",
                "--data-dir",
                out.to_str().unwrap(),
                "--out",
                out.join("run").to_str().unwrap(),
                "--config",
                path.to_str().unwrap(),
                "--print-config",
            ]);
            seen += 1;
        }
    }
    assert!(
        seen >= 6,
        "{seen} configurations under {}",
        configs.display()
    );
}
