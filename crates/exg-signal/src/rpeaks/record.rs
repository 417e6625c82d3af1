//! [`RecordStream`]: a whole record pushed in chunks, for recordings too long to hold (a 24-h
//! Holter is 31 M samples per lead). It gives the batch detector's peaks and applies the
//! [`QualityGate`] stretch by stretch, keeping only the recent samples those two need.
//!
//! Pipeline: chunk → [`RPeakStream`] (the detector's own causal, stateful band-pass; no
//! pre-filter is needed) → peaks, with the record mirrored at both ends as
//! [`detect_batch`](super::detect_batch) does it (the first [`BATCH_HEAD_S`](super::BATCH_HEAD_S)
//! are buffered, played backwards, then forwards; the last ~delay are kept and played
//! backwards at the end) → the gate on each finished stretch, judged on the raw samples still
//! held. Memory is O(chunk + stretch + delay) samples plus 8 bytes per detected beat (the peak
//! list the caller gets back; ≈ 100 k beats, 0.8 MB, per day), independent of the record's
//! length.
//!
//! Differences from whole-record detection (`docs/signal-rpeaks.md` §"Long recordings"):
//!
//! * peaks: identical to [`detect_batch`](super::detect_batch), except that a peak within
//!   0.2 s of the record's start is judged, *for the gate of the first stretch only*, with the
//!   polarity voted by the time that stretch is judged rather than the record's final polarity
//!   (the returned peaks use the final one, as batch does);
//! * [`StreamGate::Segments`]: identical to [`QualityGate::assess_segments`] then
//!   [`Detection::keep_passing`] on the batch peaks (same stretches, same windows);
//! * [`StreamGate::Record`]: the whole-record verdict of [`Gated`](super::Gated) pooled over
//!   stretches of [`RECORD_STRETCH_S`] (the consistent beats of every stretch over its judged
//!   beats). A record of up to 1.5 stretches (15 min) is one stretch, hence identical to
//!   [`Gated`](super::Gated); on longer ones batch judges 400 beats spread over the record, the
//!   stream up to 400 per stretch, and the two fractions can differ on a borderline record.

use super::batch::{EDGE_EXTREMUM_S, HEAD_S, SAME_BEAT_S, edge_ok, unpad};
use super::{
    Detection, MIN_DURATION_S, Polarity, QualityGate, RPeakStream, SegmentQuality,
    StreamingDetector,
};
use crate::{Error, Hz, RPeaks, Result};

/// Length (s) of the stretches over which [`StreamGate::Record`] pools the gate's verdict.
pub const RECORD_STRETCH_S: f64 = 600.0;

/// How a [`RecordStream`] applies the [`QualityGate`].
#[derive(Clone, Debug, PartialEq)]
pub enum StreamGate {
    /// No gate: the detector's peaks as they are (what `exg hrv` uses).
    Off,
    /// One verdict for the whole record, as [`Gated`](super::Gated) gives it: every peak is
    /// dropped when the record fails. Pooled over [`RECORD_STRETCH_S`] stretches (module docs).
    Record(QualityGate),
    /// Each `segment_s`-long stretch judged on its own, as [`QualityGate::assess_segments`]
    /// does (the last stretch takes the remainder, merged into the one before when shorter
    /// than half a segment); the peaks of failing stretches are dropped.
    Segments {
        /// The gate's parameters.
        gate: QualityGate,
        /// Stretch length (s), finite and > 0.
        segment_s: f64,
    },
}

impl Default for StreamGate {
    /// The default gate on 60-s stretches: a long recording is rarely noise throughout, or
    /// clean throughout.
    fn default() -> Self {
        Self::Segments {
            gate: QualityGate::default(),
            segment_s: 60.0,
        }
    }
}

/// What a [`RecordStream`] returns at the end.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordEnd {
    /// The peaks of the whole record (gated), polarity, delay and no-result reason, as
    /// [`RPeakDetector::detect`](super::RPeakDetector::detect) gives them.
    pub detection: Detection,
    /// The stretches the gate judged, in order ([`StreamGate::Record`]: the pooled stretches;
    /// [`StreamGate::Off`]: none).
    pub segments: Vec<SegmentQuality>,
}

