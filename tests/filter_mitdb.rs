//! The `Preprocess` chain on a real record, against SciPy: MIT-BIH record 100 (oracle:
//! `tools/signal_scipy_oracle.py` -> `tests/fixtures/filter/mitdb100_oracle.json`, which holds
//! SciPy output summaries only). Reads `$EXG_DATA_DIR` or `../shared/data`; skips when absent.

use exg::signal::Hz;
use exg::signal::filter::{Bandpass, Notch, Preprocess, Resample, ResampleMethod};
use serde_json::Value;

fn hz(v: f64) -> Hz {
    Hz::new(v).expect("valid Hz")
}

fn data_dir() -> std::path::PathBuf {
    std::env::var_os("EXG_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into())
}

#[test]
fn mitdb_100_pipeline_matches_scipy() {
    // Oracle: sosfiltfilt(butter(4, [0.5, 40], 'bandpass', fs=360)), then
    // sosfiltfilt(iirnotch(60, 30, 360)), then resample_poly(25, 18) on the first 60 s of
    // MIT-BIH 100 channel 0 read by wfdb-python; summaries in mitdb100_oracle.json.
    let path = data_dir().join("mitdb/100.hea");
    if !path.exists() {
        eprintln!("skipping: {} not found (set EXG_DATA_DIR)", path.display());
        return;
    }
    let fx: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/filter/mitdb100_oracle.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let record = exg::data::format::open(&path).unwrap();
    let full = record.ecg(0).unwrap();
    let n = fx["n"].as_u64().unwrap() as usize;
    let ecg = full.with_samples(full.samples()[..n].to_vec()).unwrap();
    let idx: Vec<usize> = fx["idx"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let ridx: Vec<usize> = fx["ridx"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let check = |name: &str, y: &[f64], at: &[usize]| {
        let o = &fx[name];
        let sum: f64 = y.iter().sum();
        let sumsq: f64 = y.iter().map(|v| v * v).sum();
        let mut worst = (sum - o["sum"].as_f64().unwrap()).abs() / y.len() as f64;
        worst = worst.max((sumsq - o["sumsq"].as_f64().unwrap()).abs() / y.len() as f64);
        for (k, &i) in at.iter().enumerate() {
            worst = worst.max((y[i] - o["at"][k].as_f64().unwrap()).abs());
        }
        eprintln!("mitdb 100 {name}: worst abs error {worst:e}");
        assert!(worst < 1e-9, "{name}: {worst:e}");
    };
    let bp = Bandpass::new(hz(0.5), hz(40.0), 4).apply(&ecg).unwrap();
    check("bandpass", bp.samples(), &idx);
    let nt = Notch::mains_60().apply(&bp).unwrap();
    check("notch60", nt.samples(), &idx);
    let rs = Resample {
        to: hz(500.0),
        method: ResampleMethod::PolyphaseZeroPad,
    }
    .apply(&nt)
    .unwrap();
    assert_eq!(rs.len() as u64, fx["resample_500"]["len"].as_u64().unwrap());
    check("resample_500", rs.samples(), &ridx);
}
