//! Draws the attention-target figures of `docs/xai.md` into `docs/figures/`.
//!
//! ```text
//! cargo run --release -p exg-xai --example target_figures [OUT_DIR]
//! ```
//!
//! Synthetic records (sinus rhythm, bradycardia, tachycardia, atrial fibrillation, sinus rhythm
//! with PVCs; seed 1, lead II, 10 s at 500 Hz) and, when the data folder is present, two LUDB
//! records (lead ii): the sinus-rhythm record 2 and the atrial-fibrillation record 44. R-peaks
//! come from `exg_signal::rpeaks::default_detector()`, as in training; no class hint.

use std::path::PathBuf;

use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_signal::synthetic::{SyntheticConfig, SyntheticRhythm as Rhythm, generate};
use exg_signal::{Ecg, Hz};
use exg_xai::{AttentionTarget, ExplainFigure, HrvTarget};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures"));
    std::fs::create_dir_all(&out)?;
    let fs = Hz::new(500.0)?;
    // (file, title, rhythm, heart rate, PVC fraction)
    let synthetic = [
        ("sr", "sinus rhythm", Rhythm::Sinus, 70.0, 0.0),
        ("sb", "sinus bradycardia", Rhythm::Sinus, 45.0, 0.0),
        ("st", "sinus tachycardia", Rhythm::Sinus, 125.0, 0.0),
        (
            "afib",
            "atrial fibrillation",
            Rhythm::AtrialFibrillation,
            95.0,
            0.0,
        ),
        ("pvc", "sinus rhythm with PVCs", Rhythm::Sinus, 70.0, 0.12),
    ];
    let mut records: Vec<(String, String, Ecg)> = Vec::new();
    for (name, what, rhythm, bpm, ectopic_fraction) in synthetic {
        let cfg = SyntheticConfig {
            rhythm,
            heart_rate_bpm: bpm,
            ectopic_fraction,
            white_noise_mv: 0.01,
            baseline_wander_mv: 0.05,
            seed: 1,
            ..SyntheticConfig::new(fs, 10.0)
        };
        let ecg = generate(&cfg)?.ecg;
        records.push((
            format!("synthetic_{name}"),
            format!("Synthetic {what}"),
            ecg,
        ));
    }
    if let Some(ludb) = exg_data::testdata::dir("ludb") {
        for (n, what) in [(2, "sinus rhythm"), (44, "atrial fibrillation")] {
            let rec = exg_data::format::wfdb::read_record(ludb.join(format!("data/{n}")))?;
            records.push((
                format!("ludb_{n}"),
                format!("LUDB record {n}, lead II ({what})"),
                rec.lead("ii")?,
            ));
        }
    }
    let target = HrvTarget::default();
    for (file, title, ecg) in &records {
        let peaks = default_detector().detect(ecg)?.peaks;
        let outcome = target.target(ecg, &peaks, None)?;
        let map = outcome
            .map()
            .ok_or_else(|| format!("{file}: no target: {:?}", outcome.reason()))?;
        let s = map.summary();
        let mut fig = ExplainFigure::new(
            ecg,
            format!(
                "{title} \u{2014} mean HR {:.0} bpm, RR irregularity {:.2}{}",
                s.mean_hr_bpm,
                s.irregularity,
                if s.p_window {
                    ", P-wave region marked"
                } else {
                    ""
                }
            ),
        );
        fig.peaks = Some(&peaks);
        fig.target = Some(map.values());
        fig.size = (1300, 500);
        let path = out.join(format!("target_{file}.png"));
        fig.render(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}
