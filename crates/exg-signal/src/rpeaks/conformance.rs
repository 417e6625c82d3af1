//! A conformance battery for R-peak detectors: the checks every built-in detector of
//! [`crate::rpeaks`] passes, runnable on a new detector in one call.
//!
//! Its ground truth is the synthetic ECG of [`crate::synthetic`] (beats placed by construction,
//! so the right answer is known exactly).
//!
//! | check | input | passes when |
//! |---|---|---|
//! | `accuracy` | clean synthetic ECG at every rate (100–1000 Hz) × rhythm (sinus, sinus arrhythmia, AF-like, flutter-like; 8 % PVCs) × upright/inverted | Se and +P ≥ `min_clean` within `tolerance_s` (first/last 0.5 s not scored); polarity reported correctly |
//! | `noisy` | 360 Hz, baseline wander 0.4 mV, power line, white and EMG-like noise, every rhythm | Se and +P ≥ `min_noisy` |
//! | `timing` | clean sinus, upright and inverted, 250/360/1000 Hz | mean and sd of the timing error ≤ `max_timing_error_samples` (peaks on the true extremum) |
//! | `short` | a ~10-s cut of synthetic sinus ECG (75 bpm, 8 % PVCs) with a beat 100 ms from each end, at every rate, clean and noisy (as `noisy`) | Se and +P over the whole cut (ends included) ≥ `min_clean` / `min_noisy` |
//! | `flat` | constant and all-zero signals | `Ok`, no peak, [`Polarity::Unknown`] |
//! | `too_short` | 100 samples at 250 Hz | [`Error::TooShort`] |
//! | `rate_20hz` | a 20 Hz signal | an error (no guess at an unsupported rate) |
//! | `awkward` | one beat in 1 s, white noise, a lone spike, a step, a Nyquist square wave, 1e12 and 1e-12 amplitudes | no panic; `Ok` peaks in range and increasing, or an error |
//! | `stream_equals_batch` | noisy synthetic ECG at 128/250/360/500 Hz pushed in chunks of 1, 7, 511, 512, 513, 4096 and pseudo-random sizes | streamed peaks == the stream's one-push result ([`detect_streamed`](super::detect_streamed)), and `detect` (which sees the whole record) == that result except in the first `BATCH_HEAD_S` and the last 4 s |
//! | `constant_delay` | one sample per push | each peak `p` is returned by the push of sample `p + delay` |
//! | `nan_chunk` | a chunk holding NaN mid-record | [`Error::NonFinite`] with the absolute index; the stream is unchanged and ends equal to batch |
//!
//! A panic inside a check is caught and reported as that check's failure.
//!
//! ```
//! use exg_signal::rpeaks::PanTompkins;
//! use exg_signal::rpeaks::conformance::{Battery, check_streaming};
//!
//! // `Battery::default()` is the full battery (what the built-in detectors pass);
//! // `quick()` is a smaller one for a doctest.
//! let report = check_streaming(&PanTompkins::default(), &Battery::quick());
//! assert!(report.passed(), "{report}");
//! ```

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Detection, Polarity, RPeakDetector, StreamingDetector};
use crate::rng::SplitMix64;
use crate::score::score_peaks;
use crate::synthetic::{SyntheticConfig, SyntheticEcg, SyntheticRhythm, generate};
use crate::{Ecg, Error, Hz, RPeaks};

/// What the battery runs and its pass marks. [`Default`] is the full battery.
#[derive(Clone, Debug, PartialEq)]
pub struct Battery {
    /// Sampling rates of the `accuracy` check (Hz).
    pub rates_hz: Vec<f64>,
    /// Rhythms of the `accuracy` and `noisy` checks.
    pub rhythms: Vec<SyntheticRhythm>,
    /// Length of each synthetic record (s).
    pub duration_s: f64,
    /// Matching tolerance (s). Default 75 ms, half the MIT-BIH scoring window.
    pub tolerance_s: f64,
    /// Lowest Se and +P on clean synthetic ECG. Default 0.99.
    pub min_clean: f64,
    /// Lowest Se and +P on noisy synthetic ECG. Default 0.97.
    pub min_noisy: f64,
    /// Largest |mean| and sd of the timing error on clean ECG, in samples (`None`: not checked,
    /// for detectors that do not refine to the extremum). Default 1.
    pub max_timing_error_samples: Option<f64>,
    /// Whether the reported [`Polarity`] is checked. Default `true`.
    pub check_polarity: bool,
    /// Seed of the synthetic records and the pseudo-random chunk sizes.
    pub seed: u64,
}

