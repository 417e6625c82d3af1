//! Rhythm labels and the class schemes built on them.
//!
//! Every dataset names rhythms its own way (Chapman's acronyms `SB`, `AF`...; CinC 2021's
//! SNOMED CT codes). Both are first turned into one [`RhythmLabel`], then a [`ClassScheme`] maps
//! rhythms to the classes a model is trained on:
//!
//! | rhythm | Chapman | SNOMED CT | [`Group4`] | [`Paper5`] | [`Paper6`] |
//! |---|---|---|---|---|---|
//! | sinus rhythm | `SR` | 426783006 | SR | SR | SR |
//! | sinus irregularity (sinus arrhythmia) | `SA` | 427393009 | SR | *excluded* | SI |
//! | sinus bradycardia | `SB` | 426177001 | SB | SB | SB |
//! | sinus tachycardia | `ST` | 427084000 | GSVT | ST | ST |
//! | atrial fibrillation | `AFIB` | 164889003 | AFIB | AFIB/AFL | AFIB/AFL |
//! | atrial flutter | `AF` | 164890007 | AFIB | AFIB/AFL | AFIB/AFL |
//! | supraventricular tachycardia | `SVT` | 426761007 | GSVT | SVT/AT | SVT/AT |
//! | atrial tachycardia | `AT` | 713422000 | GSVT | SVT/AT | SVT/AT |
//! | AV node re-entrant tachycardia | `AVNRT` | 251166008, 233896004 | GSVT | SVT/AT | SVT/AT |
//! | AV re-entrant tachycardia | `AVRT` | 233897008 | GSVT | SVT/AT | SVT/AT |
//! | paroxysmal SVT | – | 67198005 | GSVT | SVT/AT | SVT/AT |
//! | wandering atrial pacemaker (Chapman "sinus atrium to atrial wandering rhythm") | `SAAWR` | 17366009, 195101003 | GSVT | *excluded* | *excluded* |
//!
//! [`Group4`] is the usual 4-group merge of the Chapman paper (Zheng et al. 2020).
//! [`Paper5`] and [`Paper6`] are the EXGnet classes (the authors' released CSVs: 5 classes for
//! Chapman, 6 with sinus irregularity for Ningbo). The paper does not say where AVNRT, AVRT and
//! SAAWR go; we put the two re-entrant tachycardias in SVT/AT because they *are*
//! supraventricular tachycardias, and exclude SAAWR, which is not a tachycardia at all.
//! Sinus irregularity is excluded from [`Paper5`] because that class is empty in the authors'
//! Chapman CSV.
//!
//! Records a scheme cannot place are not errors and are never dropped silently:
//! [`assign`] returns [`Assignment::Excluded`] with the [`Exclusion`] reason.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A cardiac rhythm, as named by the Chapman-Shaoxing and CinC 2021 label sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RhythmLabel {
    /// Sinus rhythm (Chapman `SR`, normal sinus rhythm).
    SinusRhythm,
    /// Sinus irregularity / sinus arrhythmia (Chapman `SA`, "SI" in papers).
    SinusIrregularity,
    /// Sinus bradycardia (`SB`).
    SinusBradycardia,
    /// Sinus tachycardia (`ST`).
    SinusTachycardia,
    /// Atrial fibrillation (`AFIB`).
    AtrialFibrillation,
    /// Atrial flutter (Chapman writes `AF`; elsewhere `AFL`).
    AtrialFlutter,
    /// Supraventricular tachycardia (`SVT`).
    SupraventricularTachycardia,
    /// Atrial tachycardia (`AT`).
    AtrialTachycardia,
    /// Atrioventricular node re-entrant tachycardia (`AVNRT`).
    Avnrt,
    /// Atrioventricular re-entrant tachycardia (`AVRT`).
    Avrt,
    /// Paroxysmal supraventricular tachycardia (SNOMED 67198005; not a Chapman label).
    ParoxysmalSvt,
    /// Wandering atrial pacemaker (Chapman `SAAWR`, "sinus atrium to atrial wandering rhythm").
    WanderingAtrialPacemaker,
}

