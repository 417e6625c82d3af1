//! `SignalQuality`, `BeatTemplate` and `Ectopy` against an independent NumPy/SciPy oracle.
//!
//! Expected values: `tests/fixtures/quality_template_ectopy.json`, written by
//! `tools/features_quality_oracle.py` (scipy.signal.butter + sosfiltfilt for the band-pass,
//! scipy.signal.welch for the PSD, np.median / np.corrcoef for the template). Synthetic cases
//! carry their signal and peaks; the CinC 2017 cases carry the peaks (`exg peaks`) and the test
//! re-reads the record from the shared data folder (skipped with a printed reason when absent,
//! a failure under `EXG_REQUIRE_DATA=1`).

mod common;

use exg_features::{BeatTemplate, Concat, Ectopy, Extract, FeatureVector, SignalQuality};
use exg_signal::{Ecg, Hz, RPeaks};
use serde_json::Value;

/// Relative tolerance: the definitions are the same; the filters (SOS cascade), FFT and sums
/// differ only in rounding (~1e-13), which 1e-6 leaves far behind. Values whose magnitude is
/// below 1e-9 (a share of 0, say) are compared absolutely.
const REL_TOL: f64 = 1e-6;

fn extractors() -> Concat {
    Concat::new(vec![
        Box::new(SignalQuality::default()),
        Box::new(BeatTemplate::default()),
        Box::new(Ectopy::default()),
    ])
    .unwrap()
}

/// Compares every expected feature; returns the worst relative error.
fn compare(case: &str, expected: &Value, got: &FeatureVector) -> f64 {
    let exp = expected.as_object().expect("expected is an object");
    assert_eq!(exp.len(), got.schema().len(), "{case}: column count");
    let mut worst: f64 = 0.0;
    for (name, e) in exp {
        let f = got
            .get(name)
            .unwrap_or_else(|| panic!("{case}: no feature {name}"));
        match e.as_f64() {
            None => assert!(
                !f.is_valid(),
                "{case} {name}: oracle invalid, exg {:?}",
                f.value()
            ),
            Some(e) => {
                let g = f.value().unwrap_or_else(|| {
                    panic!("{case} {name}: oracle {e}, exg invalid: {:?}", f.reason())
                });
                let err = (g - e).abs();
                assert!(
                    err <= REL_TOL * e.abs() || err < 1e-9,
                    "{case} {name}: oracle {e}, exg {g} (rel err {:.2e})",
                    err / e.abs()
                );
                if e.abs() > 1e-9 {
                    worst = worst.max(err / e.abs());
                }
            }
        }
    }
    worst
}

fn peaks_of(case: &Value, fs: Hz) -> RPeaks {
    let idx = common::indices(&case["peaks"]);
    RPeaks::new(idx, fs, case["signal_len"].as_u64().unwrap() as usize).unwrap()
}

#[test]
fn synthetic_signals_match_the_numpy_scipy_oracle() {
    let fx = common::fixture("quality_template_ectopy.json");
    let cases = fx["synthetic"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let ex = extractors();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let fs = Hz::new(case["fs"].as_f64().unwrap()).unwrap();
        let x: Vec<f64> = case["signal"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let v = ex
            .extract(&Ecg::new(x, fs).unwrap(), &peaks_of(case, fs))
            .unwrap();
        let worst = compare(name, &case["expected"], &v);
        println!("{name}: worst relative error {worst:.2e}");
    }
}

#[test]
fn cinc2017_records_match_the_numpy_scipy_oracle() {
    let fx = common::fixture("quality_template_ectopy.json");
    let cases = fx["cinc2017"].as_array().unwrap();
    assert_eq!(cases.len(), 3, "fixture written without the CinC 2017 data");
    let Some(dir) = common::data_dir("cinc2017/training2017") else {
        return;
    };
    let ex = extractors();
    for case in cases {
        let rec = case["record"].as_str().unwrap();
        let record = exg_data::format::open(dir.join(format!("{rec}.hea"))).unwrap();
        let ecg = record.ecg(0).unwrap();
        assert_eq!(ecg.len() as u64, case["signal_len"].as_u64().unwrap());
        let v = ex.extract(&ecg, &peaks_of(case, ecg.fs())).unwrap();
        let worst = compare(rec, &case["expected"], &v);
        println!("{rec}: worst relative error {worst:.2e}");
    }
}
