//! Shared helpers of the `formats_*` integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` (or `$EXG_DATA_DIR`) when present; prints "skipping: ..." otherwise.
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("EXG_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    let dir = root.join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: {} not found (set EXG_DATA_DIR)", dir.display());
        None
    }
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
