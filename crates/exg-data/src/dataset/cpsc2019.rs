//! CPSC 2019 QRS-detection challenge (Gao et al., J. Med. Imaging Health Inform. 9(9), 2019):
//! 10-s single-lead ambulatory ECGs at 500 Hz, in mV, with expert R-peak positions.
//!
//! Layout (the release's): `<dir>/data/data_XXXXX.mat` (MAT v5 variable `ecg`, 5000 × 1) and
//! `<dir>/ref/R_XXXXX.mat` (variable `R_peak`, MATLAB's 1-based sample indices; this module
//! returns them 0-based). The challenge scores reference peaks inside 0.5–9.5 s with a 75 ms
//! tolerance ([`SCORED_SPAN_S`], [`TOLERANCE_S`]).
//!
//! ```no_run
//! use exg_data::dataset::cpsc2019;
//! let dir = "../shared/data/cpsc2019";
//! for name in cpsc2019::list_records(dir)?.iter().take(3) {
//!     let r = cpsc2019::read(dir, name)?;
//!     println!("{name}: {} samples, {} R-peaks", r.ecg.len(), r.r_peaks.len());
//! }
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::path::Path;

use exg_signal::{Ecg, Hz};

use crate::format::mat5::read_vector;
use crate::{Error, Result};

/// Sampling rate of every record (Hz).
pub const FS_HZ: f64 = 500.0;

/// The stretch of a record whose reference peaks the challenge scores, in seconds.
pub const SCORED_SPAN_S: (f64, f64) = (0.5, 9.5);

/// The challenge's matching tolerance (s).
pub const TOLERANCE_S: f64 = 0.075;

/// One record with its reference.
#[derive(Clone, Debug)]
pub struct Cpsc2019Record {
    /// The lead (mV, 500 Hz).
    pub ecg: Ecg,
    /// Expert R-peaks, 0-based sample indices, increasing.
    pub r_peaks: Vec<usize>,
}

/// The record names (`00001` …) that have both a signal and a reference file, sorted.
pub fn list_records(dir: impl AsRef<Path>) -> Result<Vec<String>> {
    let dir = dir.as_ref();
    let data = dir.join("data");
    let entries = std::fs::read_dir(&data).map_err(|source| Error::Io {
        path: data.clone(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            let stem = f.strip_prefix("data_")?.strip_suffix(".mat")?.to_owned();
            dir.join("ref")
                .join(format!("R_{stem}.mat"))
                .is_file()
                .then_some(stem)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Reads record `name` (`"00001"`) of the folder `dir`.
pub fn read(dir: impl AsRef<Path>, name: &str) -> Result<Cpsc2019Record> {
    let dir = dir.as_ref();
    let x = read_vector(dir.join("data").join(format!("data_{name}.mat")), "ecg")?;
    let ref_path = dir.join("ref").join(format!("R_{name}.mat"));
    let raw = read_vector(&ref_path, "R_peak")?;
    let mut r_peaks = Vec::with_capacity(raw.len());
    for v in raw {
        // 1-based MATLAB indices inside the record.
        if !(v >= 1.0 && v <= x.len() as f64 && v.fract() == 0.0) {
            return Err(Error::Malformed {
                path: ref_path,
                format: "CPSC 2019 R_peak",
                detail: format!("{v} is not a sample index of a {}-sample record", x.len()),
            });
        }
        r_peaks.push(v as usize - 1);
    }
    r_peaks.sort_unstable();
    r_peaks.dedup();
    let ecg = Ecg::new(x, Hz::new(FS_HZ)?)?;
    Ok(Cpsc2019Record { ecg, r_peaks })
}
