//! Lead polarity: is the QRS's main deflection upward or downward?
//!
//! For each detected QRS the refinement window (lightly high-passed signal, baseline ≈ 0) gives
//! the largest upward excursion `up = max(y)` and downward excursion `down = −min(y)`. Their
//! normalised difference `(up − down) / (up + down)` is averaged over beats with an exponential
//! weight of 0.1 (seeded by the first beat), and each beat is refined to the maximum when the
//! running average is ≥ 0, to the minimum otherwise. A running vote, rather than a per-beat
//! choice, keeps all beats of a lead on the same wave (R, or QS/S for inverted leads) even
//! when single beats are biphasic, and needs no look-ahead, so it works in streaming.

use serde::{Deserialize, Serialize};

/// Polarity of the lead as seen by the detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Upright QRS: peaks are maxima.
    Positive,
    /// Inverted QRS: peaks are minima.
    Negative,
    /// No beat found, or a detector that does not determine polarity ([`Detection::batch`](super::Detection::batch)).
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PolarityVote {
    score: Option<f64>,
    pos: usize,
    neg: usize,
}

impl PolarityVote {
    /// Records one beat's excursions; returns `true` when this beat is to be refined to a maximum.
    pub(crate) fn update(&mut self, vmax: f64, vmin: f64) -> bool {
        let up = vmax.max(0.0);
        let down = (-vmin).max(0.0);
        let r = if up + down > 0.0 {
            (up - down) / (up + down)
        } else {
            0.0
        };
        let s = match self.score {
            None => r,
            Some(s) => 0.9 * s + 0.1 * r,
        };
        self.score = Some(s);
        let positive = s >= 0.0;
        if positive {
            self.pos += 1;
        } else {
            self.neg += 1;
        }
        positive
    }

    /// Majority of the per-beat choices.
    pub(crate) fn polarity(&self) -> Polarity {
        match (self.pos, self.neg) {
            (0, 0) => Polarity::Unknown,
            (p, n) if p >= n => Polarity::Positive,
            _ => Polarity::Negative,
        }
    }
}