impl Default for Battery {
    fn default() -> Self {
        Self {
            rates_hz: vec![100.0, 128.0, 200.0, 250.0, 360.0, 500.0, 1000.0],
            rhythms: SyntheticRhythm::ALL.to_vec(),
            duration_s: 60.0,
            tolerance_s: 0.075,
            min_clean: 0.99,
            min_noisy: 0.97,
            max_timing_error_samples: Some(1.0),
            check_polarity: true,
            seed: 1,
        }
    }
}

impl Battery {
    /// A smaller battery (two rates, two rhythms, 30-s records) for quick checks and doctests.
    pub fn quick() -> Self {
        Self {
            rates_hz: vec![250.0, 360.0],
            rhythms: vec![SyntheticRhythm::Sinus, SyntheticRhythm::AtrialFibrillation],
            duration_s: 30.0,
            ..Self::default()
        }
    }
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// Check and case, e.g. `accuracy 360 Hz AtrialFibrillation inverted`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Measured values, or why it failed.
    pub detail: String,
}

/// Every check run on one detector.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// [`RPeakDetector::name`] of the detector.
    pub detector: String,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// `true` when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

impl fmt::Display for Report {
    /// One line per check: `ok`/`FAIL`, name, detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "conformance of `{}`: {} checks, {} failed",
            self.detector,
            self.checks.len(),
            failed
        )?;
        for c in &self.checks {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            writeln!(f, "{mark} {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}

/// Runs the batch checks (`accuracy`, `noisy`, `timing`, `flat`, `too_short`, `rate_20hz`,
/// `awkward`) on `detector`.
pub fn check_detector(detector: &dyn RPeakDetector, battery: &Battery) -> Report {
    let mut report = Report {
        detector: detector.name().to_string(),
        checks: Vec::new(),
    };
    accuracy(detector, battery, &mut report);
    noisy(detector, battery, &mut report);
    timing(detector, battery, &mut report);
    short(detector, battery, &mut report);
    bad_input(detector, &mut report);
    report
}

/// [`check_detector`] plus the streaming checks (`stream_equals_batch`, `constant_delay`,
/// `nan_chunk`).
pub fn check_streaming(detector: &dyn StreamingDetector, battery: &Battery) -> Report {
    let mut report = check_detector(detector, battery);
    streaming(detector, battery, &mut report);
    report
}

/// Runs `f` as check `name`; a panic is that check's failure.
fn run(report: &mut Report, name: String, f: impl FnOnce() -> Result<String, String>) {
    let (passed, detail) = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(detail)) => (true, detail),
        Ok(Err(why)) => (false, why),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string payload".into());
            (false, format!("panicked: {msg}"))
        }
    };
    report.checks.push(Check {
        name,
        passed,
        detail,
    });
}

fn synthetic(cfg: SyntheticConfig) -> Result<SyntheticEcg, String> {
    generate(&cfg).map_err(|e| format!("synthetic ECG: {e}"))
}

fn rate(fs: f64) -> Result<Hz, String> {
    Hz::new(fs).map_err(|e| e.to_string())
}

fn detect(detector: &dyn RPeakDetector, ecg: &Ecg) -> Result<Detection, String> {
    detector
        .detect(ecg)
        .map_err(|e| format!("detect failed: {e}"))
}

