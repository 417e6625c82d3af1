//! Parity with NeuroKit2 0.2.13 on the same peaks.
//!
//! Expected values: `tests/fixtures/neurokit_hrv.json`, written by
//! `tools/features_neurokit_oracle.py` (NeuroKit2 `hrv_time`, `hrv_frequency(normalize=False)`
//! and `hrv_nonlinear`). Synthetic cases carry their peaks; MIT-BIH cases carry only
//! NeuroKit's outputs and the peaks are re-read here from the `.atr` beat annotations.

mod common;

use exg_data::format::wfdb::read_annotations;
use exg_features::{Complexity, FeatureVector, HrvFrequency, HrvTime, Poincare};
use exg_signal::score::is_beat_symbol;
use exg_signal::{Hz, RPeaks};
use serde_json::Value;

/// Relative tolerance per block, and features whose tolerance differs (with the reason).
fn tolerance(block: &str, name: &str) -> f64 {
    match (block, name) {
        // Same formulas, only summation order differs.
        ("time", _) | ("nonlinear", _) => 1e-6,
        // Same spline, same Welch parameters; the spline solve and FFT differ in rounding.
        ("frequency_welch", _) | ("frequency_welch_normalized", _) => 1e-6,
        // exg's own Lomb definition, oracle = astropy's classical periodogram (method="slow").
        ("frequency_lomb_exg", _) => 1e-6,
        _ => 1e-6,
    }
}

fn ours(block: &str, peaks: &RPeaks) -> FeatureVector {
    match block {
        "time" => HrvTime::all().compute(peaks),
        "nonlinear" => {
            let mut f = Poincare::default().compute(peaks).features().to_vec();
            let c = Complexity::default().compute(peaks);
            f.extend(c.features().iter().cloned());
            let mut specs = Poincare::default().compute(peaks).schema().specs().to_vec();
            specs.extend(c.schema().specs().iter().cloned());
            let schema = std::sync::Arc::new(exg_features::Schema::new(specs).unwrap());
            FeatureVector::new(schema, f).unwrap()
        }
        "frequency_welch" => HrvFrequency::welch().compute(peaks),
        "frequency_welch_normalized" => HrvFrequency::welch().peak_normalized().compute(peaks),
        "frequency_lomb_exg" => HrvFrequency::lomb().compute(peaks),
        _ => unreachable!(),
    }
}

thread_local! {
    static WORST: std::cell::RefCell<std::collections::BTreeMap<String, f64>> = Default::default();
}

/// Compares one case; returns the number of values compared.
fn compare(case: &str, block: &str, expected: &Value, got: &FeatureVector) -> usize {
    let Some(exp) = expected.as_object() else {
        return 0;
    };
    if exp.contains_key("error") {
        return 0; // NeuroKit raised; `no_panic` tests cover our side.
    }
    let mut n = 0;
    for (name, e) in exp {
        let Some(f) = got.get(name) else { continue }; // a feature exg does not define
        match e.as_f64() {
            Some(e) => {
                let g = f.computed().unwrap_or_else(|| {
                    panic!(
                        "{case} {block} {name}: NeuroKit {e}, exg invalid: {:?}",
                        f.reason()
                    )
                });
                let tol = tolerance(block, name);
                let err = (g - e).abs();
                WORST.with(|w| {
                    let mut w = w.borrow_mut();
                    let r = w.entry(block.to_string()).or_insert(0.0);
                    *r = r.max(err / e.abs().max(1e-9));
                });
                assert!(
                    err <= tol * e.abs().max(1e-9) || err < 1e-9,
                    "{case} {block} {name}: NeuroKit {e}, exg {g} (rel err {:.2e})",
                    err / e.abs()
                );
            }
            None => assert!(
                !f.is_valid(),
                "{case} {block} {name}: NeuroKit gives no value, exg says valid {:?}",
                f.value()
            ),
        }
        n += 1;
    }
    n
}

const BLOCKS: [&str; 5] = [
    "time",
    "nonlinear",
    "frequency_welch",
    "frequency_welch_normalized",
    "frequency_lomb_exg",
];

#[test]
fn synthetic_peak_sequences_match_neurokit() {
    let fx = common::fixture("neurokit_hrv.json");
    let mut n = 0;
    for case in fx["synthetic"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let fs = Hz::new(case["fs"].as_f64().unwrap()).unwrap();
        let idx = common::indices(&case["peaks"]);
        let len = idx.last().unwrap() + 1;
        let peaks = RPeaks::new(idx, fs, len).unwrap();
        for block in BLOCKS {
            n += compare(name, block, &case[block], &ours(block, &peaks));
        }
    }
    println!("compared {n} values; worst relative error per block:");
    WORST.with(|w| {
        w.borrow()
            .iter()
            .for_each(|(b, e)| println!("  {b}: {e:.2e}"))
    });
    assert!(n > 500, "compared only {n} values");
}

#[test]
fn mitdb_records_and_10s_windows_match_neurokit() {
    let Some(dir) = common::data_dir("mitdb") else {
        return;
    };
    let fx = common::fixture("neurokit_hrv.json");
    let mut n = 0;
    for case in fx["mitdb"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let fs = Hz::new(case["fs"].as_f64().unwrap()).unwrap();
        let ann = read_annotations(dir.join(case["record"].as_str().unwrap()), "atr").unwrap();
        let beats: Vec<usize> = ann
            .iter()
            .filter(|a| is_beat_symbol(&a.label))
            .map(|a| a.sample)
            .collect();
        let peaks = match case["start_s"].as_f64() {
            None => {
                let len = beats.last().unwrap() + 1;
                RPeaks::new(beats, fs, len).unwrap()
            }
            Some(start) => {
                let (a, b) = (
                    (start * fs.get()) as usize,
                    ((start + 10.0) * fs.get()) as usize,
                );
                let w: Vec<usize> = beats
                    .into_iter()
                    .filter(|&s| s >= a && s < b)
                    .map(|s| s - a)
                    .collect();
                RPeaks::new(w, fs, b - a).unwrap()
            }
        };
        for block in BLOCKS {
            n += compare(name, block, &case[block], &ours(block, &peaks));
        }
    }
    println!("compared {n} values; worst relative error per block:");
    WORST.with(|w| {
        w.borrow()
            .iter()
            .for_each(|(b, e)| println!("  {b}: {e:.2e}"))
    });
    assert!(n > 500, "compared only {n} values");
}