/// A whole record detected and gated chunk by chunk, in memory bounded by the stretch length
/// (module docs for the pipeline and its differences from batch detection).
///
/// ```
/// use exg_signal::Hz;
/// use exg_signal::rpeaks::{default_detector, QualityGate, RecordStream, RPeakDetector, StreamGate};
/// use exg_signal::synthetic::{generate, SyntheticConfig};
///
/// let syn = generate(&SyntheticConfig { white_noise_mv: 0.02, ..SyntheticConfig::new(Hz::new(360.0)?, 180.0) })?;
/// let detector = default_detector();
/// let gate = StreamGate::Segments { gate: QualityGate::default(), segment_s: 60.0 };
/// let mut stream = RecordStream::new(&detector.inner, syn.ecg.fs(), gate)?;
/// for chunk in syn.ecg.samples().chunks(4096) {
///     stream.push(chunk)?; // e.g. one `exg_data` `SignalReader` chunk at a time
/// }
/// let end = stream.finish()?;
/// assert_eq!(end.segments.len(), 3); // three 60-s stretches, all passing
/// assert!(end.segments.iter().all(|s| s.report.passes));
/// // The same peaks as the batch detector, which holds the whole record.
/// assert_eq!(end.detection.peaks, detector.detect(&syn.ecg)?.peaks);
/// # Ok::<(), exg_signal::Error>(())
/// ```
pub struct RecordStream {
    stream: RPeakStream,
    fs: Hz,
    gate: Option<QualityGate>,
    /// [`StreamGate::Record`]: pool the stretches' verdicts.
    pooled: bool,
    /// Stretch length in samples (0: no gate).
    seg: usize,
    /// Length of the mirrored head once it has been pushed (`None` while it is buffered).
    head: Option<usize>,
    head_len: usize,
    /// Record samples received.
    n: usize,
    /// Recent record samples: `raw[k]` is sample `raw_start + k`.
    raw: Vec<f64>,
    raw_start: usize,
    /// The record's first `edge` samples (edge test of peaks near the start).
    start_raw: Vec<f64>,
    edge: usize,
    /// Every peak of the stream, in the mirrored signal's indices (8 bytes per beat).
    all: Vec<usize>,
    /// First sample of the first stretch not judged yet.
    next_stretch: usize,
    segments: Vec<SegmentQuality>,
    /// Peaks closer than this are one beat; the edge test's half-width.
    same: usize,
    edge_r: usize,
    /// The gate's windows reach this far around a peak.
    reach: usize,
    /// A stretch ending at `b` is judged once `b + wait` samples are in.
    wait: usize,
    /// Samples kept at the end for the mirrored tail and the edge test.
    tail_keep: usize,
}

impl std::fmt::Debug for RecordStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStream")
            .field("fs", &self.fs)
            .field("samples", &self.n)
            .field("held", &self.raw.len())
            .field("stretches_judged", &self.segments.len())
            .finish_non_exhaustive()
    }
}

impl RecordStream {
    /// A stream for a record sampled at `fs`, detected by `detector` and gated as `gate` says.
    ///
    /// # Errors
    /// The detector's own (rate outside [`FS_RANGE_HZ`](super::FS_RANGE_HZ), parameters);
    /// [`Error::InvalidParameter`] for a `segment_s` that is not finite and > 0.
    pub fn new<D: StreamingDetector + ?Sized>(
        detector: &D,
        fs: Hz,
        gate: StreamGate,
    ) -> Result<Self> {
        let stream = detector.stream(fs)?;
        let (gate, seg, pooled) = match gate {
            StreamGate::Off => (None, 0, false),
            StreamGate::Record(g) => (Some(g), fs.samples(RECORD_STRETCH_S), true),
            StreamGate::Segments { gate, segment_s } => {
                super::check_positive("segment_s", segment_s)?;
                (Some(gate), fs.samples(segment_s).max(1), false)
            }
        };
        let same = fs.samples(SAME_BEAT_S);
        let edge_r = fs.samples(EDGE_EXTREMUM_S).max(1);
        let reach = gate.as_ref().map_or(0, |g| g.reach(fs));
        let edge = same + edge_r + 1;
        let delay = stream.delay();
        // A stretch's peaks are final once the stream is `delay` past its end, and it is not
        // merged with the remainder once half a segment follows it; its windows reach past it.
        let wait = (seg / 2).max(delay + same + 1).max(reach + 1).max(edge);
        Ok(Self {
            stream,
            fs,
            gate,
            pooled,
            seg,
            head: None,
            head_len: fs.samples(HEAD_S),
            n: 0,
            raw: Vec::new(),
            raw_start: 0,
            start_raw: Vec::with_capacity(edge),
            edge,
            all: Vec::new(),
            next_stretch: 0,
            segments: Vec::new(),
            same,
            edge_r,
            reach,
            wait,
            tail_keep: delay + same + edge_r + 2,
        })
    }

    /// Sampling rate the stream was built for.
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Record samples pushed so far.
    pub fn samples_seen(&self) -> usize {
        self.n
    }

