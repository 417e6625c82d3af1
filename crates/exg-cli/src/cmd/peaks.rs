//! `exg peaks PATH [--channel N] [--detector NAME] [--fs HZ]`: R-peaks of one channel as JSON.
//!
//! ```text
//! $ exg peaks ../shared/data/mitdb/100.hea
//! {"fs":360.0,"peaks":[77,370,662,...],"polarity":"positive","detector":"pantompkins","channel":0,"lead":"MLII","delay_s":2.53,"no_result":null,"reason":null}
//! ```
//!
//! Peaks are 0-based sample indices of the input record. An empty list comes with
//! `"no_result"` (`"no_beats"`: flat or beat-free signal; `"no_consistent_qrs"`: the detected
//! QRS windows do not repeat, i.e. noise — every detector runs behind
//! `exg_signal::rpeaks::QualityGate`) and a human-readable `"reason"`; both are `null` otherwise.
//! `"delay_s"` is the detector's streaming delay, `null` for a batch-only detector (one
//! registered with `Registry::register_batch`), whose `"polarity"` may be `"unknown"`. A channel
//! holding invalid (NaN) samples, a record shorter than 1 s or a rate outside 50–20 000 Hz is an
//! error (exit code 1) with the reason.
//!
//! `--gate-segments SECONDS` judges consecutive stretches separately instead of the whole record
//! (long recordings): the peaks of stretches that fail are dropped and the stretches are listed
//! in `"excluded": [[start, end], ...]` (sample ranges, end exclusive).

use std::path::PathBuf;

use anyhow::Context;
use exg_signal::rpeaks::{Gated, NoResult, Polarity, QualityGate, RPeakDetector, Registry};
use serde_json::json;

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The file: WFDB record/header, CinC `.mat`, EDF, WAV, CSV.
    pub path: PathBuf,
    /// Channel index (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Detector: pantompkins (default), hamilton, neurokit, consensus, or any name in the
    /// registry the program was built with.
    #[arg(long, default_value = "pantompkins")]
    pub detector: String,
    /// Sampling rate in Hz, for formats that do not store one (CSV, bare MAT v4).
    #[arg(long, value_name = "HZ")]
    pub fs: Option<f64>,
    /// Gate consecutive stretches of this many seconds separately (long recordings): drop the
    /// peaks of stretches that fail and list them in `"excluded"`.
    #[arg(long, value_name = "SECONDS")]
    pub gate_segments: Option<f64>,
}

/// Runs the subcommand with the detectors of `registry`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    // Every detector runs behind the signal-quality gate: pure noise prints no peaks and a reason.
    let detector = Gated::new(super::detector(registry, &args.detector)?);
    let ecg = super::read_lead(&args.path, args.fs, args.channel)?;
    let context = || format!("detecting R-peaks in {}", args.path.display());
    let (d, excluded) = match args.gate_segments {
        None => (detector.detect(&ecg).with_context(context)?, None),
        Some(segment_s) => {
            let mut d = detector.inner.detect(&ecg).with_context(context)?;
            let segments = detector.gate.assess_segments(&ecg, &d.peaks, segment_s)?;
            let had_peaks = !d.peaks.is_empty();
            d.peaks = QualityGate::keep_passing(&d.peaks, &segments)?;
            if had_peaks && d.peaks.is_empty() {
                d.polarity = Polarity::Unknown;
                d.no_result = Some(NoResult::NoConsistentQrs);
            }
            let failing: Vec<[usize; 2]> = segments
                .iter()
                .filter(|s| !s.report.passes)
                .map(|s| [s.start, s.end])
                .collect();
            (d, Some(failing))
        }
    };
    let mut out = json!({
        "fs": ecg.fs().get(),
        "peaks": d.peaks.indices(),
        "polarity": d.polarity,
        "detector": detector.name(),
        "channel": args.channel,
        "lead": ecg.lead(),
        "delay_s": d.delay_s,
        "no_result": d.no_result,
        "reason": d.no_result.map(|r| r.to_string()),
    });
    if let Some(excluded) = excluded {
        out["excluded"] = json!(excluded);
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