impl RhythmLabel {
    /// Every rhythm, in declaration order.
    pub const ALL: [RhythmLabel; 12] = [
        RhythmLabel::SinusRhythm,
        RhythmLabel::SinusIrregularity,
        RhythmLabel::SinusBradycardia,
        RhythmLabel::SinusTachycardia,
        RhythmLabel::AtrialFibrillation,
        RhythmLabel::AtrialFlutter,
        RhythmLabel::SupraventricularTachycardia,
        RhythmLabel::AtrialTachycardia,
        RhythmLabel::Avnrt,
        RhythmLabel::Avrt,
        RhythmLabel::ParoxysmalSvt,
        RhythmLabel::WanderingAtrialPacemaker,
    ];

    /// The Chapman-Shaoxing acronym (`"SB"`, `"AF"` for flutter...); `"PSVT"` for
    /// [`RhythmLabel::ParoxysmalSvt`], which Chapman does not use.
    pub fn acronym(self) -> &'static str {
        match self {
            RhythmLabel::SinusRhythm => "SR",
            RhythmLabel::SinusIrregularity => "SA",
            RhythmLabel::SinusBradycardia => "SB",
            RhythmLabel::SinusTachycardia => "ST",
            RhythmLabel::AtrialFibrillation => "AFIB",
            RhythmLabel::AtrialFlutter => "AF",
            RhythmLabel::SupraventricularTachycardia => "SVT",
            RhythmLabel::AtrialTachycardia => "AT",
            RhythmLabel::Avnrt => "AVNRT",
            RhythmLabel::Avrt => "AVRT",
            RhythmLabel::ParoxysmalSvt => "PSVT",
            RhythmLabel::WanderingAtrialPacemaker => "SAAWR",
        }
    }

    /// Full English name.
    pub fn name(self) -> &'static str {
        match self {
            RhythmLabel::SinusRhythm => "sinus rhythm",
            RhythmLabel::SinusIrregularity => "sinus irregularity",
            RhythmLabel::SinusBradycardia => "sinus bradycardia",
            RhythmLabel::SinusTachycardia => "sinus tachycardia",
            RhythmLabel::AtrialFibrillation => "atrial fibrillation",
            RhythmLabel::AtrialFlutter => "atrial flutter",
            RhythmLabel::SupraventricularTachycardia => "supraventricular tachycardia",
            RhythmLabel::AtrialTachycardia => "atrial tachycardia",
            RhythmLabel::Avnrt => "atrioventricular node reentrant tachycardia",
            RhythmLabel::Avrt => "atrioventricular reentrant tachycardia",
            RhythmLabel::ParoxysmalSvt => "paroxysmal supraventricular tachycardia",
            RhythmLabel::WanderingAtrialPacemaker => "sinus atrium to atrial wandering rhythm",
        }
    }
}

impl fmt::Display for RhythmLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.acronym())
    }
}

impl FromStr for RhythmLabel {
    type Err = Error;

    /// Parses a Chapman acronym (case-insensitive, surrounding spaces ignored). `AFL` is
    /// accepted for flutter as well as Chapman's `AF`, and `SI` for sinus irregularity.
    ///
    /// ```
    /// use exg_data::dataset::RhythmLabel;
    /// assert_eq!("AF".parse::<RhythmLabel>()?, RhythmLabel::AtrialFlutter);
    /// assert_eq!("afib".parse::<RhythmLabel>()?, RhythmLabel::AtrialFibrillation);
    /// assert!("XYZ".parse::<RhythmLabel>().is_err());
    /// # Ok::<(), exg_data::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_uppercase();
        let r = match t.as_str() {
            "AFL" => RhythmLabel::AtrialFlutter,
            "SI" => RhythmLabel::SinusIrregularity,
            _ => *RhythmLabel::ALL
                .iter()
                .find(|r| r.acronym() == t)
                .ok_or_else(|| Error::UnknownLabel(s.trim().to_owned()))?,
        };
        Ok(r)
    }
}

