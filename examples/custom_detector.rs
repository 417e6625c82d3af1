//! A detector written outside the workspace's crates, plugged into every seam a detector has:
//! the batch trait ([`RPeakDetector`]), the streaming trait ([`StreamingDetector`]) through the
//! public engine seam ([`QrsEngine`] + [`RPeakStream::new`]), the conformance battery
//! ([`check_detector`], [`check_streaming`]) and the CLI's detector registry ([`Registry`],
//! [`exg_cli::run`]).
//!
//! `cargo run --release --example custom_detector` prints the battery's report and the output of
//! `exg peaks --detector energy` on a synthetic record. `cargo test --release` runs the same
//! checks as tests (the example is declared with `test = true` in the root `Cargo.toml`, so it
//! is compiled with the test harness and its `#[test]` functions run; `main` is then unused).
//!
//! The detector: a smoothed derivative (20 ms moving average — a null at 50 Hz — then the
//! difference over 10 ms), squared and averaged over 80 ms; a QRS is a stretch where that
//! energy exceeds 30 % of a peak tracker that decays by half in 1.5 s, at least 200 ms after the
//! previous QRS. The tracker is seeded with the largest energy of the first second (which is
//! why the look-ahead includes that second). Refinement onto the R wave and the lead's polarity
//! come from the stream.

// The example's `main` is unused when it is built as a test (`test = true`).
#![cfg_attr(test, allow(dead_code))]

use std::collections::VecDeque;
use std::process::ExitCode;

use exg::signal::rpeaks::conformance::{Battery, Report, check_detector, check_streaming};
use exg::signal::rpeaks::{
    Detection, QrsEngine, RPeakDetector, RPeakStream, Registry, StreamingDetector, detect_streamed,
};
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
use exg::signal::{Ecg, Hz, Result};

/// The detector's parameters (seconds; the rate comes with the signal).
#[derive(Clone, Debug)]
struct Energy {
    /// Smoothing moving average before the derivative.
    smooth_s: f64,
    /// Span of the derivative.
    derivative_s: f64,
    /// Energy averaging window.
    window_s: f64,
    /// Threshold as a fraction of the peak tracker.
    threshold: f64,
    /// Time for the peak tracker to decay by half.
    half_life_s: f64,
    /// Shortest RR interval accepted.
    refractory_s: f64,
    /// Longest QRS stretch before it is cut.
    max_qrs_s: f64,
    /// Length of the start-up period that seeds the tracker.
    learn_s: f64,
}

impl Default for Energy {
    fn default() -> Self {
        Self {
            smooth_s: 0.02,
            derivative_s: 0.01,
            window_s: 0.08,
            threshold: 0.3,
            half_life_s: 1.5,
            refractory_s: 0.2,
            max_qrs_s: 0.15,
            learn_s: 1.0,
        }
    }
}

impl RPeakDetector for Energy {
    fn name(&self) -> &str {
        "energy"
    }
    fn detect(&self, ecg: &Ecg) -> Result<Detection> {
        // Batch = the stream over the whole record (what the built-in detectors do).
        detect_streamed(self, ecg)
    }
}

impl StreamingDetector for Energy {
    fn stream(&self, fs: Hz) -> Result<RPeakStream> {
        // `RPeakStream::new` checks the rate and the refinement window.
        RPeakStream::new(EnergyEngine::new(self, fs), fs, 0.05)
    }
}

/// A running mean over the last `len` values (fewer at the start).
struct MovingMean {
    len: usize,
    sum: f64,
    values: VecDeque<f64>,
}

impl MovingMean {
    fn new(len: usize) -> Self {
        Self {
            len: len.max(1),
            sum: 0.0,
            values: VecDeque::new(),
        }
    }
    fn step(&mut self, x: f64) -> f64 {
        self.values.push_back(x);
        self.sum += x;
        if self.values.len() > self.len {
            self.sum -= self.values.pop_front().unwrap_or(0.0);
        }
        self.sum / self.values.len() as f64
    }
}

/// The engine: one state machine over the energy signal.
struct EnergyEngine {
    smooth: MovingMean,
    /// The smoothed signal's last `lag + 1` values (for the derivative).
    past: VecDeque<f64>,
    lag: usize,
    energy: MovingMean,
    /// Samples from a QRS's input to its energy's maximum (the filters' delays).
    delay: usize,
    threshold: f64,
    decay: f64,
    level: f64,
    refractory: usize,
    max_qrs: usize,
    learn: usize,
    /// Energies of the start-up period, judged once the tracker is seeded.
    learning: Option<Vec<f64>>,
    /// The QRS stretch in progress: (start, time of its largest energy, that energy).
    qrs: Option<(usize, usize, f64)>,
    last: Option<usize>,
}

impl EnergyEngine {
    fn new(p: &Energy, fs: Hz) -> Self {
        let n = |s: f64| fs.samples(s).max(1);
        let (smooth, lag, window) = (n(p.smooth_s), n(p.derivative_s), n(p.window_s));
        Self {
            smooth: MovingMean::new(smooth),
            past: VecDeque::new(),
            lag,
            energy: MovingMean::new(window),
            delay: (smooth - 1) / 2 + lag / 2 + (window - 1) / 2,
            threshold: p.threshold,
            decay: 0.5f64.powf(1.0 / (p.half_life_s * fs.get())),
            level: 0.0,
            refractory: n(p.refractory_s),
            max_qrs: n(p.max_qrs_s),
            learn: n(p.learn_s),
            learning: Some(Vec::new()),
            qrs: None,
            last: None,
        }
    }

