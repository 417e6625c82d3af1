//! The self-describing model file. Oracle: the in-memory model (bit-identical logits) and the
//! metadata it was saved with; corrupted files are built by hand from the same bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle::{DType, Device, Tensor};
use exg_model::init::SeededVarMap;
use exg_model::{Ensemble, Error, ExgNet, ExgNetConfig, FeatureHead, ModelMeta, Preprocessing};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-described-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An edit of a file's metadata.
type Edit = Box<dyn FnOnce(&mut HashMap<String, String>)>;

fn tiny() -> (ExgNet, ModelMeta) {
    let cfg = ExgNetConfig::tiny();
    let vb = SeededVarMap::new(5).var_builder(DType::F32, &Device::Cpu);
    let net = ExgNet::new(&cfg, vb.clone()).unwrap();
    let _aux = FeatureHead::new(&cfg.feature_head().unwrap(), vb).unwrap();
    let meta = ModelMeta::new(
        vec!["N".into(), "A".into(), "O".into()],
        Preprocessing {
            highpass_hz: Some(0.5),
            ..Preprocessing::zscore_at(cfg.sample_rate_hz)
        },
        "synthetic",
    );
    (net, meta)
}

/// Rewrites `src`'s tensors into `dst` with `edit` applied to its metadata.
fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut HashMap<String, String>)) {
    let bytes = std::fs::read(src).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut md = header.metadata().clone().unwrap();
    edit(&mut md);
    let tensors = candle::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
    let bytes = safetensors::serialize(&tensors, Some(md)).unwrap();
    std::fs::write(dst, bytes).unwrap();
}