/// Se and +P of `found` against `truth`, inside the record (the first and last 0.5 s are not
/// scored: a beat cut by the record edge may be missed or an atrial wave taken for a QRS).
fn inner_score(truth: &RPeaks, found: &RPeaks, tolerance_s: f64) -> Result<(f64, f64), String> {
    let edge = truth.fs().samples(0.5);
    let end = truth.signal_len().saturating_sub(edge);
    let cut = |p: &RPeaks| {
        let v: Vec<usize> = p
            .indices()
            .iter()
            .copied()
            .filter(|&i| i >= edge && i < end)
            .collect();
        RPeaks::new(v, p.fs(), p.signal_len()).map_err(|e| e.to_string())
    };
    let s = score_peaks(&cut(truth)?, &cut(found)?, tolerance_s).map_err(|e| e.to_string())?;
    // No reference beat or no detection: undefined ratios count as 0 (a failure).
    Ok((s.sensitivity().unwrap_or(0.0), s.ppv().unwrap_or(0.0)))
}

fn score_check(se: f64, ppv: f64, min: f64) -> Result<String, String> {
    let detail = format!(
        "Se {:.2} %, +P {:.2} % (need {:.1} %)",
        100.0 * se,
        100.0 * ppv,
        100.0 * min
    );
    if se >= min && ppv >= min {
        Ok(detail)
    } else {
        Err(detail)
    }
}

fn accuracy(detector: &dyn RPeakDetector, b: &Battery, report: &mut Report) {
    for &fs in &b.rates_hz {
        for &rhythm in &b.rhythms {
            for inverted in [false, true] {
                let name = format!(
                    "accuracy {fs} Hz {rhythm:?} {}",
                    if inverted { "inverted" } else { "upright" }
                );
                run(report, name, || {
                    let s = synthetic(SyntheticConfig {
                        rhythm,
                        inverted,
                        seed: b.seed ^ fs.to_bits(),
                        ectopic_fraction: 0.08,
                        heart_rate_bpm: 75.0,
                        ..SyntheticConfig::new(rate(fs)?, b.duration_s)
                    })?;
                    let d = detect(detector, &s.ecg)?;
                    let (se, ppv) = inner_score(&s.r_peaks, &d.peaks, b.tolerance_s)?;
                    let detail = score_check(se, ppv, b.min_clean)?;
                    let want = if inverted {
                        Polarity::Negative
                    } else {
                        Polarity::Positive
                    };
                    if b.check_polarity && d.polarity != want {
                        return Err(format!(
                            "{detail}; polarity {:?}, want {want:?}",
                            d.polarity
                        ));
                    }
                    Ok(detail)
                });
            }
        }
    }
}

/// Gap between each end of a `short` record and its first/last beat (s).
const SHORT_EDGE_S: f64 = 0.1;

/// The `short` checks: EXGnet-style 10-s records whose first and last beats lie
/// [`SHORT_EDGE_S`] from the ends, where a detector that learns or looks ahead has least
/// context. Every beat is scored.
fn short(detector: &dyn RPeakDetector, b: &Battery, report: &mut Report) {
    for &fs in &b.rates_hz {
        for noisy in [false, true] {
            let name = format!(
                "short 10 s {fs} Hz {}",
                if noisy { "noisy" } else { "clean" }
            );
            run(report, name, || {
                let (noise, min) = if noisy {
                    (1.0, b.min_noisy)
                } else {
                    (0.0, b.min_clean)
                };
                let s = synthetic(SyntheticConfig {
                    seed: b.seed.wrapping_add(200) ^ fs.to_bits(),
                    ectopic_fraction: 0.08,
                    heart_rate_bpm: 75.0,
                    baseline_wander_mv: 0.4 * noise,
                    powerline_mv: 0.05 * noise,
                    white_noise_mv: 0.03 * noise,
                    emg_noise_mv: 0.05 * noise,
                    ..SyntheticConfig::new(rate(fs)?, 14.0)
                })?;
                let hz = s.ecg.fs();
                let (edge, len) = (hz.samples(SHORT_EDGE_S), hz.samples(10.0));
                let r = s.r_peaks.indices();
                // The cut: from 100 ms before the second beat to 100 ms after the last beat
                // that keeps it at most 10 s long.
                let first = *r.get(1).ok_or("fewer than 2 beats")?;
                let start = first - edge;
                let last = *r
                    .iter()
                    .rfind(|&&p| p + edge < start + len)
                    .ok_or("no last beat")?;
                let end = last + edge + 1;
                let cut = s
                    .ecg
                    .with_samples(s.ecg.samples()[start..end].to_vec())
                    .map_err(|e| e.to_string())?;
                let truth: Vec<usize> = r
                    .iter()
                    .filter(|&&p| p >= start && p < end)
                    .map(|&p| p - start)
                    .collect();
                let truth = RPeaks::new(truth, hz, end - start).map_err(|e| e.to_string())?;
                let d = detect(detector, &cut)?;
                let sc = score_peaks(&truth, &d.peaks, b.tolerance_s).map_err(|e| e.to_string())?;
                let (se, ppv) = (sc.sensitivity().unwrap_or(0.0), sc.ppv().unwrap_or(0.0));
                score_check(se, ppv, min).map(|d| format!("{} beats, {d}", truth.len()))
            });
        }
    }
}