    /// The energy of the next sample.
    fn energy_of(&mut self, x: f64) -> f64 {
        let s = self.smooth.step(x);
        self.past.push_back(s);
        if self.past.len() > self.lag + 1 {
            self.past.pop_front();
        }
        let d = s - self.past.front().copied().unwrap_or(s);
        self.energy.step(d * d)
    }

    /// Ends the QRS stretch in progress: reports its R estimate.
    fn close(&mut self, out: &mut Vec<usize>) {
        if let Some((_, at, _)) = self.qrs.take() {
            let r = at.saturating_sub(self.delay);
            if self.last.is_none_or(|l| r > l) {
                self.last = Some(r);
                out.push(r);
            }
        }
    }

    /// The decision for the energy `e` of sample `n`.
    fn decide(&mut self, n: usize, e: f64, out: &mut Vec<usize>) {
        self.level = e.max(self.level * self.decay);
        let above = e > self.threshold * self.level;
        match &mut self.qrs {
            Some((start, at, best)) => {
                if e > *best {
                    (*at, *best) = (n, e);
                }
                let ended = !above || n - *start >= self.max_qrs;
                if ended {
                    self.close(out);
                }
            }
            None => {
                let free = self
                    .last
                    .is_none_or(|l| n.saturating_sub(self.delay) > l + self.refractory);
                if above && free {
                    self.qrs = Some((n, n, e));
                }
            }
        }
    }
}

impl QrsEngine for EnergyEngine {
    fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>) {
        for (j, &x) in xs.iter().enumerate() {
            let (n, e) = (n0 + j, self.energy_of(x));
            match &mut self.learning {
                Some(energies) => {
                    energies.push(e);
                    if energies.len() == self.learn {
                        self.end_learning(out);
                    }
                }
                None => self.decide(n, e, out),
            }
        }
    }
    fn finish(&mut self, _n: usize, out: &mut Vec<usize>) {
        if self.learning.is_some() {
            self.end_learning(out);
        }
        self.close(out);
    }
    fn lookahead(&self) -> usize {
        // A position is reported at most `max_qrs` after its stretch starts, which is at most
        // `delay` after the R wave, or at the end of the start-up period.
        self.learn + self.max_qrs + self.delay + 1
    }
}

impl EnergyEngine {
    /// Seeds the tracker with the start-up period's largest energy and judges that period.
    fn end_learning(&mut self, out: &mut Vec<usize>) {
        let energies = self.learning.take().unwrap_or_default();
        self.level = energies.iter().copied().fold(0.0, f64::max);
        for (n, e) in energies.into_iter().enumerate() {
            self.decide(n, e, out);
        }
    }
}

/// The built-in detectors plus this one, as the CLI sees them.
fn registry() -> Registry {
    let mut registry = Registry::builtin();
    registry.register("energy", || Box::new(Energy::default()));
    registry
}

/// The full conformance battery, batch and streaming.
fn conformance() -> (Report, Report) {
    let battery = Battery::default();
    (
        check_detector(&Energy::default(), &battery),
        check_streaming(&Energy::default(), &battery),
    )
}

/// A 30-s noisy synthetic record written as a one-column CSV in a fresh temporary directory
/// named after `tag`; returns the record and the file.
fn synthetic_csv(tag: &str) -> std::io::Result<(Ecg, std::path::PathBuf)> {
    let fs = Hz::new(360.0).map_err(std::io::Error::other)?;
    let syn = generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::AtrialFibrillation,
        white_noise_mv: 0.02,
        seed: 3,
        ..SyntheticConfig::new(fs, 30.0)
    })
    .map_err(std::io::Error::other)?;
    let dir = std::env::temp_dir().join(format!("exg-custom-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut text = String::from("ecg\n");
    for v in syn.ecg.samples() {
        text += &format!("{v:.17e}\n");
    }
    let file = dir.join("synthetic.csv");
    std::fs::write(&file, text)?;
    Ok((syn.ecg, file))
}

/// `exg peaks FILE --fs 360 --detector NAME` run through the CLI's code with `registry`.
fn cli_peaks(registry: &Registry, file: &std::path::Path, detector: &str) -> ExitCode {
    let file = file.to_string_lossy();
    let args = ["exg", "peaks", &file, "--fs", "360", "--detector", detector];
    exg_cli::run(args, registry)
}

fn main() -> ExitCode {
    let (batch, streaming) = conformance();
    println!("{batch}\n{streaming}");
    if !(batch.passed() && streaming.passed()) {
        return ExitCode::FAILURE;
    }
    let (_, file) = match synthetic_csv("main") {
        Ok(x) => x,
        Err(e) => {
            eprintln!("writing the synthetic record: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = cli_peaks(&registry(), &file, "energy");
    let _ = std::fs::remove_dir_all(file.parent().unwrap_or(&file));
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_full_conformance_battery() {
        let (batch, streaming) = conformance();
        assert!(batch.passed(), "{batch}");
        assert!(streaming.passed(), "{streaming}");
    }

    #[test]
    fn runs_through_the_cli_registry() {
        let (ecg, file) = synthetic_csv("test").unwrap();
        let registry = registry();
        assert!(registry.names().any(|n| n == "energy"));
        // The registry hands out this detector under its name ...
        let from_registry = registry.get("Energy").unwrap().detect(&ecg).unwrap();
        assert_eq!(from_registry, Energy::default().detect(&ecg).unwrap());
        assert!(from_registry.peaks.len() > 20);
        // ... and `exg peaks` finds it there: success with this registry, "unknown detector"
        // (exit code 1) with the built-in one.
        assert_eq!(cli_peaks(&registry, &file, "energy"), ExitCode::SUCCESS);
        assert_eq!(
            cli_peaks(&Registry::builtin(), &file, "energy"),
            ExitCode::from(1)
        );
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }
}