/// A set of classes that rhythms map to. Implement it to train on your own grouping.
pub trait ClassScheme: Copy + Eq + Ord + fmt::Debug + 'static {
    /// Short name of the scheme (`"group4"`).
    const NAME: &'static str;
    /// The classes, in class-index order (the order of a model's outputs).
    const CLASSES: &'static [Self];

    /// The class of `rhythm`, or `None` when the scheme excludes it.
    fn of(rhythm: RhythmLabel) -> Option<Self>;

    /// Display name of the class (`"AFIB/AFL"`).
    fn label(self) -> &'static str;

    /// Position of the class in [`ClassScheme::CLASSES`].
    fn index(self) -> usize {
        Self::CLASSES
            .iter()
            .position(|&c| c == self)
            .expect("CLASSES lists every class")
    }

    /// The class at `index`, if any.
    fn from_index(index: usize) -> Option<Self> {
        Self::CLASSES.get(index).copied()
    }

    /// Display names of all classes, in index order.
    fn labels() -> Vec<&'static str> {
        Self::CLASSES.iter().map(|c| c.label()).collect()
    }
}

/// Chapman's 4-group merge: SB; AFIB (+ flutter); GSVT (ST, SVT, AT, AVNRT, AVRT, SAAWR,
/// PSVT); SR (+ sinus irregularity). Every [`RhythmLabel`] has a group.
///
/// ```
/// use exg_data::dataset::{ClassScheme, Group4, RhythmLabel};
/// assert_eq!(Group4::of(RhythmLabel::AtrialFlutter), Some(Group4::Afib));
/// assert_eq!(Group4::Gsvt.index(), 2);
/// assert_eq!(Group4::labels(), ["SB", "AFIB", "GSVT", "SR"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Group4 {
    /// Sinus bradycardia.
    Sb,
    /// Atrial fibrillation and flutter.
    Afib,
    /// General supraventricular tachycardia.
    Gsvt,
    /// Sinus rhythm and sinus irregularity.
    Sr,
}

impl ClassScheme for Group4 {
    const NAME: &'static str = "group4";
    const CLASSES: &'static [Self] = &[Group4::Sb, Group4::Afib, Group4::Gsvt, Group4::Sr];

    fn of(rhythm: RhythmLabel) -> Option<Self> {
        use RhythmLabel::*;
        Some(match rhythm {
            SinusBradycardia => Group4::Sb,
            AtrialFibrillation | AtrialFlutter => Group4::Afib,
            SinusTachycardia
            | SupraventricularTachycardia
            | AtrialTachycardia
            | Avnrt
            | Avrt
            | ParoxysmalSvt
            | WanderingAtrialPacemaker => Group4::Gsvt,
            SinusRhythm | SinusIrregularity => Group4::Sr,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Group4::Sb => "SB",
            Group4::Afib => "AFIB",
            Group4::Gsvt => "GSVT",
            Group4::Sr => "SR",
        }
    }
}

/// The EXGnet paper's 5 Chapman classes: SR, SB, ST, AFIB/AFL, SVT/AT (with AVNRT, AVRT and
/// PSVT). Sinus irregularity and SAAWR are excluded (see the [module docs](self)).
///
/// ```
/// use exg_data::dataset::{ClassScheme, Paper5, RhythmLabel};
/// assert_eq!(Paper5::of(RhythmLabel::Avnrt), Some(Paper5::SvtAt));
/// assert_eq!(Paper5::of(RhythmLabel::SinusIrregularity), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Paper5 {
    /// Sinus rhythm.
    Sr,
    /// Sinus bradycardia.
    Sb,
    /// Sinus tachycardia.
    St,
    /// Atrial fibrillation or flutter.
    AfibAfl,
    /// Supraventricular or atrial tachycardia.
    SvtAt,
}

