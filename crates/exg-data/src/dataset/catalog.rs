//! One loader for every labelled dataset the trainer and the command line use.
//!
//! A [`DatasetSpec`] names a dataset and its options (folder, class scheme, lead, window
//! length...); [`DatasetSpec::load`] turns it into a [`LabelledSet`]: single-lead
//! [`Ecg`]s with a class index, an optional rhythm hint for the HRV attention target, and the
//! records that were left out, **never silently**:
//!
//! - [`LabelledSet::skipped`]: records that should have been loaded but could not be (a
//!   truncated `.mat`, a file listed in `REFERENCE.csv` but missing, a record without the
//!   requested lead, non-finite samples...), each with its reason;
//! - [`LabelledSet::excluded`]: readable records the class scheme does not place (e.g. sinus
//!   irregularity under `paper5`, a CinC 2021 record with no rhythm code), each with its reason,
//!   starting `excluded by <scheme>:`. They are not errors and not "skipped";
//! - [`LabelledSet::absent`]: Chapman rows whose waveform file is not in the folder (the release
//!   is often downloaded in part); a partial download cannot be told from a lost file, so these
//!   are only counted.
//!
//! Records are sorted by id (MIT-BIH windows: by record, then by start time), so a set loads
//! the same on every run and platform. Signals keep their native rate (the trainer resamples).
//!
//! | `name` | records | classes (label order) | `class_hint` |
//! |---|---|---|---|
//! | `synthetic` | `exg_signal::synthetic` records, `SR-000`... | `paper5`: SR, SB, ST, AFIB, SVT; `all`: + SA | the class name |
//! | `cinc2017` | `REFERENCE.csv` + `AXXXXX.hea/.mat`, single lead, 300 Hz | N, A, O, ~ | N → `SR`, A → `AFIB`, O and ~ → none |
//! | `chapman` | `Diagnostics.xlsx` + `ECGDataDenoised/<FileName>.csv`, one lead, 500 Hz | a [`Scheme`]: `group4`, `paper5`, `paper6` | see below |
//! | `ningbo`, `cinc2021` | WFDB records with `# Dx:` SNOMED CT codes, one lead | a [`Scheme`] | see below |
//! | `mitdb` | non-overlapping windows inside one rhythm stretch of the `.atr`, channel 0 | rhythm codes, default N, AFIB | N → `SR`, AFIB → `AFIB`, AFL → `AFL`, SVTA → `SVT`, SBR → `SB`, others none |
//!
//! Scheme classes and their hints (the codes `exg_xai::target::HrvTarget` knows):
//! `group4` SB → `SB`, AFIB → `AFIB`, GSVT → `GSVT`, SR → `SR`; `paper5`/`paper6` SR, SB, ST,
//! SI → themselves, AFIB/AFL → `AFIB`, SVT/AT → `SVT`.
//!
//! ```
//! use exg_data::dataset::catalog::{DatasetSpec, SyntheticClasses};
//!
//! // In JSON: {"name": "synthetic", "per_class": 2, "duration_s": 4}
//! let spec: DatasetSpec =
//!     serde_json::from_str(r#"{"name": "synthetic", "per_class": 2, "duration_s": 4}"#)?;
//! assert_eq!(
//!     spec,
//!     DatasetSpec::Synthetic {
//!         per_class: 2,
//!         duration_s: 4.0,
//!         fs_hz: 250.0,
//!         seed: 2025,
//!         classes: SyntheticClasses::Paper5,
//!     }
//! );
//! let set = spec.load()?;
//! assert_eq!(set.classes, ["SR", "SB", "ST", "AFIB", "SVT"]);
//! assert_eq!(set.counts(), [2, 2, 2, 2, 2]);
//! set.require_every_class()?;
//! let first = &set.records[0]; // sorted by id
//! assert_eq!((first.id.as_str(), first.class_hint.as_deref()), ("AFIB-000", Some("AFIB")));
//! assert_eq!(first.ecg.len(), 1000); // 4 s at 250 Hz
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The other datasets, in JSON (every field but `name` and `dir` has a default):
//!
//! ```
//! use exg_data::dataset::catalog::DatasetSpec;
//! for json in [
//!     r#"{"name": "cinc2017", "dir": "data/cinc2017/training2017"}"#,
//!     r#"{"name": "chapman", "dir": "data/chapman", "classes": "paper5", "lead": "II"}"#,
//!     r#"{"name": "ningbo", "dir": "data/ningbo", "classes": "paper6"}"#,
//!     r#"{"name": "cinc2021", "dir": "data/georgia", "classes": "group4", "lead": "V5"}"#,
//!     r#"{"name": "mitdb", "dir": "data/mitdb", "window_s": 10, "classes": ["N", "AFIB"]}"#,
//! ] {
//!     let spec: DatasetSpec = serde_json::from_str(json)?;
//!     let back: DatasetSpec = serde_json::from_str(&serde_json::to_string(&spec)?)?;
//!     assert_eq!(spec, back);
//! }
//! // From command-line flags:
//! let spec = DatasetSpec::new("chapman", Some("data/chapman".into()))?
//!     .with_classes("paper5")?
//!     .with_lead("II")?;
//! assert_eq!(spec.name(), "chapman");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use exg_signal::synthetic::{DatasetConfig, SyntheticClass};
use exg_signal::{Ecg, Hz};
use serde::{Deserialize, Serialize};

