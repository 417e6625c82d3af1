//! `exg info`: JSON on success; one stderr line and exit code 1 on bad input (never 0, never
//! a panic). Inputs: the synthetic fixtures of exg-data (`crates/exg-data/tests/fixtures/formats`)
//! and, when present, ../shared/data (MIT-BIH 100: counts from `mitdb/index.csv`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../exg-data/tests/fixtures/formats")
}

fn exg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails_cleanly(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn wfdb_fixture_with_annotations() {
    let p = fixtures().join("wfdb/syn212.hea");
    let v = json_of(&exg(&["info", p.to_str().unwrap()]));
    assert_eq!(v["format"], "wfdb");
    assert_eq!(v["fs"], 360.0);
    assert_eq!(v["n_samples"], 1001);
    assert_eq!(v["channels"][0]["name"], "MLII");
    assert_eq!(v["channels"][0]["gain"], 200.0);
    assert_eq!(v["channels"][1]["n_invalid"], 1);
    // tools/data_wfdb_oracle.py wrote 6 annotations, 4 of them beats (N, V, N, A).
    assert_eq!(v["n_annotations"], 6);
    assert_eq!(v["n_beats"], 4);
}

#[test]
fn cinc_style_metadata_and_edf() {
    let v = json_of(&exg(&[
        "info",
        fixtures().join("wfdb/syn16").to_str().unwrap(),
    ]));
    assert_eq!(v["metadata"]["fields"]["Age"], "61");
    assert_eq!(v["metadata"]["labels"][1], "164889003");
    let v = json_of(&exg(&[
        "info",
        fixtures().join("edfplus_c.edf").to_str().unwrap(),
    ]));
    assert_eq!(
        (v["format"].as_str(), v["fs"].as_f64()),
        (Some("edf"), Some(250.0))
    );
    assert_eq!(v["n_annotations"], 3);
    assert_eq!(v["channels"][1]["units"], "uV");
}

#[test]
fn csv_requires_fs() {
    let dir = std::env::temp_dir().join(format!("exg-info-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.csv");
    std::fs::write(&p, "I,II\n1,2\n3,4\n").unwrap();
    let out = exg(&["info", p.to_str().unwrap()]);
    fails_cleanly(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fs"));
    let v = json_of(&exg(&["info", p.to_str().unwrap(), "--fs", "500"]));
    assert_eq!(
        (v["n_samples"].as_u64(), v["duration_s"].as_f64()),
        (Some(2), Some(0.004))
    );
    fails_cleanly(&exg(&["info", p.to_str().unwrap(), "--fs", "0"]));
    // A negative number parses as an unknown flag: clap's usage error, exit code 2.
    assert_eq!(
        exg(&["info", p.to_str().unwrap(), "--fs", "-3"])
            .status
            .code(),
        Some(2)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_exits_1() {
    let dir = std::env::temp_dir().join(format!("exg-info-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &[u8]); 5] = [
        ("empty.hea", b""),
        ("png.hea", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("blob.bin", &[7u8; 300]),
        ("trunc.edf", b"0       trunc"),
        ("bad.wav", b"RIFF\x10\0\0\0WAVEfmt "),
    ];
    for (name, bytes) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        fails_cleanly(&exg(&["info", p.to_str().unwrap()]));
    }
    fails_cleanly(&exg(&["info", dir.join("missing.hea").to_str().unwrap()]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mitdb_100_when_present() {
    let Some(p) = exg_data::testdata::dir("mitdb/100.hea") else {
        return;
    };
    let v = json_of(&exg(&["info", p.to_str().unwrap()]));
    assert_eq!(
        (v["n_samples"].as_u64(), v["n_annotations"].as_u64()),
        (Some(650_000), Some(2274))
    );
    assert_eq!(v["n_beats"], 2273);
}