    /// Pushes the next samples of the record (any chunking gives the same result).
    ///
    /// # Errors
    /// [`Error::NonFinite`] (index within the record) for a chunk holding NaN or an infinity;
    /// the stream is left unchanged.
    pub fn push(&mut self, chunk: &[f64]) -> Result<()> {
        if let Some(i) = crate::ecg::first_non_finite(chunk) {
            return Err(Error::NonFinite { index: self.n + i });
        }
        if self.start_raw.len() < self.edge {
            let k = (self.edge - self.start_raw.len()).min(chunk.len());
            self.start_raw.extend_from_slice(&chunk[..k]);
        }
        self.raw.extend_from_slice(chunk);
        self.n += chunk.len();
        match self.head {
            Some(_) => self.stream.push_finite(chunk, &mut self.all),
            None if self.n > self.head_len => self.start(self.head_len),
            None => {}
        }
        self.judge_ready();
        self.trim();
        Ok(())
    }

    /// Feeds the stream the mirrored head (`raw[1..=head]` backwards), then every sample held
    /// so far. Nothing has been trimmed yet: `raw` starts at sample 0.
    fn start(&mut self, head: usize) {
        let mirrored: Vec<f64> = self.raw[1..=head].iter().rev().copied().collect();
        self.stream.push_finite(&mirrored, &mut self.all);
        self.stream.push_finite(&self.raw, &mut self.all);
        self.head = Some(head);
    }

    /// Judges every stretch whose peaks are final and whose extent is known.
    fn judge_ready(&mut self) {
        let (Some(head), Some(gate)) = (self.head, &self.gate) else {
            return;
        };
        while self.seg > 0 && self.n >= self.next_stretch + self.seg + self.wait {
            let (a, b) = (self.next_stretch, self.next_stretch + self.seg);
            let peaks: Vec<usize> = if a < self.same {
                // Peaks near the start depend on the mirror: resolve them as batch does, with
                // the polarity voted so far (the final one is not known yet).
                let positive = self.stream.polarity() != Polarity::Negative;
                let start = &self.start_raw;
                unpad(&self.all, head, self.n, self.same)
                    .into_iter()
                    .filter(|&i| i >= a && i < b)
                    .filter(|&i| edge_ok(i, self.n, self.same, self.edge_r, positive, |j| start[j]))
                    .collect()
            } else {
                let lo = self.all.partition_point(|&p| p < head + a);
                let hi = self.all.partition_point(|&p| p < head + b);
                self.all[lo..hi].iter().map(|&p| p - head).collect()
            };
            let report = gate.judge(self.fs, &self.raw, self.raw_start, &peaks, a..b);
            self.segments.push(SegmentQuality {
                start: a,
                end: b,
                report,
            });
            self.next_stretch = b;
        }
    }

    /// Drops the samples no stretch, mirrored tail or edge test will need again (in bulk, so
    /// the copying is amortised).
    fn trim(&mut self) {
        if self.head.is_none() {
            return;
        }
        let mut keep_from = self.n.saturating_sub(self.tail_keep);
        if self.seg > 0 {
            keep_from = keep_from.min(self.next_stretch.saturating_sub(self.reach));
        }
        let drop = keep_from.saturating_sub(self.raw_start);
        if drop > 0 && drop >= self.raw.len() / 2 {
            self.raw.drain(..drop);
            self.raw_start += drop;
        }
    }

