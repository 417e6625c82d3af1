//! Cross-crate integration: synthetic record (exg-data) → R-peaks and scoring (exg-signal) →
//! validity-flagged features and a fold-fitted standardizer (exg-features) → the network
//! (exg-model). Oracle: the generator's own beat positions (it places every R wave itself).

use candle::{DType, Device, Tensor};
use exg::features::{Extract, HrvTime, Standardizer};
use exg::model::init::SeededVarMap;
use exg::model::{Classifier, ExgNet, ExgNetConfig, FeatureHead};
use exg::signal::rpeaks::{RPeakDetector, by_name, default_detector};
use exg::signal::score::score_peaks;
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
use exg::signal::{Hz, RPeaks};

#[test]
fn synthetic_record_flows_through_every_crate() -> anyhow::Result<()> {
    let fs = Hz::new(500.0)?;
    let mut vectors = Vec::new();
    for (seed, rhythm) in [
        (1, SyntheticRhythm::Sinus),
        (2, SyntheticRhythm::AtrialFibrillation),
    ] {
        let syn = generate(&SyntheticConfig {
            rhythm,
            heart_rate_bpm: 80.0,
            white_noise_mv: 0.02,
            seed,
            ..SyntheticConfig::new(fs, 10.0)
        })?;
        for detector in [
            Box::new(default_detector()) as Box<dyn RPeakDetector>,
            by_name("consensus").unwrap(),
        ] {
            let found = detector.detect(&syn.ecg)?.peaks;
            let s = score_peaks(&syn.r_peaks, &found, 0.150)?;
            assert!(
                s.sensitivity().unwrap() >= 0.9,
                "{}: {s:?}",
                detector.name()
            );
            assert!(s.ppv().unwrap() >= 0.95, "{}: {s:?}", detector.name());
        }
        // Features from the true peaks: all 17 defined on a 10-s record.
        let v = HrvTime::exgnet17().extract(&syn.ecg, &syn.r_peaks)?;
        assert_eq!(v.features().len(), 17);
        assert!(v.mask().iter().all(|&ok| ok), "{:?}", v.to_json());
        vectors.push(v);
    }
    let standardizer = Standardizer::fit(&vectors)?;

    // Network on the synthetic signals, with the train-only branch fed standardized features.
    let dev = Device::Cpu;
    let mut cfg = ExgNetConfig::edge();
    cfg.input_len = 5000;
    let vars = SeededVarMap::new(3);
    let net = ExgNet::new(&cfg, vars.var_builder(DType::F32, &dev))?;
    let aux = FeatureHead::new(&cfg.feature_head()?, vars.var_builder(DType::F32, &dev))?;
    let xs = Tensor::zeros((2, 1, cfg.input_len), DType::F32, &dev)?;
    let rows: Vec<f32> = vectors
        .iter()
        .flat_map(|v| standardizer.transform_row(v).unwrap())
        .map(|x| x as f32)
        .collect();
    let feats = Tensor::from_vec(rows, (2, 17), &dev)?;
    let out = net.forward_all_t(&xs, false)?;
    assert_eq!(out.logits.dims(), &[2, cfg.n_classes]);
    assert_eq!(
        aux.forward(&out.embedding, &feats)?.dims(),
        &[2, cfg.n_classes]
    );
    Ok(())
}

#[test]
fn no_beats_is_a_value_not_a_panic() -> anyhow::Result<()> {
    // A flat line: detectors return no peaks or a typed error; features from no peaks are all
    // flagged invalid rather than NaN.
    let fs = Hz::new(250.0)?;
    let flat = exg::signal::Ecg::new(vec![0.0; 2500], fs)?;
    if let Ok(d) = default_detector().detect(&flat) {
        assert!(d.peaks.is_empty());
    }
    let v = HrvTime::exgnet17().extract(&flat, &RPeaks::empty(fs, 2500))?;
    assert!(v.mask().iter().all(|&ok| !ok));
    Ok(())
}
