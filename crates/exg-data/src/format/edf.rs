//! EDF, EDF+ (continuous `EDF+C` and discontinuous `EDF+D`) and BDF/BDF+ files, with EDF+
//! annotations, read through the `edf-rs` crate.
//!
//! - Physical value = `bitvalue · (offset + digital)` with `bitvalue = (pmax − pmin)/(dmax − dmin)`
//!   and `offset = pmax/bitvalue − dmax`, EDFlib's (and so pyedflib's) formula; values are not
//!   clipped to the physical range. `gain` is `1/bitvalue` (digital units per physical unit).
//! - Every ordinary signal must have the same sampling rate (`samples per record / record
//!   duration`); otherwise [`read_edf_channels`] selects the ones wanted.
//! - EDF+D: each data record starts at its time-keeping onset; the samples of a gap between
//!   records are `NaN`, so sample indices stay proportional to time. Records out of order or
//!   overlapping are an error, and so are gaps totalling more than 10x the recorded samples
//!   (a bound on memory).
//! - Annotations: every non-time-keeping TAL entry, at `round((onset − first record onset)·fs)`
//!   (saturating at 0), with its duration when one is written (a written duration of 0 reads
//!   as none: `edf-rs` does not distinguish them).
//!
//! The header is checked before any data record is read (header size, record size > 0,
//! file length), so a lying header gives [`Error::Malformed`]/[`Error::Truncated`] rather than
//! a huge allocation or `edf-rs`'s division by zero.

use std::path::Path;

use edf_rs::EDFSpecifications;
use edf_rs::error::edf_error::EDFError;
use edf_rs::file::EDFFile;
use edf_rs::headers::signal_header::SignalHeader;
use edf_rs::record::Samples;
use exg_signal::Hz;

use crate::{Annotation, Channel, Error, Record, Result};

const FORMAT: &str = "EDF";

fn edf_error(path: &Path, e: EDFError) -> Error {
    match e {
        EDFError::FileReadError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::Truncated {
                path: path.to_path_buf(),
                detail: "EDF file ends early".into(),
            }
        }
        EDFError::FileReadError(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        other => Error::Malformed {
            path: path.to_path_buf(),
            format: FORMAT,
            detail: format!("{other:?}"),
        },
    }
}

/// Reads every ordinary signal of an EDF/EDF+/BDF file (they must share one sampling rate).
///
/// ```no_run
/// let rec = exg_data::format::edf::read_edf("recording.edf")?;
/// println!("{} at {}, {} annotations", rec.channels[0].name, rec.fs, rec.annotations.len());
/// # Ok::<(), exg_data::Error>(())
/// ```
pub fn read_edf(path: impl AsRef<Path>) -> Result<Record> {
    read(path.as_ref(), None)
}

/// Reads only the signals whose labels are in `labels` (exact match after trimming), e.g. the
/// ECG leads of a polysomnogram whose other signals use other rates.
pub fn read_edf_channels(path: impl AsRef<Path>, labels: &[&str]) -> Result<Record> {
    read(path.as_ref(), Some(labels))
}

/// An EDF/EDF+/BDF file opened for reading one data record at a time: memory does not grow
/// with the file (a 24-h Holter is read in its 1-s records). [`read_edf`] is this reader
/// collected into a [`Record`]; the header is checked the same way when the file is opened.
///
/// ```no_run
/// use exg_data::format::edf::EdfReader;
/// let mut edf = EdfReader::open("holter.edf", None)?;
/// println!("{} channels at {}, {} frames declared", edf.channel_names().len(), edf.fs(),
///          edf.declared_frames());
/// while let Some(block) = edf.next_block()? {
///     let lead0: &[f64] = &block[0]; // this data record's samples of the first channel
/// }
/// # Ok::<(), exg_data::Error>(())
/// ```
pub struct EdfReader {
    path: std::path::PathBuf,
    edf: EDFFile,
    /// Chosen ordinary signals: (index among ordinary signals, header).
    chosen: Vec<(usize, SignalHeader)>,
    /// Per chosen signal: (bitvalue, offset) of EDFlib's scaling.
    scale: Vec<(f64, f64)>,
    fs: Hz,
    n_records: usize,
    /// Samples per channel in the data records (gaps excluded).
    declared: usize,
    discontinuous: bool,
    kind: &'static str,
    start: String,
    duration: f64,
    /// Data records read so far.
    next: usize,
    first_onset: Option<f64>,
    /// Samples per channel handed out so far (gaps included).
    frames: usize,
    gap_total: usize,
}