use super::chapman::{self, Chapman, Waveforms};
use super::cinc2017::{Cinc2017, Label};
use super::labels::{Assignment, Exclusion, RhythmLabel, Scheme};
use super::{cinc2021, mitdb};
use crate::{Error, Result};

/// One labelled single-lead record.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledRecord {
    /// Record id, unique within the set: the dataset's record name (`A00001`,
    /// `MUSE_20180111_155115_19000`, `JS20000`; CinC 2021 records in subfolders keep the
    /// subfolder, `g1/JS00001`), `SR-000` for synthetic records, `<record>:<start>s` for
    /// MIT-BIH windows (`201:1234.5s`, start to 0.1 s).
    pub id: String,
    /// Class index into [`LabelledSet::classes`].
    pub label: usize,
    /// Rhythm code for the HRV attention target (`"SR"`, `"AFIB"`, `"GSVT"`...), `None` when
    /// the class has no rhythm meaning (CinC 2017 `O` and `~`).
    pub class_hint: Option<String>,
    /// The signal, at the dataset's own rate, in mV, with its lead name.
    pub ecg: Ecg,
}

/// A record that should have been loaded but could not be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Record id (as [`LabelledRecord::id`] would have been).
    pub id: String,
    /// Why, in words (usually the reader's error).
    pub reason: String,
}

/// A readable record that the class scheme leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// Record id.
    pub id: String,
    /// Why: `excluded by <scheme>: ...`.
    pub reason: String,
}

/// A loaded dataset: records with class indices, and what was left out.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledSet {
    /// Dataset name: `"synthetic"`, `"cinc2017"`, `"chapman"`, `"ningbo"`, `"cinc2021"`,
    /// `"mitdb"` ([`DatasetSpec::name`]).
    pub name: String,
    /// One line for a model's metadata or card: dataset, version, licence, attribution and the
    /// options it was loaded with (never the local folder).
    pub source: String,
    /// Class names in label order.
    pub classes: Vec<String>,
    /// The records, sorted by id (MIT-BIH windows: by record, then start time).
    pub records: Vec<LabelledRecord>,
    /// Records that could not be read, sorted by id.
    pub skipped: Vec<Skipped>,
    /// Records the class scheme leaves out, sorted by id (Chapman, Ningbo, CinC 2021).
    pub excluded: Vec<Excluded>,
    /// Records listed in the label table whose waveform file is not in the folder (Chapman
    /// only; 0 elsewhere). Neither loaded, skipped nor excluded: only counted.
    pub absent: usize,
}

impl LabelledSet {
    /// Records per class, in class order (`counts()[i]` records have label `i`).
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.classes.len()];
        for r in &self.records {
            if let Some(n) = c.get_mut(r.label) {
                *n += 1;
            }
        }
        c
    }

    /// Fails unless every class has at least one record.
    ///
    /// # Errors
    /// [`Error::ClassAbsent`] naming every class without a record, in class order.
    pub fn require_every_class(&self) -> Result<()> {
        let absent: Vec<String> = self
            .classes
            .iter()
            .zip(self.counts())
            .filter(|(_, n)| *n == 0)
            .map(|(c, _)| c.clone())
            .collect();
        if absent.is_empty() {
            Ok(())
        } else {
            Err(Error::ClassAbsent {
                dataset: self.name.clone(),
                classes: absent,
            })
        }
    }

    /// One line for logs: `cinc2017: 6822 records (N 4040, A 590, O 1965, ~ 227), 0 skipped,
    /// 0 excluded` (plus `, N absent` when Chapman rows have no waveform file).
    pub fn summary(&self) -> String {
        let per_class: Vec<String> = self
            .classes
            .iter()
            .zip(self.counts())
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let mut s = format!(
            "{}: {} records ({}), {} skipped, {} excluded",
            self.name,
            self.records.len(),
            per_class.join(", "),
            self.skipped.len(),
            self.excluded.len()
        );
        if self.absent > 0 {
            let _ = write!(s, ", {} listed without a waveform file", self.absent);
        }
        s
    }
}

/// Which classes a synthetic set has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyntheticClasses {
    /// The paper's five: SR, SB, ST, AFIB, SVT ([`SyntheticClass::PAPER`]).
    #[default]
    Paper5,
    /// The five plus sinus arrhythmia, SA ([`SyntheticClass::ALL`]).
    All,
}

impl SyntheticClasses {
    /// The generator's classes, in label order.
    pub fn classes(self) -> &'static [SyntheticClass] {
        match self {
            SyntheticClasses::Paper5 => &SyntheticClass::PAPER,
            SyntheticClasses::All => &SyntheticClass::ALL,
        }
    }

    /// `"paper5"` or `"all"`.
    pub fn name(self) -> &'static str {
        match self {
            SyntheticClasses::Paper5 => "paper5",
            SyntheticClasses::All => "all",
        }
    }
}

