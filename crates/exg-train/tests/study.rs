//! Whole studies on a tiny synthetic dataset: cross-validation writes its run folder and is
//! bit-identical between runs; a run killed in the middle (a child process of this test binary,
//! killed while training its second fold) and resumed ends with the same metrics as an
//! uninterrupted one; a folder is never overwritten without `resume`, nor resumed under another
//! configuration; `train_model` writes a self-describing model that `evaluate_model` reads back.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use exg_model::{AuxConfig, BlockConfig, BlockKind, ExgNet};
use exg_signal::Hz;
use exg_signal::synthetic::{DatasetConfig, SyntheticClass, dataset};
use exg_train::Error;
use exg_train::cv::Folds;
use exg_train::prepare::Source;
use exg_train::study::{
    Ablation, CvResult, RunOptions, StudyConfig, StudyData, StudyProgress, cross_validate,
    evaluate_model, train_model,
};

fn data() -> StudyData {
    let classes = vec![
        SyntheticClass::SinusRhythm,
        SyntheticClass::AfFlutter,
        SyntheticClass::SinusTachycardia,
    ];
    let names = classes.iter().map(|c| c.name().to_string()).collect();
    let records = dataset(&DatasetConfig {
        classes,
        per_class: 6,
        fs: Hz::new(250.0).unwrap(),
        duration_s: 12.0,
        seed: 5,
    })
    .unwrap()
    .into_iter()
    .map(|r| Source {
        id: r.id,
        label: r.label,
        class_hint: Some(r.class.name().to_string()),
        provided: None,
        ecg: r.ecg,
    })
    .collect();
    StudyData {
        name: "synthetic".into(),
        source: "exg synthetic (test)".into(),
        classes: names,
        records,
        skipped: vec![("broken-1".into(), "truncated".into())],
    }
}

fn config() -> StudyConfig {
    let mut cfg = StudyConfig::default();
    cfg.model.sample_rate_hz = 100.0;
    cfg.model.input_len = 500;
    cfg.model.blocks = vec![
        BlockConfig {
            width: 6,
            kernel: 7,
            dilation: 1,
            pool: 4,
            kind: BlockKind::Multiresolution,
        },
        BlockConfig {
            width: 6,
            kernel: 5,
            dilation: 1,
            pool: 1,
            kind: BlockKind::Multiresolution,
        },
    ];
    cfg.model.aux = Some(AuxConfig {
        n_features: 17,
        hidden: vec![8],
    });
    cfg.hop_s = 2.5;
    cfg.train.epochs = 3;
    cfg.train.batch_size = 8;
    cfg.train.patience = None;
    cfg.folds = Folds::Stratified { k: 3, seed: 1 };
    cfg.val_fraction = 0.2;
    cfg
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exg-study-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The result without wall times and cache counts.
fn timeless(r: &CvResult) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["seconds"] = 0.into();
    v["prepare"]["cache_hits"] = 0.into();
    v["prepare"]["cache_misses"] = 0.into();
    for f in v["folds"].as_array_mut().unwrap() {
        f["train_seconds"] = 0.into();
        for e in f["history"].as_array_mut().unwrap() {
            e["seconds"] = 0.into();
        }
    }
    v
}

fn run(out: &Path, resume: bool) -> exg_train::Result<CvResult> {
    cross_validate(
        &data(),
        &config(),
        out,
        &RunOptions {
            resume,
            ..RunOptions::default()
        },
        &mut |_| {},
    )
}

#[test]
fn cross_validation_writes_its_folder_and_repeats_bit_for_bit() {
    let (a, b) = (scratch("cv-a"), scratch("cv-b"));
    let ra = run(&a, false).unwrap();
    assert_eq!(ra.folds.len(), 3);
    assert_eq!(
        ra.folds.iter().map(|f| f.evaluation.records).sum::<usize>(),
        18
    );
    assert_eq!(
        ra.skipped.len(),
        1,
        "unreadable records are carried into the result"
    );
    for f in &ra.folds {
        assert_eq!(f.history.len(), 3);
        assert!(f.xai.windows > 0 && f.xai.cam_target_ncc.is_some());
        for file in [
            "result.json",
            "model.safetensors",
            "checkpoints/last.safetensors",
        ] {
            assert!(
                a.join(format!("fold-{}/{file}", f.fold)).is_file(),
                "{file}"
            );
        }
    }
    for file in ["config.json", "metrics.json", "predictions.csv"] {
        assert!(a.join(file).is_file(), "{file}");
    }
    let csv = std::fs::read_to_string(a.join("predictions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 19);
    assert!(csv.starts_with("fold,id,label,predicted,seconds,p_SR,p_AFIB,p_ST\n"));
    // Every record is tested exactly once.
    let mut ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 18);

    let rb = run(&b, false).unwrap();
    assert!(timeless(&ra) == timeless(&rb), "ra and rb differ");

    // The folder is not overwritten without resume; with it, finished folds are read back.
    let err = run(&a, false).unwrap_err();
    assert!(err.to_string().contains("--resume"), "{err}");
    let again = run(&a, true).unwrap();
    assert!(timeless(&again) == timeless(&ra), "again and ra differ");
    // Resuming under another configuration is refused.
    let mut other = config();
    other.train.epochs = 4;
    let err = cross_validate(
        &data(),
        &other,
        &a,
        &RunOptions {
            resume: true,
            ..RunOptions::default()
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, Error::Checkpoint(_)), "{err}");
    for d in [a, b] {
        std::fs::remove_dir_all(d).ok();
    }
}

const CHILD_ENV: &str = "EXG_STUDY_TEST_CHILD_DIR";

/// The child role of `killed_study_resumes_to_the_same_metrics`: runs the study slowly until
/// the parent kills it. Does nothing when run as a normal test.
#[test]
fn child_role_cross_validate_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let _ = cross_validate(
        &data(),
        &config(),
        Path::new(&dir),
        &RunOptions::default(),
        &mut |p| {
            if let StudyProgress::Train(_) = p {
                std::thread::sleep(Duration::from_millis(30));
            }
        },
    );
}

