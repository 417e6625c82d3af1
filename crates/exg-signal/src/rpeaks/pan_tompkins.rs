//! Pan & Tompkins (1985), "A real-time QRS detection algorithm", IEEE TBME 32(3):230-236.

use serde::{Deserialize, Serialize};

use super::adaptive::{AdaptiveParams, Levels, Rectify};
use super::{Detection, QualityGate, RPeakDetector, RPeakStream, StreamingDetector, detect_batch};
use crate::{Ecg, Hz, RPeaks, Result};

/// Pan-Tompkins: 5–15 Hz band-pass, derivative, squaring, 150 ms moving-window integration,
/// running-mean signal/noise levels with threshold `NL + 0.25 (SL − NL)`, 200 ms refractory
/// period, T-wave test within 360 ms, search-back at 166 % of the mean RR with half the threshold.
///
/// Differences from the paper (documented in `docs/signal-rpeaks.md`): the band-pass is a
/// 2nd-order Butterworth high-pass + low-pass designed for any rate instead of the paper's
/// integer filters at 200 Hz; only the integrated signal is thresholded (the paper's parallel
/// threshold on the band-passed signal is omitted); the 2-s learning phase is replaced by a
/// start-up period of 1.5 s from the first candidate, whose candidates at ≥ 40 % of their largest
/// (T-wave test applied) are QRS complexes and seed the levels, the first setting the running
/// mean (the full rule is in the `adaptive` engine's docs and `docs/signal-rpeaks.md`).
///
/// Short records (batch [`detect`](RPeakDetector::detect) only, up to
/// [`ShortRecords::max_duration_s`]) are detected with two front ends, the paper's and a
/// narrower QRS band, and their beats combined ([`ShortRecords`]); the stream and longer records
/// use the paper's front end alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PanTompkins {
    /// Band-pass corners (Hz). Paper: 5–15 Hz (from its 11 Hz low-pass and 5 Hz high-pass).
    pub band_hz: (f64, f64),
    /// Derivative span (s). Paper: the 5-point derivative spans 4 samples at 200 Hz = 20 ms.
    pub derivative_s: f64,
    /// Moving-window integration width (s). Paper: 150 ms (30 samples at 200 Hz).
    pub integration_s: f64,
    /// Refractory period / minimal peak separation (s). Paper: 200 ms.
    pub refractory_s: f64,
    /// Threshold coefficient. Paper: 0.25.
    pub threshold_coeff: f64,
    /// Search-back after this multiple of the mean RR. Paper: 1.66.
    pub searchback_rr: f64,
    /// Cap on the search-back interval (s); it bounds the streaming delay.
    pub max_searchback_s: f64,
    /// T-wave test window after a QRS (s). Paper: 360 ms.
    pub t_wave_window_s: f64,
    /// Refinement half-window around the engine's estimate (s).
    pub refine_window_s: f64,
    /// The second front end of batch detection on short records (`None`: the paper's front end
    /// alone, as the stream; batch and stream then give the same peaks).
    pub short_records: Option<ShortRecords>,
}

/// Batch detection of a short record with two front ends (not in the paper; why, and what it
/// was measured on: `docs/signal-rpeaks.md` §"Short records: two front ends").
///
/// The paper's 5–15 Hz band with a 20 ms derivative gives a broad wave as much weight as a
/// narrow QRS: where a T wave or another broad wave is larger than a low, narrow QRS, the
/// detector takes the broad wave (CPSC 2019 record 00034: every beat placed 130 ms early). A
/// narrower band with a shorter derivative (Hamilton's 8–16 Hz and 10 ms) prefers the narrow
/// QRS, but passes more muscle noise. So both run, on the same engine and decision rules:
/// 1. a beat both find (within `same_beat_s`) is kept, at the QRS band's position;
/// 2. a beat only one finds is kept when its QRS window repeats: it correlates above 0.9 with
///    the window of one of its two nearest beats on either side (the default [`QualityGate`]'s
///    rule for one beat). Small beats between large ectopic beats repeat; noise peaks do not;
/// 3. the combined beats are the result only when one band's own beats pass the default
///    gate (rule 2 makes the combined beats look more consistent to the gate than either
///    band's: noise must not pass that way); when the gate refuses the combined beats but
///    passes the paper band's, or refuses both bands', the paper band's are the result.
///
/// Records longer than `max_duration_s` use the paper's front end alone: their learning phase
/// is a small part of them, and the second detection would double the cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShortRecords {
    /// Records up to this long (s) get the second front end.
    pub max_duration_s: f64,
    /// The second front end's band-pass corners (Hz). Hamilton 2002: 8–16 Hz.
    pub band_hz: (f64, f64),
    /// The second front end's derivative span (s). Hamilton 2002: 10 ms.
    pub derivative_s: f64,
    /// Two front ends' peaks closer than this (s) are the same beat. 150 ms: farther than the
    /// broad wave the paper band takes for a narrow QRS (130–145 ms in CPSC 2019 00034), nearer
    /// than the next beat at 300 bpm.
    pub same_beat_s: f64,
}