/// A dataset and the options it is loaded with. In JSON the variant is the `name` field, the
/// other fields as below (unknown fields are an error, missing ones take their defaults); see
/// the [module docs](self) for examples and `docs/datasets.md` for each dataset's classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum DatasetSpec {
    /// Labelled synthetic ECGs (`exg_signal::synthetic::dataset`), class by class.
    Synthetic {
        /// Records per class (default 160).
        #[serde(default = "default_per_class")]
        per_class: usize,
        /// Length of every record, s (default 10).
        #[serde(default = "default_duration_s")]
        duration_s: f64,
        /// Sampling rate, Hz (default 250).
        #[serde(default = "default_fs_hz")]
        fs_hz: f64,
        /// Seed of the whole set (default 2025).
        #[serde(default = "default_seed")]
        seed: u64,
        /// `paper5` (default) or `all`.
        #[serde(default)]
        classes: SyntheticClasses,
    },
    /// PhysioNet/CinC Challenge 2017: classes N, A, O, ~.
    Cinc2017 {
        /// The `training2017` folder: `REFERENCE.csv` beside `AXXXXX.hea` + `AXXXXX.mat`.
        dir: PathBuf,
    },
    /// Chapman-Shaoxing 12-lead database, one lead.
    Chapman {
        /// Release root: `Diagnostics.xlsx` (or `Diagnostics.csv`, `labels.csv`) and the
        /// waveform folder.
        dir: PathBuf,
        /// Class scheme: `group4` (default), `paper5` or `paper6`.
        #[serde(default = "default_scheme")]
        classes: Scheme,
        /// Lead (default `"II"`): I, II, III, aVR, aVL, aVF, V1-V6, any letter case.
        #[serde(default = "default_lead")]
        lead: String,
        /// Waveform folder: `denoised` (`ECGDataDenoised/`, default) or `raw` (`ECGData/`).
        #[serde(default)]
        waveforms: Waveforms,
    },
    /// Ningbo records of the CinC 2021 set (same loader as [`DatasetSpec::Cinc2021`], with its
    /// own name and source line).
    Ningbo {
        /// Folder of WFDB records (`.hea` + `.mat`), searched recursively.
        dir: PathBuf,
        /// Class scheme: `group4` (default), `paper5` or `paper6`.
        #[serde(default = "default_scheme")]
        classes: Scheme,
        /// Lead (default `"II"`).
        #[serde(default = "default_lead")]
        lead: String,
    },
    /// PhysioNet/CinC Challenge 2021 records (Georgia, PTB-XL, ...): SNOMED CT `# Dx:` codes.
    Cinc2021 {
        /// Folder of WFDB records (`.hea` + `.mat`), searched recursively.
        dir: PathBuf,
        /// Class scheme: `group4` (default), `paper5` or `paper6`.
        #[serde(default = "default_scheme")]
        classes: Scheme,
        /// Lead (default `"II"`).
        #[serde(default = "default_lead")]
        lead: String,
    },
    /// MIT-BIH Arrhythmia Database: non-overlapping windows that lie entirely inside one rhythm
    /// stretch of the `.atr` rhythm annotations.
    Mitdb {
        /// Folder with `NNN.hea`, `NNN.dat`, `NNN.atr`.
        dir: PathBuf,
        /// Window length, s (default 10; at least 0.1).
        #[serde(default = "default_window_s")]
        window_s: f64,
        /// Rhythm codes, one class each in this order (default `["N", "AFIB"]`); see
        /// [`MITDB_RHYTHMS`].
        #[serde(default = "default_mitdb_classes")]
        classes: Vec<String>,
        /// Records to read (default: every `*.hea` in `dir`).
        #[serde(default)]
        records: Vec<String>,
        /// Lead by name (`"MLII"`, `"II"` matches `MLII`, `"V1"`); default: channel 0 of every
        /// record. Records without the lead are skipped.
        #[serde(default)]
        lead: Option<String>,
    },
}

fn default_per_class() -> usize {
    160
}
fn default_duration_s() -> f64 {
    10.0
}
fn default_fs_hz() -> f64 {
    250.0
}
fn default_seed() -> u64 {
    2025
}
fn default_scheme() -> Scheme {
    Scheme::Group4
}
fn default_lead() -> String {
    "II".to_owned()
}
fn default_window_s() -> f64 {
    10.0
}
fn default_mitdb_classes() -> Vec<String> {
    vec!["N".to_owned(), "AFIB".to_owned()]
}

/// The MIT-BIH rhythm codes (aux text of `+` annotations without the `(`), with the hint each
/// gives: AB atrial bigeminy, AFIB atrial fibrillation, AFL atrial flutter, B ventricular
/// bigeminy, BII 2° heart block, IVR idioventricular rhythm, N normal sinus rhythm, NOD nodal
/// (A-V junctional) rhythm, P paced rhythm, PREX pre-excitation (WPW), SBR sinus bradycardia,
/// SVTA supraventricular tachyarrhythmia, T ventricular trigeminy, VFL ventricular flutter,
/// VT ventricular tachycardia.
pub const MITDB_RHYTHMS: [(&str, Option<&str>); 15] = [
    ("AB", None),
    ("AFIB", Some("AFIB")),
    ("AFL", Some("AFL")),
    ("B", None),
    ("BII", None),
    ("IVR", None),
    ("N", Some("SR")),
    ("NOD", None),
    ("P", None),
    ("PREX", None),
    ("SBR", Some("SB")),
    ("SVTA", Some("SVT")),
    ("T", None),
    ("VFL", None),
    ("VT", None),
];

