//! `exg hrv`: HRV and quantitative ECG features as JSON.
//!
//! * `exg hrv RECORD [--channel N] [--detector NAME]`: reads the record, detects R-peaks on one
//!   channel, then computes every feature (HRV time/frequency/non-linear, rhythm, ectopy,
//!   P-wave presence, morphology, signal quality, beat template).
//! * `exg hrv --peaks FILE --fs HZ [--len N]`: peaks given (one 0-based sample index per line);
//!   only peak-based features (signal features need the record).
//!
//! Output: `{"fs", "n_peaks", "duration_s", "detector"?, "features": {NAME: {"value", "unit",
//! "valid", "reason"?}}}`. Invalid features have `"value": null` and a reason, never NaN.
//!
//! WFDB and EDF records longer than 10 minutes are streamed (read in chunks, detected with
//! `exg_signal::rpeaks::RecordStream`: the same peaks as whole-record detection): the peak-based
//! time-domain and Poincaré features use every beat of the record; the spectra (Welch, Lomb),
//! entropies, rhythm and ectopy features and the signal features (P-wave presence, morphology,
//! signal quality, beat template) its first hour (`FIRST_S`: their cost grows faster than the
//! record, and the signal's first hour is the only part kept). Up to an hour the output is that of a whole read; beyond, memory stays that
//! of a 1-h record (`docs/cli.md` §"Long recordings").

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use exg_features::{
    AtrialActivity, BeatTemplate, Complexity, Concat, Ectopy, Extract, FeatureExtractor,
    HrvFrequency, HrvTime, Morphology, Poincare, Rhythm, SignalQuality,
};
use exg_signal::rpeaks::{RecordStream, Registry, StreamGate, StreamingDetector};
use exg_signal::{Ecg, Hz, RPeaks};

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

/// The part of a streamed record an extractor sees ([`streamed`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    /// Every beat: the cost grows linearly with the beats.
    AllBeats,
    /// The first [`FIRST_S`]: spectra (Welch, Lomb), entropies and rhythm features cost more
    /// than linear time or memory (on a day of RR, 100 k beats: minutes and ~0.5 GB).
    First,
}

/// The peak-based extractors in output order, with the span they see when streamed.
fn peak_extractors(exgnet17: bool) -> Vec<(Box<dyn FeatureExtractor>, Span)> {
    if exgnet17 {
        return vec![(Box::new(HrvTime::exgnet17()), Span::AllBeats)];
    }
    vec![
        (Box::new(HrvTime::all()), Span::AllBeats),
        (Box::new(HrvFrequency::welch()), Span::First),
        (Box::new(HrvFrequency::lomb()), Span::First),
        (Box::new(Poincare::default()), Span::AllBeats),
        (Box::new(Complexity::default()), Span::First),
        (Box::new(Rhythm::default()), Span::First),
        (Box::new(Ectopy::default()), Span::First),
    ]
}

/// The peak-based extractors alone (see [`peak_extractors`]).
fn peak_only(exgnet17: bool) -> Vec<Box<dyn FeatureExtractor>> {
    peak_extractors(exgnet17)
        .into_iter()
        .map(|(e, _)| e)
        .collect()
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
            let v = Concat::new(peak_only(args.exgnet17))?.extract_peaks(&peaks)?;
            serde_json::json!({
                "fs": fs.get(),
                "n_peaks": peaks.len(),
                "duration_s": fs.seconds(peaks.signal_len()),
                "features": v.to_json(),
            })
        }
        (Some(path), None) => {
            let long = super::long_lead(path, args.fs, args.channel)?;
            match (long, registry.streaming(&args.detector)) {
                (Some(lead), Some(detector)) => streamed(&args, path, lead, detector.as_ref())?,
                _ => whole(&args, path, registry)?,
            }
        }
        _ => bail!("give either a record PATH or --peaks FILE --fs HZ"),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// The signal features of a streamed record, and the peak features of [`Span::First`], come
/// from its first this many seconds: median beats need every window at once (a 24-h record
/// would need 240 MB of them), and the spectra and entropies grow faster than the beats.
pub const FIRST_S: f64 = 3600.0;