fn noisy(detector: &dyn RPeakDetector, b: &Battery, report: &mut Report) {
    for (i, &rhythm) in b.rhythms.iter().enumerate() {
        run(report, format!("noisy 360 Hz {rhythm:?}"), || {
            let s = synthetic(SyntheticConfig {
                rhythm,
                seed: b.seed.wrapping_add(100 + i as u64),
                ectopic_fraction: 0.1,
                baseline_wander_mv: 0.4,
                powerline_mv: 0.05,
                white_noise_mv: 0.03,
                emg_noise_mv: 0.05,
                ..SyntheticConfig::new(rate(360.0)?, 2.0 * b.duration_s)
            })?;
            let d = detect(detector, &s.ecg)?;
            let (se, ppv) = inner_score(&s.r_peaks, &d.peaks, b.tolerance_s)?;
            score_check(se, ppv, b.min_noisy)
        });
    }
}

fn timing(detector: &dyn RPeakDetector, b: &Battery, report: &mut Report) {
    let Some(max) = b.max_timing_error_samples else {
        return;
    };
    for fs in [250.0, 360.0, 1000.0] {
        for inverted in [false, true] {
            let name = format!(
                "timing {fs} Hz {}",
                if inverted { "inverted" } else { "upright" }
            );
            run(report, name, || {
                let s = synthetic(SyntheticConfig {
                    inverted,
                    seed: b.seed.wrapping_add(11),
                    ectopic_fraction: 0.08,
                    ..SyntheticConfig::new(rate(fs)?, b.duration_s)
                })?;
                let d = detect(detector, &s.ecg)?;
                let sc =
                    score_peaks(&s.r_peaks, &d.peaks, b.tolerance_s).map_err(|e| e.to_string())?;
                let sample_ms = 1000.0 / fs;
                let (mean, sd) = (
                    sc.mean_error_ms().ok_or("no matched beat")?,
                    sc.sd_error_ms().unwrap_or(0.0),
                );
                let detail = format!(
                    "error {:.2} ± {:.2} samples (allowed {max})",
                    mean / sample_ms,
                    sd / sample_ms
                );
                if mean.abs() <= max * sample_ms && sd <= max * sample_ms {
                    Ok(detail)
                } else {
                    Err(detail)
                }
            });
        }
    }
}

/// Signals that break naive detectors: none of them holds a QRS complex a detector must find.
fn awkward_signals(fs: f64, seed: u64) -> Vec<(&'static str, Vec<f64>)> {
    let n = (10.0 * fs) as usize;
    let mut rng = SplitMix64::new(seed);
    let white: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let mut spike = vec![0.0; n];
    spike[n / 2] = 1.0;
    let mut one_beat = vec![0.0; fs as usize];
    one_beat[fs as usize / 2] = 1.0;
    vec![
        ("one beat in 1 s", one_beat),
        ("white noise", white.clone()),
        ("lone spike", spike),
        (
            "step",
            (0..n).map(|i| f64::from(u8::from(i >= n / 2))).collect(),
        ),
        (
            "Nyquist square wave",
            (0..n)
                .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
                .collect(),
        ),
        ("1e12 amplitude", white.iter().map(|v| v * 1e12).collect()),
        ("1e-12 amplitude", white.iter().map(|v| v * 1e-12).collect()),
    ]
}