/// Every dataset name, as in JSON and on the command line.
pub const DATASET_NAMES: [&str; 6] = [
    "synthetic",
    "cinc2017",
    "chapman",
    "ningbo",
    "cinc2021",
    "mitdb",
];

impl DatasetSpec {
    /// The dataset with default options: `name` is one of [`DATASET_NAMES`]; `dir` is required
    /// for every dataset but `synthetic`, which takes none.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, a missing `dir`, or a `dir` for
    /// `synthetic`.
    pub fn new(name: &str, dir: Option<PathBuf>) -> Result<Self> {
        let name = name.trim().to_ascii_lowercase();
        if name == "synthetic" {
            if let Some(dir) = dir {
                return Err(Error::InvalidArgument(format!(
                    "the synthetic dataset is generated and reads no folder (got {})",
                    dir.display()
                )));
            }
            return Ok(DatasetSpec::Synthetic {
                per_class: default_per_class(),
                duration_s: default_duration_s(),
                fs_hz: default_fs_hz(),
                seed: default_seed(),
                classes: SyntheticClasses::default(),
            });
        }
        if !DATASET_NAMES.contains(&name.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "unknown dataset `{name}` (expected one of {})",
                DATASET_NAMES.join(", ")
            )));
        }
        let Some(dir) = dir else {
            return Err(Error::InvalidArgument(format!(
                "the {name} dataset needs its data folder"
            )));
        };
        Ok(match name.as_str() {
            "cinc2017" => DatasetSpec::Cinc2017 { dir },
            "chapman" => DatasetSpec::Chapman {
                dir,
                classes: default_scheme(),
                lead: default_lead(),
                waveforms: Waveforms::default(),
            },
            "ningbo" => DatasetSpec::Ningbo {
                dir,
                classes: default_scheme(),
                lead: default_lead(),
            },
            "cinc2021" => DatasetSpec::Cinc2021 {
                dir,
                classes: default_scheme(),
                lead: default_lead(),
            },
            _ => DatasetSpec::Mitdb {
                dir,
                window_s: default_window_s(),
                classes: default_mitdb_classes(),
                records: Vec::new(),
                lead: None,
            },
        })
    }

    /// The same dataset with other classes: `paper5`/`all` for `synthetic`, a scheme name
    /// (`group4`, `paper5`, `paper6`) for `chapman`, `ningbo`, `cinc2021`, comma-separated
    /// rhythm codes (`N,AFIB,AFL`) for `mitdb`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a value the dataset does not take (CinC 2017's classes are
    /// fixed).
    pub fn with_classes(mut self, classes: &str) -> Result<Self> {
        let t = classes.trim();
        match &mut self {
            DatasetSpec::Synthetic { classes: c, .. } => {
                *c = match t.to_ascii_lowercase().as_str() {
                    "paper5" => SyntheticClasses::Paper5,
                    "all" => SyntheticClasses::All,
                    _ => {
                        return Err(Error::InvalidArgument(format!(
                            "synthetic: unknown classes `{t}` (expected paper5 or all)"
                        )));
                    }
                }
            }
            DatasetSpec::Cinc2017 { .. } => {
                return Err(Error::InvalidArgument(format!(
                    "cinc2017: the classes are fixed (N, A, O, ~); got `{t}`"
                )));
            }
            DatasetSpec::Chapman { classes: c, .. }
            | DatasetSpec::Ningbo { classes: c, .. }
            | DatasetSpec::Cinc2021 { classes: c, .. } => *c = t.parse()?,
            DatasetSpec::Mitdb { classes: c, .. } => {
                let codes: Vec<String> = t.split(',').map(|s| s.trim().to_owned()).collect();
                *c = mitdb_classes(&codes)?;
            }
        }
        Ok(self)
    }

    /// The same dataset with another lead (`chapman`, `ningbo`, `cinc2021`: a 12-lead name;
    /// `mitdb`: a channel name, see [`DatasetSpec::Mitdb`]).
    ///
    /// # Errors
    /// [`Error::UnknownLead`] for a name outside the 12 leads, [`Error::InvalidArgument`] for
    /// `synthetic` and `cinc2017` (single lead).
    pub fn with_lead(mut self, lead: &str) -> Result<Self> {
        let name = self.name();
        match &mut self {
            DatasetSpec::Synthetic { .. } | DatasetSpec::Cinc2017 { .. } => {
                return Err(Error::InvalidArgument(format!(
                    "{name}: records have a single lead; no lead can be chosen (got `{lead}`)"
                )));
            }
            DatasetSpec::Chapman { lead: l, .. }
            | DatasetSpec::Ningbo { lead: l, .. }
            | DatasetSpec::Cinc2021 { lead: l, .. } => {
                *l = twelve_lead(name, lead)?.to_owned();
            }
            DatasetSpec::Mitdb { lead: l, .. } => *l = Some(lead.trim().to_owned()),
        }
        Ok(self)
    }

    /// The dataset name, as in JSON (`"cinc2017"`), one of [`DATASET_NAMES`].
    pub fn name(&self) -> &'static str {
        match self {
            DatasetSpec::Synthetic { .. } => "synthetic",
            DatasetSpec::Cinc2017 { .. } => "cinc2017",
            DatasetSpec::Chapman { .. } => "chapman",
            DatasetSpec::Ningbo { .. } => "ningbo",
            DatasetSpec::Cinc2021 { .. } => "cinc2021",
            DatasetSpec::Mitdb { .. } => "mitdb",
        }
    }

    /// The data folder (`None` for `synthetic`).
    pub fn dir(&self) -> Option<&Path> {
        match self {
            DatasetSpec::Synthetic { .. } => None,
            DatasetSpec::Cinc2017 { dir }
            | DatasetSpec::Chapman { dir, .. }
            | DatasetSpec::Ningbo { dir, .. }
            | DatasetSpec::Cinc2021 { dir, .. }
            | DatasetSpec::Mitdb { dir, .. } => Some(dir),
        }
    }

    /// Loads the dataset. Options are checked first (before any file is read), then the
    /// folder's layout; a record that cannot be read lands in [`LabelledSet::skipped`].
    ///
    /// # Errors
    /// - [`Error::UnknownLead`]: a lead outside the 12 leads (Chapman, Ningbo, CinC 2021);
    /// - [`Error::InvalidArgument`]: an unknown, repeated or empty MIT-BIH rhythm code list, a
    ///   window shorter than 0.1 s;
    /// - [`Error::DatasetNotFound`]: the folder does not exist;
    /// - [`Error::DatasetLayout`]: it holds no `REFERENCE.csv` (CinC 2017), no diagnostics
    ///   table or waveform folder (Chapman), no `.hea` file (CinC 2021, Ningbo, MIT-BIH);
    /// - [`Error::Malformed`]: a label table that cannot be parsed (`REFERENCE.csv`,
    ///   `Diagnostics.xlsx`), since no record could then be labelled;
    /// - [`Error::Signal`]: synthetic options the generator rejects (rate, duration).
    pub fn load(&self) -> Result<LabelledSet> {
        match self {
            DatasetSpec::Synthetic {
                per_class,
                duration_s,
                fs_hz,
                seed,
                classes,
            } => load_synthetic(*per_class, *duration_s, *fs_hz, *seed, *classes),
            DatasetSpec::Cinc2017 { dir } => load_cinc2017(dir),
            DatasetSpec::Chapman {
                dir,
                classes,
                lead,
                waveforms,
            } => load_chapman(dir, *classes, lead, *waveforms),
            DatasetSpec::Ningbo { dir, classes, lead } => {
                load_cinc2021("ningbo", dir, *classes, lead)
            }
            DatasetSpec::Cinc2021 { dir, classes, lead } => {
                load_cinc2021("cinc2021", dir, *classes, lead)
            }
            DatasetSpec::Mitdb {
                dir,
                window_s,
                classes,
                records,
                lead,
            } => load_mitdb(dir, *window_s, classes, records, lead.as_deref()),
        }
    }
}

