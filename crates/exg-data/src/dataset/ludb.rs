//! Lobachevsky University ECG Database (Kalyakulina et al., IEEE Access 8, 2020): 200 resting
//! 12-lead 10-s records at 500 Hz, delineated lead by lead by cardiologists.
//!
//! Layout (the PhysioNet release's): `<dir>/data/<n>.hea|.dat` and one WFDB annotation file per
//! lead, `<dir>/data/<n>.<lead>` ([`LEADS`]). In a lead's file every wave is `(` onset, the peak
//! symbol (`p`, `N` for the QRS — the R wave —, `t`), `)` offset. The first and last beats of a
//! record are not annotated, so an R-peak benchmark scores only inside the annotated span
//! ([`LeadReference::span`]).
//!
//! ```no_run
//! use exg_data::dataset::ludb;
//! let dir = "../shared/data/ludb";
//! let rec = exg_data::format::wfdb::read_record(ludb::record_path(dir, 1))?;
//! let r = ludb::lead_reference(dir, 1, "ii")?;
//! println!("{} R-peaks in {:?}, {} samples", r.r_peaks.len(), r.span, rec.n_samples());
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::format::wfdb::read_annotations;
use crate::{Error, Result};

/// The 12 leads, in signal order, as the annotation files' extensions.
pub const LEADS: [&str; 12] = [
    "i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6",
];

/// Number of records (numbered 1 ..= 200).
pub const N_RECORDS: usize = 200;

/// One lead's R-peak reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadReference {
    /// The `N` (R wave) annotations, increasing sample indices.
    pub r_peaks: Vec<usize>,
    /// From the first annotation of any wave to one past the last: the stretch the
    /// cardiologists delineated.
    pub span: Range<usize>,
}

/// Path of record `n` (without extension), for [`read_record`](crate::format::wfdb::read_record).
pub fn record_path(dir: impl AsRef<Path>, n: usize) -> PathBuf {
    dir.as_ref().join("data").join(n.to_string())
}

/// The reference of lead `lead` ([`LEADS`]) of record `n`.
pub fn lead_reference(dir: impl AsRef<Path>, n: usize, lead: &str) -> Result<LeadReference> {
    let path = record_path(dir, n);
    let ann = read_annotations(&path, lead)?;
    let (Some(first), Some(last)) = (
        ann.iter().map(|a| a.sample).min(),
        ann.iter().map(|a| a.sample).max(),
    ) else {
        return Err(Error::Malformed {
            path: path.with_extension(lead),
            format: "LUDB annotations",
            detail: "no annotation".into(),
        });
    };
    let mut r_peaks: Vec<usize> = ann
        .iter()
        .filter(|a| a.label == "N")
        .map(|a| a.sample)
        .collect();
    r_peaks.sort_unstable();
    Ok(LeadReference {
        r_peaks,
        span: first..last + 1,
    })
}