    /// Ends the record: the remaining peaks and stretches.
    ///
    /// # Errors
    /// [`Error::TooShort`] for a record under [`MIN_DURATION_S`].
    pub fn finish(mut self) -> Result<RecordEnd> {
        let (n, fs) = (self.n, self.fs);
        let min = fs.samples(MIN_DURATION_S).max(1);
        if n < min {
            return Err(Error::TooShort { len: n, min });
        }
        let head = match self.head {
            Some(h) => h,
            None => {
                let h = self.head_len.min(n - 1);
                self.start(h);
                h
            }
        };
        // The mirrored tail: samples n − 1 − tail .. n − 1 backwards (`trim` kept them).
        let tail = self.stream.delay().min(n - 1);
        let (t0, t1) = (n - 1 - tail - self.raw_start, n - 1 - self.raw_start);
        let mirrored: Vec<f64> = self.raw[t0..t1].iter().rev().copied().collect();
        self.stream.push_finite(&mirrored, &mut self.all);
        let delay_s = self.stream.delay_s();
        let end = self.stream.finish();
        self.all.extend(end.peaks);

        let positive = end.polarity != Polarity::Negative;
        let (start, raw, raw_start) = (&self.start_raw, &self.raw, self.raw_start);
        // The edge test asks for samples within 0.25 s of either end only.
        let x = |j: usize| match start.get(j) {
            Some(&v) => v,
            None => raw[j - raw_start],
        };
        let mut peaks = unpad(&self.all, head, n, self.same);
        peaks.retain(|&i| edge_ok(i, n, self.same, self.edge_r, positive, x));

        let mut segments = self.segments;
        if let Some(gate) = &self.gate {
            // The remaining stretches, cut as `assess_segments` cuts them (a judged stretch
            // left at least half a segment after it, so none of them is merged).
            let mut bounds: Vec<usize> = (self.next_stretch..n).step_by(self.seg).collect();
            if bounds.len() > 1 && n - bounds[bounds.len() - 1] < self.seg / 2 {
                bounds.pop();
            }
            bounds.push(n);
            for w in bounds.windows(2) {
                let inside = &peaks
                    [peaks.partition_point(|&i| i < w[0])..peaks.partition_point(|&i| i < w[1])];
                segments.push(SegmentQuality {
                    start: w[0],
                    end: w[1],
                    report: gate.judge(fs, raw, raw_start, inside, w[0]..w[1]),
                });
            }
        }

        let mut detection = Detection {
            polarity: end.polarity,
            delay_s: Some(delay_s),
            ..Detection::batch(RPeaks::new(peaks, fs, n)?)
        };
        if let Some(gate) = &self.gate {
            if !self.pooled {
                detection = detection.keep_passing(&segments)?;
            } else if !detection.peaks.is_empty() && !pooled_passes(gate, &segments) {
                detection.refuse();
            }
        }
        Ok(RecordEnd {
            detection,
            segments,
        })
    }
}

