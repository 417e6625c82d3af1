//! `exg hrv`: HRV and quantitative ECG features as JSON.
//!
//! * `exg hrv RECORD [--channel N] [--detector NAME]`: reads the record, detects R-peaks on one
//!   channel, then computes every feature (HRV time/frequency/non-linear, rhythm, P-wave
//!   presence, morphology).
//! * `exg hrv --peaks FILE --fs HZ [--len N]`: peaks given (one 0-based sample index per line);
//!   only peak-based features (signal features need the record).
//!
//! Output: `{"fs", "n_peaks", "duration_s", "detector"?, "features": {NAME: {"value", "unit",
//! "valid", "reason"?}}}`. Invalid features have `"value": null` and a reason, never NaN.

use std::path::PathBuf;

use anyhow::{Context, bail};
use exg_features::{
    AtrialActivity, Complexity, Concat, Extract, FeatureExtractor, HrvFrequency, HrvTime,
    Morphology, Poincare, Rhythm,
};
use exg_signal::rpeaks::Registry;
use exg_signal::{Hz, RPeaks};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// ECG record (any format `exg info` reads). Omit when giving `--peaks`.
    pub path: Option<PathBuf>,
    /// Channel index to analyse (0-based).
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// R-peak detector (pantompkins, hamilton, neurokit, consensus, or any name in the registry
    /// the program was built with).
    #[arg(long, default_value = "pantompkins")]
    pub detector: String,
    /// File with one 0-based R-peak sample index per line (instead of detecting).
    #[arg(long, conflicts_with = "path")]
    pub peaks: Option<PathBuf>,
    /// Sampling rate, Hz: of the peak indices (required with `--peaks`), or of a record whose
    /// format stores none (CSV, bare MAT v4).
    #[arg(long)]
    pub fs: Option<f64>,
    /// Record length in samples for `--peaks` (default: last peak + 1); sets the duration
    /// used by the validity rules.
    #[arg(long, requires = "peaks")]
    pub len: Option<usize>,
    /// Only EXGnet's 17 time-domain features.
    #[arg(long)]
    pub exgnet17: bool,
}

fn peak_extractors(exgnet17: bool) -> anyhow::Result<Vec<Box<dyn FeatureExtractor>>> {
    if exgnet17 {
        return Ok(vec![Box::new(HrvTime::exgnet17())]);
    }
    Ok(vec![
        Box::new(HrvTime::all()),
        Box::new(HrvFrequency::welch()),
        Box::new(HrvFrequency::lomb()),
        Box::new(Poincare::default()),
        Box::new(Complexity::default()),
        Box::new(Rhythm::default()),
    ])
}

fn read_peaks(path: &PathBuf, fs: Hz, len: Option<usize>) -> anyhow::Result<RPeaks> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut idx = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let v: usize = t
            .parse()
            .with_context(|| format!("{}:{}: not a sample index: {t:?}", path.display(), i + 1))?;
        idx.push(v);
    }
    let len = len.unwrap_or_else(|| idx.last().map_or(0, |l| l + 1));
    Ok(RPeaks::new(idx, fs, len)?)
}

/// Runs the subcommand with the detectors of `registry`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    let out = match (&args.path, &args.peaks) {
        (None, Some(file)) => {
            let Some(fs) = args.fs else {
                bail!("--peaks needs --fs (the sampling rate, Hz)")
            };
            let fs = Hz::new(fs)?;
            let peaks = read_peaks(file, fs, args.len)?;
            let v = Concat::new(peak_extractors(args.exgnet17)?)?.extract_peaks(&peaks)?;
            serde_json::json!({
                "fs": fs.get(),
                "n_peaks": peaks.len(),
                "duration_s": fs.seconds(peaks.signal_len()),
                "features": v.to_json(),
            })
        }
        (Some(path), None) => {
            // `--fs` gives the rate of formats that store none (CSV, bare MAT v4).
            let ecg = super::read_lead(path, args.fs, args.channel)?;
            let detector = super::detector(registry, &args.detector)?;
            let peaks = detector.detect(&ecg)?.peaks;
            let mut parts = peak_extractors(args.exgnet17)?;
            if !args.exgnet17 {
                parts.push(Box::new(AtrialActivity::default()));
                parts.push(Box::new(Morphology::default()));
            }
            let v = Concat::new(parts)?.extract(&ecg, &peaks)?;
            serde_json::json!({
                "record": path.display().to_string(),
                "channel": args.channel,
                "lead": ecg.lead(),
                "detector": detector.name(),
                "fs": ecg.fs().get(),
                "n_peaks": peaks.len(),
                "duration_s": ecg.duration(),
                "features": v.to_json(),
            })
        }
        _ => bail!("give either a record PATH or --peaks FILE --fs HZ"),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
