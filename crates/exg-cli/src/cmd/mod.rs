//! One module per subcommand; each exposes `Args` (clap) and `run`.

use std::path::Path;

use anyhow::{Context, anyhow};
use exg_data::Record;
use exg_data::format::edf::EdfReader;
use exg_data::format::wfdb::SignalReader;
use exg_data::format::{self, Format, OpenOptions};
use exg_signal::rpeaks::{RPeakDetector, RecordEnd, RecordStream, Registry};
use exg_signal::{Ecg, Hz};

pub mod bench;
pub mod explain;
pub mod hrv;
pub mod info;
pub mod model;
pub mod peaks;
pub mod predict;
pub mod score_peaks;
pub mod study;

/// The detector `--detector NAME` asks for, or an error listing the registry's names.
pub fn detector(registry: &Registry, name: &str) -> anyhow::Result<Box<dyn RPeakDetector>> {
    registry.get(name).ok_or_else(|| {
        let known: Vec<&str> = registry.names().collect();
        anyhow!("unknown detector `{name}` (known: {})", known.join(", "))
    })
}

/// Opens `path` (any supported format) with `--fs` for formats that carry no rate and, when
/// given, the WFDB annotation file extension to read alongside.
pub fn open_record(
    path: &Path,
    fs: Option<f64>,
    wfdb_annotations: Option<String>,
) -> anyhow::Result<Record> {
    let fs = checked_fs(fs)?;
    let options = OpenOptions {
        fs,
        wfdb_annotations,
        ..OpenOptions::default()
    };
    Ok(format::open_with(path, &options)?)
}

/// Lead `channel` of the record at `path` (see [`open_record`]).
pub fn read_lead(path: &Path, fs: Option<f64>, channel: usize) -> anyhow::Result<Ecg> {
    open_record(path, fs, None)?
        .ecg(channel)
        .with_context(|| format!("channel {channel} of {}", path.display()))
}

/// `--fs` as a rate, or the error every command gives for a bad one.
fn checked_fs(fs: Option<f64>) -> anyhow::Result<Option<Hz>> {
    fs.map(Hz::new)
        .transpose()
        .context("--fs must be a positive number of hertz")
}

/// WFDB and EDF records longer than this (s) are streamed by `exg peaks` and `exg hrv` (read
/// in chunks, never whole); shorter ones, and other formats, are read whole.
pub const STREAM_ABOVE_S: f64 = 600.0;

/// Frames per chunk when streaming WFDB (256 KiB of samples for 2 leads: cache-sized decoding);
/// EDF is read one data record at a time.
const STREAM_CHUNK: usize = 1 << 14;

/// Where a streamed lead's samples come from.
enum ChunkSource {
    Wfdb(Box<SignalReader>),
    Edf(Box<EdfReader>),
}

/// One lead of a long WFDB or EDF record, opened for streaming ([`long_lead`]).
pub struct LongLead {
    source: ChunkSource,
    channel: usize,
    context: String,
    /// The lead's name, as [`read_lead`] names it.
    pub lead: String,
    /// Sampling rate.
    pub fs: Hz,
    /// Samples in the lead (EDF+D: in its data records, without the gaps).
    pub len: usize,
}

/// Lead `channel` of `path` opened for streaming when `path` is a WFDB or EDF record longer
/// than [`STREAM_ABOVE_S`]; `None` otherwise (the caller reads it whole with [`read_lead`],
/// which also reports the errors of files that cannot be opened).
pub fn long_lead(path: &Path, fs: Option<f64>, channel: usize) -> anyhow::Result<Option<LongLead>> {
    checked_fs(fs)?;
    let (source, rate, len, names) = match format::detect(path) {
        Ok(Format::Wfdb) => {
            let Ok(reader) = SignalReader::open(path) else {
                return Ok(None);
            };
            let header = reader.header();
            let (rate, len, names) = (header.fs, reader.n_frames(), header.channel_names());
            (ChunkSource::Wfdb(Box::new(reader)), rate, len, names)
        }
        Ok(Format::Edf) => {
            let Ok(reader) = EdfReader::open(path, None) else {
                return Ok(None);
            };
            let (rate, len, names) = (
                reader.fs(),
                reader.declared_frames(),
                reader.channel_names(),
            );
            (ChunkSource::Edf(Box::new(reader)), rate, len, names)
        }
        _ => return Ok(None),
    };
    if rate.seconds(len) <= STREAM_ABOVE_S {
        return Ok(None);
    }
    let context = format!("channel {channel} of {}", path.display());
    let lead = names
        .into_iter()
        .nth(channel)
        .ok_or_else(|| exg_data::Error::NoSuchChannel(channel.to_string()))
        .context(context.clone())?;
    Ok(Some(LongLead {
        fs: rate,
        len,
        source,
        channel,
        context,
        lead,
    }))
}

/// Streams `lead` through `stream`, handing every chunk of samples to `each` as well.
pub fn stream_lead(
    lead: LongLead,
    mut stream: RecordStream,
    mut each: impl FnMut(&[f64]),
) -> anyhow::Result<RecordEnd> {
    let LongLead {
        source,
        channel,
        context,
        ..
    } = lead;
    let mut push = |x: &[f64]| -> anyhow::Result<()> {
        stream.push(x).with_context(|| context.clone())?;
        each(x);
        Ok(())
    };
    match source {
        ChunkSource::Wfdb(reader) => {
            for chunk in reader.chunks(STREAM_CHUNK) {
                let chunk = chunk.with_context(|| context.clone())?;
                push(&chunk.channels[channel])?;
            }
        }
        ChunkSource::Edf(mut reader) => {
            while let Some(block) = reader.next_block().with_context(|| context.clone())? {
                push(&block[channel])?;
            }
        }
    }
    Ok(stream.finish()?)
}
