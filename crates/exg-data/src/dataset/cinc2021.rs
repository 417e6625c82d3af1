//! PhysioNet/CinC Challenge 2021 records (Ningbo, Georgia, PTB-XL, Chapman-Shaoxing, ...):
//! SNOMED CT diagnosis codes from the `# Dx:` header line, mapped to [`RhythmLabel`]s.
//!
//! Each record is a WFDB header plus a MATLAB v4 `.mat` file (12 x 5000 int16, gain 1000/mV,
//! 500 Hz for Ningbo, Georgia and PTB-XL), read with [`crate::format::wfdb::read_record`];
//! its `metadata.labels` hold the `Dx` codes. Only rhythm codes decide the class; all other
//! codes (PAC, T-wave abnormality, bundle branch blocks...) are findings that do not change
//! the rhythm group. [`rhythms_of`] keeps the codes it does not know apart rather than
//! failing, and [`assign`] reports records with no rhythm code or
//! with rhythms in two classes.
//!
//! ```
//! use exg_data::dataset::{Group4, RhythmLabel, assign, cinc2021};
//! let codes = ["284470004", "427084000", "698252002"]; // PAC, sinus tachycardia, NSIVCB
//! let found = cinc2021::rhythms_of(&codes);
//! assert_eq!(found.rhythms, vec![RhythmLabel::SinusTachycardia]);
//! assert_eq!(assign::<Group4>(&found.rhythms).class(), Some(Group4::Gsvt));
//! assert_eq!(cinc2021::code_name("284470004"), Some("premature atrial contraction"));
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::labels::{Assignment, ClassScheme, RhythmLabel, assign};
use crate::format::wfdb;
use crate::{Record, Result};

/// SNOMED CT codes of the rhythms. The first code of each rhythm is the one the CinC 2021 data
/// uses (`dx_mapping_scored.csv` / `dx_mapping_unscored.csv` of the Challenge's evaluation code);
/// two rhythms have a second code:
/// - AVNRT: CinC codes it 251166008; 233896004 (listed in our data notes) is accepted too;
/// - Chapman's SAAWR: CinC codes it 17366009, and codes "wandering atrial pacemaker" (Georgia)
///   195101003; both mean the pacemaker wanders between the sinus node and the atria, so both
///   map to [`RhythmLabel::WanderingAtrialPacemaker`].
pub const RHYTHM_CODES: [(&str, RhythmLabel); 14] = [
    ("426783006", RhythmLabel::SinusRhythm),
    ("427393009", RhythmLabel::SinusIrregularity),
    ("426177001", RhythmLabel::SinusBradycardia),
    ("427084000", RhythmLabel::SinusTachycardia),
    ("164889003", RhythmLabel::AtrialFibrillation),
    ("164890007", RhythmLabel::AtrialFlutter),
    ("426761007", RhythmLabel::SupraventricularTachycardia),
    ("713422000", RhythmLabel::AtrialTachycardia),
    ("251166008", RhythmLabel::Avnrt),
    ("233896004", RhythmLabel::Avnrt),
    ("233897008", RhythmLabel::Avrt),
    ("67198005", RhythmLabel::ParoxysmalSvt),
    ("17366009", RhythmLabel::WanderingAtrialPacemaker),
    ("195101003", RhythmLabel::WanderingAtrialPacemaker),
];

/// Names and abbreviations, `(code, abbreviation, name)`, as written in the CinC 2021
/// evaluation code's `dx_mapping_scored.csv` (all 30 scored codes) and, for the rhythm codes of
/// [`RHYTHM_CODES`] and 55930002 (ST changes, frequent in Ningbo), `dx_mapping_unscored.csv`.
/// Other codes get `None` from [`code_name`].
pub const CODE_NAMES: [(&str, &str, &str); 39] = [
    ("164889003", "AF", "atrial fibrillation"),
    ("164890007", "AFL", "atrial flutter"),
    ("6374002", "BBB", "bundle branch block"),
    ("426627000", "Brady", "bradycardia"),
    ("733534002", "CLBBB", "complete left bundle branch block"),
    ("713427006", "CRBBB", "complete right bundle branch block"),
    ("270492004", "IAVB", "1st degree av block"),
    ("713426002", "IRBBB", "incomplete right bundle branch block"),
    ("39732003", "LAD", "left axis deviation"),
    ("445118002", "LAnFB", "left anterior fascicular block"),
    ("164909002", "LBBB", "left bundle branch block"),
    ("251146004", "LQRSV", "low qrs voltages"),
    (
        "698252002",
        "NSIVCB",
        "nonspecific intraventricular conduction disorder",
    ),
    ("426783006", "NSR", "sinus rhythm"),
    ("284470004", "PAC", "premature atrial contraction"),
    ("10370003", "PR", "pacing rhythm"),
    ("365413008", "PRWP", "poor R wave Progression"),
    ("427172004", "PVC", "premature ventricular contractions"),
    ("164947007", "LPR", "prolonged pr interval"),
    ("111975006", "LQT", "prolonged qt interval"),
    ("164917005", "QAb", "qwave abnormal"),
    ("47665007", "RAD", "right axis deviation"),
    ("59118001", "RBBB", "right bundle branch block"),
    ("427393009", "SA", "sinus arrhythmia"),
    ("426177001", "SB", "sinus bradycardia"),
    ("427084000", "STach", "sinus tachycardia"),
    ("63593006", "SVPB", "supraventricular premature beats"),
    ("164934002", "TAb", "t wave abnormal"),
    ("59931005", "TInv", "t wave inversion"),
    ("17338001", "VPB", "ventricular premature beats"),
    ("426761007", "SVT", "supraventricular tachycardia"),
    ("713422000", "ATach", "atrial tachycardia"),
    (
        "251166008",
        "AVNRT",
        "atrioventricular node reentrant tachycardia",
    ),
    (
        "233896004",
        "AVNRT",
        "atrioventricular node reentrant tachycardia",
    ),
    (
        "233897008",
        "AVRT",
        "atrioventricular reentrant tachycardia",
    ),
    (
        "67198005",
        "PSVT",
        "paroxysmal supraventricular tachycardia",
    ),
    (
        "17366009",
        "SAAWR",
        "sinus atrium to atrial wandering rhythm",
    ),
    ("195101003", "WAP", "wandering atrial pacemaker"),
    ("55930002", "STC", "s t changes"),
];

