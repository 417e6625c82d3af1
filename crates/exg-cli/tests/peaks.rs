//! `exg peaks` and `exg score-peaks` end to end. Oracle: the library call they wrap (same
//! peaks), and MIT-BIH's reference annotations when ../shared/data is present.

use std::process::{Command, Output};

use exg_signal::Hz;
use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_signal::synthetic::{SyntheticConfig, generate};

fn exg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .output()
        .expect("runs exg")
}

/// `n` samples of uniform white noise in [-0.5, 0.5) from a 64-bit LCG (Knuth's MMIX constants).
fn white_noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

/// Writes `samples` as a one-column CSV (header `column`) in a fresh temp directory named after
/// `tag`; returns (directory, file). The caller removes the directory.
fn write_csv(tag: &str, column: &str, samples: &[f64]) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("exg-peaks-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = format!("{column}\n");
    for v in samples {
        text += &format!("{v:.17e}\n");
    }
    let file = dir.join(format!("{tag}.csv"));
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// Runs exg, requires success, parses its stdout as JSON.
fn exg_json(args: &[&str]) -> serde_json::Value {
    let out = exg(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// `$EXG_DATA_DIR/mitdb` (default ../shared/data/mitdb) when it holds `record`, else `None`
/// after printing why.
fn mitdb_with(record: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var("EXG_DATA_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into());
    let mitdb = std::path::Path::new(&dir).join("mitdb");
    if mitdb.join(format!("{record}.hea")).is_file() {
        Some(mitdb)
    } else {
        eprintln!("skipping: MIT-BIH {record} not found (set EXG_DATA_DIR)");
        None
    }
}

#[test]
fn peaks_on_a_csv_equal_the_library_result() {
    let syn = generate(&SyntheticConfig {
        inverted: true,
        seed: 3,
        ..SyntheticConfig::new(Hz::new(250.0).unwrap(), 30.0)
    })
    .unwrap();
    let (dir, p) = write_csv("csv", "II", syn.ecg.samples());
    let out = exg(&["peaks", p.to_str().unwrap(), "--fs", "250"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fs"].as_f64(), Some(250.0));
    assert_eq!(v["polarity"].as_str(), Some("negative"));
    let peaks: Vec<usize> = v["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(
        peaks,
        default_detector().detect(&syn.ecg).unwrap().peaks.indices()
    );
    // Unknown detector and missing rate: one-line error, exit code 1.
    assert_eq!(
        exg(&[
            "peaks",
            p.to_str().unwrap(),
            "--fs",
            "250",
            "--detector",
            "nope"
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(exg(&["peaks", p.to_str().unwrap()]).status.code(), Some(1));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn score_peaks_on_mitdb_when_present() {
    let Some(mitdb) = mitdb_with("100") else {
        return;
    };
    let v = exg_json(&[
        "score-peaks",
        mitdb.to_str().unwrap(),
        "--records",
        "100,119",
        "--json",
    ]);
    let g = &v["detectors"]["pantompkins"]["gross"];
    // 2273 + 1987 reference beats (the .atr beat annotations of 100 and 119).
    assert_eq!(
        g["tp"].as_u64().unwrap() + g["fn"].as_u64().unwrap(),
        2273 + 1987
    );
    assert!(g["se"].as_f64().unwrap() > 0.995 && g["ppv"].as_f64().unwrap() > 0.995);
}

#[test]
fn exclude_vf_leaves_out_the_flutter_of_207() {
    // Oracle: record 207's `[`…`]` annotations mark ventricular flutter, whose waves a QRS
    // detector takes for beats (false positives); EC57 leaves those stretches out.
    let Some(mitdb) = mitdb_with("207") else {
        return;
    };
    let gross = |extra: &[&str]| {
        let mut args = vec![
            "score-peaks",
            mitdb.to_str().unwrap(),
            "--records",
            "207",
            "--json",
        ];
        args.extend_from_slice(extra);
        exg_json(&args)["detectors"]["pantompkins"]["gross"].clone()
    };
    let (all, ec57) = (gross(&[]), gross(&["--exclude-vf"]));
    // Same reference beats (none is inside an episode), far fewer false positives.
    assert_eq!(all["tp"], ec57["tp"]);
    assert!(ec57["fp"].as_u64().unwrap() * 10 < all["fp"].as_u64().unwrap());
    assert!(ec57["ppv"].as_f64().unwrap() > 0.99);
}

#[test]
fn peaks_on_white_noise_is_empty_with_a_reason() {
    // Oracle: generated white noise holds no QRS complex, so the gated detector must refuse it.
    let (dir, p) = write_csv("noise", "noise", &white_noise(250 * 60, 99));
    let out = exg(&["peaks", p.to_str().unwrap(), "--fs", "250"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fs"].as_f64(), Some(250.0));
    assert_eq!(v["peaks"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["no_result"].as_str(), Some("no_consistent_qrs"));
    assert!(v["reason"].as_str().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn gate_segments_drops_the_noisy_half() {
    // Oracle: by construction — 60 s of synthetic ECG (beats known) then 60 s of white noise:
    // the 30-s stretches of the second half must be excluded, the first half's beats kept.
    let syn = generate(&SyntheticConfig {
        seed: 5,
        ..SyntheticConfig::new(Hz::new(250.0).unwrap(), 60.0)
    })
    .unwrap();
    let mut x = syn.ecg.samples().to_vec();
    x.extend(white_noise(250 * 60, 11));
    let (dir, p) = write_csv("segments", "II", &x);
    let path = p.to_str().unwrap();
    let v = exg_json(&["peaks", path, "--fs", "250", "--gate-segments", "30"]);
    let excluded: Vec<(u64, u64)> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_u64().unwrap(), r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(excluded, vec![(15_000, 22_500), (22_500, 30_000)]);
    let peaks: Vec<u64> = v["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    assert!(peaks.iter().all(|&p| p < 15_000));
    assert!(
        peaks.len() + 2 >= syn.r_peaks.len(),
        "{} of {}",
        peaks.len(),
        syn.r_peaks.len()
    );
    // Without the option the record is judged as a whole: the noise half yields more (random)
    // peaks than the ECG half has beats, under half of them are consistent, and the whole
    // record — ECG included — is refused. That is what the option is for.
    let whole = exg_json(&["peaks", path, "--fs", "250"]);
    assert!(whole.get("excluded").is_none());
    assert_eq!(whole["peaks"].as_array().map(Vec::len), Some(0));
    assert_eq!(whole["no_result"].as_str(), Some("no_consistent_qrs"));
    std::fs::remove_dir_all(dir).unwrap();
}
