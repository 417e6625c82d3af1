//! Scoring R-peak detections against reference beats: one-to-one matching within a tolerance,
//! sensitivity (Se), positive predictivity (+P), F1 and timing error, per record and gross.
//!
//! Matching (the rule of WFDB's `bxb` and wfdb-python's `compare_annotations`): reference beats
//! are visited in time order; each takes the closest still-unmatched detection within the
//! tolerance (`|Δ| ≤ tolerance`), except that when that detection is even closer to the *next*
//! reference beat and an earlier unmatched detection is also within the tolerance, the earlier
//! one is taken. Each detection matches at most one beat. Unmatched beats are false negatives,
//! unmatched detections false positives.
//!
//! Gross statistics sum TP/FP/FN over records before dividing (the MIT-BIH convention), unlike
//! wfdb-python's `benchmark_mitdb`, which averages per-record ratios.
//!
//! ```
//! use exg_signal::score::{match_peaks, Score};
//! let reference = [100, 460, 820, 1180];
//! let detected = [103, 455, 900, 1181, 1500];
//! let s = Score::from_matching(&match_peaks(&reference, &detected, 18), 360.0);
//! assert_eq!((s.tp, s.fp, s.fn_), (3, 2, 1));
//! assert!((s.sensitivity().unwrap() - 0.75).abs() < 1e-12);
//! # Ok::<(), exg_signal::Error>(())
//! ```

mod nst;

use serde::{Deserialize, Serialize};

pub use nst::{add_noise, nst_gain};

use crate::{Error, RPeaks, Result};

/// WFDB beat-annotation symbols counted as reference QRS complexes (the MIT-BIH beat set:
/// N L R B A a J S V r F e j n E / f Q ?). Everything else in an `.atr` file — rhythm changes
/// `+`, signal-quality `~`, artefacts `|`, comments `"`, ventricular-flutter waves `!` and the
/// flutter episode marks `[` `]`, P/T-wave marks, … — is not a beat. This set gives the database's
/// 109,494 beats; `!` is left out as in ANSI/AAMI EC57, whose QRS statistics exclude ventricular
/// flutter episodes.
pub const BEAT_SYMBOLS: [&str; 19] = [
    "N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q", "?",
];

/// `true` when `symbol` is in [`BEAT_SYMBOLS`].
pub fn is_beat_symbol(symbol: &str) -> bool {
    BEAT_SYMBOLS.contains(&symbol)
}

/// Outcome of [`match_peaks`]: index pairs and the unmatched indices of both lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matching {
    /// `(reference sample, detected sample)` of every match.
    pub pairs: Vec<(usize, usize)>,
    /// Reference samples without a detection (false negatives).
    pub missed: Vec<usize>,
    /// Detected samples without a reference beat (false positives).
    pub extra: Vec<usize>,
}

/// Matches `detected` to `reference` one-to-one within `tolerance` samples (both sorted
/// ascending; unsorted input is sorted first). See the module docs for the rule.
pub fn match_peaks(reference: &[usize], detected: &[usize], tolerance: usize) -> Matching {
    let mut r: Vec<usize> = reference.to_vec();
    let mut d: Vec<usize> = detected.to_vec();
    r.sort_unstable();
    d.sort_unstable();
    let mut used = vec![false; d.len()];
    let mut m = Matching::default();
    let mut start = 0usize; // first detection that may still match
    let dist = |a: usize, b: usize| a.abs_diff(b);
    for (i, &ri) in r.iter().enumerate() {
        while start < d.len() && (used[start] || d[start] + tolerance < ri) {
            start += 1;
        }
        // Closest unmatched detection within tolerance.
        let mut best: Option<usize> = None;
        let mut j = start;
        while j < d.len() && d[j] <= ri + tolerance {
            if !used[j] && best.is_none_or(|b| dist(d[j], ri) < dist(d[b], ri)) {
                best = Some(j);
            }
            j += 1;
        }
        if let Some(b) = best {
            let mut take = b;
            if let Some(&next) = r.get(i + 1)
                && dist(d[b], next) < dist(d[b], ri)
            {
                // The detection belongs to the next beat; use an earlier one if any is in range.
                if let Some(e) = (start..b)
                    .rev()
                    .find(|&e| !used[e] && dist(d[e], ri) <= tolerance)
                {
                    take = e;
                }
            }
            used[take] = true;
            m.pairs.push((ri, d[take]));
        } else {
            m.missed.push(ri);
        }
    }
    m.extra = d
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(&x, _)| x)
        .collect();
    m
}

/// Detection statistics. Sums add up over records (`+=`) to give gross statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// True positives (matched beats).
    pub tp: usize,
    /// False positives (unmatched detections).
    pub fp: usize,
    /// False negatives (missed beats).
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Sum of timing errors (detected − reference) of the matches, in ms.
    pub error_sum_ms: f64,
    /// Sum of squared timing errors, in ms².
    pub error_sq_sum_ms: f64,
}