impl ClassScheme for Paper5 {
    const NAME: &'static str = "paper5";
    const CLASSES: &'static [Self] = &[
        Paper5::Sr,
        Paper5::Sb,
        Paper5::St,
        Paper5::AfibAfl,
        Paper5::SvtAt,
    ];

    fn of(rhythm: RhythmLabel) -> Option<Self> {
        Paper6::of(rhythm).and_then(|c| match c {
            Paper6::Sr => Some(Paper5::Sr),
            Paper6::Sb => Some(Paper5::Sb),
            Paper6::St => Some(Paper5::St),
            Paper6::Si => None,
            Paper6::AfibAfl => Some(Paper5::AfibAfl),
            Paper6::SvtAt => Some(Paper5::SvtAt),
        })
    }

    fn label(self) -> &'static str {
        match self {
            Paper5::Sr => "SR",
            Paper5::Sb => "SB",
            Paper5::St => "ST",
            Paper5::AfibAfl => "AFIB/AFL",
            Paper5::SvtAt => "SVT/AT",
        }
    }
}

/// The EXGnet paper's 6 Ningbo classes: [`Paper5`] plus SI (sinus irregularity).
/// SAAWR is excluded.
///
/// ```
/// use exg_data::dataset::{ClassScheme, Paper6, RhythmLabel};
/// assert_eq!(Paper6::of(RhythmLabel::SinusIrregularity), Some(Paper6::Si));
/// assert_eq!(Paper6::labels(), ["SR", "SB", "ST", "SI", "AFIB/AFL", "SVT/AT"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Paper6 {
    /// Sinus rhythm.
    Sr,
    /// Sinus bradycardia.
    Sb,
    /// Sinus tachycardia.
    St,
    /// Sinus irregularity.
    Si,
    /// Atrial fibrillation or flutter.
    AfibAfl,
    /// Supraventricular or atrial tachycardia.
    SvtAt,
}

impl ClassScheme for Paper6 {
    const NAME: &'static str = "paper6";
    const CLASSES: &'static [Self] = &[
        Paper6::Sr,
        Paper6::Sb,
        Paper6::St,
        Paper6::Si,
        Paper6::AfibAfl,
        Paper6::SvtAt,
    ];

    fn of(rhythm: RhythmLabel) -> Option<Self> {
        use RhythmLabel::*;
        match rhythm {
            SinusRhythm => Some(Paper6::Sr),
            SinusBradycardia => Some(Paper6::Sb),
            SinusTachycardia => Some(Paper6::St),
            SinusIrregularity => Some(Paper6::Si),
            AtrialFibrillation | AtrialFlutter => Some(Paper6::AfibAfl),
            SupraventricularTachycardia | AtrialTachycardia | Avnrt | Avrt | ParoxysmalSvt => {
                Some(Paper6::SvtAt)
            }
            WanderingAtrialPacemaker => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Paper6::Sr => "SR",
            Paper6::Sb => "SB",
            Paper6::St => "ST",
            Paper6::Si => "SI",
            Paper6::AfibAfl => "AFIB/AFL",
            Paper6::SvtAt => "SVT/AT",
        }
    }
}

/// Why a record has no class under a scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exclusion {
    /// The record carries no rhythm label at all (e.g. a CinC record whose codes are all
    /// morphology findings).
    NoRhythm,
    /// The record has rhythms the scheme excludes (listed), e.g. SAAWR under [`Paper5`].
    OutsideScheme(Vec<RhythmLabel>),
    /// The record's rhythms fall into two or more classes (all its rhythms listed), e.g. a
    /// CinC 2021 record coded both sinus rhythm and sinus tachycardia.
    Conflict(Vec<RhythmLabel>),
}

/// The class of a record under a scheme, or why it has none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Assignment<C> {
    /// The record belongs to this class.
    Class(C),
    /// The record is left out of this scheme, for the stated reason.
    Excluded(Exclusion),
}

impl<C: Copy> Assignment<C> {
    /// The class, if assigned.
    pub fn class(&self) -> Option<C> {
        match self {
            Assignment::Class(c) => Some(*c),
            Assignment::Excluded(_) => None,
        }
    }
}