fn bad_input(detector: &dyn RPeakDetector, report: &mut Report) {
    run(report, "flat".into(), || {
        let fs = rate(250.0)?;
        for (what, level) in [("constant 3.0", 3.0), ("all zero", 0.0)] {
            let ecg = Ecg::new(vec![level; 5000], fs).map_err(|e| e.to_string())?;
            let d = detect(detector, &ecg)?;
            if !d.peaks.is_empty() || d.polarity != Polarity::Unknown {
                return Err(format!(
                    "{what}: {} peaks, polarity {:?}; want none and Unknown",
                    d.peaks.len(),
                    d.polarity
                ));
            }
        }
        Ok("no peak, polarity Unknown".into())
    });
    run(report, "too_short".into(), || {
        let ecg = Ecg::new(vec![0.0; 100], rate(250.0)?).map_err(|e| e.to_string())?;
        match detector.detect(&ecg) {
            Err(e @ Error::TooShort { .. }) => Ok(format!("error: {e}")),
            other => Err(format!("want Error::TooShort, got {other:?}")),
        }
    });
    run(report, "rate_20hz".into(), || {
        let ecg = Ecg::new(vec![0.0; 400], rate(20.0)?).map_err(|e| e.to_string())?;
        match detector.detect(&ecg) {
            Err(e) => Ok(format!("error: {e}")),
            Ok(d) => Err(format!("want an error, got {} peaks", d.peaks.len())),
        }
    });
    for fs in [128.0, 360.0, 1000.0] {
        for (what, x) in awkward_signals(fs, 7) {
            run(report, format!("awkward {fs} Hz {what}"), || {
                let len = x.len();
                let ecg = Ecg::new(x, rate(fs)?).map_err(|e| e.to_string())?;
                match detector.detect(&ecg) {
                    Ok(d) => {
                        let p = d.peaks.indices();
                        if p.iter().any(|&i| i >= len) || p.windows(2).any(|w| w[0] >= w[1]) {
                            Err("peaks out of range or not increasing".into())
                        } else {
                            Ok(format!("{} peaks", p.len()))
                        }
                    }
                    Err(e) => Ok(format!("error: {e}")),
                }
            });
        }
    }
}

/// Pushes `x` in chunks of `sizes` (cycled) and returns every peak.
fn stream_in_chunks(
    detector: &dyn StreamingDetector,
    ecg: &Ecg,
    sizes: &[usize],
) -> Result<Vec<usize>, String> {
    let mut s = detector.stream(ecg.fs()).map_err(|e| e.to_string())?;
    let (x, mut out, mut i) = (ecg.samples(), Vec::new(), 0);
    for &size in sizes.iter().cycle() {
        if i >= x.len() {
            break;
        }
        let n = size.max(1).min(x.len() - i);
        out.extend(s.push(&x[i..i + n]).map_err(|e| e.to_string())?);
        i += n;
    }
    out.extend(s.finish().peaks);
    Ok(out)
}

/// The noisy record of the streaming checks, public so that property tests can draw more of
/// them: synthetic ECG whose rhythm cycles with `seed` (sinus, sinus arrhythmia, AF, flutter),
/// inverted when `seed` is a multiple of 3, 10 % PVCs, baseline wander 0.3 mV, white and
/// EMG-like noise 0.05 mV.
pub fn noisy_record(fs: Hz, seed: u64, duration_s: f64) -> crate::Result<Ecg> {
    Ok(generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::ALL[(seed % 4) as usize],
        seed,
        inverted: seed.is_multiple_of(3),
        ectopic_fraction: 0.1,
        baseline_wander_mv: 0.3,
        white_noise_mv: 0.05,
        emg_noise_mv: 0.05,
        ..SyntheticConfig::new(fs, duration_s)
    })?
    .ecg)
}

fn noisy_stream_input(fs: f64, seed: u64) -> Result<Ecg, String> {
    noisy_record(rate(fs)?, seed, 20.0).map_err(|e| format!("synthetic ECG: {e}"))
}