#[test]
fn described_file_round_trips_model_and_metadata() {
    let (net, meta) = tiny();
    let dir = temp_dir("roundtrip");
    let path = dir.join("model.safetensors");
    net.save_described(&path, &meta).unwrap();
    let (loaded, back) = ExgNet::load_described(&path, &Device::Cpu).unwrap();
    assert_eq!(back, meta);
    assert_eq!(back.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(loaded.config(), net.config());
    let x = Tensor::randn(0f32, 1., (2, 1, net.config().input_len), &Device::Cpu).unwrap();
    let a = net.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap();
    let b = loaded.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap();
    assert_eq!(a, b);
    // Deployable: no train-only tensors; the plain loader still reads it.
    let names: Vec<String> = candle::safetensors::load(&path, &Device::Cpu)
        .unwrap()
        .into_keys()
        .collect();
    assert!(names.iter().all(|n| n.starts_with("net.")), "{names:?}");
    ExgNet::load(net.config(), &path, &Device::Cpu).unwrap();
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn metadata_that_does_not_fit_the_model_is_refused_at_save() {
    let (net, mut meta) = tiny();
    let dir = temp_dir("badsave");
    meta.classes.pop();
    let err = net
        .save_described(&dir.join("m.safetensors"), &meta)
        .unwrap_err();
    assert!(matches!(err, Error::Metadata { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncated_missing_and_bad_files_give_typed_errors() {
    let (net, meta) = tiny();
    let dir = temp_dir("bad");
    let good = dir.join("good.safetensors");
    net.save_described(&good, &meta).unwrap();
    let dev = Device::Cpu;
    let load = |p: &Path| ExgNet::load_described(p, &dev).map(|_| ()).unwrap_err();

    let err = load(&dir.join("missing.safetensors"));
    assert!(matches!(err, Error::Io { .. }), "{err}");

    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() - 17]).unwrap();
    let err = load(&truncated);
    assert!(matches!(err, Error::Format { .. }), "{err}");
    std::fs::write(&truncated, b"not a model").unwrap();
    assert!(matches!(load(&truncated), Error::Format { .. }));

    // A plain (undescribed) file.
    let plain = dir.join("plain.safetensors");
    net.save(&plain).unwrap();
    let err = load(&plain);
    assert!(matches!(err, Error::Metadata { .. }), "{err}");

    let bad = dir.join("bad.safetensors");
    let cases: Vec<(&str, Edit)> = vec![
        (
            "config not JSON",
            Box::new(|m| {
                m.insert("exg.config".into(), "{".into());
            }),
        ),
        (
            "classes missing",
            Box::new(|m| {
                m.remove("exg.classes");
            }),
        ),
        (
            "class count",
            Box::new(|m| {
                m.insert("exg.classes".into(), r#"["N"]"#.into());
            }),
        ),
        (
            "preprocessing",
            Box::new(|m| {
                m.insert("exg.preprocessing".into(), r#"{"resample_hz": -1}"#.into());
            }),
        ),
        (
            "rate disagrees",
            Box::new(|m| {
                m.insert("exg.sample_rate_hz".into(), "250.0".into());
            }),
        ),
        (
            "format",
            Box::new(|m| {
                m.insert("exg.format".into(), "other/9".into());
            }),
        ),
    ];
    for (what, edit) in cases {
        rewrite(&good, &bad, edit);
        let err = load(&bad);
        assert!(matches!(err, Error::Metadata { .. }), "{what}: {err}");
    }

    // Weights of another configuration under this file's metadata.
    let edge_cfg = ExgNetConfig {
        n_classes: 3,
        ..ExgNetConfig::edge()
    };
    let edge = ExgNet::new(
        &edge_cfg,
        SeededVarMap::new(1).var_builder(DType::F32, &dev),
    )
    .unwrap();
    let edge_meta = ModelMeta {
        preprocessing: Preprocessing::zscore_at(edge_cfg.sample_rate_hz),
        ..meta.clone()
    };
    let other = dir.join("edge.safetensors");
    edge.save_described(&other, &edge_meta).unwrap();
    let cfg_json = serde_json::to_string(net.config()).unwrap();
    let fs = serde_json::to_string(&net.config().sample_rate_hz).unwrap();
    let pre = serde_json::to_string(&meta.preprocessing).unwrap();
    let len = net.config().input_len.to_string();
    rewrite(&other, &bad, |m| {
        m.insert("exg.config".into(), cfg_json);
        m.insert("exg.sample_rate_hz".into(), fs);
        m.insert("exg.input_len".into(), len);
        m.insert("exg.preprocessing".into(), pre);
    });
    let err = load(&bad);
    assert!(matches!(err, Error::ConfigMismatch { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_short_record_is_filled_up_as_the_preprocessing_says() {
    use exg_model::Pad;
    use exg_signal::{Ecg, Hz};
    // 3 s at 100 Hz into a 500-sample input. Oracle: the zero-padded window's first 300
    // samples (the z-score of the real samples), then zeros, or the same 300 repeated.
    let x: Vec<f64> = (0..300)
        .map(|i| (f64::from(i) * 0.21).sin() + 0.01 * f64::from(i))
        .collect();
    let ecg = Ecg::new(x, Hz::new(100.0).unwrap()).unwrap();
    let zeros = Preprocessing::window_zscore_at(100.0, 5.0);
    let repeat = Preprocessing {
        pad: Pad::Repeat,
        ..zeros.clone()
    };
    let z = zeros.windows(&ecg, 500).unwrap().data;
    let r = repeat.windows(&ecg, 500).unwrap().data;
    assert!(z[300..].iter().all(|&v| v == 0.0));
    let expected: Vec<f32> = (0..500).map(|i| z[i % 300]).collect();
    assert_eq!(r, expected);
    // Files written before the option existed have no `pad` key and read as zeros; a zeros
    // preprocessing writes none.
    assert!(!serde_json::to_string(&zeros).unwrap().contains("pad"));
    let back: Preprocessing =
        serde_json::from_str(&serde_json::to_string(&repeat).unwrap()).unwrap();
    assert_eq!(back.pad, Pad::Repeat);
}

#[test]
fn feature_fusion_round_trips_and_a_corrupt_one_is_refused() {
    use exg_model::trees::{BoostConfig, BoostedTrees, FeatureFusion};
    let (net, meta) = tiny();
    let x: Vec<Vec<f32>> = (0..90)
        .map(|i| {
            vec![
                (i % 30) as f32,
                if i % 4 == 0 { f32::NAN } else { i as f32 },
            ]
        })
        .collect();
    let y: Vec<usize> = (0..90).map(|i| i % 3).collect();
    let trees = BoostedTrees::fit(&x, &y, 3, &BoostConfig::default()).unwrap();
    let fusion = FeatureFusion {
        features: vec!["HR".into(), "SDNN".into()],
        trees,
        weight: 0.4,
    };
    let meta = meta.with_fusion(fusion.clone());
    let dir = temp_dir("fusion");
    let path = dir.join("model.safetensors");
    net.save_described(&path, &meta).unwrap();
    let (_, back) = ExgNet::load_described(&path, &Device::Cpu).unwrap();
    assert_eq!(back.fusion.as_ref(), Some(&fusion));
    let row = [12.0, f32::NAN];
    assert_eq!(
        back.fusion.unwrap().fuse(&[0.2, 0.3, 0.5], &row).unwrap(),
        fusion.fuse(&[0.2, 0.3, 0.5], &row).unwrap()
    );

    // Two features named for trees on two columns, but a child index out of range: refused
    // at load time, not a panic at prediction time.
    let bad = dir.join("bad.safetensors");
    let mut broken = fusion.clone();
    broken.trees.trees[0][0].left[0] = 10_000;
    let text = serde_json::to_string(&broken).unwrap();
    rewrite(&path, &bad, |md| {
        md.insert("exg.feature_fusion".into(), text);
    });
    let err = ExgNet::load_described(&bad, &Device::Cpu).unwrap_err();
    assert!(matches!(err, Error::Metadata { .. }), "{err}");
    // A feature list that disagrees with the trees.
    let mut broken = fusion;
    broken.features.pop();
    assert!(
        net.save_described(&path, &meta.with_fusion(broken))
            .is_err()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Two networks of the tiny configuration from different seeds.
fn two_nets() -> (Ensemble, ModelMeta) {
    let (a, meta) = tiny();
    let vb = SeededVarMap::new(9).var_builder(DType::F32, &Device::Cpu);
    let b = ExgNet::new(a.config(), vb).unwrap();
    (Ensemble::new(vec![a, b]).unwrap(), meta)
}

#[test]
fn ensemble_file_round_trips_every_network() {
    // Oracle: the in-memory networks, their probabilities averaged by hand.
    let (ens, meta) = two_nets();
    let dir = temp_dir("ensemble");
    let path = dir.join("ensemble.safetensors");
    ens.save_described(&path, &meta).unwrap();
    let (back, back_meta) = Ensemble::load_described(&path, &Device::Cpu).unwrap();
    assert_eq!(back_meta, meta);
    assert_eq!(back.members().len(), 2);
    let x = Tensor::randn(0f32, 1., (3, 1, ens.config().input_len), &Device::Cpu).unwrap();
    for (m, n) in ens.members().iter().zip(back.members()) {
        let a = m.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap();
        let b = n.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(a, b, "each network comes back in its place");
    }
    let by_hand: Vec<Vec<f32>> = {
        let p: Vec<Vec<Vec<f32>>> = ens
            .members()
            .iter()
            .map(|m| m.predict_proba(&x).unwrap().to_vec2().unwrap())
            .collect();
        (0..3)
            .map(|i| (0..3).map(|k| (p[0][i][k] + p[1][i][k]) / 2.0).collect())
            .collect()
    };
    let mean = back.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap();
    for (r, h) in mean.iter().zip(&by_hand) {
        for (a, b) in r.iter().zip(h) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }
    // One network where two are stored is refused, with the way out in the message.
    let err = ExgNet::load_described(&path, &Device::Cpu).unwrap_err();
    assert!(
        err.to_string().contains("Ensemble::load_described"),
        "{err}"
    );

    // A one-network file (the layout before ensembles) loads as an ensemble of one.
    let single = dir.join("single.safetensors");
    ens.members()[0].save_described(&single, &meta).unwrap();
    let (one, _) = Ensemble::load_described(&single, &Device::Cpu).unwrap();
    assert_eq!(one.members().len(), 1);
    let net = one.into_single().unwrap();
    assert_eq!(
        net.predict_proba(&x).unwrap().to_vec2::<f32>().unwrap(),
        ens.members()[0]
            .predict_proba(&x)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ensemble_file_with_a_wrong_count_or_stray_tensor_is_refused() {
    let (ens, meta) = two_nets();
    let dir = temp_dir("ensemble-bad");
    let good = dir.join("good.safetensors");
    ens.save_described(&good, &meta).unwrap();
    let load = |p: &Path| Ensemble::load_described(p, &Device::Cpu).map(|_| ());
    // A count that disagrees with the tensors, or is no count at all.
    for (count, metadata_error) in [
        ("3", false),
        ("1", false),
        ("0", true),
        ("65", true),
        ("two", true),
        ("-1", true),
    ] {
        let bad = dir.join(format!("count-{count}.safetensors"));
        rewrite(&good, &bad, |md| {
            md.insert("exg.networks".into(), count.into());
        });
        let err = load(&bad).unwrap_err();
        if metadata_error {
            assert!(matches!(err, Error::Metadata { .. }), "{count}: {err}");
        } else {
            assert!(
                matches!(err, Error::ConfigMismatch { .. }),
                "{count}: {err}"
            );
        }
    }
    // The count removed: the second network's tensors name a network the file does not have.
    let bad = dir.join("no-count.safetensors");
    rewrite(&good, &bad, |md| {
        md.remove("exg.networks");
    });
    assert!(matches!(load(&bad), Err(Error::ConfigMismatch { .. })));

    // Networks of different configurations cannot form one ensemble.
    let (a, _) = tiny();
    let mut cfg = a.config().clone();
    cfg.n_classes = 4;
    let b = ExgNet::new(
        &cfg,
        SeededVarMap::new(1).var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap();
    assert!(matches!(Ensemble::new(vec![a, b]), Err(Error::Config(_))));
    assert!(matches!(Ensemble::new(vec![]), Err(Error::Config(_))));
    std::fs::remove_dir_all(&dir).ok();
}
