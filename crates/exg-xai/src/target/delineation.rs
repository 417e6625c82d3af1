//! How a map agrees with hand-annotated waves (P, QRS, T): the check of a target — or of a
//! model's saliency map — against cardiologists' delineation (LUDB).
//!
//! Two measures, both over the *annotated span* (first wave onset to last wave offset: LUDB
//! leaves the first and last beats of each record unannotated, so mass outside the span could
//! not be judged):
//!
//! * **mass share**: the fraction of the map's sum that falls on samples inside annotated waves,
//!   per kind and for any wave;
//! * **QRS coverage**: the fraction of annotated QRS complexes of which at least
//!   [`min_fraction`](AgreementConfig::min_fraction) of the samples lie in the map's support
//!   (value ≥ [`support_level`](AgreementConfig::support_level)).
//!
//! ```
//! use exg_xai::target::delineation::{agreement, waves_from_symbols, AgreementConfig, WaveKind};
//!
//! // One P wave (samples 10-20) and one QRS (30-40), WFDB delineation style.
//! let ann = [(10, "("), (15, "p"), (20, ")"), (30, "("), (35, "N"), (40, ")")];
//! let waves = waves_from_symbols(ann);
//! assert_eq!(waves[1].kind, WaveKind::Qrs);
//! // A map that is 1 on the QRS only.
//! let map: Vec<f32> = (0..50).map(|i| if (30..=40).contains(&i) { 1.0 } else { 0.0 }).collect();
//! let a = agreement(&map, &waves, &AgreementConfig::default())?;
//! assert_eq!(a.mass_qrs, 1.0);
//! assert_eq!(a.mass_p, 0.0);
//! assert_eq!((a.qrs_covered, a.qrs_total), (1, 1));
//! # Ok::<(), exg_xai::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Kind of an annotated wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WaveKind {
    /// P wave.
    P,
    /// QRS complex.
    Qrs,
    /// T wave.
    T,
}

/// One annotated wave: sample indices, bounds inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    /// Kind.
    pub kind: WaveKind,
    /// First sample.
    pub onset: usize,
    /// Peak sample (the R-peak for a QRS).
    pub peak: usize,
    /// Last sample.
    pub offset: usize,
}

/// Waves from WFDB delineation annotations (LUDB, QTDB style): `(` onset, a peak symbol, `)`
/// offset. Peak symbols: `p` (P wave), `t` (T wave), and any WFDB beat symbol (`N`, `V`, ...)
/// for a QRS. A wave without both its onset and offset (cut off at the record's edge) is
/// skipped; brackets are never paired by counting.
pub fn waves_from_symbols<'a>(
    annotations: impl IntoIterator<Item = (usize, &'a str)>,
) -> Vec<Wave> {
    let ann: Vec<(usize, &str)> = annotations.into_iter().collect();
    let mut out = Vec::new();
    for (i, &(peak, sym)) in ann.iter().enumerate() {
        let kind = match sym {
            "p" => WaveKind::P,
            "t" => WaveKind::T,
            s if is_qrs_symbol(s) => WaveKind::Qrs,
            _ => continue,
        };
        let before = i.checked_sub(1).and_then(|j| ann.get(j));
        let after = ann.get(i + 1);
        if let (Some(&(onset, "(")), Some(&(offset, ")"))) = (before, after)
            && onset <= peak
            && peak <= offset
        {
            out.push(Wave {
                kind,
                onset,
                peak,
                offset,
            });
        }
    }
    out
}

/// WFDB beat (QRS) symbols, lower-case `p`/`t` excluded (they are waves here).
fn is_qrs_symbol(s: &str) -> bool {
    matches!(
        s,
        "N" | "L"
            | "R"
            | "B"
            | "A"
            | "a"
            | "J"
            | "S"
            | "V"
            | "r"
            | "F"
            | "e"
            | "j"
            | "n"
            | "E"
            | "/"
            | "f"
            | "Q"
            | "?"
    )
}

/// Parameters of [`agreement`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgreementConfig {
    /// A sample is in the map's support when its value is at least this (maps in `[0, 1]`).
    pub support_level: f32,
    /// A QRS is covered when at least this fraction of its samples is in the support.
    pub min_fraction: f64,
}

impl Default for AgreementConfig {
    fn default() -> Self {
        Self {
            support_level: 0.1,
            min_fraction: 0.5,
        }
    }
}

/// Agreement of one map with one record's annotated waves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WaveAgreement {
    /// Sum of the map over the annotated span. The shares below are 0 when it is 0.
    pub total_mass: f64,
    /// Share of that mass on P waves.
    pub mass_p: f64,
    /// Share on QRS complexes.
    pub mass_qrs: f64,
    /// Share on T waves.
    pub mass_t: f64,
    /// Share on any annotated wave (overlapping waves counted once).
    pub mass_waves: f64,
    /// Annotated QRS complexes.
    pub qrs_total: usize,
    /// Annotated QRS complexes the map covers.
    pub qrs_covered: usize,
}

