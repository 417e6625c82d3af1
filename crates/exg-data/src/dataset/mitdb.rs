//! MIT-BIH Arrhythmia Database (Moody & Mark 2001): 48 two-channel 30-min records at 360 Hz
//! with reference beat and rhythm annotations (`.atr`).
//!
//! From a record's annotations this module derives
//! - the **beats**: every beat annotation ([`is_beat_symbol`]) with its AAMI EC57 class
//!   ([`AamiClass`], table in [`aami_class`]);
//! - the **rhythm stretches**: a rhythm-change annotation (`+` whose aux text is `(AFIB`,
//!   `(N`, `(SBR`...) starts a rhythm that lasts until the next rhythm change or the end of
//!   the record, giving half-open sample intervals `[start, end)`. Samples before the first
//!   rhythm annotation belong to no stretch;
//! - the **ventricular flutter/fibrillation episodes** between `[` and `]` ([`vf_episodes`]),
//!   which ANSI/AAMI EC57 leaves out of QRS-detection statistics.
//!
//! ```no_run
//! use exg_data::dataset::mitdb;
//! let rec = mitdb::read_record("../shared/data/mitdb/201")?;
//! let seconds = mitdb::rhythm_seconds(&rec.rhythms, rec.record.fs);
//! println!("AFIB: {:.1} s, beats: {}", seconds["AFIB"], rec.beats.len());
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use exg_signal::Hz;
use exg_signal::score::is_beat_symbol;
use serde::{Deserialize, Serialize};

use crate::format::wfdb::{self, SignalReader};
use crate::{Annotation, Record, Result};

/// The 48 record names of the database.
pub const RECORDS: [&str; 48] = [
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "111", "112", "113",
    "114", "115", "116", "117", "118", "119", "121", "122", "123", "124", "200", "201", "202",
    "203", "205", "207", "208", "209", "210", "212", "213", "214", "215", "217", "219", "220",
    "221", "222", "223", "228", "230", "231", "232", "233", "234",
];

/// Records with atrial fibrillation stretches.
pub const AFIB_RECORDS: [&str; 8] = ["201", "202", "203", "210", "217", "219", "221", "222"];

/// Records with paced beats (usually left out of detector and classifier evaluations, as
/// AAMI EC57 recommends).
pub const PACED_RECORDS: [&str; 4] = ["102", "104", "107", "217"];

/// AAMI EC57 heartbeat classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AamiClass {
    /// Normal and bundle-branch-block beats, escape beats.
    N,
    /// Supraventricular ectopic beats.
    S,
    /// Ventricular ectopic beats.
    V,
    /// Fusion of ventricular and normal beats.
    F,
    /// Paced, fusion-of-paced and unclassifiable beats.
    Q,
}

/// The AAMI EC57 class of a WFDB beat symbol; `None` for non-beat annotations.
///
/// | class | symbols |
/// |---|---|
/// | N | `N` normal, `L` LBBB, `R` RBBB, `e` atrial escape, `j` nodal escape, `B` BBB (unspecified) |
/// | S | `A` atrial premature, `a` aberrated APC, `J` nodal premature, `S` supraventricular premature, `n` supraventricular escape |
/// | V | `V` PVC, `E` ventricular escape, `r` R-on-T PVC |
/// | F | `F` fusion of ventricular and normal |
/// | Q | `/` paced, `f` fusion of paced and normal, `Q` unclassifiable, `?` beat not classified |
///
/// EC57 lists N, L, R, e, j / A, a, J, S / V, E / F / /, f, Q. `B`, `n`, `r` and `?` were added
/// to WFDB later (none occurs in MIT-BIH's `.atr`); we place them by their definitions.
///
/// ```
/// use exg_data::dataset::mitdb::{AamiClass, aami_class};
/// assert_eq!(aami_class("L"), Some(AamiClass::N));
/// assert_eq!(aami_class("a"), Some(AamiClass::S));
/// assert_eq!(aami_class("+"), None);
/// ```
pub fn aami_class(symbol: &str) -> Option<AamiClass> {
    Some(match symbol {
        "N" | "L" | "R" | "e" | "j" | "B" => AamiClass::N,
        "A" | "a" | "J" | "S" | "n" => AamiClass::S,
        "V" | "E" | "r" => AamiClass::V,
        "F" => AamiClass::F,
        "/" | "f" | "Q" | "?" => AamiClass::Q,
        _ => return None,
    })
}

