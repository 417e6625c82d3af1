//! Parity with SciPy 1.17.1. Every expected value comes from `tools/signal_scipy_oracle.py`
//! (fixtures in `tests/fixtures/filter/`); the inputs are synthetic and stored in the fixtures.
//!
//! Tolerances: coefficients 1e-10 relative to the section's largest coefficient, filtered and
//! resampled outputs 1e-9 absolute (inputs have amplitude ~2).

use exg_signal::Hz;
use exg_signal::filter::{Band, Sos, butter};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/filter/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn hz(v: f64) -> Hz {
    Hz::new(v).expect("valid Hz")
}

fn band(case: &Value) -> Band {
    let c = floats(&case["cutoffs"]);
    match case["btype"].as_str().expect("btype") {
        "lowpass" => Band::Lowpass(hz(c[0])),
        "highpass" => Band::Highpass(hz(c[0])),
        "bandpass" => Band::Bandpass(hz(c[0]), hz(c[1])),
        "bandstop" => Band::Bandstop(hz(c[0]), hz(c[1])),
        other => panic!("unknown btype {other}"),
    }
}

fn design(case: &Value) -> Sos {
    let order = case["order"].as_u64().expect("order") as usize;
    butter(order, band(case), hz(case["fs"].as_f64().expect("fs"))).expect("design")
}

/// Largest absolute difference; panics on length mismatch.
fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn butter_sos_matches_scipy() {
    // Oracle: scipy.signal.butter(N, Wn, btype, fs=fs, output='sos').
    let fx = fixture("butter.json");
    let mut worst = 0.0f64;
    let cases = fx["butter"].as_array().expect("cases");
    for case in cases {
        let sos = design(case);
        let want: Vec<Vec<f64>> = case["sos"].as_array().unwrap().iter().map(floats).collect();
        assert_eq!(sos.len(), want.len(), "sections in {case:?}");
        for (got, want) in sos.sections().iter().zip(&want) {
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (g, w) in got.iter().zip(want) {
                let rel = (g - w).abs() / scale;
                worst = worst.max(rel);
                assert!(rel < 1e-10, "{g} vs {w} (rel {rel:e}) in {}", case["btype"]);
            }
        }
    }
    eprintln!("butter: {} designs, max rel coefficient error {worst:e}", cases.len());
}

#[test]
fn sosfilt_zi_sosfilt_sosfiltfilt_match_scipy() {
    // Oracle: scipy.signal.sosfilt_zi / sosfilt / sosfiltfilt on the stored synthetic input.
    let fx = fixture("filtering.json");
    let x = floats(&fx["x"]);
    for case in fx["filters"].as_array().unwrap() {
        let sos = design(case);
        assert_eq!(sos.padlen() as u64, case["padlen"].as_u64().unwrap());
        let zi: Vec<f64> = sos.zi().unwrap().into_iter().flatten().collect();
        let want_zi: Vec<f64> = case["zi"].as_array().unwrap().iter().flat_map(floats).collect();
        let e_zi = max_abs_diff(&zi, &want_zi);
        let e_f = max_abs_diff(&sos.filter(&x), &floats(&case["sosfilt"]));
        let e_ff = max_abs_diff(&sos.filtfilt(&x).unwrap(), &floats(&case["sosfiltfilt"]));
        eprintln!(
            "{} order {} fs {}: zi {e_zi:e}, sosfilt {e_f:e}, sosfiltfilt {e_ff:e}",
            case["btype"], case["order"], case["fs"]
        );
        assert!(e_zi < 1e-10 && e_f < 1e-9 && e_ff < 1e-9);
    }
}

#[test]
fn sosfiltfilt_length_limit_matches_scipy() {
    // Oracle: SciPy raises ValueError for len(x) <= padlen (27 for a 4th-order band-pass).
    let fx = fixture("filtering.json");
    let x = floats(&fx["x"]);
    let sos = butter(4, Band::Bandpass(hz(0.5), hz(40.0)), hz(360.0)).unwrap();
    assert!(fx["bandpass4_len27_raises"].as_bool().unwrap());
    assert!(fx["bandpass4_len28_ok"].as_bool().unwrap());
    assert_eq!(
        sos.filtfilt(&x[..27]),
        Err(exg_signal::Error::TooShort { len: 27, min: 28 })
    );
    assert_eq!(sos.filtfilt(&x[..28]).unwrap().len(), 28);
}