/// Measures `map` against `waves` (see the [module docs](self)).
///
/// # Errors
/// [`Error::Input`] when `waves` is empty, a wave ends past the map, or `map` holds a
/// non-finite or negative value.
pub fn agreement(map: &[f32], waves: &[Wave], cfg: &AgreementConfig) -> Result<WaveAgreement> {
    let (Some(start), Some(end)) = (
        waves.iter().map(|w| w.onset).min(),
        waves.iter().map(|w| w.offset).max(),
    ) else {
        return Err(Error::Input("no annotated wave to compare with".into()));
    };
    if end >= map.len() {
        return Err(Error::Input(format!(
            "a wave ends at sample {end}, past a map of {} samples",
            map.len()
        )));
    }
    if let Some(i) = map.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::Input(format!(
            "map value {} at sample {i} is negative or not finite",
            map[i]
        )));
    }
    // Which kinds cover each sample of the span (bit per kind).
    let mut cover = vec![0u8; end + 1 - start];
    for w in waves {
        let bit = 1u8 << (w.kind as u8);
        cover[w.onset - start..=w.offset - start]
            .iter_mut()
            .for_each(|c| *c |= bit);
    }
    let mut mass = [0.0f64; 3];
    let (mut total, mut on_waves) = (0.0f64, 0.0f64);
    for (&v, &c) in map[start..=end].iter().zip(&cover) {
        let v = f64::from(v);
        total += v;
        if c != 0 {
            on_waves += v;
        }
        for (k, m) in mass.iter_mut().enumerate() {
            if c & (1 << k) != 0 {
                *m += v;
            }
        }
    }
    let share = |m: f64| if total > 0.0 { m / total } else { 0.0 };
    let qrs: Vec<&Wave> = waves.iter().filter(|w| w.kind == WaveKind::Qrs).collect();
    let qrs_covered = qrs
        .iter()
        .filter(|w| {
            let span = &map[w.onset..=w.offset];
            let inside = span.iter().filter(|&&v| v >= cfg.support_level).count();
            inside as f64 >= cfg.min_fraction * span.len() as f64
        })
        .count();
    Ok(WaveAgreement {
        total_mass: total,
        mass_p: share(mass[WaveKind::P as usize]),
        mass_qrs: share(mass[WaveKind::Qrs as usize]),
        mass_t: share(mass[WaveKind::T as usize]),
        mass_waves: share(on_waves),
        qrs_total: qrs.len(),
        qrs_covered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_skip_cut_off_ones() {
        // A QRS without onset (record edge), then a complete T wave: only the T wave is kept.
        let w = waves_from_symbols([(0, "N"), (3, ")"), (10, "("), (12, "t"), (14, ")")]);
        assert_eq!(
            w,
            vec![Wave {
                kind: WaveKind::T,
                onset: 10,
                peak: 12,
                offset: 14
            }]
        );
    }

    #[test]
    fn shares_of_a_uniform_map() {
        // Span 0..=99; P 0..=9 (10 samples), QRS 40..=49, T 80..=99 (20): uniform map shares
        // are the sample fractions 0.1, 0.1, 0.2, and 0.4 on any wave.
        let waves = [
            Wave {
                kind: WaveKind::P,
                onset: 0,
                peak: 5,
                offset: 9,
            },
            Wave {
                kind: WaveKind::Qrs,
                onset: 40,
                peak: 45,
                offset: 49,
            },
            Wave {
                kind: WaveKind::T,
                onset: 80,
                peak: 90,
                offset: 99,
            },
        ];
        let a = agreement(&[0.5; 120], &waves, &AgreementConfig::default()).unwrap();
        assert!((a.mass_p - 0.1).abs() < 1e-12);
        assert!((a.mass_qrs - 0.1).abs() < 1e-12);
        assert!((a.mass_t - 0.2).abs() < 1e-12);
        assert!((a.mass_waves - 0.4).abs() < 1e-12);
        assert_eq!(a.total_mass, 50.0);
        assert_eq!((a.qrs_covered, a.qrs_total), (1, 1));
    }

    #[test]
    fn zero_map_and_bad_input() {
        let waves = [Wave {
            kind: WaveKind::Qrs,
            onset: 2,
            peak: 3,
            offset: 4,
        }];
        let a = agreement(&[0.0; 10], &waves, &AgreementConfig::default()).unwrap();
        assert_eq!((a.mass_waves, a.qrs_covered), (0.0, 0));
        assert!(agreement(&[0.0; 4], &waves, &AgreementConfig::default()).is_err());
        assert!(agreement(&[f32::NAN; 10], &waves, &AgreementConfig::default()).is_err());
        assert!(agreement(&[0.0; 10], &[], &AgreementConfig::default()).is_err());
    }
}
