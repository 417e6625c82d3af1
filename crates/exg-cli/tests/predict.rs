//! `exg predict` and `exg explain` end to end, on a seeded untrained model saved described (one
//! network or an ensemble). Oracle: the library (`ExgNet::predict_proba` on the same window),
//! the single network for an ensemble of copies of it, and the documented errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use candle::{DType, Device, Tensor};
use exg_model::init::SeededVarMap;
use exg_model::{Ensemble, ExgNet, ExgNetConfig, ModelMeta, Normalise, Preprocessing};
use exg_signal::Hz;
use exg_signal::synthetic::{SyntheticConfig, generate};

fn exg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .output()
        .expect("runs exg")
}

/// Runs `exg args`, requires success and parses its stdout as JSON.
fn json_ok(args: &[&str]) -> serde_json::Value {
    let out = exg(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exg-predict-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tiny network at 100 Hz with a 4-s window, initialised from `seed`.
fn tiny_net(seed: u64) -> ExgNet {
    let cfg = ExgNetConfig {
        input_len: 400,
        ..ExgNetConfig::tiny()
    };
    ExgNet::new(
        &cfg,
        SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap()
}

/// The metadata of [`tiny_net`]: no normalisation (so the library oracle is simple).
fn tiny_meta() -> ModelMeta {
    ModelMeta::new(
        vec!["N".into(), "A".into(), "O".into()],
        Preprocessing {
            normalise: Normalise::None,
            ..Preprocessing::zscore_at(100.0)
        },
        "synthetic",
    )
}

/// [`tiny_net`] of seed 7 saved described.
fn model(d: &Path) -> (PathBuf, ExgNet) {
    let net = tiny_net(7);
    let path = d.join("model.safetensors");
    net.save_described(&path, &tiny_meta()).unwrap();
    (path, net)
}

/// `nets` saved as one ensemble file named `name`.
fn ensemble(d: &Path, name: &str, nets: Vec<ExgNet>) -> PathBuf {
    let path = d.join(name);
    Ensemble::new(nets)
        .unwrap()
        .save_described(&path, &tiny_meta())
        .unwrap();
    path
}

fn csv(d: &Path, name: &str, samples: &[f64]) -> PathBuf {
    let mut text = String::from("II\n");
    for v in samples {
        text += &format!("{v:.17e}\n");
    }
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn ecg(seconds: f64) -> Vec<f64> {
    generate(&SyntheticConfig {
        seed: 2,
        ..SyntheticConfig::new(Hz::new(100.0).unwrap(), seconds)
    })
    .unwrap()
    .ecg
    .samples()
    .to_vec()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn fails_with(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "expected `{needle}` in {err}");
}

#[test]
fn predict_one_window_equals_the_library() {
    let d = dir("lib");
    let (m, net) = model(&d);
    let x = ecg(4.0);
    let rec = csv(&d, "r.csv", &x);
    let v = json_ok(&[
        "predict",
        "--model",
        s(&m),
        "--fs",
        "100",
        s(&rec),
        "--json",
    ]);
    let xs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let t = Tensor::from_vec(xs, (1, 1, 400), &Device::Cpu).unwrap();
    let p = net.predict_proba(&t).unwrap().to_vec2::<f32>().unwrap();
    for (i, c) in ["N", "A", "O"].iter().enumerate() {
        let got = v["probabilities"][c].as_f64().unwrap();
        assert!(
            (got - f64::from(p[0][i])).abs() < 1e-6,
            "{c}: {got} vs {}",
            p[0][i]
        );
    }
    assert_eq!(v["windows"], 1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn long_records_use_overlapping_windows_and_short_ones_are_padded() {
    let d = dir("win");
    let (m, _) = model(&d);
    let long = csv(&d, "long.csv", &ecg(10.0));
    let short = csv(&d, "short.csv", &ecg(3.0));
    let out = exg(&[
        "predict",
        "--model",
        s(&m),
        "--fs",
        "100",
        s(&long),
        s(&short),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 1000 samples, window 400, stride 200: starts 0, 200, 400, 600.
    assert_eq!(lines[0]["windows"], 4);
    assert_eq!(lines[1]["windows"], 1);
    let sum: f64 = lines[0]["probabilities"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-5);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn explain_draws_a_figure_and_prints_the_map() {
    let d = dir("explain");
    let (m, _) = model(&d);
    let x = ecg(10.0);
    let rec = csv(&d, "r.csv", &x);
    let png = d.join("fig.png");
    let v = json_ok(&[
        "explain",
        "--model",
        s(&m),
        "--fs",
        "100",
        s(&rec),
        "--out",
        s(&png),
        "--json",
    ]);
    let map = v["map"].as_array().unwrap();
    assert_eq!(map.len(), x.len());
    assert!(
        map.iter()
            .all(|m| (0.0..=1.0).contains(&m.as_f64().unwrap()))
    );
    assert!(!v["peaks"].as_array().unwrap().is_empty());
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    if let Ok(keep) = std::env::var("EXG_KEEP_FIGURE") {
        std::fs::copy(&png, keep).unwrap();
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn an_ensemble_predicts_the_mean_of_its_networks_and_explains_with_their_mean_map() {
    let d = dir("ensemble");
    let (single, a) = model(&d);
    let b = tiny_net(8);
    let pair = ensemble(&d, "pair.safetensors", vec![a.clone(), b.clone()]);
    let x = ecg(4.0);
    let rec = csv(&d, "r.csv", &x);
    let run =
        |cmd: &str, m: &Path| json_ok(&[cmd, "--model", s(m), "--fs", "100", s(&rec), "--json"]);
    // Oracle: each network's probabilities from the library, averaged by hand.
    let xs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let t = Tensor::from_vec(xs, (1, 1, 400), &Device::Cpu).unwrap();
    let pa = a.predict_proba(&t).unwrap().to_vec2::<f32>().unwrap();
    let pb = b.predict_proba(&t).unwrap().to_vec2::<f32>().unwrap();
    let v = run("predict", &pair);
    for (i, c) in ["N", "A", "O"].iter().enumerate() {
        let want = f64::from((pa[0][i] + pb[0][i]) / 2.0);
        let got = v["probabilities"][c].as_f64().unwrap();
        assert!((got - want).abs() < 1e-6, "{c}: {got} vs {want}");
    }
    // `exg info` describes the file.
    let info = json_ok(&["info", s(&pair)]);
    assert_eq!(info["networks"], 2);
    assert_eq!(info["parameters"], 2 * a.num_params());
    assert_eq!(info["classes"], serde_json::json!(["N", "A", "O"]));
    assert_eq!(info["feature_fusion"], serde_json::Value::Null);
    // An ensemble of two copies of one network is that network: same probabilities, same map.
    let copies = ensemble(&d, "copies.safetensors", vec![a.clone(), a]);
    let (one, two) = (run("explain", &single), run("explain", &copies));
    assert_eq!(one["class"], two["class"]);
    let values = |v: &serde_json::Value, key: &str| -> Vec<f64> {
        match &v[key] {
            serde_json::Value::Array(a) => a.iter().map(|m| m.as_f64().unwrap()).collect(),
            serde_json::Value::Object(o) => o.values().map(|m| m.as_f64().unwrap()).collect(),
            other => panic!("{key}: {other}"),
        }
    };
    for key in ["map", "probabilities"] {
        let (p, q) = (values(&one, key), values(&two, key));
        assert_eq!(p.len(), q.len());
        assert!(
            p.iter().zip(&q).all(|(p, q)| (p - q).abs() < 1e-6),
            "{key} differs"
        );
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn bad_input_gives_one_line_errors_and_exit_code_1() {
    let d = dir("bad");
    let (m, _) = model(&d);
    let rec = csv(&d, "r.csv", &ecg(5.0));
    for cmd in ["predict", "explain"] {
        let missing = d.join("missing.safetensors");
        fails_with(
            &exg(&[cmd, "--model", s(&missing), "--fs", "100", s(&rec)]),
            "loading model",
        );
        let corrupt = d.join("corrupt.safetensors");
        let bytes = std::fs::read(&m).unwrap();
        std::fs::write(&corrupt, &bytes[..bytes.len() / 2]).unwrap();
        fails_with(
            &exg(&[cmd, "--model", s(&corrupt), "--fs", "100", s(&rec)]),
            "not a readable model file",
        );
        let short = csv(&d, "short.csv", &ecg(1.5));
        fails_with(
            &exg(&[cmd, "--model", s(&m), "--fs", "100", s(&short)]),
            "too short",
        );
        let mut nan = ecg(5.0);
        nan[100] = f64::NAN;
        let nan = csv(&d, "nan.csv", &nan);
        fails_with(
            &exg(&[cmd, "--model", s(&m), "--fs", "100", s(&nan)]),
            "error",
        );
        fails_with(
            &exg(&[
                cmd,
                "--model",
                s(&m),
                "--fs",
                "100",
                "--channel",
                "3",
                s(&rec),
            ]),
            "channel 3",
        );
    }
    std::fs::remove_dir_all(&d).ok();
}
