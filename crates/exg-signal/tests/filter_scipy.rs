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
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
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
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
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
    eprintln!(
        "butter: {} designs, max rel coefficient error {worst:e}",
        cases.len()
    );
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
        let want_zi: Vec<f64> = case["zi"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(floats)
            .collect();
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

#[test]
fn iirnotch_matches_scipy() {
    // Oracle: scipy.signal.iirnotch(w0, Q, fs) coefficients, and sosfiltfilt(tf2sos(b, a), x).
    let fx = fixture("butter.json");
    for case in fx["iirnotch"].as_array().unwrap() {
        let fs = hz(case["fs"].as_f64().unwrap());
        let sos = exg_signal::filter::iirnotch(
            hz(case["w0"].as_f64().unwrap()),
            case["q"].as_f64().unwrap(),
            fs,
        )
        .unwrap();
        let s = sos.sections()[0];
        let got = [s[0], s[1], s[2], s[3], s[4], s[5]];
        let want: Vec<f64> = floats(&case["b"])
            .into_iter()
            .chain(floats(&case["a"]))
            .collect();
        assert!(max_abs_diff(&got, &want) < 1e-14, "{got:?} vs {want:?}");
    }
    let fx = fixture("filtering.json");
    let x = floats(&fx["x"]);
    for case in fx["notch"].as_array().unwrap() {
        let fs = hz(case["fs"].as_f64().unwrap());
        let sos = exg_signal::filter::iirnotch(
            hz(case["w0"].as_f64().unwrap()),
            case["q"].as_f64().unwrap(),
            fs,
        )
        .unwrap();
        let e = max_abs_diff(&sos.filtfilt(&x).unwrap(), &floats(&case["filtfilt"]));
        eprintln!(
            "notch {} Hz fs {}: filtfilt max abs err {e:e}",
            case["w0"], case["fs"]
        );
        assert!(e < 1e-9);
    }
}

#[test]
fn resample_poly_matches_scipy() {
    // Oracle: scipy.signal.resample_poly(x, up, down) (Kaiser beta=5, padtype='constant').
    use exg_signal::filter::{PolyPad, rational_factors, resample_poly};
    let fx = fixture("resample.json");
    let x = floats(&fx["x"]);
    for case in fx["resample_poly"].as_array().unwrap() {
        let (fi, fo) = (
            case["fs_in"].as_f64().unwrap(),
            case["fs_out"].as_f64().unwrap(),
        );
        let (up, down) = rational_factors(hz(fi), hz(fo));
        assert_eq!(up as u64, case["up"].as_u64().unwrap());
        assert_eq!(down as u64, case["down"].as_u64().unwrap());
        let y = resample_poly(&x, up, down, PolyPad::Zero).unwrap();
        let e = max_abs_diff(&y, &floats(&case["y"]));
        eprintln!("resample_poly {fi} -> {fo} ({up}/{down}): max abs err {e:e}");
        assert!(e < 1e-9);
    }
    let s = &fx["resample_poly_small"];
    let y = resample_poly(&floats(&s["x"]), 125, 16, PolyPad::Zero).unwrap();
    let e = max_abs_diff(&y, &floats(&s["y"]));
    eprintln!("resample_poly 128 -> 1000 (40 samples): max abs err {e:e}");
    assert!(e < 1e-9);
}

#[test]
fn resample_fft_matches_scipy() {
    // Oracle: scipy.signal.resample(x, num) (no window).
    use exg_signal::filter::resample_fft;
    let fx = fixture("resample.json");
    let x = floats(&fx["x"]);
    let mut cases: Vec<(Vec<f64>, &Value)> = fx["resample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (x.clone(), c))
        .collect();
    cases.push((floats(&fx["resample_odd"]["x"]), &fx["resample_odd"]));
    for (input, case) in cases {
        let num = case["num"].as_u64().unwrap() as usize;
        let e = max_abs_diff(&resample_fft(&input, num).unwrap(), &floats(&case["y"]));
        eprintln!("resample {} -> {num}: max abs err {e:e}", input.len());
        assert!(e < 1e-9);
    }
}

#[test]
fn median_baseline_and_scaling_match_scipy() {
    // Oracles: scipy.ndimage.median_filter(mode='reflect') twice; scipy.stats.zscore;
    // (x - median) / IQR with np.percentile; scipy.stats.median_abs_deviation(scale='normal').
    use exg_signal::filter::{Spread, median_baseline, odd_window, robust_scale, zscore};
    let fx = fixture("resample.json");
    let mb = &fx["median_baseline"];
    let n = mb["n"].as_u64().unwrap() as usize;
    let x = &floats(&fx["x"])[..n];
    let fs = hz(mb["fs"].as_f64().unwrap());
    assert_eq!(odd_window(0.2, fs) as u64, mb["k1"].as_u64().unwrap());
    assert_eq!(odd_window(0.6, fs) as u64, mb["k2"].as_u64().unwrap());
    let base = median_baseline(x, fs, 0.2, 0.6).unwrap();
    assert_eq!(
        base,
        floats(&mb["baseline"]),
        "medians are exact order statistics"
    );
    let e_z = max_abs_diff(&zscore(x).unwrap(), &floats(&fx["zscore"]));
    let e_r = max_abs_diff(
        &robust_scale(x, Spread::Iqr).unwrap(),
        &floats(&fx["robust"]),
    );
    let e_m = max_abs_diff(&robust_scale(x, Spread::Mad).unwrap(), &floats(&fx["mad"]));
    eprintln!("zscore {e_z:e}, robust IQR {e_r:e}, robust MAD {e_m:e}");
    assert!(e_z < 1e-12 && e_r < 1e-12 && e_m < 1e-12);
}

#[test]
fn resample_poly_mean_padding_matches_scipy() {
    // Oracle: scipy.signal.resample_poly(x + 3, 25, 18, padtype='mean').
    use exg_signal::filter::{PolyPad, resample_poly};
    let fx = fixture("resample.json");
    let x: Vec<f64> = floats(&fx["x"]).iter().map(|v| v + 3.0).collect();
    let y = resample_poly(&x, 25, 18, PolyPad::Mean).unwrap();
    let e = max_abs_diff(&y, &floats(&fx["resample_poly_mean_offset3"]["y"]));
    eprintln!("resample_poly padtype=mean: max abs err {e:e}");
    assert!(e < 1e-9);
}