/// The whole-record verdict from the stretches' own: consistent beats over judged beats, all
/// stretches together (every beat of a stretch rescued by its second opinion counting as
/// consistent), and the median of the stretches' slope prominences (a record with no
/// judged stretch passes, as a short record does).
fn pooled_passes(gate: &QualityGate, segments: &[SegmentQuality]) -> bool {
    let mut prominences: Vec<f64> = segments
        .iter()
        .filter_map(|s| s.report.slope_prominence)
        .collect();
    if !prominences.is_empty() {
        let m = prominences.len() / 2;
        let median = *prominences.select_nth_unstable_by(m, f64::total_cmp).1;
        if median < gate.min_slope_prominence {
            return false;
        }
    }
    let (mut judged, mut consistent) = (0usize, 0usize);
    for s in segments {
        if let Some(f) = s.report.consistent_fraction {
            judged += s.report.beats;
            // The fraction is a count over `beats`: recover the count exactly. A stretch that
            // passed on its second opinion counts as consistent throughout.
            consistent += if s.report.rescued(gate) {
                s.report.beats
            } else {
                (f * s.report.beats as f64).round() as usize
            };
        }
    }
    judged == 0 || consistent as f64 / judged as f64 >= gate.min_consistent_fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpeaks::{Gated, Hamilton, NeuroKit, PanTompkins, RPeakDetector};
    use crate::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
    use crate::{Ecg, rng::SplitMix64};

    /// `x` pushed in pseudo-random chunk sizes (1 to ~3 s, some tiny).
    fn streamed(d: &dyn StreamingDetector, ecg: &Ecg, gate: StreamGate, seed: u64) -> RecordEnd {
        let mut s = RecordStream::new(d, ecg.fs(), gate).unwrap();
        let mut rng = SplitMix64::new(seed);
        let x = ecg.samples();
        let mut i = 0;
        while i < x.len() {
            let k = if rng.uniform() < 0.2 {
                1 + (rng.uniform() * 5.0) as usize
            } else {
                1 + (rng.uniform() * 1000.0) as usize
            };
            let j = (i + k).min(x.len());
            s.push(&x[i..j]).unwrap();
            i = j;
        }
        s.finish().unwrap()
    }

    fn record(fs: f64, seconds: f64, seed: u64, inverted: bool) -> Ecg {
        let cfg = SyntheticConfig {
            rhythm: SyntheticRhythm::AtrialFibrillation,
            ectopic_fraction: 0.1,
            baseline_wander_mv: 0.2,
            white_noise_mv: 0.03,
            emg_noise_mv: 0.02,
            inverted,
            seed,
            ..SyntheticConfig::new(Hz::new(fs).unwrap(), seconds)
        };
        generate(&cfg).unwrap().ecg
    }

    #[test]
    fn equals_batch_detection_in_any_chunking() {
        // Pan-Tompkins' stream is its paper front end's: its batch short-record path (two front
        // ends, `ShortRecords`) is not streamed, and differs where the two bands disagree.
        let detectors: Vec<Box<dyn StreamingDetector>> = vec![
            Box::new(PanTompkins::default().paper_front_end_only()),
            Box::new(Hamilton::default()),
            Box::new(NeuroKit::default()),
        ];
        // Shorter than the mirrored head, about as long, and several stretches long.
        for (k, &(fs, secs)) in [(360.0, 3.0), (250.0, 10.5), (360.0, 200.0), (500.0, 95.0)]
            .iter()
            .enumerate()
        {
            for inverted in [false, true] {
                let ecg = record(fs, secs, k as u64, inverted);
                for d in &detectors {
                    let batch = d.detect(&ecg).unwrap();
                    let off = streamed(d.as_ref(), &ecg, StreamGate::Off, k as u64);
                    assert_eq!(off.detection, batch, "{} {fs} Hz {secs} s", d.name());
                    assert!(off.segments.is_empty());
                    // Segments: as assess_segments + keep_passing on the batch peaks.
                    let gate = QualityGate::default();
                    let seg = StreamGate::Segments {
                        gate: gate.clone(),
                        segment_s: 7.0,
                    };
                    let got = streamed(d.as_ref(), &ecg, seg, 99 + k as u64);
                    let want = gate.assess_segments(&ecg, &batch.peaks, 7.0).unwrap();
                    assert_eq!(got.segments, want, "{} {fs} Hz {secs} s", d.name());
                    assert_eq!(got.detection, batch.clone().keep_passing(&want).unwrap());
                    // Record: one stretch here, so exactly the gated detector.
                    let rec = streamed(d.as_ref(), &ecg, StreamGate::Record(gate.clone()), 7);
                    let gated = Gated {
                        inner: d.as_ref(),
                        gate,
                    }
                    .detect(&ecg)
                    .unwrap();
                    assert_eq!(rec.detection, gated);
                }
            }
        }
    }

    #[test]
    fn noise_stretches_are_dropped_and_memory_stays_bounded() {
        // 20 min: ECG, then 5 min of white noise, then ECG; 60-s stretches.
        let fs = Hz::new(360.0).unwrap();
        let ecg = record(360.0, 1200.0, 3, false);
        let mut x = ecg.samples().to_vec();
        let mut rng = SplitMix64::new(5);
        for v in &mut x[fs.samples(600.0)..fs.samples(900.0)] {
            *v = rng.uniform() - 0.5;
        }
        let ecg = ecg.with_samples(x).unwrap();
        let mut s = RecordStream::new(&PanTompkins::default(), fs, StreamGate::default()).unwrap();
        let mut held = 0;
        for chunk in ecg.samples().chunks(16_384) {
            s.push(chunk).unwrap();
            held = held.max(s.raw.len());
        }
        // One stretch, half a stretch to decide it, the chunk, and the amortised trimming.
        assert!(held < 2 * (fs.samples(90.0) + 16_384), "held {held}");
        let end = s.finish().unwrap();
        let failing: Vec<usize> = end
            .segments
            .iter()
            .filter(|s| !s.report.passes)
            .map(|s| s.start / fs.samples(60.0))
            .collect();
        assert_eq!(failing, [10, 11, 12, 13, 14]);
        let p = end.detection.peaks.indices();
        assert!(
            p.iter()
                .all(|&i| i < fs.samples(600.0) || i >= fs.samples(900.0))
        );
        assert!(p.len() > 1000);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let fs = Hz::new(360.0).unwrap();
        let d = PanTompkins::default();
        let mut s = RecordStream::new(&d, fs, StreamGate::Off).unwrap();
        s.push(&[0.0; 100]).unwrap();
        assert!(matches!(
            s.push(&[0.0, f64::NAN]),
            Err(Error::NonFinite { index: 101 })
        ));
        assert_eq!(s.samples_seen(), 100);
        assert!(matches!(s.finish(), Err(Error::TooShort { len: 100, .. })));
        let bad = StreamGate::Segments {
            gate: QualityGate::default(),
            segment_s: 0.0,
        };
        assert!(RecordStream::new(&d, fs, bad).is_err());
        assert!(RecordStream::new(&d, Hz::new(10.0).unwrap(), StreamGate::Off).is_err());
        // A flat record: no beats, as batch says.
        let mut s = RecordStream::new(&d, fs, StreamGate::default()).unwrap();
        s.push(&[1.0; 7200]).unwrap();
        let end = s.finish().unwrap();
        assert!(end.detection.peaks.is_empty());
        assert_eq!(
            end.detection.no_result,
            Some(crate::rpeaks::NoResult::NoBeats)
        );
    }
}
