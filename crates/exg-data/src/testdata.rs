//! Where the real datasets are, for tests, benchmarks and examples.
//!
//! The workspace's tests read public ECG data (MIT-BIH, CinC 2017, LUDB, ...) from
//! `$EXG_DATA_DIR`, else from `../shared/data` beside the workspace. A fresh clone has no such
//! folder: a test then prints one `skipping: ...` line and returns, so that it still passes. CI
//! has the data and sets `EXG_REQUIRE_DATA=1`: a missing folder is then a failure, never a silent
//! skip.
//!
//! ```
//! // In a test: `let Some(dir) = exg_data::testdata::dir("mitdb") else { return };`
//! if let Some(dir) = exg_data::testdata::dir("mitdb") {
//!     assert!(dir.join("100.hea").is_file());
//! }
//! ```

use std::path::{Path, PathBuf};

/// Environment variable naming the folder that holds the datasets.
pub const DATA_DIR_VAR: &str = "EXG_DATA_DIR";

/// Environment variable that turns a missing dataset into a failure (`1` or `true`).
pub const REQUIRE_VAR: &str = "EXG_REQUIRE_DATA";

/// The folder that holds the datasets: `$EXG_DATA_DIR`, else `../shared/data` beside the
/// workspace. It may not exist.
pub fn root() -> PathBuf {
    std::env::var_os(DATA_DIR_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// Whether `EXG_REQUIRE_DATA` asks for every dataset to be present.
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

/// `root()/rel` when it exists (a file or a folder).
///
/// When it does not, prints `skipping: <path> not found (set EXG_DATA_DIR)` and returns `None`,
/// so that the caller can return early.
///
/// # Panics
/// When the path is absent and [`required`] is true: that is how a test fails in CI instead of
/// skipping.
pub fn dir(rel: impl AsRef<Path>) -> Option<PathBuf> {
    let path = root().join(rel);
    if path.exists() {
        return Some(path);
    }
    if required() {
        panic!(
            "{} not found and {REQUIRE_VAR} is set (set {DATA_DIR_VAR} to the data folder)",
            path.display()
        );
    }
    println!(
        "skipping: {} not found (set {DATA_DIR_VAR})",
        path.display()
    );
    None
}

/// Every path of `rels` under [`root`], or `None` (with one `skipping` line for the first
/// missing one) — for tests that need several datasets together.
///
/// # Panics
/// As [`dir`], when one is missing and [`required`] is true.
pub fn dirs<const N: usize>(rels: [&str; N]) -> Option<[PathBuf; N]> {
    let mut out: [PathBuf; N] = std::array::from_fn(|_| PathBuf::new());
    for (slot, rel) in out.iter_mut().zip(rels) {
        *slot = dir(rel)?;
    }
    Some(out)
}
