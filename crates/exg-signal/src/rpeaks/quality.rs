//! Whole-record signal-quality gate: do the detected peaks look like repeated QRS complexes?
//!
//! Real ECG repeats its QRS morphology: the linearly detrended ±100 ms window around a beat
//! correlates strongly with the windows of nearby beats (same morphology class),
//! even in AF (irregular rhythm, regular QRS), with PVCs (bigeminy: beat *i* matches beat *i*±2)
//! or paced beats. Peaks that an adaptive detector finds in noise are local maxima of random
//! bursts whose surroundings do not repeat. See `docs/signal-rpeaks.md` §"Signal-quality gate".

use serde::{Deserialize, Serialize};

use crate::{Ecg, RPeaks, Result};

/// Why a detection returned no peaks although the input was valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoResult {
    /// The detector found no QRS-like event (flat or beat-free signal).
    NoBeats,
    /// Candidates were found but their QRS windows do not repeat: noise, not ECG
    /// (see [`QualityGate`]).
    NoConsistentQrs,
}

impl std::fmt::Display for NoResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoResult::NoBeats => "no QRS-like activity found",
            NoResult::NoConsistentQrs => "no consistent QRS complexes (noise, not ECG)",
        })
    }
}

/// Parameters of the signal-quality gate.
///
/// Rule: take the ±`half_window_s` window of the raw signal around every detected peak, remove
/// its least-squares line, and call a beat *consistent* when its window correlates (Pearson)
/// above `min_correlation` with the window of one of its `neighbours` nearest beats on each
/// side. The record passes when at least `min_consistent_fraction` of its beats is consistent.
/// Defaults (0.1 s, 0.9, 2, 0.5) were chosen on MIT-BIH (lowest fraction 0.68, record 208) and
/// noise (highest 0.37, 5–15 Hz band-limited noise); see `docs/signal-rpeaks.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityGate {
    /// Half-width of the QRS window around each peak (s).
    pub half_window_s: f64,
    /// A beat is consistent when its window correlates above this with one of its
    /// `neighbours` nearest beats on each side.
    pub min_correlation: f64,
    /// Beats compared on each side.
    pub neighbours: usize,
    /// The record passes when at least this fraction of its beats is consistent.
    pub min_consistent_fraction: f64,
    /// Records with fewer peaks than this are not judged (too little evidence) and pass.
    pub min_beats: usize,
    /// At most this many beats, evenly spread over the record, are judged: the fraction is then
    /// an estimate whose cost does not grow with the record's length.
    pub max_judged: usize,
}

impl Default for QualityGate {
    fn default() -> Self {
        Self {
            half_window_s: 0.100,
            min_correlation: 0.9,
            neighbours: 2,
            min_consistent_fraction: 0.5,
            min_beats: 4,
            max_judged: 400,
        }
    }
}

/// The gate's measurement on one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Beats judged (peaks whose whole window lies inside the record, at most `max_judged`).
    pub beats: usize,
    /// Fraction of judged beats that are consistent (`None` when fewer than `min_beats`).
    pub consistent_fraction: Option<f64>,
    /// Whether the record passes the gate.
    pub passes: bool,
}

impl QualityGate {
    /// Measures how consistently the QRS windows at `peaks` repeat in `ecg`.
    pub fn assess(&self, ecg: &Ecg, peaks: &RPeaks) -> Result<QualityReport> {
        let fs = ecg.fs();
        let hw = fs.samples(self.half_window_s).max(1);
        let idx: Vec<usize> = peaks
            .indices()
            .iter()
            .copied()
            .filter(|&p| p >= hw && p + hw < ecg.len())
            .collect();
        if idx.len() < self.min_beats.max(2) {
            return Ok(QualityReport {
                beats: idx.len(),
                consistent_fraction: None,
                passes: true,
            });
        }
        // Each window has its least-squares line removed (baseline wander and offset; no
        // whole-record filter, so the gate costs O(beats × window), not O(samples)) and is
        // scaled to unit norm, so a dot product is Pearson's r of the detrended windows.
        let x = ecg.samples();
        let n = idx.len();
        let judged: Vec<usize> = if n <= self.max_judged.max(1) {
            (0..n).collect()
        } else {
            let m = self.max_judged.max(1);
            (0..m).map(|i| i * n / m).collect()
        };
        let mut needed = vec![false; n];
        for &k in &judged {
            let (lo, hi) = (
                k.saturating_sub(self.neighbours),
                (k + self.neighbours).min(n - 1),
            );
            needed[lo..=hi].iter_mut().for_each(|b| *b = true);
        }
        let w = 2 * hw + 1;
        let t_mean = hw as f64;
        let t_ss: f64 = (0..w).map(|t| (t as f64 - t_mean).powi(2)).sum();
        let mut wins = vec![0.0; idx.len() * w];
        for (k, &p) in idx.iter().enumerate().filter(|&(k, _)| needed[k]) {
            let dst = &mut wins[k * w..(k + 1) * w];
            dst.copy_from_slice(&x[p - hw..=p + hw]);
            let m = dst.iter().sum::<f64>() / w as f64;
            let slope = dst
                .iter()
                .enumerate()
                .map(|(t, v)| (t as f64 - t_mean) * v)
                .sum::<f64>()
                / t_ss;
            dst.iter_mut()
                .enumerate()
                .for_each(|(t, v)| *v -= m + slope * (t as f64 - t_mean));
            let n = dst.iter().map(|v| v * v).sum::<f64>().sqrt();
            if n > 0.0 {
                dst.iter_mut().for_each(|v| *v /= n);
            }
        }
        let win = |k: usize| &wins[k * w..(k + 1) * w];
        let consistent = judged
            .iter()
            .filter(|&&k| {
                let lo = k.saturating_sub(self.neighbours);
                let hi = (k + self.neighbours).min(n - 1);
                (lo..=hi).filter(|&j| j != k).any(|j| {
                    let r: f64 = win(k).iter().zip(win(j)).map(|(a, b)| a * b).sum();
                    r > self.min_correlation
                })
            })
            .count();
        let frac = consistent as f64 / judged.len() as f64;
        Ok(QualityReport {
            beats: judged.len(),
            consistent_fraction: Some(frac),
            passes: frac >= self.min_consistent_fraction,
        })
    }
}