/// Assigns a record with the given rhythm labels (in any order, duplicates allowed) to a class.
///
/// - no rhythm → [`Exclusion::NoRhythm`];
/// - rhythms in two or more classes → [`Exclusion::Conflict`];
/// - any rhythm the scheme excludes → [`Exclusion::OutsideScheme`] (a record is only placed
///   when every rhythm it carries is in the same class);
/// - otherwise the one class.
///
/// ```
/// use exg_data::dataset::{assign, Assignment, Exclusion, Group4, RhythmLabel};
/// use RhythmLabel::*;
/// assert_eq!(assign::<Group4>(&[AtrialFibrillation, AtrialFlutter]), Assignment::Class(Group4::Afib));
/// assert_eq!(assign::<Group4>(&[]), Assignment::Excluded(Exclusion::NoRhythm));
/// assert!(matches!(
///     assign::<Group4>(&[SinusRhythm, SinusTachycardia]),
///     Assignment::Excluded(Exclusion::Conflict(_))
/// ));
/// ```
pub fn assign<C: ClassScheme>(rhythms: &[RhythmLabel]) -> Assignment<C> {
    let mut all: Vec<RhythmLabel> = rhythms.to_vec();
    all.sort_unstable();
    all.dedup();
    if all.is_empty() {
        return Assignment::Excluded(Exclusion::NoRhythm);
    }
    let mut classes: Vec<C> = all.iter().filter_map(|&r| C::of(r)).collect();
    classes.sort_unstable();
    classes.dedup();
    if classes.len() > 1 {
        return Assignment::Excluded(Exclusion::Conflict(all));
    }
    let outside: Vec<RhythmLabel> = all
        .iter()
        .copied()
        .filter(|&r| C::of(r).is_none())
        .collect();
    if !outside.is_empty() {
        return Assignment::Excluded(Exclusion::OutsideScheme(outside));
    }
    Assignment::Class(classes[0])
}

/// Counts of a labelled set under one scheme: records per class and excluded records per
/// reason, so that a report can say what was left out.
///
/// ```
/// use exg_data::dataset::{Group4, RhythmLabel, Tally, assign};
/// let a = [assign::<Group4>(&[RhythmLabel::SinusRhythm]), assign::<Group4>(&[])];
/// let t = Tally::of(&a);
/// assert_eq!((t.classes[3], t.no_rhythm, t.total()), (1, 1, 2));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Records per class, in class-index order.
    pub classes: Vec<usize>,
    /// Records with no rhythm label.
    pub no_rhythm: usize,
    /// Records with a rhythm the scheme excludes.
    pub outside_scheme: usize,
    /// Records whose rhythms fall into two or more classes.
    pub conflict: usize,
}

impl Tally {
    /// Counts the assignments.
    pub fn of<'a, C: ClassScheme>(
        assignments: impl IntoIterator<Item = &'a Assignment<C>>,
    ) -> Self {
        let mut t = Tally {
            classes: vec![0; C::CLASSES.len()],
            ..Tally::default()
        };
        for a in assignments {
            match a {
                Assignment::Class(c) => t.classes[c.index()] += 1,
                Assignment::Excluded(Exclusion::NoRhythm) => t.no_rhythm += 1,
                Assignment::Excluded(Exclusion::OutsideScheme(_)) => t.outside_scheme += 1,
                Assignment::Excluded(Exclusion::Conflict(_)) => t.conflict += 1,
            }
        }
        t
    }

    /// Records excluded for any reason.
    pub fn excluded(&self) -> usize {
        self.no_rhythm + self.outside_scheme + self.conflict
    }

    /// All records counted.
    pub fn total(&self) -> usize {
        self.classes.iter().sum::<usize>() + self.excluded()
    }
}