impl Default for ShortRecords {
    fn default() -> Self {
        Self {
            max_duration_s: 120.0,
            band_hz: (8.0, 16.0),
            derivative_s: 0.010,
            same_beat_s: 0.150,
        }
    }
}

impl Default for PanTompkins {
    fn default() -> Self {
        Self {
            band_hz: (5.0, 15.0),
            derivative_s: 0.020,
            integration_s: 0.150,
            refractory_s: 0.200,
            threshold_coeff: 0.25,
            searchback_rr: 1.66,
            max_searchback_s: 2.0,
            t_wave_window_s: 0.36,
            refine_window_s: 0.05,
            short_records: Some(ShortRecords::default()),
        }
    }
}

impl PanTompkins {
    /// The paper's front end alone, in batch as in the stream (no [`ShortRecords`]).
    pub fn paper_front_end_only(&self) -> Self {
        Self {
            short_records: None,
            ..self.clone()
        }
    }
}

impl RPeakDetector for PanTompkins {
    fn name(&self) -> &str {
        "pantompkins"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        let paper = detect_batch(self, ecg)?;
        match &self.short_records {
            Some(short) if ecg.len() as f64 <= short.max_duration_s * ecg.fs().get() => {
                let qrs = Self {
                    band_hz: short.band_hz,
                    derivative_s: short.derivative_s,
                    short_records: None,
                    ..self.clone()
                };
                let qrs = detect_batch(&qrs, ecg)?;
                two_front_ends(ecg, paper, &qrs.peaks, short.same_beat_s)
            }
            _ => Ok(paper),
        }
    }
}

/// The beats of the paper band (`paper`) and of the QRS band (`qrs`) combined ([`ShortRecords`]).
fn two_front_ends(
    ecg: &Ecg,
    paper: Detection,
    qrs: &RPeaks,
    same_beat_s: f64,
) -> Result<Detection> {
    let fs = ecg.fs();
    let m = crate::score::match_peaks(
        paper.peaks.indices(),
        qrs.indices(),
        fs.samples(same_beat_s),
    );
    if m.missed.is_empty() && m.extra.is_empty() && m.pairs.iter().all(|(a, b)| a == b) {
        return Ok(paper); // the usual case: the same beats at the same samples
    }
    // Rule 1: both found it, at the QRS band's position; rule 2: one found it and it repeats.
    let mut candidates: Vec<usize> = m.pairs.iter().map(|&(_, q)| q).collect();
    candidates.extend(&m.missed);
    candidates.extend(&m.extra);
    candidates.sort_unstable();
    candidates.dedup();
    let gate = QualityGate::default();
    let repeats = gate.repeating_beats(fs, ecg.samples(), &candidates);
    let both: std::collections::HashSet<usize> = m.pairs.iter().map(|&(_, q)| q).collect();
    let kept: Vec<usize> = candidates
        .iter()
        .zip(&repeats)
        .filter(|&(p, &r)| both.contains(p) || r)
        .map(|(&p, _)| p)
        .collect();
    let combined = RPeaks::new(kept, fs, ecg.len())?;
    // Rule 3. Rule 2 keeps the single beats that repeat, which raises the consistency the gate
    // measures: the combined beats could pass where neither band's own beats do (a 10-s NSTDB
    // baseline-wander window did). So they are the result only when one band's own beats pass.
    let passes = |p: &RPeaks| -> Result<bool> { Ok(!p.is_empty() && gate.assess(ecg, p)?.passes) };
    let paper_passes = passes(&paper.peaks)?;
    if combined.is_empty()
        || (!paper_passes && !passes(qrs)?)
        || (paper_passes && !passes(&combined)?)
    {
        return Ok(paper);
    }
    Ok(Detection {
        peaks: combined,
        no_result: None,
        ..paper
    })
}