#[test]
fn killed_study_resumes_to_the_same_metrics() {
    let dir = scratch("killed");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_role_cross_validate_until_killed",
            "--nocapture",
        ])
        .env(CHILD_ENV, &dir)
        .spawn()
        .unwrap();
    // Kill once fold 1 is done and fold 2 has a checkpoint: mid-study, mid-fold.
    let start = Instant::now();
    while !(dir.join("fold-1/result.json").exists()
        && dir.join("fold-2/checkpoints/last.safetensors").exists())
    {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "child made no progress"
        );
        assert!(child.try_wait().unwrap().is_none(), "child ended early");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.join("metrics.json").exists(),
        "the child finished before it was killed"
    );
    let resumed = run(&dir, true).unwrap();
    let straight_dir = scratch("straight");
    let straight = run(&straight_dir, false).unwrap();
    assert!(
        timeless(&resumed) == timeless(&straight),
        "resumed and straight differ"
    );
    for d in [dir, straight_dir] {
        std::fs::remove_dir_all(d).ok();
    }
}

#[test]
fn trained_model_describes_itself_and_evaluates() {
    let out = scratch("train");
    let d = data();
    let (net, result) =
        train_model(&d, &config(), &out, &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(result.history.len(), 3);
    assert!(result.validation.is_some());
    let (loaded, meta) =
        ExgNet::load_described(&out.join("model.safetensors"), &candle::Device::Cpu).unwrap();
    assert_eq!(meta.classes, d.classes);
    assert_eq!(loaded.config(), net.config());
    let result = evaluate_model(&loaded.clone().into(), &meta, &d, &[], &[]).unwrap();
    let (eval, preds) = (result.evaluation, result.predictions);
    assert!(result.refused.is_empty());
    assert_eq!(eval.records, 18);
    assert_eq!(preds.len(), 18);
    // The file's preprocessing replays the training windows: the same probabilities as the
    // in-memory model on the same record.
    let p = net
        .classify(&meta.preprocessing, &d.records[0].ecg)
        .unwrap();
    assert_eq!(p, preds[0].probabilities);
    // A flat record is refused with its reason and left out of the scores; the others are
    // still evaluated (oracle: the same evaluation without that record).
    let mut with_flat = data();
    let fs = with_flat.records[0].ecg.fs();
    with_flat.records[0].ecg = exg_signal::Ecg::new(vec![0.25; 3000], fs).unwrap();
    let flat_id = with_flat.records[0].id.clone();
    let r = evaluate_model(&loaded.clone().into(), &meta, &with_flat, &[], &[]).unwrap();
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].0, flat_id);
    assert!(r.refused[0].1.contains("flat"), "{}", r.refused[0].1);
    assert_eq!(r.evaluation.records, 17);
    assert_eq!(r.predictions[..], preds[1..]);
    // Every record refused is an error, not an empty evaluation.
    for src in &mut with_flat.records {
        src.ecg = exg_signal::Ecg::new(vec![0.25; 3000], fs).unwrap();
    }
    let err = evaluate_model(&loaded.clone().into(), &meta, &with_flat, &[], &[]).unwrap_err();
    assert!(err.to_string().contains("refused every record"), "{err}");
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn ablations_change_only_their_component() {
    let base = config();
    for a in Ablation::ALL {
        let mut cfg = base.clone();
        a.apply(&mut cfg).unwrap();
        match a {
            Ablation::Full => assert_eq!(cfg, base),
            Ablation::NoXai => assert_eq!(cfg.train.lambda_xai, 0.0),
            Ablation::NoFeatures => assert_eq!(cfg.train.lambda_features, 0.0),
            Ablation::PlainConv => {
                assert!(cfg.model.blocks.iter().all(|b| b.kind == BlockKind::Plain));
                assert_eq!(cfg.train, base.train);
            }
        }
    }
}

