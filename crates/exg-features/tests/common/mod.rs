//! Shared helpers of the integration tests: locating the real data and reading fixtures.
#![allow(dead_code)]

use std::path::PathBuf;

/// `sub` under the shared data folder ([`exg_data::testdata::dir`]: skips with a printed
/// line when absent, fails under `EXG_REQUIRE_DATA=1`).
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    exg_data::testdata::dir(sub)
}

/// A committed fixture as JSON.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A fixture's JSON array of sample indices (R-peak positions).
pub fn indices(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .expect("an array of indices")
        .iter()
        .map(|i| i.as_u64().expect("a non-negative integer") as usize)
        .collect()
}
