//! R-peak detection: the default detector, any built-in one by name, and scoring against the
//! truth.
//!
//! The synthetic generator knows where every R-peak is, so a detector can be scored without
//! annotated data: sensitivity (share of true beats found), positive predictivity (share of
//! detections that are beats), F1 and timing error, with the usual 150 ms matching window.
//!
//! ```sh
//! cargo run --release --example detect_peaks
//! ```

use anyhow::{Context, Result, ensure};
use exg::signal::rng::SplitMix64;
use exg::signal::rpeaks::{RPeakDetector, Registry, default_detector};
use exg::signal::score::{Score, score_peaks};
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
use exg::signal::{Ecg, Hz};

/// Matching window of the scores (the MIT-BIH/AAMI convention), seconds.
const TOLERANCE_S: f64 = 0.150;

fn print_score(name: &str, s: &Score) {
    let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.2}", 100.0 * v));
    println!(
        "{name:<12} {:>4} {:>3} {:>3} {:>7} {:>7} {:>7} {:>8.1}",
        s.tp,
        s.fp,
        s.fn_,
        pct(s.sensitivity()),
        pct(s.ppv()),
        pct(s.f1()),
        s.mean_error_ms().unwrap_or(f64::NAN)
    );
}

fn main() -> Result<()> {
    // A hard but realistic minute: atrial fibrillation with PVCs on an inverted lead, with
    // baseline wander, muscle noise and electrode motion.
    let syn = generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::AtrialFibrillation,
        heart_rate_bpm: 110.0,
        ectopic_fraction: 0.05,
        inverted: true,
        baseline_wander_mv: 0.3,
        white_noise_mv: 0.03,
        emg_noise_mv: 0.05,
        electrode_motion_mv: 0.2,
        seed: 7,
        ..SyntheticConfig::new(Hz::new(360.0)?, 60.0)
    })?;
    let (ecg, truth) = (&syn.ecg, &syn.r_peaks);
    println!(
        "{} true beats in {:.0} s at {}",
        truth.len(),
        ecg.duration(),
        ecg.fs()
    );

    // The default: Pan-Tompkins behind a quality gate that answers "no result" on noise
    // instead of inventing beats. Polarity is detected, so inverted leads need no flag.
    let d = default_detector().detect(ecg)?;
    println!(
        "default: {} peaks, polarity {:?}, streaming delay {:.2} s",
        d.peaks.len(),
        d.polarity,
        d.delay_s.unwrap_or(0.0)
    );
    println!("\ndetector       TP  FP  FN   Se(%)   +P(%)   F1(%)  err(ms)");
    let default_score = score_peaks(truth, &d.peaks, TOLERANCE_S)?;
    print_score("default", &default_score);
    ensure!(
        default_score.f1() > Some(0.95),
        "default detector F1 too low"
    );

    // Programs that let the user choose (the CLI's `--detector NAME`) go through the
    // registry; names ignore case, `-` and `_`, and your own detectors can be registered too.
    let registry = Registry::builtin();
    for name in registry.names() {
        let detector = registry.get(name).context("listed names resolve")?;
        print_score(
            name,
            &score_peaks(truth, &detector.detect(ecg)?.peaks, TOLERANCE_S)?,
        );
    }
    let hamilton = registry.get("Hamilton").context("built in")?;
    println!("\nby name: {}", hamilton.name());
    ensure!(registry.get("no-such-detector").is_none());

    // Pure noise: the gate reports why there are no peaks rather than returning random ones.
    let mut rng = SplitMix64::new(1);
    let noise: Vec<f64> = (0..ecg.len()).map(|_| 0.3 * rng.normal()).collect();
    let d = default_detector().detect(&Ecg::new(noise, ecg.fs())?)?;
    println!(
        "white noise: {} peaks, no_result = {}",
        d.peaks.len(),
        d.no_result.map_or("none".into(), |r| r.to_string())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main().unwrap();
    }
}