/// A set with nothing loaded yet.
fn empty_set(name: &str, source: String, classes: Vec<String>) -> LabelledSet {
    LabelledSet {
        name: name.to_owned(),
        source,
        classes,
        records: Vec::new(),
        skipped: Vec::new(),
        excluded: Vec::new(),
        absent: 0,
    }
}

/// Sorts everything by id.
fn finish(mut set: LabelledSet) -> LabelledSet {
    set.records.sort_by(|a, b| a.id.cmp(&b.id));
    set.skipped.sort_by(|a, b| a.id.cmp(&b.id));
    set.excluded.sort_by(|a, b| a.id.cmp(&b.id));
    set
}

fn skipped(id: impl Into<String>, reason: impl Into<String>) -> Skipped {
    Skipped {
        id: id.into(),
        reason: reason.into(),
    }
}

/// [`Error::DatasetNotFound`] unless `dir` is a folder.
fn check_dir(dataset: &str, dir: &Path) -> Result<()> {
    if dir.is_dir() {
        Ok(())
    } else if dir.exists() {
        Err(Error::DatasetLayout {
            dataset: dataset.to_owned(),
            path: dir.to_path_buf(),
            expected: "a folder, not a file".to_owned(),
        })
    } else {
        Err(Error::DatasetNotFound {
            dataset: dataset.to_owned(),
            path: dir.to_path_buf(),
        })
    }
}

/// The 12-lead name `lead` stands for (any letter case; an `ML` prefix as in `MLII` is
/// dropped), or [`Error::UnknownLead`].
fn twelve_lead(dataset: &str, lead: &str) -> Result<&'static str> {
    let want = lead.trim().to_ascii_uppercase();
    let find = |w: &str| {
        chapman::LEADS
            .iter()
            .copied()
            .find(|l| l.eq_ignore_ascii_case(w))
    };
    find(&want)
        .or_else(|| want.strip_prefix("ML").and_then(find))
        .ok_or_else(|| Error::UnknownLead {
            dataset: dataset.to_owned(),
            lead: lead.to_owned(),
            known: chapman::LEADS.iter().map(|l| (*l).to_owned()).collect(),
        })
}

