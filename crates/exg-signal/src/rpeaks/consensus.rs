//! Consensus of several streaming detectors.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::streaming::{Engine, Light};
use super::{
    Detection, Hamilton, NeuroKit, PanTompkins, RPeakDetector, RPeakStream, StreamingDetector,
    check_fs, check_positive, detect_batch,
};
use crate::{Ecg, Error, Hz, Result};

/// Majority vote of [`Hamilton`], [`PanTompkins`] and [`NeuroKit`]: a beat is kept when at
/// least `min_votes` detectors put a peak within `tolerance_s` of the earliest one of the group;
/// its position is the median of the group, then refined like any other detector's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Consensus {
    /// First member.
    pub hamilton: Hamilton,
    /// Second member.
    pub pan_tompkins: PanTompkins,
    /// Third member.
    pub neurokit: NeuroKit,
    /// Votes needed (1–3). Default: 2 (majority).
    pub min_votes: usize,
    /// Grouping tolerance (s). Default: 0.1.
    pub tolerance_s: f64,
    /// Refinement half-window (s).
    pub refine_window_s: f64,
}

impl Default for Consensus {
    fn default() -> Self {
        Self {
            hamilton: Hamilton::default(),
            pan_tompkins: PanTompkins::default(),
            neurokit: NeuroKit::default(),
            min_votes: 2,
            tolerance_s: 0.1,
            refine_window_s: 0.03,
        }
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
        check_positive("refine_window_s", self.refine_window_s)?;
        if !(1..=3).contains(&self.min_votes) {
            return Err(Error::InvalidParameter {
                name: "min_votes",
                reason: format!("{} is not in 1..=3", self.min_votes),
            });
        }
        let members = vec![
            self.hamilton.stream(fs)?,
            self.pan_tompkins.stream(fs)?,
            self.neurokit.stream(fs)?,
        ];
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
        Ok(RPeakStream::new(Box::new(engine), fs, self.refine_window_s))
    }
}

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

impl Engine for ConsensusEngine {
    fn process(&mut self, n0: usize, xs: &[f64], light: &mut Light, out: &mut Vec<usize>) {
        for &x in xs {
            light.step(x);
        }
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
