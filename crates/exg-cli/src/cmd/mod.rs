//! One module per subcommand; each exposes `Args` (clap) and `run`.

use std::path::Path;

use anyhow::{Context, anyhow};
use exg_data::Record;
use exg_data::format::{self, OpenOptions};
use exg_signal::rpeaks::{RPeakDetector, Registry};
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
    let fs = fs
        .map(Hz::new)
        .transpose()
        .context("--fs must be a positive number of hertz")?;
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
