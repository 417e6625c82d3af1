//! Replays fuzzing inputs through the fuzz targets' own harnesses (`fuzz/src/lib.rs`, compiled
//! here as a module) in the normal test suite, without nightly or libFuzzer:
//!
//! * every seed of `fuzz/seeds/<target>/` (a smoke test of each harness), and
//! * every input a fuzzing run found crashing, committed under
//!   `tests/fixtures/fuzz/<target>/`, each also with a named test below.
//!
//! A panic is a failure. See `docs/robustness.md` for the fuzzing runs.

#[allow(dead_code, missing_docs)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// Feeds `data` to the harness of `target` (the names of `fuzz/fuzz_targets/*.rs`).
fn run(target: &str, data: &[u8]) {
    match target {
        "wfdb_header" => harness::wfdb_header(data),
        "wfdb_annotations" => harness::wfdb_annotations(data),
        "mat4" => harness::mat4(data),
        "mat5" => harness::mat5(data),
        "edf" => harness::edf(data),
        "csv" => harness::csv(data),
        "wav" => harness::wav(data),
        "chapman_diagnostics_csv" => harness::chapman_diagnostics_csv(data),
        "chapman_diagnostics_xlsx" => harness::chapman_diagnostics_xlsx(data),
        "cinc2017_reference" => harness::cinc2017_reference(data),
        "standardizer_json" => harness::standardizer_json(data),
        "model_file" => harness::model_file(data),
        t => match t.strip_prefix("wfdb_signal_").map(str::parse::<u32>) {
            Some(Ok(fmt)) => harness::wfdb_signal(fmt, data),
            _ => panic!("unknown fuzz target `{t}`"),
        },
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(target, file)` for every file in `dir/<target>/`.
fn inputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(targets) = std::fs::read_dir(dir) else {
        return out;
    };
    for t in targets {
        let t = t.unwrap().path();
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&t).unwrap() {
            out.push((name.clone(), f.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// Replays one committed input.
fn replay(target: &str, file: &str) {
    let path = root().join("tests/fixtures/fuzz").join(target).join(file);
    run(target, &std::fs::read(&path).unwrap());
    harness::cleanup();
}

#[test]
fn every_seed_runs_through_its_harness() {
    let seeds = inputs(&root().join("fuzz/seeds"));
    let targets: std::collections::BTreeSet<&str> = seeds.iter().map(|(t, _)| t.as_str()).collect();
    // One seed folder per target of fuzz/Cargo.toml.
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    let declared: std::collections::BTreeSet<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "exg-fuzz")
        .collect();
    assert_eq!(targets, declared);
    for (t, f) in &seeds {
        run(t, &std::fs::read(f).unwrap());
    }
    harness::cleanup();
}

#[test]
fn every_committed_crash_input_is_handled() {
    for (t, f) in inputs(&root().join("tests/fixtures/fuzz")) {
        run(&t, &std::fs::read(f).unwrap());
    }
    harness::cleanup();
}

/// Found by `chapman_diagnostics_xlsx` (round 1): a worksheet cell reference with many column
/// letters overflows `col * 26` inside calamine 0.38.0 (`xlsx::get_row_and_optional_column`).
/// With overflow checks (debug builds, fuzz builds) that is a panic in the dependency, which
/// `read_diagnostics` catches; without, the wrapped column makes an absurdly wide range, which
/// it refuses. Either way a typed error.
#[test]
fn chapman_xlsx_calamine_cell_reference_overflow() {
    replay(
        "chapman_diagnostics_xlsx",
        "calamine_cell_reference_overflow.xlsx",
    );
}

/// Found by `edf` (10-minute round): a data record whose annotation list (TAL) ends inside an
/// onset makes edf-rs 0.2.0 slice past its end (`headers/annotation_list.rs:98`), a panic in
/// every build. `EdfReader` catches it: `read_edf` returns `Malformed` naming the record, and a
/// streamed read stops there with the same error.
#[test]
fn edf_rs_annotation_list_slice_panic() {
    replay("edf", "edfrs_annotation_list_slice.edf");
    let path = root().join("tests/fixtures/fuzz/edf/edfrs_annotation_list_slice.edf");
    let err = exg::data::format::edf::read_edf(&path).unwrap_err();
    assert!(
        matches!(&err, exg::data::Error::Malformed { detail, .. } if detail.contains("annotation")),
        "{err}"
    );
}
