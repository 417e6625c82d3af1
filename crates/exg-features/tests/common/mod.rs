//! Shared helpers of the integration tests: locating the real data and reading fixtures.
#![allow(dead_code)]

use std::path::PathBuf;

/// `EXG_DATA_DIR`, else `../shared/data` next to the workspace; `None` (and a "skipping"
/// line) when absent.
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

/// A committed fixture as JSON.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}
