//! Shared helpers of the `formats_*` integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `sub` under the shared data folder ([`exg_data::testdata::dir`]: skips with a printed
/// line when absent, fails under `EXG_REQUIRE_DATA=1`).
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    exg_data::testdata::dir(sub)
}

/// Committed fixtures of this crate's format tests.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/formats"
    ))
    .join(name)
}

/// Rows of a simple comma-separated file with a header line (no quoting needed for ours).
pub fn read_csv_rows(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            head.iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// A fresh scratch directory under the target dir (tests write bad files there).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("exg-data-formats-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