impl std::fmt::Debug for EdfReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdfReader")
            .field("path", &self.path)
            .field("fs", &self.fs)
            .field("channels", &self.channel_names())
            .field("records", &self.n_records)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// One data record of an [`EdfReader`]: its samples per chosen channel (for EDF+D, preceded by
/// the NaN samples of the gap before it) and its annotations as (onset s, duration s, text).
struct Block {
    channels: Vec<Vec<f64>>,
    annotations: Vec<(f64, f64, String)>,
}

impl EdfReader {
    /// Opens `path` and checks its header; `labels`: read only these signals (exact match after
    /// trimming), else every ordinary signal (which must then share one rate).
    ///
    /// # Errors
    /// As [`read_edf`] and [`read_edf_channels`], for everything the header can tell.
    pub fn open(path: impl AsRef<Path>, labels: Option<&[&str]>) -> Result<Self> {
        let path = path.as_ref();
        let malformed = |detail: String| Error::Malformed {
            path: path.to_path_buf(),
            format: FORMAT,
            detail,
        };
        let file_len = std::fs::metadata(path)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if file_len < 256 {
            return Err(Error::Truncated {
                path: path.to_path_buf(),
                detail: format!("{file_len} bytes, shorter than the 256-byte EDF header"),
            });
        }
        // As for data records (`next_record`): a panic of edf-rs is a malformed file.
        let edf = crate::guard::catch(|| EDFFile::open(path))
            .ok_or_else(|| malformed("the EDF reader failed on a corrupt header".into()))?
            .map_err(|e| edf_error(path, e))?;
        let header = edf.header.clone();
        let signals: Vec<SignalHeader> = header.get_signals().clone();
        let expected_header = 256 * (signals.len() as u64 + 1);
        if header.get_header_bytes() as u64 != expected_header {
            return Err(malformed(format!(
                "header size field says {} bytes, {} signal(s) need {expected_header}",
                header.get_header_bytes(),
                signals.len()
            )));
        }
        let record_bytes = header.data_record_bytes() as u64;
        if record_bytes == 0 {
            return Err(malformed("data records hold no samples".into()));
        }
        let n_records = header.get_record_count().ok_or_else(|| {
            malformed("number of data records is -1 (file still being recorded)".into())
        })?;
        // Checked: a header may declare up to 10^8 records of 10^12 bytes, past u64.
        let needed = (n_records as u64)
            .checked_mul(record_bytes)
            .and_then(|d| d.checked_add(expected_header));
        if needed.is_none_or(|n| n > file_len) {
            return Err(Error::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "{n_records} data records of {record_bytes} bytes need {} bytes, file has {file_len}",
                    needed.map_or_else(|| "more than 2^64".to_owned(), |n| n.to_string())
                ),
            });
        }
        let duration = header.get_record_duration();
        if !(duration.is_finite() && duration > 0.0) {
            return Err(malformed(format!("data record duration {duration} s")));
        }
        let spec = header.get_specification();
        let plus = matches!(
            spec,
            EDFSpecifications::EDFPlus | EDFSpecifications::BDFPlus
        );
        let discontinuous = plus && !header.is_continuous();

        // Ordinary signals, as (index among ordinary signals, header).
        let ordinary: Vec<(usize, SignalHeader)> = signals
            .into_iter()
            .filter(|s| !s.is_annotation())
            .enumerate()
            .collect();
        let chosen: Vec<(usize, SignalHeader)> = match labels {
            None => ordinary,
            Some(labels) => {
                for l in labels {
                    if !ordinary.iter().any(|(_, s)| s.label.trim() == l.trim()) {
                        return Err(Error::NoSuchChannel((*l).to_owned()));
                    }
                }
                ordinary
                    .into_iter()
                    .filter(|(_, s)| labels.iter().any(|l| l.trim() == s.label.trim()))
                    .collect()
            }
        };
        let Some((_, first)) = chosen.first() else {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                detail: "no ordinary signals (annotation-only file)".into(),
            });
        };
        let per_record = first.samples_count;
        if let Some((_, other)) = chosen.iter().find(|(_, s)| s.samples_count != per_record) {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                detail: format!(
                    "signals have different sampling rates ({} {} Hz, {} {} Hz); select one rate \
                     with read_edf_channels",
                    first.label,
                    first.samples_count as f64 / duration,
                    other.label,
                    other.samples_count as f64 / duration
                ),
            });
        }
        let fs = Hz::new(per_record as f64 / duration)
            .map_err(|_| malformed(format!("sampling rate {} / {duration} s", per_record)))?;
        // EDFlib's scaling, per signal.
        let mut scale = Vec::with_capacity(chosen.len());
        for (_, s) in &chosen {
            let dd = f64::from(s.digital_maximum) - f64::from(s.digital_minimum);
            let bitvalue = (s.physical_maximum - s.physical_minimum) / dd;
            if !(dd > 0.0 && bitvalue.is_finite() && bitvalue != 0.0) {
                return Err(malformed(format!(
                    "signal {}: digital range [{}, {}] / physical range [{}, {}] give no scale",
                    s.label,
                    s.digital_minimum,
                    s.digital_maximum,
                    s.physical_minimum,
                    s.physical_maximum
                )));
            }
            scale.push((
                bitvalue,
                s.physical_maximum / bitvalue - f64::from(s.digital_maximum),
            ));
        }
        let kind = match (&spec, discontinuous) {
            (EDFSpecifications::EDF, _) => "EDF",
            (EDFSpecifications::BDF, _) => "BDF",
            (EDFSpecifications::EDFPlus, false) => "EDF+C",
            (EDFSpecifications::EDFPlus, true) => "EDF+D",
            (EDFSpecifications::BDFPlus, false) => "BDF+C",
            (EDFSpecifications::BDFPlus, true) => "BDF+D",
        };
        Ok(Self {
            path: path.to_path_buf(),
            start: format!("{} {}", header.get_start_date(), header.get_start_time()),
            edf,
            chosen,
            scale,
            fs,
            n_records,
            declared: n_records.saturating_mul(per_record),
            discontinuous,
            kind,
            duration,
            next: 0,
            first_onset: None,
            frames: 0,
            gap_total: 0,
        })
    }

    /// Sampling rate shared by the chosen signals.
    pub fn fs(&self) -> Hz {
        self.fs
    }

    /// Labels of the chosen signals (`ch<i>` for an empty label), in file order.
    pub fn channel_names(&self) -> Vec<String> {
        self.chosen
            .iter()
            .enumerate()
            .map(|(i, (_, s))| {
                if s.label.trim().is_empty() {
                    format!("ch{i}")
                } else {
                    s.label.trim().to_owned()
                }
            })
            .collect()
    }

    /// Samples per channel that the data records hold (the file's length is checked against
    /// it when opened; EDF+D gaps come on top).
    pub fn declared_frames(&self) -> usize {
        self.declared
    }

    /// The next data record's samples, per chosen channel (for EDF+D, preceded by the NaN
    /// samples of the gap before it); `None` after the last.
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::Malformed`] or [`Error::Unsupported`] as for
    /// [`read_edf`], for the record where the problem is.
    pub fn next_block(&mut self) -> Result<Option<Vec<Vec<f64>>>> {
        Ok(self.next_record()?.map(|b| b.channels))
    }

    fn next_record(&mut self) -> Result<Option<Block>> {
        if self.next == self.n_records {
            return Ok(None);
        }
        let (path, idx, fs) = (self.path.clone(), self.next, self.fs);
        let malformed = |detail: String| Error::Malformed {
            path: path.clone(),
            format: FORMAT,
            detail,
        };
        // edf-rs 0.2.0 panics on some corrupt annotation lists (TALs) instead of returning an
        // error (`annotation_list.rs` slices past the end; found by the `edf` fuzz target). The
        // panic is caught (`guard`) and the reader ends there: its state is unknown after it.
        let edf = &mut self.edf;
        let Some(read) = crate::guard::catch(|| edf.read_record()) else {
            self.next = self.n_records;
            return Err(malformed(format!(
                "data record {idx}: the EDF reader failed on a corrupt annotation list"
            )));
        };
        let rec = read
            .map_err(|e| edf_error(&path, e))?
            .ok_or_else(|| Error::Truncated {
                path: path.clone(),
                detail: format!("data record {idx} missing"),
            })?;
        self.next += 1;
        let onset = rec.get_start_offset();
        let t0 = *self.first_onset.get_or_insert(onset);
        let mut gap = 0;
        if self.discontinuous {
            let at = ((onset - t0) * fs.get()).round();
            if !at.is_finite() || at < self.frames as f64 {
                return Err(malformed(format!(
                    "EDF+D record {idx} starts at {onset} s, before the end of the previous record"
                )));
            }
            gap = (at - self.frames as f64) as usize;
            // The NaN fill is bounded by 10x the recorded samples, so a small file with an
            // absurd onset cannot demand gigabytes.
            self.gap_total = self.gap_total.saturating_add(gap);
            if self.gap_total > self.declared.saturating_mul(10) {
                return Err(Error::Unsupported {
                    path: path.clone(),
                    detail: format!(
                        "EDF+D gaps total {} samples, more than 10x the {} recorded",
                        self.gap_total, self.declared
                    ),
                });
            }
        }
        let mut channels = Vec::with_capacity(self.chosen.len());
        for ((oi, _), &(bitvalue, offset)) in self.chosen.iter().zip(&self.scale) {
            let raw = rec
                .raw_signal_samples
                .get(*oi)
                .ok_or_else(|| malformed(format!("data record {idx} lacks signal {oi}")))?;
            let mut out = vec![f64::NAN; gap];
            match raw {
                Samples::Values16Bit(v) => {
                    out.extend(v.iter().map(|&d| bitvalue * (offset + f64::from(d))));
                }
                Samples::Values24Bit(v) => {
                    out.extend(v.iter().map(|&d| bitvalue * (offset + f64::from(d))));
                }
            }
            channels.push(out);
        }
        self.frames += channels[0].len();
        let mut annotations = Vec::new();
        for tals in &rec.annotations {
            for (j, tal) in tals.iter().enumerate() {
                // The first TAL of each record's first annotation signal keeps time.
                if j == 0 && tal.is_time_keeping() {
                    continue;
                }
                for text in tal.annotations.iter().filter(|t| !t.is_empty()) {
                    annotations.push((tal.onset, tal.duration, text.clone()));
                }
            }
        }
        Ok(Some(Block {
            channels,
            annotations,
        }))
    }
}

fn read(path: &Path, select: Option<&[&str]>) -> Result<Record> {
    let mut reader = EdfReader::open(path, select)?;
    // The file holds every declared record (checked when opened), so this reservation is
    // bounded by its length: every sample takes at least 2 bytes.
    let reserve = reader.declared.min(
        std::fs::metadata(path)
            .map(|m| m.len() as usize / 2)
            .unwrap_or(0),
    );
    let mut data: Vec<Vec<f64>> = vec![Vec::with_capacity(reserve); reader.chosen.len()];
    let mut annotations = Vec::new();
    while let Some(block) = reader.next_record()? {
        for (out, samples) in data.iter_mut().zip(block.channels) {
            out.extend(samples);
        }
        annotations.extend(block.annotations);
    }
    if data[0].is_empty() {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "no data records".into(),
        });
    }
    let fs = reader.fs;
    let t0 = reader.first_onset.unwrap_or(0.0);
    let channels = reader
        .channel_names()
        .into_iter()
        .zip(&reader.chosen)
        .zip(data)
        .zip(&reader.scale)
        .map(|(((name, (_, s)), samples), &(bitvalue, _))| Channel {
            name,
            units: s.physical_dimension.trim().to_owned(),
            gain: Some(1.0 / bitvalue),
            samples,
        })
        .collect();
    let mut record = Record::new("edf", fs, channels)?;
    record.annotations = annotations
        .into_iter()
        .map(|(onset, dur, label)| Annotation {
            sample: ((onset - t0) * fs.get()).round().max(0.0) as usize,
            label,
            aux: String::new(),
            duration_s: (dur > 0.0).then_some(dur),
        })
        .collect();
    record.annotations.sort_by_key(|a| a.sample);
    let md = &mut record.metadata;
    md.record = super::record_name(path);
    md.fields.insert("edf_type".into(), reader.kind.into());
    md.fields.insert("start".into(), reader.start.clone());
    md.fields
        .insert("record_duration_s".into(), reader.duration.to_string());
    Ok(record)
}