/// One annotated beat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beat {
    /// Sample of the beat (the annotated R-peak / QRS fiducial point).
    pub sample: usize,
    /// WFDB beat symbol.
    pub symbol: String,
    /// AAMI class.
    pub class: AamiClass,
}

/// The beats among `annotations`, in order.
pub fn beats(annotations: &[Annotation]) -> Vec<Beat> {
    annotations
        .iter()
        .filter(|a| is_beat_symbol(&a.label))
        .filter_map(|a| {
            aami_class(&a.label).map(|class| Beat {
                sample: a.sample,
                symbol: a.label.clone(),
                class,
            })
        })
        .collect()
}

/// A stretch of one rhythm: samples `start..end` (half-open).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RhythmStretch {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
    /// Rhythm without the leading parenthesis: `"N"`, `"AFIB"`, `"AFL"`, `"SBR"`, `"VT"`...
    pub rhythm: String,
}

impl RhythmStretch {
    /// Length in samples.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty stretch (never produced by [`rhythm_stretches`]).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The rhythm of a rhythm-change annotation (`+` with aux `(AFIB`), without the `(`.
fn rhythm_of(a: &Annotation) -> Option<&str> {
    if a.label != "+" {
        return None;
    }
    let aux = a.aux.trim_end_matches('\0').trim();
    aux.strip_prefix('(').filter(|r| !r.is_empty())
}

/// Rhythm stretches of a record `n_samples` long, from its annotations (in any order; `.atr`
/// files are sorted already). Consecutive changes to the same rhythm are merged; changes at or
/// after `n_samples` are ignored.
///
/// ```
/// use exg_data::Annotation;
/// use exg_data::dataset::mitdb::rhythm_stretches;
/// let change = |sample, aux: &str| Annotation {
///     sample, label: "+".into(), aux: aux.into(), duration_s: None,
/// };
/// let s = rhythm_stretches(&[change(10, "(N"), change(100, "(AFIB")], 1000);
/// assert_eq!((s[0].start, s[0].end, s[0].rhythm.as_str()), (10, 100, "N"));
/// assert_eq!((s[1].start, s[1].end, s[1].rhythm.as_str()), (100, 1000, "AFIB"));
/// ```
pub fn rhythm_stretches(annotations: &[Annotation], n_samples: usize) -> Vec<RhythmStretch> {
    let mut changes: Vec<(usize, &str)> = annotations
        .iter()
        .filter(|a| a.sample < n_samples)
        .filter_map(|a| rhythm_of(a).map(|r| (a.sample, r)))
        .collect();
    // Stable: two changes at one sample keep their file order (the later one wins below).
    changes.sort_by_key(|&(sample, _)| sample);
    let mut out: Vec<RhythmStretch> = Vec::new();
    for (sample, r) in changes {
        if let Some(last) = out.last_mut() {
            last.end = sample;
            if last.rhythm == r {
                continue; // same rhythm again: extend instead of starting a new stretch
            }
        }
        out.push(RhythmStretch {
            start: sample,
            end: n_samples,
            rhythm: r.to_owned(),
        });
    }
    if let Some(last) = out.last_mut() {
        last.end = n_samples;
    }
    out.retain(|s| !s.is_empty());
    // Dropping an empty stretch can leave equal neighbours; merge them.
    out.dedup_by(|next, prev| {
        if next.rhythm == prev.rhythm && next.start == prev.end {
            prev.end = next.end;
            true
        } else {
            false
        }
    });
    out
}

/// Ventricular flutter/fibrillation episodes: from each `[` (onset) annotation to the next `]`
/// (end, included), as half-open sample ranges; an episode still open at the end of the record
/// runs to `n_samples`, a `]` without an onset is ignored. These are the stretches ANSI/AAMI
/// EC57 leaves out of QRS-detection statistics (`exg_signal::score::outside`); in MIT-BIH only
/// record 207 has them.
///
/// ```
/// use exg_data::Annotation;
/// use exg_data::dataset::mitdb::vf_episodes;
/// let at = |sample, label: &str| Annotation {
///     sample, label: label.into(), aux: String::new(), duration_s: None,
/// };
/// let a = [at(5, "N"), at(10, "["), at(20, "!"), at(30, "]"), at(90, "[")];
/// assert_eq!(vf_episodes(&a, 100), vec![10..31, 90..100]);
/// ```
pub fn vf_episodes(annotations: &[Annotation], n_samples: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut onset = None;
    for a in annotations.iter().filter(|a| a.sample < n_samples) {
        match a.label.as_str() {
            "[" => onset = onset.or(Some(a.sample)),
            "]" => {
                if let Some(start) = onset.take() {
                    out.push(start..a.sample + 1);
                }
            }
            _ => {}
        }
    }
    if let Some(start) = onset {
        out.push(start..n_samples);
    }
    out
}

/// Seconds per rhythm over `stretches`.
pub fn rhythm_seconds(stretches: &[RhythmStretch], fs: Hz) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for s in stretches {
        *out.entry(s.rhythm.clone()).or_insert(0.0) += fs.seconds(s.len());
    }
    out
}

