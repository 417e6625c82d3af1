//! WFDB (PhysioNet) records: `.hea` headers, signal files in formats 16, 61, 24, 32, 80 and 212
//! (including CinC's MATLAB v4 `.mat` files declared as `16+24`), and MIT-format annotation
//! files (`.atr`).
//!
//! Pure Rust, written here rather than on the `wfdb` crate (0.1.6) because that crate has no
//! annotation reader, no checksum verification and no chunked physical-unit reader.
//!
//! Entry points:
//! - [`read_record`]: the whole record as a [`Record`] (physical units, header comments in
//!   [`Metadata`], CinC `Dx` codes in `metadata.labels`);
//! - [`SignalReader`]: the same signals chunk by chunk, for long records;
//! - [`read_annotations`] / [`read_annotation_file`]: `.atr` files; which symbols are beats is
//!   [`exg_signal::score::is_beat_symbol`] (the one list of WFDB beat symbols).
//!
//! ```no_run
//! use exg_data::format::wfdb::{read_annotations, read_record};
//! let rec = read_record("../shared/data/mitdb/100")?; // or ".../100.hea"
//! assert_eq!(rec.fs.get(), 360.0);
//! let mlii = rec.lead("MLII")?;
//! let ann = read_annotations("../shared/data/mitdb/100", "atr")?;
//! assert_eq!(ann.len(), 2274);
//! # let _ = mlii;
//! # Ok::<(), exg_data::Error>(())
//! ```

mod annotation;
mod header;
mod signal;

use std::path::Path;

pub use annotation::{
    WfdbAnnotation, code_symbol, parse_annotations, read_annotation_file, read_annotations,
};
pub use header::{Header, SignalSpec, header_path, parse_header, parse_header_bytes, read_header};
pub use signal::{Chunk, Chunks, SignalFormat, SignalReader};

use crate::{Channel, Metadata, Record, Result};

/// The record names of a WFDB folder (every `*.hea` directly in `dir`, without extension),
/// sorted. For a database such as MIT-BIH this is the list of its records.
///
/// # Errors
/// [`crate::Error::Io`] when `dir` cannot be listed.
pub fn list_records(dir: impl AsRef<Path>) -> Result<Vec<String>> {
    let dir = dir.as_ref();
    let io = |source| crate::Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let name = entry.map_err(io)?.file_name();
        if let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".hea")) {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Reads a whole single-segment WFDB record in physical units.
///
/// `record` names the record (`dir/100`) or its header (`dir/100.hea`). Channel names are
/// the signal descriptions (`ch<N>` when empty), units and gains come from the header, and
/// invalid samples are `NaN`. Header comments are kept in `metadata.comments`, `Key: value`
/// comments go to `metadata.fields` (`Age`, `Sex`, `Dx`...), and CinC `Dx` SNOMED codes to
/// `metadata.labels`. Annotations are not loaded (see [`read_annotations`]).
pub fn read_record(record: impl AsRef<Path>) -> Result<Record> {
    let record_path = record.as_ref();
    let mut reader = SignalReader::open(record_path)?;
    if reader.n_frames() == 0 {
        return Err(crate::Error::Truncated {
            path: header_path(record_path),
            detail: "record holds no samples".into(),
        });
    }
    let data = reader.read_to_end()?;
    record_from(reader.header(), data)
}

/// Builds a [`Record`] from a header and its physical signals.
pub(crate) fn record_from(header: &Header, data: Vec<Vec<f64>>) -> Result<Record> {
    let channels = header
        .signals
        .iter()
        .zip(header.channel_names())
        .zip(data)
        .map(|((s, name), samples)| Channel {
            name,
            units: s.units.clone(),
            gain: Some(s.gain),
            samples,
        })
        .collect();
    let mut rec = Record::new("wfdb", header.fs, channels)?;
    rec.metadata = metadata(header);
    Ok(rec)
}

fn metadata(header: &Header) -> Metadata {
    let mut fields = header.comment_fields();
    if let Some(t) = &header.base_time {
        fields
            .entry("base_time".into())
            .or_insert_with(|| t.clone());
    }
    if let Some(d) = &header.base_date {
        fields
            .entry("base_date".into())
            .or_insert_with(|| d.clone());
    }
    Metadata {
        record: header.record.clone(),
        fields,
        comments: header.comments.clone(),
        labels: header.dx_codes(),
    }
}
