//! The training loop on a tiny, learnable task (three classes told apart by a waveform's
//! frequency; attention targets mark a known stretch): the three-term loss falls and the model
//! learns; two runs with one seed are bit-identical; a run killed mid-epoch (a child process
//! of this test binary) and resumed ends bit-identical to an uninterrupted one; a diverging run
//! stops with a typed error; bad examples are refused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use candle::{DType, Device};
use exg_model::init::SeededVarMap;
use exg_model::{Classifier, ExgNet, ExgNetConfig, FeatureHead};
use exg_train::Error;
use exg_train::optim::AdamWConfig;
use exg_train::trainer::{Checkpoints, Example, FitOutcome, Models, Progress, TrainConfig, fit};

/// Three classes: a sine of 1, 2 or 3 cycles per window, random phase and amplitude, noise;
/// two features correlated with the class; a target on the second quarter, missing for every
/// seventh example.
fn examples(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = exg_signal::rng::SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let label = i % 3;
            let phase = rng.uniform() * std::f64::consts::TAU;
            let amp = 0.5 + rng.uniform();
            let signal = (0..40)
                .map(|t| {
                    let w = std::f64::consts::TAU * (label + 1) as f64 * t as f64 / 40.0;
                    (amp * (w + phase).sin() + 0.2 * rng.normal()) as f32
                })
                .collect();
            let features = vec![
                label as f32 - 1.0 + 0.3 * rng.normal() as f32,
                rng.normal() as f32,
                0.0,
                1.0,
            ];
            let target = (i % 7 != 0).then(|| {
                (0..40)
                    .map(|t| if (10..20).contains(&t) { 1.0 } else { 0.0 })
                    .collect()
            });
            Example {
                signal,
                label,
                features,
                target,
            }
        })
        .collect()
}

fn config() -> TrainConfig {
    TrainConfig {
        epochs: 12,
        batch_size: 16,
        optimizer: AdamWConfig {
            lr: 0.03,
            ..AdamWConfig::default()
        },
        lambda_features: 1.0,
        lambda_xai: 0.5,
        patience: None,
        seed: 7,
        ..TrainConfig::default()
    }
}

struct Net {
    net: ExgNet,
    head: FeatureHead,
}

fn build(seed: u64) -> Net {
    let cfg = ExgNetConfig::tiny();
    let vars = SeededVarMap::new(seed);
    let vb = vars.var_builder(DType::F32, &Device::Cpu);
    let net = ExgNet::new(&cfg, vb.clone()).unwrap();
    let head = FeatureHead::new(&cfg.feature_head().unwrap(), vb).unwrap();
    Net { net, head }
}

fn train(
    net: &Net,
    cfg: &TrainConfig,
    ckpt: &Checkpoints,
    on_step: &mut dyn FnMut(),
) -> exg_train::Result<FitOutcome> {
    let models = Models {
        classifier: &net.net,
        features: Some(&net.head),
    };
    fit(
        &models,
        &examples(96, 1),
        &examples(30, 2),
        cfg,
        ckpt,
        &mut |p| {
            if let Progress::Step { .. } = p {
                on_step();
            }
        },
    )
}