/// A MIT-BIH record with its beats and rhythm stretches.
#[derive(Clone, Debug, PartialEq)]
pub struct MitdbRecord {
    /// Signals (both channels, mV) with the raw annotations in `annotations`.
    pub record: Record,
    /// Beats with their AAMI classes.
    pub beats: Vec<Beat>,
    /// Rhythm stretches.
    pub rhythms: Vec<RhythmStretch>,
}

/// Reads a record (`dir/100`), its `.atr` annotations, beats and rhythm stretches.
pub fn read_record(path: impl AsRef<Path>) -> Result<MitdbRecord> {
    let path = path.as_ref();
    let mut record = wfdb::read_record(path)?;
    record.annotations = wfdb::read_annotations(path, "atr")?;
    let beats = beats(&record.annotations);
    let rhythms = rhythm_stretches(&record.annotations, record.n_samples());
    Ok(MitdbRecord {
        record,
        beats,
        rhythms,
    })
}

/// Beats and rhythm stretches of a record without reading its signals (the header gives the
/// length and rate).
pub fn read_labels(path: impl AsRef<Path>) -> Result<(Hz, Vec<Beat>, Vec<RhythmStretch>)> {
    let path = path.as_ref();
    let reader = SignalReader::open(path)?;
    let fs = reader.header().fs;
    let n = reader.n_frames();
    let ann = wfdb::read_annotations(path, "atr")?;
    Ok((fs, beats(&ann), rhythm_stretches(&ann, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(sample: usize, label: &str, aux: &str) -> Annotation {
        Annotation {
            sample,
            label: label.into(),
            aux: aux.into(),
            duration_s: None,
        }
    }

    #[test]
    fn every_wfdb_beat_symbol_has_a_class() {
        for s in exg_signal::score::BEAT_SYMBOLS {
            assert!(aami_class(s).is_some(), "{s}");
        }
        for s in ["+", "~", "|", "x", "\"", "!"] {
            assert_eq!(aami_class(s), None);
        }
    }

    #[test]
    fn stretches_merge_repeats_and_ignore_other_aux() {
        let a = [
            ann(5, "N", ""),
            ann(10, "+", "(N\0"),
            ann(20, "+", "(N"),
            ann(30, "\"", "(comment"),
            ann(40, "+", "(AFIB"),
            ann(2000, "+", "(VT"),
        ];
        let s = rhythm_stretches(&a, 100);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].start, s[0].end), (10, 40));
        assert_eq!(
            (s[1].start, s[1].end, s[1].rhythm.as_str()),
            (40, 100, "AFIB")
        );
        let secs = rhythm_seconds(&s, Hz::new(10.0).unwrap());
        assert_eq!(secs["N"], 3.0);
        assert_eq!(secs["AFIB"], 6.0);
        assert!(rhythm_stretches(&[], 100).is_empty());
        assert_eq!(beats(&a).len(), 1);
    }
}
