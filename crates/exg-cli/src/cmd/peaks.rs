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
//!
//! WFDB and EDF records longer than 10 minutes are streamed (`exg_signal::rpeaks::RecordStream`,
//! read in chunks with `SignalReader` or one data record at a time with `EdfReader`): memory does not grow with the record (a 24-h record runs in the
//! memory of a 1-h one). The peaks are those of whole-record detection; with `--gate-segments`
//! the stretches and their verdicts too; without it the whole-record verdict is pooled over
//! 10-min stretches (`docs/cli.md` §"Long recordings").

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use exg_signal::Hz;
use exg_signal::rpeaks::{
    Detection, Gated, NoResult, Polarity, QualityGate, RPeakDetector, RecordStream, Registry,
    SegmentQuality, StreamGate,
};

/// Command-line arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The file: WFDB record/header, CinC `.mat`, MAT v5 (`--fs`), EDF, WAV, CSV.
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
    let context = || format!("detecting R-peaks in {}", args.path.display());
    if let Some(lead) = super::long_lead(&args.path, args.fs, args.channel)?
        && let Some(inner) = registry.streaming(&args.detector)
    {
        // A long WFDB or EDF record: streamed, with the batch detector's peaks and the same gate.
        let gate = match args.gate_segments {
            None => StreamGate::Record(QualityGate::default()),
            Some(segment_s) => StreamGate::Segments {
                gate: QualityGate::default(),
                segment_s,
            },
        };
        let stream = RecordStream::new(&inner, lead.fs, gate).with_context(context)?;
        let (fs, name) = (lead.fs, lead.lead.clone());
        let end = super::stream_lead(lead, stream, |_| {}).with_context(context)?;
        let excluded = args.gate_segments.map(|_| failing(&end.segments));
        return print(
            &args,
            &end.detection,
            fs,
            inner.name(),
            Some(&name),
            excluded,
        );
    }
    // Every detector runs behind the signal-quality gate: pure noise prints no peaks and a reason.
    let detector = Gated::new(super::detector(registry, &args.detector)?);
    let ecg = super::read_lead(&args.path, args.fs, args.channel)?;
    let (d, excluded) = match args.gate_segments {
        None => (detector.detect(&ecg).with_context(context)?, None),
        Some(segment_s) => {
            let d = detector.inner.detect(&ecg).with_context(context)?;
            let segments = detector.gate.assess_segments(&ecg, &d.peaks, segment_s)?;
            (d.keep_passing(&segments)?, Some(failing(&segments)))
        }
    };
    print(&args, &d, ecg.fs(), detector.name(), ecg.lead(), excluded)
}

/// The stretches that fail the gate, as `[start, end]` sample ranges.
fn failing(segments: &[SegmentQuality]) -> Vec<[usize; 2]> {
    segments
        .iter()
        .filter(|s| !s.report.passes)
        .map(|s| [s.start, s.end])
        .collect()
}

/// The JSON line (module docs). Serialised straight from the peak list: a `serde_json::Value`
/// of 100 k peaks (a day) would take 3 MB more than the list.
#[derive(serde::Serialize)]
struct Out<'a> {
    fs: f64,
    peaks: &'a [usize],
    polarity: Polarity,
    detector: &'a str,
    channel: usize,
    lead: Option<&'a str>,
    delay_s: Option<f64>,
    no_result: Option<NoResult>,
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    excluded: Option<Vec<[usize; 2]>>,
}

/// Prints the JSON line.
fn print(
    args: &Args,
    d: &Detection,
    fs: Hz,
    detector: &str,
    lead: Option<&str>,
    excluded: Option<Vec<[usize; 2]>>,
) -> anyhow::Result<()> {
    let out = Out {
        fs: fs.get(),
        peaks: d.peaks.indices(),
        polarity: d.polarity,
        detector,
        channel: args.channel,
        lead,
        delay_s: d.delay_s,
        no_result: d.no_result,
        reason: d.no_result.map(|r| r.to_string()),
        excluded,
    };
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut w, &out)?;
    writeln!(w)?;
    w.flush()?;
    Ok(())
}