/// The rhythm a SNOMED CT code stands for, if it is one of [`RHYTHM_CODES`].
pub fn rhythm_of_code(code: &str) -> Option<RhythmLabel> {
    let code = code.trim();
    RHYTHM_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|&(_, r)| r)
}

/// The SNOMED CT code the CinC 2021 data uses for a rhythm (the first of [`RHYTHM_CODES`]).
pub fn code_of_rhythm(rhythm: RhythmLabel) -> &'static str {
    RHYTHM_CODES
        .iter()
        .find(|(_, r)| *r == rhythm)
        .map(|&(c, _)| c)
        .expect("RHYTHM_CODES lists every rhythm")
}

/// The name of a code from [`CODE_NAMES`] (`None` for codes outside that table).
pub fn code_name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    CODE_NAMES
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|&(.., n)| n)
}

/// The abbreviation of a code from [`CODE_NAMES`] (`"PAC"`).
pub fn code_abbreviation(code: &str) -> Option<&'static str> {
    let code = code.trim();
    CODE_NAMES
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|&(_, a, _)| a)
}

/// The codes of one record sorted into rhythms and other findings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DxRhythms {
    /// Rhythms found, in code order, without duplicates.
    pub rhythms: Vec<RhythmLabel>,
    /// Codes that are not rhythm codes (findings, or codes unknown to this table), as given.
    pub other_codes: Vec<String>,
}

/// Splits a record's SNOMED CT codes into rhythms and the rest.
pub fn rhythms_of<S: AsRef<str>>(codes: &[S]) -> DxRhythms {
    let mut out = DxRhythms::default();
    for code in codes {
        let code = code.as_ref().trim();
        if code.is_empty() {
            continue;
        }
        match rhythm_of_code(code) {
            Some(r) if !out.rhythms.contains(&r) => out.rhythms.push(r),
            Some(_) => {}
            None => out.other_codes.push(code.to_owned()),
        }
    }
    out
}

/// One CinC 2021 record read from disk: its WFDB record (12 leads in mV) and its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct CincRecord {
    /// The signals; `metadata.labels` holds the `Dx` codes, `metadata.fields` `Age`/`Sex`.
    pub record: Record,
    /// The `Dx` codes sorted into rhythms and findings.
    pub dx: DxRhythms,
}

impl CincRecord {
    /// The record's class under scheme `C` (or why it has none).
    pub fn class<C: ClassScheme>(&self) -> Assignment<C> {
        assign::<C>(&self.dx.rhythms)
    }
}

/// Reads a CinC 2021 record (`dir/JS20000` or `dir/JS20000.hea`).
pub fn read_record(path: impl AsRef<Path>) -> Result<CincRecord> {
    let record = wfdb::read_record(path)?;
    let dx = rhythms_of(&record.metadata.labels);
    Ok(CincRecord { record, dx })
}

/// The `Dx` codes of a record from its header only (no signal read); cheap for scanning a
/// whole training set.
pub fn read_dx(path: impl AsRef<Path>) -> Result<Vec<String>> {
    Ok(wfdb::read_header(wfdb::header_path(path.as_ref()))?.dx_codes())
}

/// The records of a CinC 2021 folder: every `*.hea` under `dir` (recursively, as the release
/// splits sets into `g1`, `g2`... subfolders), as record paths without extension, sorted.
pub fn list_records(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    super::walk_files(dir.as_ref(), &mut |p| {
        if p.extension().is_some_and(|e| e == "hea") {
            out.push(p.with_extension(""));
        }
    })?;
    out.sort();
    Ok(out)
}

/// Every record under `dir` (see [`list_records`]) with its `Dx` codes sorted into rhythms,
/// reading headers only.
pub fn scan(dir: impl AsRef<Path>) -> Result<Vec<(PathBuf, DxRhythms)>> {
    list_records(dir)?
        .into_iter()
        .map(|p| {
            let dx = rhythms_of(&read_dx(&p)?);
            Ok((p, dx))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        for r in RhythmLabel::ALL {
            assert_eq!(rhythm_of_code(code_of_rhythm(r)), Some(r));
        }
        for (code, _) in RHYTHM_CODES {
            assert!(code_name(code).is_some(), "{code} has no name");
        }
        let mut codes: Vec<_> = CODE_NAMES.iter().map(|c| c.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(
            codes.len(),
            CODE_NAMES.len(),
            "duplicate code in CODE_NAMES"
        );
    }

    #[test]
    fn duplicates_and_blanks_are_ignored() {
        let d = rhythms_of(&[" 426783006", "426783006", "", "999"]);
        assert_eq!(d.rhythms, vec![RhythmLabel::SinusRhythm]);
        assert_eq!(d.other_codes, vec!["999".to_owned()]);
    }
}
