//! The CLI rows of the bad-input contract (docs/robustness.md, "CLI subcommands"): every
//! subcommand that reads a record answers empty, random, non-finite, flat, too-short and
//! missing input with exit code 1 and one `exg: error:` line, or with its documented empty
//! result (exit 0) — never a panic (exit 101) and never a class for a flat line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn exg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .output()
        .expect("runs exg")
}

fn inputs(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exg-cli-bad-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let w = |name: &str, text: String| std::fs::write(d.join(name), text).unwrap();
    w("empty.csv", String::new());
    w("nan.csv", "1.0\nNaN\n2.0\n".into());
    w("flat.csv", "0.5\n".repeat(5000));
    w(
        "short.csv",
        (0..100)
            .map(|i| format!("{}\n", (i as f64 / 10.0).sin()))
            .collect(),
    );
    let bytes: Vec<u8> = (0..3000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(d.join("random.dat"), bytes).unwrap();
    d
}

/// A small described model (untrained) for `predict` and `explain`.
fn model(d: &Path) -> PathBuf {
    use candle::{DType, Device};
    use exg_model::init::SeededVarMap;
    use exg_model::{ExgNet, ExgNetConfig, ModelMeta, Preprocessing};
    let cfg = ExgNetConfig {
        input_len: 400,
        ..ExgNetConfig::tiny()
    };
    let net = ExgNet::new(
        &cfg,
        SeededVarMap::new(1).var_builder(DType::F32, &Device::Cpu),
    )
    .unwrap();
    let path = d.join("model.safetensors");
    let meta = ModelMeta::new(
        vec!["N".into(), "A".into(), "O".into()],
        Preprocessing::zscore_at(100.0),
        "test",
    );
    net.save_described(&path, &meta).unwrap();
    path
}

fn error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "expected exit 1: {err}");
    assert!(
        err.starts_with("exg: error:") && err.trim_end().lines().count() == 1,
        "{err}"
    );
    err
}

#[test]
fn every_subcommand_refuses_bad_records_with_one_line() {
    let d = inputs("refuse");
    let m = model(&d);
    let m = m.to_str().unwrap();
    for (file, expect) in [
        ("empty.csv", "no rows"),
        ("random.dat", "unknown file format"),
        ("nan.csv", "non-finite sample"),
        ("short.csv", "too short"),
        ("missing.csv", "No such file"),
    ] {
        let f = d.join(file);
        let f = f.to_str().unwrap();
        for args in [
            vec!["peaks", f, "--fs", "250"],
            vec!["hrv", f, "--fs", "250"],
            vec!["predict", "--model", m, f, "--fs", "250"],
            vec!["explain", "--model", m, f, "--fs", "250"],
        ] {
            let err = error_line(&exg(&args));
            assert!(err.contains(expect), "{args:?}: {err}");
        }
    }
    // A rate that is not a rate.
    let flat = d.join("flat.csv");
    let flat = flat.to_str().unwrap();
    for fs in ["--fs=0", "--fs=-5", "--fs=nan"] {
        let err = error_line(&exg(&["peaks", flat, fs]));
        assert!(err.contains("--fs") || err.contains("rate"), "{fs}: {err}");
    }
    std::fs::remove_dir_all(d).ok();
}

/// A file on which a dependency's parser panics (edf-rs 0.2, a corrupt EDF+ annotation list,
/// found by fuzzing): one error line, no panic message or backtrace, from every subcommand.
#[test]
fn a_parser_panic_in_a_dependency_is_one_quiet_error_line() {
    let d = inputs("dependency-panic");
    let m = model(&d);
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/fuzz/edf/edfrs_annotation_list_slice.edf"
    );
    for args in [
        vec!["peaks", f],
        vec!["hrv", f],
        vec!["info", f],
        vec!["predict", "--model", m.to_str().unwrap(), f],
    ] {
        let err = error_line(&exg(&args));
        assert!(err.contains("corrupt annotation list"), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn a_flat_line_gets_no_class_and_no_peaks() {
    let d = inputs("flat");
    let m = model(&d);
    let flat = d.join("flat.csv");
    let flat = flat.to_str().unwrap();
    for cmd in ["predict", "explain"] {
        let err = error_line(&exg(&[
            cmd,
            "--model",
            m.to_str().unwrap(),
            flat,
            "--fs",
            "250",
        ]));
        assert!(err.contains("flat record"), "{cmd}: {err}");
    }
    // R-peaks and HRV: the documented empty result, exit 0.
    let out = exg(&["peaks", flat, "--fs", "250"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["peaks"].as_array().unwrap().len(), 0);
    assert_eq!(v["no_result"], "no_beats");
    let out = exg(&["hrv", flat, "--fs", "250"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["n_peaks"], 0);
    std::fs::remove_dir_all(d).ok();
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_while_saving_is_one_error_and_leaves_the_old_file() {
    // A full disk is simulated with the file-size limit (RLIMIT_FSIZE, `ulimit -f`): a write
    // past it fails with EFBIG as one past the free space fails with ENOSPC, through the same
    // path (the temporary file's write fails, it is removed, the target is not touched).
    // SIGXFSZ is ignored (inherited through exec) so that the write returns the error instead
    // of killing the process.
    let d = std::env::temp_dir().join(format!("exg-cli-fulldisk-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let run = d.join("run");
    let out = exg(&[
        "train",
        "--per-class",
        "8",
        "--epochs",
        "1",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pred = d.join("predictions.csv");
    std::fs::write(&pred, "old\n").unwrap();
    // 16 records per class: a predictions CSV of several kB against a 2-block (1-2 kB) limit.
    let out = Command::new("sh")
        .args(["-c", r#"trap "" XFSZ; ulimit -f 2; exec "$@""#, "sh"])
        .arg(env!("CARGO_BIN_EXE_exg"))
        .args(["eval", "--model"])
        .arg(run.join("model.safetensors"))
        .args(["--per-class", "16", "--predictions"])
        .arg(&pred)
        .output()
        .unwrap();
    let err = error_line(&out);
    assert!(err.contains("File too large"), "{err}");
    assert_eq!(std::fs::read_to_string(&pred).unwrap(), "old\n");
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&d).ok();
}