impl StreamingDetector for PanTompkins {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        AdaptiveParams {
            band_hz: self.band_hz,
            derivative_s: self.derivative_s,
            rectify: Rectify::Square,
            integration_s: self.integration_s,
            peak_separation_s: self.refractory_s,
            tc: self.threshold_coeff,
            levels: Levels::RunningMean,
            searchback_rr: self.searchback_rr,
            max_searchback_s: self.max_searchback_s,
            t_wave_window_s: self.t_wave_window_s,
            t_wave_slope_ratio: 0.5,
        }
        .stream(fs, self.refine_window_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use crate::synthetic::{SyntheticConfig, SyntheticRhythm, generate};

    fn synthetic(fs: f64, secs: f64, rhythm: SyntheticRhythm, seed: u64) -> (Ecg, Vec<usize>) {
        noisy_synthetic(fs, secs, rhythm, seed, 0.03)
    }

    fn noisy_synthetic(
        fs: f64,
        secs: f64,
        rhythm: SyntheticRhythm,
        seed: u64,
        noise_mv: f64,
    ) -> (Ecg, Vec<usize>) {
        let cfg = SyntheticConfig {
            rhythm,
            white_noise_mv: noise_mv,
            seed,
            ..SyntheticConfig::new(Hz::new(fs).unwrap(), secs)
        };
        let syn = generate(&cfg).unwrap();
        (syn.ecg, syn.r_peaks.indices().to_vec())
    }

    fn peaks(ecg: &Ecg, mut p: Vec<usize>) -> RPeaks {
        p.sort_unstable();
        RPeaks::new(p, ecg.fs(), ecg.len()).unwrap()
    }

    /// The three rules on peaks placed by hand on a clean synthetic record (the truth known).
    #[test]
    fn combination_rules_on_known_beats() {
        for fs in [250.0, 360.0, 500.0] {
            let (ecg, truth) = synthetic(fs, 10.0, SyntheticRhythm::Sinus, 1);
            let truth = &truth[1..truth.len() - 1]; // whole QRS windows only
            let shift = ecg.fs().samples(0.035);
            let combine = |paper: Vec<usize>, qrs: Vec<usize>| {
                let paper = Detection::batch(peaks(&ecg, paper));
                two_front_ends(&ecg, paper, &peaks(&ecg, qrs), 0.150)
                    .unwrap()
                    .peaks
                    .indices()
                    .to_vec()
            };
            // Rule 1: the same beats, 35 ms apart: the QRS band's positions.
            let late: Vec<usize> = truth.iter().map(|&t| t + shift).collect();
            assert_eq!(combine(late, truth.to_vec()), truth, "{fs} Hz: rule 1");
            // Rule 2: beats only the QRS band finds are kept when they repeat (every other beat
            // missed by the paper band), dropped when they do not (peaks at random places
            // between the beats).
            let every_other: Vec<usize> = truth.iter().step_by(2).copied().collect();
            assert_eq!(
                combine(every_other, truth.to_vec()),
                truth,
                "{fs} Hz: rule 2 keeps"
            );
        }
        // Rule 2 drops: on a noisy record (white noise 0.15 mV), peaks at random places between
        // the beats, found by the QRS band only, do not repeat. (On a clean record they may:
        // the detrended windows of two smooth T-P stretches can correlate above 0.9.)
        for fs in [250.0, 360.0, 500.0] {
            let (ecg, truth) = noisy_synthetic(fs, 10.0, SyntheticRhythm::Sinus, 2, 0.15);
            let truth = &truth[1..truth.len() - 1];
            let mut rng = SplitMix64::new(fs as u64);
            let mut noisy = truth.to_vec();
            for w in truth.windows(2) {
                let f = 0.3 + 0.4 * rng.uniform();
                noisy.push(w[0] + (f * (w[1] - w[0]) as f64) as usize);
            }
            let paper = Detection::batch(peaks(&ecg, truth.to_vec()));
            let got = two_front_ends(&ecg, paper, &peaks(&ecg, noisy), 0.150).unwrap();
            assert_eq!(got.peaks.indices(), truth, "{fs} Hz: rule 2 drops");
        }
    }

    #[test]
    fn long_records_and_short_records_off_use_the_paper_front_end() {
        let (long, _) = synthetic(250.0, 130.0, SyntheticRhythm::AtrialFibrillation, 3);
        let paper = PanTompkins::default().paper_front_end_only();
        assert_eq!(
            PanTompkins::default().detect(&long).unwrap(),
            paper.detect(&long).unwrap()
        );
        let (short, _) = synthetic(250.0, 10.0, SyntheticRhythm::AtrialFibrillation, 4);
        let off = PanTompkins {
            short_records: None,
            ..PanTompkins::default()
        };
        assert_eq!(off.detect(&short).unwrap(), paper.detect(&short).unwrap());
    }
}