/// The signal-based extractors (P-wave presence, morphology, signal quality, beat template);
/// none for `--exgnet17`.
fn signal_extractors(exgnet17: bool) -> Vec<Box<dyn FeatureExtractor>> {
    if exgnet17 {
        return Vec::new();
    }
    vec![
        Box::new(AtrialActivity::default()),
        Box::new(Morphology::default()),
        Box::new(SignalQuality::default()),
        Box::new(BeatTemplate::default()),
    ]
}

/// A record read whole: every feature on the whole record.
fn whole(args: &Args, path: &Path, registry: &Registry) -> anyhow::Result<serde_json::Value> {
    // `--fs` gives the rate of formats that store none (CSV, bare MAT v4).
    let ecg = super::read_lead(path, args.fs, args.channel)?;
    let detector = super::detector(registry, &args.detector)?;
    let peaks = detector.detect(&ecg)?.peaks;
    let mut parts = peak_only(args.exgnet17);
    parts.extend(signal_extractors(args.exgnet17));
    let v = Concat::new(parts)?.extract(&ecg, &peaks)?;
    Ok(serde_json::json!({
        "record": path.display().to_string(),
        "channel": args.channel,
        "lead": ecg.lead(),
        "detector": detector.name(),
        "fs": ecg.fs().get(),
        "n_peaks": peaks.len(),
        "duration_s": ecg.duration(),
        "features": v.to_json(),
    }))
}

/// A long WFDB or EDF record streamed: the peak features of [`Span::AllBeats`] on every beat, the
/// others and the signal features on the first [`FIRST_S`] (the only samples kept). A record of
/// up to [`FIRST_S`] gives the output of [`whole`].
fn streamed(
    args: &Args,
    path: &Path,
    lead: super::LongLead,
    detector: &dyn StreamingDetector,
) -> anyhow::Result<serde_json::Value> {
    let (fs, name) = (lead.fs, lead.lead.clone());
    let first = fs.samples(FIRST_S).min(lead.len);
    let signal = signal_extractors(args.exgnet17);
    let keep = if signal.is_empty() { 0 } else { first };
    let mut excerpt = Vec::with_capacity(keep);
    // Ungated, as the whole-record path's `detect`.
    let stream = RecordStream::new(detector, fs, StreamGate::Off)?;
    let end = super::stream_lead(lead, stream, |x| {
        let k = (keep - excerpt.len()).min(x.len());
        excerpt.extend_from_slice(&x[..k]);
    })?;
    let peaks = end.detection.peaks;
    let inside: Vec<usize> = peaks
        .indices()
        .iter()
        .copied()
        .take_while(|&p| p < first)
        .collect();
    let inside = RPeaks::new(inside, fs, first)?;
    let mut features = serde_json::Map::new();
    let mut add = |v: exg_features::FeatureVector| {
        if let serde_json::Value::Object(m) = v.to_json() {
            features.extend(m);
        }
    };
    for (e, span) in peak_extractors(args.exgnet17) {
        add(e.extract_peaks(if span == Span::AllBeats {
            &peaks
        } else {
            &inside
        })?);
    }
    if !signal.is_empty() {
        let ecg = Ecg::new(excerpt, fs)?.with_lead(name.clone());
        for e in signal {
            add(e.extract(&ecg, &inside)?);
        }
    }
    Ok(serde_json::json!({
        "record": path.display().to_string(),
        "channel": args.channel,
        "lead": name,
        "detector": detector.name(),
        "fs": fs.get(),
        "n_peaks": peaks.len(),
        "duration_s": fs.seconds(peaks.signal_len()),
        "features": features,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `exg hrv` prints `exg_features::full_set()`, the set a fused model is trained on: the
    /// per-span lists here must not drift from it.
    #[test]
    fn extractor_lists_are_the_full_set() {
        let mut parts = peak_only(false);
        parts.extend(signal_extractors(false));
        let here: Vec<String> = Concat::new(parts)
            .unwrap()
            .schema()
            .names()
            .map(str::to_owned)
            .collect();
        let full: Vec<String> = exg_features::full_set()
            .unwrap()
            .schema()
            .names()
            .map(str::to_owned)
            .collect();
        assert_eq!(here, full);
    }
}