fn params(net: &Net) -> Vec<(String, Vec<f32>)> {
    let mut t = net.net.named_tensors();
    t.extend(net.head.named_tensors());
    t.into_iter()
        .map(|(n, t)| (n, t.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

/// History without wall times (which differ between runs).
fn timeless(o: &FitOutcome) -> String {
    let mut h = o.history.clone();
    for e in &mut h {
        e.seconds = 0.0;
    }
    serde_json::to_string(&(h, o.selected_epoch, o.stopped_early)).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn three_term_objective_learns_and_reports_each_term() {
    let net = build(3);
    let out = train(&net, &config(), &Checkpoints::default(), &mut || {}).unwrap();
    let first = &out.history[0];
    let last = out.history.last().unwrap();
    assert_eq!(out.history.len(), 12);
    let line = first.to_string();
    assert!(
        line.starts_with("epoch  1: loss ") && line.contains(", val "),
        "{line}"
    );
    assert!(last.ce < first.ce, "{first:?} -> {last:?}");
    assert!(first.ce_features > 0.0 && first.xai > 0.0);
    assert!(
        last.xai < first.xai,
        "XAI term falls: {first:?} -> {last:?}"
    );
    // Every seventh training example has no target: left out and counted, every epoch.
    assert_eq!(first.xai_skipped, 96usize.div_ceil(7));
    assert!(last.val_accuracy.unwrap() > 0.8, "{last:?}");
    // Selection: the first epoch reaching the best validation score (strict improvement), and
    // the model holds that epoch's parameters: its validation accuracy is reproduced.
    let scores: Vec<f64> = out.history.iter().map(|e| e.val_score.unwrap()).collect();
    let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let first_best = scores.iter().position(|&v| v == max).unwrap() + 1;
    assert_eq!(out.selected_epoch, first_best, "{scores:?}");
    let val = examples(30, 2);
    let signals: Vec<&[f32]> = val.iter().map(|e| e.signal.as_slice()).collect();
    let probs = exg_train::trainer::predict_proba(&net.net, &signals, 64, &Device::Cpu).unwrap();
    let right = val
        .iter()
        .zip(&probs)
        .filter(|(e, p)| exg_train::trainer::argmax(p) == e.label)
        .count();
    let selected = &out.history[out.selected_epoch - 1];
    assert_eq!(Some(right as f64 / 30.0), selected.val_accuracy);
}

#[test]
fn ablations_switch_terms_off() {
    let net = build(3);
    let cfg = TrainConfig {
        lambda_features: 0.0,
        lambda_xai: 0.0,
        epochs: 2,
        ..config()
    };
    let out = train(&net, &cfg, &Checkpoints::default(), &mut || {}).unwrap();
    assert!(
        out.history
            .iter()
            .all(|e| e.ce_features == 0.0 && e.xai == 0.0)
    );
}

#[test]
fn same_seed_same_bits() {
    let (a, b) = (build(3), build(3));
    let cfg = TrainConfig {
        epochs: 3,
        ..config()
    };
    let oa = train(&a, &cfg, &Checkpoints::default(), &mut || {}).unwrap();
    let ob = train(&b, &cfg, &Checkpoints::default(), &mut || {}).unwrap();
    assert_eq!(timeless(&oa), timeless(&ob));
    assert_eq!(params(&a), params(&b));
}

/// `keep_last_epoch`: the validation split is scored but chooses nothing: the model is the one
/// a run without any validation split ends with (training never sees the split), bit for bit.
#[test]
fn keep_last_epoch_keeps_the_last_model_and_still_logs_validation() {
    let cfg = TrainConfig {
        epochs: 4,
        keep_last_epoch: true,
        ..config()
    };
    let (a, b) = (build(5), build(5));
    let oa = train(&a, &cfg, &Checkpoints::default(), &mut || {}).unwrap();
    assert_eq!(oa.selected_epoch, 4);
    assert!(oa.history.iter().all(|e| e.val_score.is_some()));
    let models = Models {
        classifier: &b.net,
        features: Some(&b.head),
    };
    let ob = fit(
        &models,
        &examples(96, 1),
        &[],
        &TrainConfig {
            keep_last_epoch: false,
            ..cfg
        },
        &Checkpoints::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(ob.selected_epoch, 4);
    assert_eq!(params(&a), params(&b));
}

const CHILD_ENV: &str = "EXG_TRAIN_TEST_CHILD_DIR";

/// The child role of `killed_mid_epoch_resumes_to_the_same_result`: trains with checkpoints,
/// slowly, until the parent kills it. Does nothing when run as a normal test.
#[test]
fn child_role_train_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let net = build(3);
    let ckpt = Checkpoints {
        dir: Some(PathBuf::from(dir)),
        resume: false,
    };
    let _ = train(&net, &config(), &ckpt, &mut || {
        std::thread::sleep(Duration::from_millis(40))
    });
}

fn epochs_in_checkpoint(path: &Path) -> Option<usize> {
    let (_, state): (_, serde_json::Value) =
        exg_train::checkpoint::load(path, &Device::Cpu).ok()?;
    state["epoch"].as_u64().map(|e| e as usize)
}

#[test]
fn killed_mid_epoch_resumes_to_the_same_result() {
    let dir = scratch("resume");
    let last = dir.join("last.safetensors");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_role_train_until_killed", "--nocapture"])
        .env(CHILD_ENV, &dir)
        .spawn()
        .unwrap();
    // Wait until two epochs are checkpointed, then a little into the third, then kill.
    let start = Instant::now();
    while epochs_in_checkpoint(&last).is_none_or(|e| e < 2) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "child made no checkpoint"
        );
        assert!(child.try_wait().unwrap().is_none(), "child ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = epochs_in_checkpoint(&last).unwrap();
    assert!(at_kill < 12, "the child finished before it was killed");

    let resumed = build(99); // different initial weights: all must come from the checkpoint
    let ckpt = Checkpoints {
        dir: Some(dir.clone()),
        resume: true,
    };
    let out_resumed = train(&resumed, &config(), &ckpt, &mut || {}).unwrap();
    let straight = build(3);
    let out_straight = train(&straight, &config(), &Checkpoints::default(), &mut || {}).unwrap();
    assert_eq!(timeless(&out_resumed), timeless(&out_straight));
    assert_eq!(params(&resumed), params(&straight));

    // A resume with another configuration is refused, not mixed.
    let other = TrainConfig {
        seed: 8,
        ..config()
    };
    let err = train(&build(3), &other, &ckpt, &mut || {}).unwrap_err();
    assert!(matches!(err, Error::Checkpoint(_)), "{err}");
}

#[test]
fn divergence_stops_with_a_typed_error_and_no_checkpoint() {
    let dir = scratch("nan");
    let cfg = TrainConfig {
        optimizer: AdamWConfig {
            lr: 1e30,
            weight_decay: 0.0,
            ..AdamWConfig::default()
        },
        warmup_epochs: 0.0,
        clip_norm: None,
        ..config()
    };
    let ckpt = Checkpoints {
        dir: Some(dir.clone()),
        resume: false,
    };
    let err = train(&build(3), &cfg, &ckpt, &mut || {}).unwrap_err();
    assert!(matches!(err, Error::NonFinite(_)), "{err}");
    assert!(err.to_string().contains("epoch"), "{err}");
    assert!(!dir.join("last.safetensors").exists());
}

#[test]
fn bad_examples_are_refused() {
    let net = build(3);
    let models = Models {
        classifier: &net.net,
        features: Some(&net.head),
    };
    let cfg = config();
    let none = Checkpoints::default();
    let run = |train: &[Example]| fit(&models, train, &[], &cfg, &none, &mut |_| {});
    assert!(matches!(run(&[]), Err(Error::Input(_))));
    let mut bad = examples(6, 1);
    bad[2].label = 3;
    assert!(matches!(run(&bad), Err(Error::Input(_))));
    let mut bad = examples(6, 1);
    bad[1].signal[5] = f32::NAN;
    assert!(matches!(run(&bad), Err(Error::Input(_))));
    let mut bad = examples(6, 1);
    bad[0].features.pop();
    assert!(matches!(run(&bad), Err(Error::Input(_))));
    let no_head = Models {
        classifier: &net.net,
        features: None,
    };
    let r = fit(&no_head, &examples(6, 1), &[], &cfg, &none, &mut |_| {});
    assert!(matches!(r, Err(Error::Input(_))));
}

/// Random-crop training: records of several lengths (some shorter than the window) train
/// through 40-sample crops, learn, repeat bit for bit with one seed, and differ with another;
/// a validation example of another length is refused.
#[test]
fn random_crop_trains_on_records_of_any_length() {
    // Each record: two to three windows' worth of the class's sine (the period fixed in
    // samples), or a little less than one window.
    let long: Vec<Example> = examples(96, 1)
        .into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            let reps = [3, 2, 1][i % 3];
            let mut s: Vec<f32> = e.signal.repeat(reps);
            if reps == 1 {
                s.truncate(35);
            }
            e.target = e.target.map(|g| {
                let mut g = g.repeat(reps);
                g.truncate(s.len());
                g
            });
            e.signal = s;
            e
        })
        .collect();
    let cfg = TrainConfig {
        random_crop: Some(40),
        ..config()
    };
    let run = |cfg: &TrainConfig| {
        let net = build(3);
        let models = Models {
            classifier: &net.net,
            features: Some(&net.head),
        };
        let out = fit(
            &models,
            &long,
            &examples(30, 2),
            cfg,
            &Checkpoints::default(),
            &mut |_| {},
        )
        .unwrap();
        (out, params(&net))
    };
    let (a, pa) = run(&cfg);
    let (b, pb) = run(&cfg);
    assert_eq!(timeless(&a), timeless(&b));
    assert_eq!(pa, pb);
    let last = a.history.last().unwrap();
    assert!(last.train_accuracy > 0.6, "crops learn: {last}");
    let other = TrainConfig {
        seed: 8,
        ..cfg.clone()
    };
    let (c, _) = run(&other);
    assert_ne!(
        timeless(&a),
        timeless(&c),
        "the crop offsets follow the seed"
    );

    let net = build(3);
    let models = Models {
        classifier: &net.net,
        features: Some(&net.head),
    };
    let mut bad_val = examples(4, 2);
    bad_val[0].signal.push(0.0);
    let err = fit(
        &models,
        &long,
        &bad_val,
        &cfg,
        &Checkpoints::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("validation example 0"), "{err}");
}
