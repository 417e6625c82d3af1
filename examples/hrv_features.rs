//! HRV and rhythm features with their validity flags, on a 5-minute and a 10-second record.
//!
//! Every feature comes with a validity flag instead of a bare `NaN`: on a 10-s record the
//! frequency-domain powers are *invalid*, each with its reason (no spectral line in the band,
//! record too short for the band's slowest cycle), while the time-domain features EXGnet uses
//! (`HrvTime::exgnet17`) are valid. An invalid value that could still be computed is kept for
//! inspection (`computed`) but never handed out as a value.
//!
//! ```sh
//! cargo run --release --example hrv_features
//! ```

use anyhow::{Result, ensure};
use exg::features::{
    Concat, Extract, Feature, FeatureExtractor, FeatureVector, HrvFrequency, HrvTime, Rhythm,
};
use exg::signal::Hz;
use exg::signal::rpeaks::{RPeakDetector, default_detector};
use exg::signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};

/// Sinus arrhythmia (strong respiratory RR modulation) of `seconds`, and its features.
fn features_of(extractor: &dyn FeatureExtractor, seconds: f64) -> Result<FeatureVector> {
    let syn = generate(&SyntheticConfig {
        rhythm: SyntheticRhythm::SinusArrhythmia,
        heart_rate_bpm: 72.0,
        white_noise_mv: 0.02,
        seed: 3,
        ..SyntheticConfig::new(Hz::new(250.0)?, seconds)
    })?;
    // Peaks are detected once per record and shared by every extractor (and by the
    // attention target in training).
    let peaks = default_detector().detect(&syn.ecg)?.peaks;
    // `extract` checks the peaks belong to this ECG (same rate and length) before computing.
    Ok(extractor.extract(&syn.ecg, &peaks)?)
}

fn cell(f: &Feature) -> String {
    f.value().map_or("invalid".into(), |v| format!("{v:.3}"))
}

/// Why `f` is invalid, with the number it would have had when one could be computed.
fn why(f: &Feature) -> String {
    match (f.reason(), f.computed()) {
        (Some(r), Some(v)) => format!("{r} (computed {v:.3}, not trusted)"),
        (Some(r), None) => r.to_string(),
        (None, _) => String::new(),
    }
}

fn main() -> Result<()> {
    // EXGnet's 17 time-domain features, the Welch band powers and the AF-oriented rhythm
    // irregularity measures, side by side under one schema.
    let extractor = Concat::new(vec![
        Box::new(HrvTime::exgnet17()),
        Box::new(HrvFrequency::welch()),
        Box::new(Rhythm::default()),
    ])?;
    let long = features_of(&extractor, 300.0)?;
    let short = features_of(&extractor, 10.0)?;

    println!(
        "{:<10} {:<9} {:>9} {:>9}  why (10 s)",
        "feature", "unit", "5 min", "10 s"
    );
    for ((spec, l), (_, s)) in long.iter().zip(short.iter()) {
        let (name, unit) = (&spec.name, &spec.unit);
        println!(
            "{name:<10} {unit:<9} {:>9} {:>9}  {}",
            cell(l),
            cell(s),
            why(s)
        );
    }
    for (spec, f) in long.iter().filter(|(_, f)| !f.is_valid()) {
        println!("5 min, {}: {}", spec.name, why(f));
    }

    let valid = |v: &FeatureVector| v.features().iter().filter(|f| f.is_valid()).count();
    println!(
        "\nvalid: {} of {} on 5 min, {} on 10 s",
        valid(&long),
        long.features().len(),
        valid(&short)
    );
    // What a model is fed: a number for every column plus a mask of which ones to trust.
    let (values, mask) = (short.values_or(0.0), short.mask());
    ensure!(values.iter().all(|v| v.is_finite()) && mask.len() == values.len());
    // The 17 EXGnet features are all valid on 10 s; the LF band is not.
    let hrv17 = HrvTime::exgnet17().schema();
    ensure!(
        hrv17
            .names()
            .all(|n| short.get(n).is_some_and(Feature::is_valid))
    );
    ensure!(short.value("LF").is_none() && long.value("LF").is_some());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main().unwrap();
    }
}