fn streaming(detector: &dyn StreamingDetector, b: &Battery, report: &mut Report) {
    let mut rng = SplitMix64::new(b.seed);
    let random: Vec<usize> = (0..16)
        .map(|_| 1 + (rng.next_u64() % 3000) as usize)
        .collect();
    let chunkings: [(&str, Vec<usize>); 7] = [
        ("1", vec![1]),
        ("7", vec![7]),
        ("511", vec![511]),
        ("512", vec![512]),
        ("513", vec![513]),
        ("4096", vec![4096]),
        ("pseudo-random", random),
    ];
    for (k, fs) in [128.0, 250.0, 360.0, 500.0].into_iter().enumerate() {
        run(report, format!("stream_equals_batch {fs} Hz"), || {
            let ecg = noisy_stream_input(fs, b.seed.wrapping_add(k as u64))?;
            // The stream's own batch result (one push); `detect` additionally sees the whole
            // record (mirrored ends) and may differ near them, checked below.
            let batch = super::detect_streamed(detector, &ecg)
                .map_err(|e| e.to_string())?
                .peaks;
            let full = detect(detector, &ecg)?.peaks;
            let fs_ = ecg.fs();
            let (lo, hi) = (
                fs_.samples(super::BATCH_HEAD_S),
                // The stream judges its last ~delay (< 3 s for every built-in) blind.
                ecg.len().saturating_sub(fs_.samples(4.0)),
            );
            let inside = |v: &[usize]| -> Vec<usize> {
                v.iter().copied().filter(|p| (lo..hi).contains(p)).collect()
            };
            if inside(full.indices()) != inside(batch.indices()) {
                return Err(format!(
                    "detect and the stream differ inside {lo}..{hi}: {} vs {} peaks",
                    inside(full.indices()).len(),
                    inside(batch.indices()).len()
                ));
            }
            for (what, sizes) in &chunkings {
                let streamed = stream_in_chunks(detector, &ecg, sizes)?;
                if streamed != batch.indices() {
                    return Err(format!(
                        "chunks of {what}: {} streamed peaks vs {} batch",
                        streamed.len(),
                        batch.len()
                    ));
                }
            }
            Ok(format!(
                "{} peaks, {} chunkings",
                batch.len(),
                chunkings.len()
            ))
        });
    }
    run(report, "constant_delay 360 Hz".into(), || {
        let ecg = noisy_stream_input(360.0, b.seed.wrapping_add(5))?;
        let mut s = detector.stream(ecg.fs()).map_err(|e| e.to_string())?;
        let delay = s.delay();
        let mut returned = 0;
        for (i, &x) in ecg.samples().iter().enumerate() {
            for p in s.push(&[x]).map_err(|e| e.to_string())? {
                if p + delay != i {
                    return Err(format!("peak {p} returned at sample {i}, delay {delay}"));
                }
                returned += 1;
            }
        }
        Ok(format!(
            "{returned} peaks, each {delay} samples ({:.3} s) late",
            s.delay_s()
        ))
    });
    run(report, "nan_chunk 250 Hz".into(), || {
        let ecg = noisy_stream_input(250.0, b.seed.wrapping_add(9))?;
        let x = ecg.samples();
        let mut s = detector.stream(ecg.fs()).map_err(|e| e.to_string())?;
        let mut peaks = s.push(&x[..3000]).map_err(|e| e.to_string())?;
        let mut bad = x[3000..3100].to_vec();
        bad[42] = f64::NAN;
        match s.push(&bad) {
            Err(Error::NonFinite { index: 3042 }) => {}
            other => return Err(format!("want NonFinite {{ index: 3042 }}, got {other:?}")),
        }
        if s.samples_seen() != 3000 {
            return Err(format!(
                "the rejected chunk moved the stream to {}",
                s.samples_seen()
            ));
        }
        peaks.extend(s.push(&x[3000..]).map_err(|e| e.to_string())?);
        peaks.extend(s.finish().peaks);
        if peaks != detect(detector, &ecg)?.peaks.indices() {
            return Err("after the rejected chunk the peaks differ from batch".into());
        }
        Ok("rejected with its absolute index; stream unchanged".into())
    });
}
