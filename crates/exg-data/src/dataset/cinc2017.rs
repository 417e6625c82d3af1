//! PhysioNet/CinC Challenge 2017: AF classification from short single-lead AliveCor ECGs
//! (Clifford et al., CinC 2017). 300 Hz, 9-61 s, one lead, WFDB header + MATLAB v4 `.mat`.
//!
//! Layout: `<dir>/REFERENCE.csv` (`record,label` lines, no header) next to `<dir>/AXXXXX.hea`
//! and `<dir>/AXXXXX.mat` (the release's `training2017/` folder).
//!
//! ```no_run
//! use exg_data::dataset::cinc2017::{Cinc2017, Label};
//! let db = Cinc2017::open("../shared/data/cinc2017/training2017")?;
//! let n_af = db.entries().iter().filter(|e| e.label == Label::Af).count();
//! for item in db.records().take(3) {
//!     let (entry, record) = item?;
//!     println!("{} {:?} {} samples", entry.record, entry.label, record.n_samples());
//! }
//! # let _ = n_af;
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::format::wfdb;
use crate::{Error, Record, Result};

/// The four CinC 2017 classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Label {
    /// `N`: normal sinus rhythm.
    Normal,
    /// `A`: atrial fibrillation.
    Af,
    /// `O`: another rhythm.
    Other,
    /// `~`: too noisy to classify.
    Noisy,
}

impl Label {
    /// All labels in class-index order (N, A, O, ~).
    pub const ALL: [Label; 4] = [Label::Normal, Label::Af, Label::Other, Label::Noisy];

    /// The symbol used in `REFERENCE.csv`.
    pub fn symbol(self) -> &'static str {
        match self {
            Label::Normal => "N",
            Label::Af => "A",
            Label::Other => "O",
            Label::Noisy => "~",
        }
    }

    /// Parses a `REFERENCE.csv` symbol.
    ///
    /// ```
    /// use exg_data::dataset::cinc2017::Label;
    /// assert_eq!(Label::from_symbol("~")?, Label::Noisy);
    /// assert!(Label::from_symbol("X").is_err());
    /// # Ok::<(), exg_data::Error>(())
    /// ```
    pub fn from_symbol(s: &str) -> Result<Self> {
        Label::ALL
            .into_iter()
            .find(|l| l.symbol() == s.trim())
            .ok_or_else(|| Error::UnknownLabel(s.trim().to_owned()))
    }

    /// Class index (position in [`Label::ALL`]).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One line of `REFERENCE.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Record name (`A00001`).
    pub record: String,
    /// Reference label.
    pub label: Label,
}

/// Parses `REFERENCE.csv` text (`path` only for error messages). Blank lines are skipped;
/// a line without a comma, an unknown label or a repeated record is [`Error::Malformed`].
pub fn parse_reference(text: &str, path: &Path) -> Result<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let bad = |detail: String| Error::Malformed {
            path: path.to_path_buf(),
            format: "CinC 2017 REFERENCE.csv",
            detail: format!("line {}: {detail}", i + 1),
        };
        let (rec, lab) = line
            .split_once(',')
            .ok_or_else(|| bad(format!("expected `record,label`, got `{line}`")))?;
        let label = Label::from_symbol(lab).map_err(|_| bad(format!("unknown label `{lab}`")))?;
        let rec = rec.trim();
        if rec.is_empty() || !seen.insert(rec.to_owned()) {
            return Err(bad(format!("empty or repeated record `{rec}`")));
        }
        out.push(Entry {
            record: rec.to_owned(),
            label,
        });
    }
    Ok(out)
}

/// Reads a `REFERENCE.csv` file.
pub fn read_reference(path: impl AsRef<Path>) -> Result<Vec<Entry>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_reference(&text, path)
}

/// A CinC 2017 training folder.
#[derive(Clone, Debug)]
pub struct Cinc2017 {
    dir: PathBuf,
    entries: Vec<Entry>,
}

impl Cinc2017 {
    /// Opens a folder holding `REFERENCE.csv` and the records.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let entries = read_reference(dir.join("REFERENCE.csv"))?;
        Ok(Self { dir, entries })
    }

    /// The reference entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Count of each label, in [`Label::ALL`] order.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for e in &self.entries {
            c[e.label.index()] += 1;
        }
        c
    }

    /// Path of a record (without extension), for [`wfdb::read_record`].
    pub fn record_path(&self, record: &str) -> PathBuf {
        self.dir.join(record)
    }

    /// Reads one record (one lead, mV, 300 Hz) with its label in `metadata.labels`.
    pub fn read(&self, entry: &Entry) -> Result<Record> {
        let mut rec = wfdb::read_record(self.record_path(&entry.record))?;
        rec.metadata.labels = vec![entry.label.symbol().to_owned()];
        Ok(rec)
    }

    /// Iterates over `(entry, record)` in reference order, reading each record lazily.
    pub fn records(&self) -> impl Iterator<Item = Result<(Entry, Record)>> + '_ {
        self.entries
            .iter()
            .map(|e| self.read(e).map(|r| (e.clone(), r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reference_accepts_and_rejects() {
        let p = Path::new("REFERENCE.csv");
        let ok = parse_reference("A00001,N\n\nA00002,A\r\nA00003,~\nA00004,O\n", p).unwrap();
        assert_eq!(ok.len(), 4);
        assert_eq!(ok[2].label, Label::Noisy);
        for bad in ["A00001", "A00001,X", "A1,N\nA1,A", ",N"] {
            assert!(
                matches!(parse_reference(bad, p), Err(Error::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