#[test]
fn missing_class_and_bad_score_class_are_typed_errors() {
    let mut d = data();
    d.records.retain(|r| r.label != 2);
    let err = run_with(&d, &config()).unwrap_err();
    assert!(err.to_string().contains("ST (0)"), "{err}");
    let mut cfg = config();
    cfg.score_classes = vec!["N".into()];
    let err = run_with(&data(), &cfg).unwrap_err();
    assert!(err.to_string().contains("score class `N`"), "{err}");
}

fn run_with(d: &StudyData, cfg: &StudyConfig) -> exg_train::Result<CvResult> {
    let out = scratch("bad");
    cross_validate(d, cfg, &out, &RunOptions::default(), &mut |_| {})
}

#[test]
fn evaluation_by_length_bins_records() {
    use exg_train::study::{RecordPrediction, evaluation_by_length};
    let p = |label: usize, predicted: usize, seconds: f64| RecordPrediction {
        id: format!("r{seconds}"),
        label,
        predicted,
        probabilities: if predicted == 0 {
            vec![0.9, 0.1]
        } else {
            vec![0.1, 0.9]
        },
        seconds,
    };
    let preds = [p(0, 0, 9.0), p(1, 1, 30.0), p(1, 0, 31.0), p(0, 0, 61.0)];
    let classes = ["N".to_string(), "A".to_string()];
    let bins = evaluation_by_length(&preds, &classes, None, &[20.0, 40.0]).unwrap();
    let labels: Vec<&str> = bins.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["< 20 s", "20–40 s", ">= 40 s"]);
    assert_eq!(bins[1].1.records, 2);
    assert_eq!(bins[1].1.accuracy, 0.5);
    assert!(evaluation_by_length(&preds, &classes, None, &[40.0, 20.0]).is_err());
}

#[test]
fn random_crop_study_trains_on_whole_records() {
    let mut cfg = config();
    cfg.random_crop = true;
    let (a, b) = (scratch("crop-a"), scratch("crop-b"));
    let run = |out: &Path| {
        cross_validate(&data(), &cfg, out, &RunOptions::default(), &mut |_| {}).unwrap()
    };
    let (ra, rb) = (run(&a), run(&b));
    assert!(timeless(&ra) == timeless(&rb), "crop runs differ");
    // Training saw one crop per record per epoch: 12 training records in each fold of 18
    // (minus the validation split), so fewer steps than the 4 windows per record of `config()`.
    assert_eq!(ra.folds[0].evaluation.records, 6);
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("config.json")).unwrap()).unwrap();
    assert_eq!(saved["config"]["train"]["random_crop"], 500);
    for d in [a, b] {
        std::fs::remove_dir_all(d).ok();
    }
}

/// A standardiser read from JSON with mismatched or invalid columns is refused when applied
/// (found while writing docs/robustness.md), never an out-of-bounds panic.
#[test]
fn inconsistent_standardizer_is_refused() {
    use exg_train::prepare::Standardizer;
    let mut records = vec![exg_train::cv::Record {
        id: "r".into(),
        label: 0,
        windows: vec![exg_train::trainer::Example {
            signal: vec![0.0; 4],
            label: 0,
            features: vec![1.0, 2.0],
            target: None,
        }],
    }];
    for json in [
        r#"{"mean": [0.0, 0.0], "sd": [1.0]}"#,
        r#"{"mean": [0.0, 0.0], "sd": [1.0, 0.0]}"#,
    ] {
        let s: Standardizer = serde_json::from_str(json).unwrap();
        assert!(s.apply(&mut records).is_err(), "{json}");
    }
}

/// `features: provided` (the paper's Chapman protocol with `Diagnostics.xlsx` values): the
/// records' own values feed the feature branch, whose width must match them.
#[test]
fn provided_features_train_the_feature_branch_and_must_match_its_width() {
    let mut data = data();
    for (i, r) in data.records.iter_mut().enumerate() {
        // Three record-level values, one of them missing on some records.
        let missing = i % 5 == 0;
        r.provided = Some(vec![
            Some(r.label as f64 * 30.0 + 60.0),
            (!missing).then_some(i as f64),
            Some(0.5),
        ]);
    }
    let mut cfg = config();
    cfg.features = exg_train::prepare::FeatureSource::Provided;
    cfg.train.epochs = 1;
    let out = scratch("provided");
    let err = cross_validate(&data, &cfg, &out, &RunOptions::default(), &mut |_| {}).unwrap_err();
    assert!(
        matches!(&err, Error::Input(m) if m.contains("has 3 provided features") && m.contains("n_features = 17")),
        "{err}"
    );
    assert!(
        !out.exists(),
        "the width is checked before the run folder is made"
    );
    cfg.model.aux.as_mut().unwrap().n_features = 3;
    let r = cross_validate(&data, &cfg, &out, &RunOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(r.folds.len(), 3);
    assert!(
        r.folds
            .iter()
            .all(|f| f.history[0].ce_features.is_finite() && f.history[0].ce_features > 0.0)
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(saved["config"]["features"], "provided");
    std::fs::remove_dir_all(&out).ok();
}
