//! Consensus of several streaming detectors.

use std::collections::VecDeque;

use super::streaming::QrsEngine;
use super::{
    Detection, Hamilton, NeuroKit, PanTompkins, RPeakDetector, RPeakStream, StreamingDetector,
    check_fs, check_positive, detect_batch,
};
use crate::{Ecg, Error, Hz, Result};

/// Vote of any streaming detectors: a beat is kept when at least `min_votes` members put a peak
/// within `tolerance_s` of the earliest one of the group; its position is the median of the
/// group, then refined like any other detector's. [`Default`] is the majority vote of
/// [`Hamilton`], [`PanTompkins`] and [`NeuroKit`] with their paper defaults.
///
/// The members are trait objects, so `Consensus` has no serde form: serialize the members' own
/// parameters (every built-in detector is serde) and the three voting fields.
///
/// ```
/// use exg_signal::rpeaks::{Consensus, Hamilton, PanTompkins, RPeakDetector};
/// // A two-member vote needing both.
/// let pair = Consensus {
///     min_votes: 2,
///     ..Consensus::new(vec![Box::new(PanTompkins::default()), Box::new(Hamilton::default())])
/// };
/// assert_eq!(pair.members.len(), 2);
/// assert_eq!(pair.name(), "consensus");
/// ```
pub struct Consensus {
    /// The voting detectors, in the order their peaks are gathered.
    pub members: Vec<Box<dyn StreamingDetector>>,
    /// Votes needed (1 to the number of members). Default: 2 (majority of three).
    pub min_votes: usize,
    /// Grouping tolerance (s). Default: 0.1.
    pub tolerance_s: f64,
    /// Refinement half-window (s). Default: 0.03 (members' positions are already refined).
    pub refine_window_s: f64,
}

impl Consensus {
    /// A majority vote (`min_votes` = half the members + 1) of `members`, with the default
    /// tolerance and refinement window.
    pub fn new(members: Vec<Box<dyn StreamingDetector>>) -> Self {
        Self {
            min_votes: members.len() / 2 + 1,
            members,
            tolerance_s: 0.1,
            refine_window_s: 0.03,
        }
    }
}

impl Default for Consensus {
    fn default() -> Self {
        Self::new(vec![
            Box::new(Hamilton::default()),
            Box::new(PanTompkins::default()),
            Box::new(NeuroKit::default()),
        ])
    }
}

impl std::fmt::Debug for Consensus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.members.iter().map(|m| m.name()).collect();
        f.debug_struct("Consensus")
            .field("members", &names)
            .field("min_votes", &self.min_votes)
            .field("tolerance_s", &self.tolerance_s)
            .field("refine_window_s", &self.refine_window_s)
            .finish()
    }
}

impl RPeakDetector for Consensus {
    fn name(&self) -> &str {
        "consensus"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        detect_batch(self, ecg)
    }
}

impl StreamingDetector for Consensus {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        check_fs(fs)?;
        check_positive("tolerance_s", self.tolerance_s)?;
        if self.members.is_empty() {
            return Err(Error::InvalidParameter {
                name: "members",
                reason: "a consensus needs at least one member".into(),
            });
        }
        if !(1..=self.members.len()).contains(&self.min_votes) {
            return Err(Error::InvalidParameter {
                name: "min_votes",
                reason: format!(
                    "{} is not in 1..={} (the number of members)",
                    self.min_votes,
                    self.members.len()
                ),
            });
        }
        let members = self
            .members
            .iter()
            .map(|m| m.stream(fs))
            .collect::<Result<Vec<_>>>()?;
        let max_delay = members.iter().map(RPeakStream::delay).max().unwrap_or(0);
        let tol = fs.samples(self.tolerance_s);
        let engine = ConsensusEngine {
            members,
            peaks: VecDeque::new(),
            buf: Vec::new(),
            tol,
            min_votes: self.min_votes,
            max_delay,
            lookahead: max_delay + tol + 1,
        };
        RPeakStream::new(engine, fs, self.refine_window_s)
    }
}

/// The consensus is itself a [`QrsEngine`] over its members' streams (the public engine seam).
struct ConsensusEngine {
    members: Vec<RPeakStream>,
    /// (position, member) in arrival order, kept sorted by position.
    peaks: VecDeque<(usize, usize)>,
    buf: Vec<usize>,
    tol: usize,
    min_votes: usize,
    max_delay: usize,
    lookahead: usize,
}

impl ConsensusEngine {
    fn insert(&mut self, p: usize, member: usize) {
        let at = self.peaks.partition_point(|&(q, _)| q <= p);
        self.peaks.insert(at, (p, member));
    }

    /// Decides the earliest group once no member can still add a peak to it (or at the end).
    fn decide(&mut self, now: Option<usize>, out: &mut Vec<usize>) {
        while let Some(&(first, _)) = self.peaks.front() {
            // Members return a peak `p` while processing sample `p + delay`, so by sample
            // `first + tol + max_delay` every member peak of this group is in.
            if let Some(n) = now
                && first + self.tol + self.max_delay > n
            {
                break;
            }
            let mut group: Vec<(usize, usize)> = Vec::new();
            while let Some(&(p, m)) = self.peaks.front() {
                if p > first + self.tol {
                    break;
                }
                self.peaks.pop_front();
                if !group.iter().any(|&(_, g)| g == m) {
                    group.push((p, m));
                }
            }
            if group.len() >= self.min_votes {
                let mut pos: Vec<usize> = group.iter().map(|g| g.0).collect();
                pos.sort_unstable();
                out.push(pos[(pos.len() - 1) / 2]);
            }
        }
    }
}

impl QrsEngine for ConsensusEngine {
    fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>) {
        for m in 0..self.members.len() {
            self.buf.clear();
            // `xs` is finite (checked by the outer stream).
            self.members[m].push_finite(xs, &mut self.buf);
            for i in 0..self.buf.len() {
                let p = self.buf[i];
                self.insert(p, m);
            }
        }
        self.decide(Some(n0 + xs.len() - 1), out);
    }

    fn finish(&mut self, _n: usize, out: &mut Vec<usize>) {
        for (m, s) in std::mem::take(&mut self.members).into_iter().enumerate() {
            for p in s.finish().peaks {
                self.insert(p, m);
            }
        }
        self.decide(None, out);
    }

    fn lookahead(&self) -> usize {
        self.lookahead
    }
}