/// A scheme chosen at run time (command-line flags, config files): dispatches to [`Group4`],
/// [`Paper5`] or [`Paper6`] and works with class indices.
///
/// ```
/// use exg_data::dataset::{RhythmLabel, Scheme};
/// let s: Scheme = "paper5".parse()?;
/// assert_eq!(s.class_labels()[s.classify(&[RhythmLabel::SinusTachycardia]).unwrap()], "ST");
/// assert_eq!(s.classify(&[RhythmLabel::WanderingAtrialPacemaker]), None);
/// # Ok::<(), exg_data::Error>(())
/// ```
///
/// In JSON it is its [`name`](Scheme::name) (`"paper5"`); the variant names (`"Paper5"`) are
/// accepted too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// [`Group4`].
    #[serde(alias = "Group4")]
    Group4,
    /// [`Paper5`].
    #[serde(alias = "Paper5")]
    Paper5,
    /// [`Paper6`].
    #[serde(alias = "Paper6")]
    Paper6,
}

impl Scheme {
    /// Every built-in scheme.
    pub const ALL: [Scheme; 3] = [Scheme::Group4, Scheme::Paper5, Scheme::Paper6];

    /// The scheme's name (`"group4"`, `"paper5"`, `"paper6"`).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Group4 => Group4::NAME,
            Scheme::Paper5 => Paper5::NAME,
            Scheme::Paper6 => Paper6::NAME,
        }
    }

    /// Class display names in index order.
    pub fn class_labels(self) -> Vec<&'static str> {
        match self {
            Scheme::Group4 => Group4::labels(),
            Scheme::Paper5 => Paper5::labels(),
            Scheme::Paper6 => Paper6::labels(),
        }
    }

    /// Number of classes.
    pub fn n_classes(self) -> usize {
        self.class_labels().len()
    }

    /// The full [`assign`] result, with the class as an index.
    pub fn assign(self, rhythms: &[RhythmLabel]) -> Assignment<usize> {
        fn idx<C: ClassScheme>(a: Assignment<C>) -> Assignment<usize> {
            match a {
                Assignment::Class(c) => Assignment::Class(c.index()),
                Assignment::Excluded(e) => Assignment::Excluded(e),
            }
        }
        match self {
            Scheme::Group4 => idx(assign::<Group4>(rhythms)),
            Scheme::Paper5 => idx(assign::<Paper5>(rhythms)),
            Scheme::Paper6 => idx(assign::<Paper6>(rhythms)),
        }
    }

    /// The class index of a record with these rhythms, `None` when excluded.
    pub fn classify(self, rhythms: &[RhythmLabel]) -> Option<usize> {
        self.assign(rhythms).class()
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Scheme::ALL
            .into_iter()
            .find(|x| x.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown class scheme `{s}` (expected group4, paper5 or paper6)"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_round_trip() {
        for r in RhythmLabel::ALL {
            assert_eq!(r.acronym().parse::<RhythmLabel>().unwrap(), r);
        }
    }

    #[test]
    fn group4_covers_every_rhythm_and_paper_schemes_agree() {
        for r in RhythmLabel::ALL {
            assert!(Group4::of(r).is_some());
            // Paper5 is Paper6 without SI.
            match (Paper5::of(r), Paper6::of(r)) {
                (Some(a), Some(b)) => assert_eq!(a.label(), b.label()),
                (None, Some(Paper6::Si)) | (None, None) => {}
                other => panic!("{r}: {other:?}"),
            }
        }
    }

    #[test]
    fn indices_follow_class_order() {
        for (i, c) in Paper6::CLASSES.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Paper6::from_index(i), Some(*c));
        }
        assert_eq!(Paper6::from_index(6), None);
    }

    #[test]
    fn outside_scheme_is_reported() {
        use RhythmLabel::*;
        assert_eq!(
            assign::<Paper5>(&[SinusRhythm, SinusIrregularity]),
            Assignment::Excluded(Exclusion::OutsideScheme(vec![SinusIrregularity]))
        );
        assert_eq!(
            assign::<Group4>(&[SinusRhythm, SinusIrregularity]),
            Assignment::Class(Group4::Sr)
        );
        assert_eq!(Scheme::Paper6.classify(&[SinusIrregularity]), Some(3));
    }
}
