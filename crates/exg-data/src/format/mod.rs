//! File-format readers. Each produces a [`Record`] whose sampling rate is typed.
//!
//! | module | files | sampling rate from | annotations |
//! |---|---|---|---|
//! | [`wfdb`] | `.hea` + `.dat` (formats 16, 61, 24, 32, 80, 212) or CinC `.mat` (`16+24`) | header | `.atr` (MIT format) |
//! | [`mat4`] | MATLAB v4 `.mat` (`val` matrix) | the caller (or the `.hea`) | – |
//! | [`mat5`] | MATLAB v5 `.mat` numeric matrices (zlib-compressed or not; a record from its signal matrix) | the caller | – |
//! | [`edf`] | EDF, EDF+C, EDF+D, BDF | header | EDF+ TALs |
//! | [`wav`] | PCM / float WAV | header | – |
//! | [`csv`] | delimited text, optional header row of lead names | the caller | – |
//!
//! [`open`] picks the reader from the file name and, when that is not conclusive, the first
//! bytes; [`open_with`] also takes a sampling rate for formats that do not store one.
//! The details (supported variants, what is refused, invalid-sample handling, units) are in
//! `docs/data-formats.md`.
//!
//! ```no_run
//! use exg_data::format::{OpenOptions, open, open_with};
//! use exg_signal::Hz;
//! let mitdb = open("../shared/data/mitdb/100.hea")?;      // + 100.atr annotations
//! let chapman = open_with("MUSE_20180111_155115_19000.csv",
//!                         &OpenOptions { fs: Some(Hz::new(500.0)?), ..Default::default() })?;
//! # let _ = (mitdb, chapman);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod csv;
pub mod edf;
pub mod mat4;
pub mod mat5;
pub mod wav;
pub mod wfdb;

use std::io::Read;
use std::path::Path;

use exg_signal::Hz;

use crate::{Error, Record, Result};

/// A file format [`detect`] can recognise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// WFDB record (header + signal files).
    Wfdb,
    /// Bare MATLAB v4 file (no WFDB header next to it).
    Mat4,
    /// MATLAB v5 file (CPSC 2019 `data_XXXXX.mat`; see [`mat5::read_mat5_record`]).
    Mat5,
    /// EDF / EDF+ / BDF.
    Edf,
    /// WAV.
    Wav,
    /// Delimited text.
    Csv,
}

impl Format {
    /// Lower-case name, as written in [`Record::format`].
    pub fn name(self) -> &'static str {
        match self {
            Self::Wfdb => "wfdb",
            Self::Mat4 => "mat4",
            Self::Mat5 => "mat5",
            Self::Edf => "edf",
            Self::Wav => "wav",
            Self::Csv => "csv",
        }
    }
}

/// Options of [`open_with`].
#[derive(Clone, Debug, PartialEq)]
pub struct OpenOptions {
    /// Sampling rate for formats that do not store one (CSV, bare MAT v4, MAT v5); required there,
    /// and ignored (the file's own rate wins) elsewhere.
    pub fs: Option<Hz>,
    /// CSV layout.
    pub csv: csv::CsvOptions,
    /// WFDB: also load the `<record>.<ext>` annotation file when it exists (`Some("atr")` by
    /// default; `None` to skip).
    pub wfdb_annotations: Option<String>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            fs: None,
            csv: csv::CsvOptions::default(),
            wfdb_annotations: Some("atr".into()),
        }
    }
}

/// Opens any supported file with default options (see [`open_with`]).
pub fn open(path: impl AsRef<Path>) -> Result<Record> {
    open_with(path, &OpenOptions::default())
}

/// Opens any supported file.
///
/// WFDB records may be named by their header, a signal file (`.dat`, or a `.mat` with a
/// `.hea` beside it), their `.atr` or the record path without extension; their `.atr` annotations are
/// loaded when present. CSV, bare MAT v4 and MAT v5 files need [`OpenOptions::fs`] and fail with
/// [`Error::MissingSamplingRate`] without it.
pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Record> {
    let path = path.as_ref();
    let need_fs = |format| {
        options.fs.ok_or_else(|| Error::MissingSamplingRate {
            path: path.to_path_buf(),
            format,
        })
    };
    match detect(path)? {
        Format::Wfdb => {
            let mut rec = wfdb::read_record(path)?;
            if let Some(ext) = &options.wfdb_annotations {
                let header = wfdb::header_path(path);
                if header.with_extension(ext).is_file() {
                    rec.annotations = wfdb::read_annotations(&header, ext)?;
                }
            }
            Ok(rec)
        }
        Format::Mat4 => mat4::read_mat4_record(path, need_fs("MAT v4")?),
        Format::Mat5 => mat5::read_mat5_record(path, need_fs("MAT v5")?),
        Format::Edf => edf::read_edf(path),
        Format::Wav => wav::read_wav(path),
        Format::Csv => csv::read_csv(path, need_fs("CSV")?, &options.csv),
    }
}

/// A record's name from its file: the file name without its extension (`100` for `100.dat`),
/// or empty when the path has none.
pub(crate) fn record_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Detects the format of `path` from its extension, a WFDB header beside it, or its first
/// bytes (RIFF/WAVE, the EDF `0       ` version field, BioSemi's `\xffBIOSEMI`, a MAT v4
/// matrix header).
pub fn detect(path: &Path) -> Result<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let sibling_header = || wfdb::header_path(path).is_file();
    match ext.as_deref() {
        Some("hea") => return Ok(Format::Wfdb),
        Some("dat" | "atr") if sibling_header() => return Ok(Format::Wfdb),
        Some("mat") if sibling_header() => return Ok(Format::Wfdb),
        Some("edf" | "bdf" | "rec") => return Ok(Format::Edf),
        Some("wav") => return Ok(Format::Wav),
        Some("csv" | "tsv" | "txt") => return Ok(Format::Csv),
        _ => {}
    }
    if !path.exists() && path.extension().is_none() && sibling_header() {
        return Ok(Format::Wfdb);
    }
    let mut head = [0u8; 24];
    let n = {
        let mut f = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            }
        }
        n
    };
    let head = &head[..n];
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        Ok(Format::Wav)
    } else if head.starts_with(b"0       ") || head.starts_with(b"\xffBIOSEMI") {
        Ok(Format::Edf)
    } else if head.starts_with(mat5::HEADER_TEXT) {
        Ok(Format::Mat5)
    } else if mat4::looks_like_mat4(head) || ext.as_deref() == Some("mat") {
        // A `.mat` that is not MAT v5 is read as MAT v4, whose reader names what is wrong.
        Ok(Format::Mat4)
    } else {
        Err(Error::UnknownFormat {
            path: path.to_path_buf(),
        })
    }
}