/// The HRV-target hint of a built-in scheme's class label.
fn scheme_hint(class_label: &str) -> Option<&'static str> {
    Some(match class_label {
        "SR" => "SR",
        "SB" => "SB",
        "ST" => "ST",
        "SI" => "SI",
        "GSVT" => "GSVT",
        "AFIB" | "AFIB/AFL" => "AFIB",
        "SVT/AT" => "SVT",
        _ => return None,
    })
}

/// Why a record is excluded by `scheme`, in words.
fn exclusion_reason(scheme: Scheme, e: &Exclusion) -> String {
    let list = |v: &[RhythmLabel]| v.iter().map(|r| r.acronym()).collect::<Vec<_>>().join(", ");
    match e {
        Exclusion::NoRhythm => format!("excluded by {scheme}: no rhythm label"),
        Exclusion::OutsideScheme(v) => {
            format!(
                "excluded by {scheme}: rhythm {} is outside the scheme",
                list(v)
            )
        }
        Exclusion::Conflict(v) => format!(
            "excluded by {scheme}: rhythms {} fall into different classes",
            list(v)
        ),
    }
}

fn load_synthetic(
    per_class: usize,
    duration_s: f64,
    fs_hz: f64,
    seed: u64,
    classes: SyntheticClasses,
) -> Result<LabelledSet> {
    let cfg = DatasetConfig {
        classes: classes.classes().to_vec(),
        per_class,
        fs: Hz::new(fs_hz)?,
        duration_s,
        seed,
    };
    let names: Vec<String> = cfg.class_names().iter().map(|s| (*s).to_owned()).collect();
    let source = format!(
        "synthetic ECGs from exg_signal::synthetic (classes {}: {}; {per_class} per class, \
         {duration_s} s at {fs_hz} Hz, seed {seed}); generated, no licence restrictions",
        classes.name(),
        names.join(", ")
    );
    let mut set = empty_set("synthetic", source, names);
    for r in exg_signal::synthetic::dataset(&cfg)? {
        // The generator's class names (SR, SB, ST, AFIB, SVT, SA) are HRV-target codes as is.
        set.records.push(LabelledRecord {
            id: r.id,
            label: r.label,
            class_hint: Some(r.class.name().to_owned()),
            ecg: r.ecg,
        });
    }
    Ok(finish(set))
}

fn load_cinc2017(dir: &Path) -> Result<LabelledSet> {
    const NAME: &str = "cinc2017";
    check_dir(NAME, dir)?;
    if !dir.join("REFERENCE.csv").is_file() {
        let mut expected = "REFERENCE.csv (`record,label` lines) beside AXXXXX.hea and \
                            AXXXXX.mat, as in the release's training2017/ folder"
            .to_owned();
        if dir.join("training2017/REFERENCE.csv").is_file() {
            expected.push_str(" (found in its training2017/ subfolder: pass that folder)");
        }
        return Err(Error::DatasetLayout {
            dataset: NAME.to_owned(),
            path: dir.to_path_buf(),
            expected,
        });
    }
    let db = Cinc2017::open(dir)?;
    let source = "PhysioNet/CinC Challenge 2017 training set, REFERENCE.csv labels (Clifford GD \
                  et al., AF classification from a short single lead ECG recording, Computing in \
                  Cardiology 44, 2017, doi:10.22489/CinC.2017.065); AliveCor single lead, 300 Hz; \
                  licence ODC-By 1.0"
        .to_owned();
    let classes = Label::ALL.iter().map(|l| l.symbol().to_owned()).collect();
    let mut set = empty_set(NAME, source, classes);
    for entry in db.entries() {
        let id = entry.record.clone();
        let missing = ["hea", "mat"]
            .into_iter()
            .map(|ext| format!("{id}.{ext}"))
            .find(|f| !dir.join(f).is_file());
        if let Some(file) = missing {
            set.skipped.push(skipped(
                id,
                format!("listed in REFERENCE.csv, but {file} is missing"),
            ));
            continue;
        }
        match db.read(entry).and_then(|r| r.ecg(0)) {
            Ok(ecg) => set.records.push(LabelledRecord {
                id,
                label: entry.label.index(),
                class_hint: match entry.label {
                    Label::Normal => Some("SR".to_owned()),
                    Label::Af => Some("AFIB".to_owned()),
                    Label::Other | Label::Noisy => None,
                },
                ecg,
            }),
            Err(e) => set.skipped.push(skipped(id, e.to_string())),
        }
    }
    Ok(finish(set))
}