impl Score {
    /// Statistics of a matching at sampling rate `fs_hz` (used for the timing errors).
    pub fn from_matching(m: &Matching, fs_hz: f64) -> Self {
        let mut s = Score {
            tp: m.pairs.len(),
            fp: m.extra.len(),
            fn_: m.missed.len(),
            ..Score::default()
        };
        for &(r, d) in &m.pairs {
            let e = (d as f64 - r as f64) * 1000.0 / fs_hz;
            s.error_sum_ms += e;
            s.error_sq_sum_ms += e * e;
        }
        s
    }

    /// Sensitivity `TP / (TP + FN)`; `None` without reference beats.
    pub fn sensitivity(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Positive predictivity `TP / (TP + FP)`; `None` without detections.
    pub fn ppv(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    /// F1 `2TP / (2TP + FP + FN)`; `None` when both lists are empty.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    /// Mean timing error (detected − reference) in ms; `None` without matches.
    pub fn mean_error_ms(&self) -> Option<f64> {
        (self.tp > 0).then(|| self.error_sum_ms / self.tp as f64)
    }
    /// Population standard deviation of the timing error in ms; `None` without matches.
    pub fn sd_error_ms(&self) -> Option<f64> {
        self.mean_error_ms().map(|m| {
            (self.error_sq_sum_ms / self.tp as f64 - m * m)
                .max(0.0)
                .sqrt()
        })
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl std::ops::AddAssign for Score {
    fn add_assign(&mut self, o: Score) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.error_sum_ms += o.error_sum_ms;
        self.error_sq_sum_ms += o.error_sq_sum_ms;
    }
}

impl std::iter::Sum for Score {
    fn sum<I: Iterator<Item = Score>>(iter: I) -> Score {
        let mut s = Score::default();
        for x in iter {
            s += x;
        }
        s
    }
}

/// The samples of `peaks` that lie outside every interval of `excluded` (half-open ranges).
///
/// For scoring with stretches left out: ANSI/AAMI EC57 excludes ventricular flutter and
/// fibrillation episodes from QRS-detection statistics (WFDB's `bxb` skips what lies between a
/// `[` and a `]` annotation). Apply it to the reference beats and the detections alike; a
/// detection just outside an interval whose beat lies inside it then counts as a false positive
/// (as in `bxb`).
///
/// ```
/// use exg_signal::score::outside;
/// assert_eq!(outside(&[10, 50, 99, 100, 150], &[50..100]), vec![10, 100, 150]);
/// ```
pub fn outside(peaks: &[usize], excluded: &[std::ops::Range<usize>]) -> Vec<usize> {
    peaks
        .iter()
        .copied()
        .filter(|p| !excluded.iter().any(|r| r.contains(p)))
        .collect()
}

/// Scores `detected` against `reference` with a tolerance in seconds. Both must index the same
/// record (same rate and length).
pub fn score_peaks(reference: &RPeaks, detected: &RPeaks, tolerance_s: f64) -> Result<Score> {
    if reference.fs() != detected.fs() || reference.signal_len() != detected.signal_len() {
        return Err(Error::InvalidParameter {
            name: "detected",
            reason: format!(
                "reference ({} samples at {}) and detections ({} samples at {}) index different records",
                reference.signal_len(),
                reference.fs(),
                detected.signal_len(),
                detected.fs()
            ),
        });
    }
    if !(tolerance_s.is_finite() && tolerance_s >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "tolerance_s",
            reason: format!("{tolerance_s} must be finite and >= 0"),
        });
    }
    let tol = reference.fs().samples(tolerance_s);
    let m = match_peaks(reference.indices(), detected.indices(), tol);
    Ok(Score::from_matching(&m, reference.fs().get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_cases() {
        // Hand-computed: detection 12 is closer to beat 15 than to beat 10; beat 10 takes 8.
        let m = match_peaks(&[10, 15], &[8, 12], 3);
        assert_eq!(m.pairs, vec![(10, 8), (15, 12)]);
        // One detection between two beats goes to one of them only.
        let m = match_peaks(&[10, 20], &[15], 5);
        assert_eq!((m.pairs.len(), m.missed.len(), m.extra.len()), (1, 1, 0));
        // Tolerance is inclusive.
        assert_eq!(match_peaks(&[10], &[13], 3).pairs.len(), 1);
        assert_eq!(match_peaks(&[10], &[14], 3).pairs.len(), 0);
        // Empty lists.
        let s = Score::from_matching(&match_peaks(&[], &[], 3), 360.0);
        assert_eq!(s.sensitivity(), None);
        assert_eq!(s.f1(), None);
        // Timing: errors +2 and -2 samples at 1000 Hz -> mean 0, sd 2 ms.
        let s = Score::from_matching(&match_peaks(&[100, 200], &[102, 198], 5), 1000.0);
        assert_eq!(s.mean_error_ms(), Some(0.0));
        assert!((s.sd_error_ms().unwrap() - 2.0).abs() < 1e-12);
    }
}