fn load_chapman(
    dir: &Path,
    scheme: Scheme,
    lead: &str,
    waveforms: Waveforms,
) -> Result<LabelledSet> {
    const NAME: &str = "chapman";
    let lead = twelve_lead(NAME, lead)?;
    check_dir(NAME, dir)?;
    let layout = |what: &str| Error::DatasetLayout {
        dataset: NAME.to_owned(),
        path: dir.to_path_buf(),
        expected: format!(
            "Diagnostics.xlsx (or Diagnostics.csv, labels.csv) and {}/<FileName>.csv ({what})",
            waveforms.folder()
        ),
    };
    let has_table = ["Diagnostics.xlsx", "Diagnostics.csv", "labels.csv"]
        .iter()
        .any(|f| dir.join(f).is_file());
    if !has_table {
        return Err(layout("no diagnostics table"));
    }
    let wave_dir = dir.join(waveforms.folder());
    if !wave_dir.is_dir() {
        return Err(layout(&format!("no {}/ folder", waveforms.folder())));
    }
    let db = Chapman::open(dir)?;
    let source = format!(
        "Chapman-Shaoxing 12-lead ECG database (Zheng J et al., Scientific Data 7:48, 2020, \
         doi:10.1038/s41597-020-0386-x), {} waveforms, lead {lead}, classes {scheme}; 500 Hz; \
         licence CC BY 4.0",
        waveforms.folder()
    );
    let labels = scheme.class_labels();
    let mut set = empty_set(
        NAME,
        source,
        labels.iter().map(|s| (*s).to_owned()).collect(),
    );
    for row in db.rows() {
        let id = row.file_name.clone();
        if !db.record_path(&id, waveforms).is_file() {
            set.absent += 1;
            continue;
        }
        let label = match scheme.assign(&[row.rhythm]) {
            Assignment::Class(c) => c,
            Assignment::Excluded(e) => {
                set.excluded.push(Excluded {
                    reason: exclusion_reason(scheme, &e),
                    id,
                });
                continue;
            }
        };
        match db.read_record(&id, waveforms).and_then(|r| r.lead(lead)) {
            Ok(ecg) => set.records.push(LabelledRecord {
                id,
                label,
                class_hint: scheme_hint(labels[label]).map(str::to_owned),
                ecg,
            }),
            Err(e) => set.skipped.push(skipped(id, e.to_string())),
        }
    }
    // Waveform files without a row cannot be labelled: say so instead of ignoring them.
    let entries = std::fs::read_dir(&wave_dir).map_err(|source| Error::Io {
        path: wave_dir.clone(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            && db.row(stem).is_none()
        {
            set.skipped.push(skipped(
                stem,
                "waveform file without a row in the diagnostics table",
            ));
        }
    }
    Ok(finish(set))
}

fn load_cinc2021(name: &str, dir: &Path, scheme: Scheme, lead: &str) -> Result<LabelledSet> {
    let lead = twelve_lead(name, lead)?;
    check_dir(name, dir)?;
    let paths = cinc2021::list_records(dir)?;
    if paths.is_empty() {
        return Err(Error::DatasetLayout {
            dataset: name.to_owned(),
            path: dir.to_path_buf(),
            expected: "WFDB records (<record>.hea + <record>.mat, in subfolders or not) whose \
                       headers carry `# Dx:` SNOMED CT codes"
                .to_owned(),
        });
    }
    let what = if name == "ningbo" {
        "Ningbo records (Zheng J et al., Scientific Reports 10:2898, 2020) of the PhysioNet/CinC \
         Challenge 2021 set"
    } else {
        "PhysioNet/CinC Challenge 2021 set"
    };
    let source = format!(
        "{what} (Reyna MA et al., Will two do? Varying dimensions in electrocardiography, \
         Computing in Cardiology 48, 2021), SNOMED CT rhythm codes, lead {lead}, classes \
         {scheme}; licence CC BY 4.0"
    );
    let labels = scheme.class_labels();
    let mut set = empty_set(
        name,
        source,
        labels.iter().map(|s| (*s).to_owned()).collect(),
    );
    for path in paths {
        let id = record_id(dir, &path);
        let (dx, no_codes) = match cinc2021::read_dx(&path) {
            Ok(codes) => (cinc2021::rhythms_of(&codes), codes.is_empty()),
            Err(e) => {
                set.skipped.push(skipped(id, e.to_string()));
                continue;
            }
        };
        let label = match scheme.assign(&dx.rhythms) {
            Assignment::Class(c) => c,
            Assignment::Excluded(e) => {
                let mut reason = exclusion_reason(scheme, &e);
                if no_codes {
                    reason.push_str(" (the header has no `# Dx:` codes)");
                }
                set.excluded.push(Excluded { reason, id });
                continue;
            }
        };
        match cinc2021::read_record(&path).and_then(|r| r.record.lead(lead)) {
            Ok(ecg) => set.records.push(LabelledRecord {
                id,
                label,
                class_hint: scheme_hint(labels[label]).map(str::to_owned),
                ecg,
            }),
            Err(e) => set.skipped.push(skipped(id, e.to_string())),
        }
    }
    Ok(finish(set))
}

/// `path` relative to `dir`, components joined by `/` (`g1/JS00001`).
fn record_id(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks a MIT-BIH class list; the codes without a leading `(`.
fn mitdb_classes(classes: &[String]) -> Result<Vec<String>> {
    if classes.is_empty() {
        return Err(Error::InvalidArgument(
            "mitdb: at least one rhythm code is needed".into(),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(classes.len());
    for c in classes {
        let code = c.trim().trim_start_matches('(').to_owned();
        if !MITDB_RHYTHMS.iter().any(|(k, _)| *k == code) {
            return Err(Error::InvalidArgument(format!(
                "mitdb: unknown rhythm code `{c}` (MIT-BIH codes: {})",
                MITDB_RHYTHMS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !seen.insert(code.clone()) {
            return Err(Error::InvalidArgument(format!(
                "mitdb: rhythm code `{code}` listed twice"
            )));
        }
        out.push(code);
    }
    Ok(out)
}

fn load_mitdb(
    dir: &Path,
    window_s: f64,
    classes: &[String],
    records: &[String],
    lead: Option<&str>,
) -> Result<LabelledSet> {
    const NAME: &str = "mitdb";
    let classes = mitdb_classes(classes)?;
    // Window starts are written to 0.1 s in the ids: shorter windows could share an id.
    if !(window_s.is_finite() && window_s >= 0.1) {
        return Err(Error::InvalidArgument(format!(
            "mitdb: window_s must be at least 0.1 s, got {window_s}"
        )));
    }
    check_dir(NAME, dir)?;
    let names: Vec<String> = if records.is_empty() {
        let mut v = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file()
                && path.extension().is_some_and(|e| e == "hea")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                v.push(stem.to_owned());
            }
        }
        v.sort();
        v
    } else {
        let mut v = records.to_vec();
        v.sort();
        v.dedup();
        v
    };
    if names.is_empty() {
        return Err(Error::DatasetLayout {
            dataset: NAME.to_owned(),
            path: dir.to_path_buf(),
            expected: "MIT-BIH records: NNN.hea, NNN.dat and NNN.atr (reference annotations)"
                .to_owned(),
        });
    }
    let channel = lead.map_or_else(|| "channel 0".to_owned(), |l| format!("lead {l}"));
    let source = format!(
        "MIT-BIH Arrhythmia Database 1.0.0 (Moody GB, Mark RG, IEEE Eng Med Biol 20(3):45-50, \
         2001, doi:10.13026/C2F305; Goldberger AL et al., Circulation 101(23):e215-e220, 2000), \
         {window_s} s windows inside one .atr rhythm stretch ({}), {channel}, 360 Hz; licence \
         ODC-By 1.0",
        classes.join(", ")
    );
    let mut set = empty_set(NAME, source, classes.clone());
    for name in &names {
        let rec = match mitdb::read_record(dir.join(name)) {
            Ok(r) => r,
            Err(e) => {
                set.skipped.push(skipped(name.as_str(), e.to_string()));
                continue;
            }
        };
        let index = match lead {
            None => Some(0),
            Some(l) => rec.record.channel_index(l),
        };
        let Some(ch) = index.and_then(|i| rec.record.channels.get(i)) else {
            let have: Vec<&str> = rec
                .record
                .channels
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            set.skipped.push(skipped(
                name.as_str(),
                format!("no {channel} (channels: {})", have.join(", ")),
            ));
            continue;
        };
        let fs = rec.record.fs;
        let win = (window_s * fs.get()).round() as usize;
        if win == 0 {
            return Err(Error::InvalidArgument(format!(
                "mitdb: window_s {window_s} is shorter than one sample at {} Hz",
                fs.get()
            )));
        }
        for stretch in &rec.rhythms {
            let Some(label) = classes.iter().position(|c| *c == stretch.rhythm) else {
                continue;
            };
            let hint = MITDB_RHYTHMS
                .iter()
                .find(|(k, _)| *k == stretch.rhythm)
                .and_then(|(_, h)| *h);
            for k in 0..stretch.len() / win {
                let start = stretch.start + k * win;
                let id = format!("{name}:{:.1}s", fs.seconds(start));
                let Some(samples) = ch.samples.get(start..start + win) else {
                    break;
                };
                match Ecg::new(samples.to_vec(), fs) {
                    Ok(ecg) => set.records.push(LabelledRecord {
                        id,
                        label,
                        class_hint: hint.map(str::to_owned),
                        ecg: ecg.with_lead(ch.name.clone()),
                    }),
                    Err(e) => set.skipped.push(skipped(id, e.to_string())),
                }
            }
        }
    }
    // Records are read in name order and windows in time order: (record, start) order, which
    // is kept (sorting the ids as text would put `100:1000.0s` before `100:200.0s`).
    set.skipped.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_and_hints() {
        assert_eq!(twelve_lead("x", "ii").unwrap(), "II");
        assert_eq!(twelve_lead("x", "MLII").unwrap(), "II");
        assert_eq!(twelve_lead("x", " avr ").unwrap(), "aVR");
        assert!(matches!(
            twelve_lead("x", "V7"),
            Err(Error::UnknownLead { .. })
        ));
        for s in Scheme::ALL {
            for c in s.class_labels() {
                assert!(scheme_hint(c).is_some(), "{s} {c}");
            }
        }
        assert_eq!(
            mitdb_classes(&["(AFIB".into(), "N".into()]).unwrap(),
            ["AFIB", "N"]
        );
        assert!(mitdb_classes(&["N".into(), "N".into()]).is_err());
        assert!(mitdb_classes(&[]).is_err());
        assert!(mitdb_classes(&["XYZ".into()]).is_err());
    }
}
