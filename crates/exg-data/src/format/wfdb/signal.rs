//! WFDB signal files: sample decoding for formats 16, 61, 24, 32, 80 and 212, and a chunked
//! reader so a 30-minute record need not be decoded at once.
//!
//! Physical value = (digital − baseline) / gain, in `f64`, as wfdb-python's `rdrecord`
//! computes it. Each format's "invalid sample" value (−32768 for 16 and 61, −2048 for 212,
//! −128 for 80, −2²³ for 24, −2³¹ for 32) becomes `NaN`.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::header::{Header, SignalSpec, read_header};
use crate::{Error, Result};

/// A WFDB signal storage format this crate decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignalFormat {
    /// Format 80: 8-bit offset binary (stored byte − 128).
    Fmt80,
    /// Format 212: pairs of 12-bit two's-complement samples packed in 3 bytes (MIT-BIH).
    Fmt212,
    /// Format 16: 16-bit two's complement, little-endian (and CinC `.mat` files, `16+24`).
    Fmt16,
    /// Format 61: 16-bit two's complement, big-endian.
    Fmt61,
    /// Format 24: 24-bit two's complement, little-endian.
    Fmt24,
    /// Format 32: 32-bit two's complement, little-endian.
    Fmt32,
}

impl SignalFormat {
    /// Maps a header format code; other codes (0, 8, 160, 310, 311, FLAC 508...) are refused.
    pub fn from_code(code: u32) -> std::result::Result<Self, String> {
        Ok(match code {
            80 => Self::Fmt80,
            212 => Self::Fmt212,
            16 => Self::Fmt16,
            61 => Self::Fmt61,
            24 => Self::Fmt24,
            32 => Self::Fmt32,
            other => return Err(format!("unsupported WFDB signal format {other}")),
        })
    }

    /// The header code (`212`, `16`...).
    pub fn code(self) -> u32 {
        match self {
            Self::Fmt80 => 80,
            Self::Fmt212 => 212,
            Self::Fmt16 => 16,
            Self::Fmt61 => 61,
            Self::Fmt24 => 24,
            Self::Fmt32 => 32,
        }
    }

    /// ADC resolution assumed when the header gives none.
    pub fn default_resolution(self) -> u32 {
        match self {
            Self::Fmt80 => 8,
            Self::Fmt212 => 12,
            Self::Fmt24 => 24,
            Self::Fmt32 => 32,
            Self::Fmt16 | Self::Fmt61 => 16,
        }
    }

    /// The digital value that marks an invalid (missing) sample.
    pub fn invalid_sample(self) -> i32 {
        match self {
            Self::Fmt80 => -128,
            Self::Fmt212 => -2048,
            Self::Fmt16 | Self::Fmt61 => -32768,
            Self::Fmt24 => -(1 << 23),
            Self::Fmt32 => i32::MIN,
        }
    }

    /// Bytes holding `n` consecutive samples (the stream of interleaved samples of a file).
    pub fn bytes_for(self, n: u64) -> u64 {
        match self {
            Self::Fmt80 => n,
            // Two samples per 3 bytes; a final odd sample occupies 2 bytes.
            Self::Fmt212 => (3 * n).div_ceil(2),
            Self::Fmt16 | Self::Fmt61 => 2 * n,
            Self::Fmt24 => 3 * n,
            Self::Fmt32 => 4 * n,
        }
    }

    /// Whole samples stored in `bytes` bytes.
    pub fn samples_in(self, bytes: u64) -> u64 {
        match self {
            Self::Fmt80 => bytes,
            Self::Fmt212 => 2 * (bytes / 3) + u64::from(bytes % 3 == 2),
            Self::Fmt16 | Self::Fmt61 => bytes / 2,
            Self::Fmt24 => bytes / 3,
            Self::Fmt32 => bytes / 4,
        }
    }
}

/// Decodes `n` samples starting at a sample boundary; for 212 the start must be even
/// (the reader keeps the odd half of a pair pending). `bytes` holds at least `bytes_for(n)`.
fn decode(format: SignalFormat, bytes: &[u8], n: usize, out: &mut Vec<i32>) {
    match format {
        SignalFormat::Fmt80 => out.extend(bytes[..n].iter().map(|&b| i32::from(b) - 128)),
        SignalFormat::Fmt16 => out.extend(
            bytes[..2 * n]
                .chunks_exact(2)
                .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]]))),
        ),
        SignalFormat::Fmt61 => out.extend(
            bytes[..2 * n]
                .chunks_exact(2)
                .map(|c| i32::from(i16::from_be_bytes([c[0], c[1]]))),
        ),
        SignalFormat::Fmt24 => out.extend(bytes[..3 * n].chunks_exact(3).map(|c| {
            // Sign-extend from 24 bits by placing the bytes high and shifting back.
            i32::from_le_bytes([0, c[0], c[1], c[2]]) >> 8
        })),
        SignalFormat::Fmt32 => out.extend(
            bytes[..4 * n]
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
        SignalFormat::Fmt212 => {
            // Sign-extend from 12 bits.
            let sext = |v: i32| (v << 20) >> 20;
            let first = |b: &[u8]| sext(i32::from(b[0]) | (i32::from(b[1] & 0x0F) << 8));
            let second = |b: &[u8]| sext(i32::from(b[2]) | (i32::from(b[1] & 0xF0) << 4));
            let pairs = &bytes[..3 * (n / 2)];
            out.reserve(n);
            for b in pairs.chunks_exact(3) {
                out.push(first(b));
                out.push(second(b));
            }
            if n % 2 == 1 {
                out.push(first(&bytes[3 * (n / 2)..]));
            }
        }
    }
}

/// Streams the interleaved samples of one signal file.
struct FileStream {
    path: PathBuf,
    format: SignalFormat,
    reader: BufReader<File>,
    /// Second sample of a 212 pair whose first sample was already handed out.
    pending: Option<i32>,
    buf: Vec<u8>,
}

impl FileStream {
    /// Appends `n` digital samples (interleaved stream order) to `out`.
    fn read(&mut self, mut n: usize, out: &mut Vec<i32>) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        if let Some(v) = self.pending.take() {
            out.push(v);
            n -= 1;
        }
        let (whole, odd) = if self.format == SignalFormat::Fmt212 {
            (n - n % 2, n % 2 == 1)
        } else {
            (n, false)
        };
        let nbytes = self.format.bytes_for(whole as u64) as usize;
        self.buf.resize(nbytes, 0);
        read_exact(&mut self.reader, &mut self.buf, &self.path)?;
        decode(self.format, &self.buf, whole, out);
        if odd {
            // Read the whole 3-byte pair when it is there; the last sample of a file with an
            // odd sample count has only 2 bytes.
            let mut tri = [0u8; 3];
            let got = read_up_to(&mut self.reader, &mut tri, &self.path)?;
            if got < 2 {
                return Err(Error::Truncated {
                    path: self.path.clone(),
                    detail: "signal file ends inside a format-212 sample".into(),
                });
            }
            let mut two = Vec::with_capacity(2);
            decode(
                SignalFormat::Fmt212,
                &tri,
                if got == 3 { 2 } else { 1 },
                &mut two,
            );
            out.push(two[0]);
            self.pending = two.get(1).copied();
        }
        Ok(())
    }
}

fn read_exact(r: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            Error::Truncated {
                path: path.to_path_buf(),
                detail: "signal file is shorter than the header's sample count".into(),
            }
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
    Ok(got)
}

/// The signals stored in one file, interleaved frame by frame.
struct Group {
    stream: FileStream,
    /// Indices into the header's signal list, in interleaving order.
    signals: Vec<usize>,
}

/// A block of frames read by [`SignalReader`].
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    /// Index of the chunk's first sample within the record.
    pub start: usize,
    /// Physical values, one vector per signal (header order), all of the same length.
    pub channels: Vec<Vec<f64>>,
}

/// Chunked reader of a WFDB record's signals, in physical units.
///
/// ```no_run
/// use exg_data::format::wfdb::SignalReader;
/// let mut reader = SignalReader::open("../shared/data/mitdb/100")?;
/// let mut total = 0;
/// while let Some(chunk) = reader.read_chunk(36_000)? {
///     total += chunk.channels[0].len(); // 100 s of MLII at a time
/// }
/// assert_eq!(total, 650_000);
/// # Ok::<(), exg_data::Error>(())
/// ```
///
/// Header checksums (16-bit sums of the digital samples) are verified when the last frame has
/// been read: the call that reaches the end returns [`Error::Malformed`] on a mismatch. A
/// checksum field of 0 is taken as "not computed" (CinC 2017 headers write 0 throughout).
pub struct SignalReader {
    header: Header,
    header_path: PathBuf,
    groups: Vec<Group>,
    n_frames: usize,
    position: usize,
    /// Running digital sums per signal, for the header checksums.
    sums: Vec<i64>,
    digital: Vec<i32>,
}

impl std::fmt::Debug for SignalReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalReader")
            .field("header_path", &self.header_path)
            .field("n_frames", &self.n_frames)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl SignalReader {
    /// Opens record `path` (`dir/100`, or the `.hea` path) and its signal files.
    ///
    /// Fails with [`Error::Unsupported`] for records without signals, with several samples per
    /// frame or a skew, and with [`Error::Truncated`] when a signal file is shorter than the
    /// header's sample count.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let header_path = super::header::header_path(path.as_ref());
        let header = read_header(&header_path)?;
        Self::from_header(header, header_path)
    }

    /// Opens the signal files of an already parsed header; `header_path` locates them.
    pub fn from_header(header: Header, header_path: PathBuf) -> Result<Self> {
        let unsupported = |detail: String| Error::Unsupported {
            path: header_path.clone(),
            detail,
        };
        if header.signals.is_empty() {
            return Err(unsupported("record has no signals".into()));
        }
        let dir = header_path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, s) in header.signals.iter().enumerate() {
            if s.samples_per_frame != 1 {
                return Err(unsupported(format!(
                    "signal {i} has {} samples per frame (multi-frequency records)",
                    s.samples_per_frame
                )));
            }
            if s.skew != 0 {
                return Err(unsupported(format!("signal {i} has skew {}", s.skew)));
            }
            if s.file_name == "~" {
                return Err(unsupported(format!("signal {i} has no signal file (`~`)")));
            }
            if s.block_size != 0 {
                return Err(unsupported(format!(
                    "signal {i} has block size {}",
                    s.block_size
                )));
            }
            match groups.iter_mut().find(|(f, _)| *f == s.file_name) {
                Some((_, v)) => {
                    let first = &header.signals[v[0]];
                    if first.format != s.format || first.byte_offset != s.byte_offset {
                        return Err(Error::Malformed {
                            path: header_path.clone(),
                            format: "WFDB header",
                            detail: format!(
                                "signals {} and {i} share file {} but differ in format or byte offset",
                                v[0], s.file_name
                            ),
                        });
                    }
                    v.push(i);
                }
                None => groups.push((s.file_name.clone(), vec![i])),
            }
        }
        let mut n_frames: Option<u64> = header.n_samples.map(|n| n as u64);
        let mut opened = Vec::with_capacity(groups.len());
        for (file_name, signals) in groups {
            let spec: &SignalSpec = &header.signals[signals[0]];
            let path = dir.join(&file_name);
            let io = |source| Error::Io {
                path: path.clone(),
                source,
            };
            let mut file = File::open(&path).map_err(io)?;
            let len = file.metadata().map_err(io)?.len();
            let k = signals.len() as u64;
            let available = spec.format.samples_in(len.saturating_sub(spec.byte_offset)) / k;
            match n_frames {
                Some(n) if n > available => {
                    return Err(Error::Truncated {
                        path: path.clone(),
                        detail: format!(
                            "header declares {n} samples per signal but the file holds {available} \
                             ({len} bytes, offset {}, {k} signal(s), format {})",
                            spec.byte_offset,
                            spec.format.code()
                        ),
                    });
                }
                Some(_) => {}
                // No sample count in the header: the first file decides (as WFDB does).
                None => n_frames = Some(available),
            }
            file.seek(SeekFrom::Start(spec.byte_offset)).map_err(io)?;
            opened.push(Group {
                stream: FileStream {
                    path: path.clone(),
                    format: spec.format,
                    reader: BufReader::with_capacity(1 << 16, file),
                    pending: None,
                    buf: Vec::new(),
                },
                signals,
            });
        }
        let n_frames = usize::try_from(n_frames.unwrap_or(0))
            .map_err(|_| unsupported("record too long for this platform's address space".into()))?;
        let nsig = header.signals.len();
        Ok(Self {
            header,
            header_path,
            groups: opened,
            n_frames,
            position: 0,
            sums: vec![0; nsig],
            digital: Vec::new(),
        })
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Samples per signal in the record.
    pub fn n_frames(&self) -> usize {
        self.n_frames
    }

    /// Index of the next sample to be read.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Reads up to `max_frames` (at least 1) further samples per signal; `None` once the
    /// record is exhausted.
    pub fn read_chunk(&mut self, max_frames: usize) -> Result<Option<Chunk>> {
        let n = max_frames.max(1).min(self.n_frames - self.position);
        if n == 0 {
            return Ok(None);
        }
        let nsig = self.header.signals.len();
        let mut channels: Vec<Vec<f64>> = (0..nsig).map(|_| Vec::with_capacity(n)).collect();
        for g in &mut self.groups {
            let k = g.signals.len();
            self.digital.clear();
            g.stream.read(n * k, &mut self.digital)?;
            for (j, &sig) in g.signals.iter().enumerate() {
                let spec = &self.header.signals[sig];
                let invalid = spec.format.invalid_sample();
                let (baseline, gain) = (spec.baseline as f64, spec.gain);
                let out = &mut channels[sig];
                let mut sum = 0i64;
                for &d in self.digital[j..].iter().step_by(k) {
                    sum += i64::from(d);
                    out.push(if d == invalid {
                        f64::NAN
                    } else {
                        (f64::from(d) - baseline) / gain
                    });
                }
                self.sums[sig] += sum;
            }
        }
        let start = self.position;
        self.position += n;
        if self.position == self.n_frames {
            self.verify_checksums()?;
        }
        Ok(Some(Chunk { start, channels }))
    }

    /// Reads the rest of the record at once.
    pub fn read_to_end(&mut self) -> Result<Vec<Vec<f64>>> {
        let rest = self.n_frames - self.position;
        let mut out: Vec<Vec<f64>> = (0..self.header.signals.len())
            .map(|_| Vec::with_capacity(rest))
            .collect();
        // Decoding in cache-sized blocks is ~2x faster than one record-sized pass.
        while let Some(chunk) = self.read_chunk(1 << 14)? {
            for (o, c) in out.iter_mut().zip(chunk.channels) {
                o.extend_from_slice(&c);
            }
        }
        Ok(out)
    }

    /// Iterator over chunks of `frames` samples per signal.
    pub fn chunks(self, frames: usize) -> Chunks {
        Chunks {
            reader: self,
            frames: frames.max(1),
            failed: false,
        }
    }

    fn verify_checksums(&self) -> Result<()> {
        // Only meaningful when the whole record was read, i.e. the header's own sample count.
        if self.header.n_samples != Some(self.n_frames) {
            return Ok(());
        }
        for (i, (spec, &sum)) in self.header.signals.iter().zip(&self.sums).enumerate() {
            // A checksum of 0 is treated as "not computed": the CinC 2017 headers write 0
            // for every record (a real sum of 0 goes unverified, 1 record in 65536).
            if let Some(expected) = spec.checksum.filter(|&c| c != 0) {
                // The header stores the sum as a 16-bit two's complement number.
                if (sum as u16) != (expected as u16) {
                    return Err(Error::Malformed {
                        path: self.header_path.clone(),
                        format: "WFDB record",
                        detail: format!(
                            "checksum mismatch for signal {i} ({}): header says {expected}, data sum to {}",
                            spec.description, sum as i16
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Iterator returned by [`SignalReader::chunks`]; stops after the first error.
#[derive(Debug)]
pub struct Chunks {
    reader: SignalReader,
    frames: usize,
    failed: bool,
}

impl Iterator for Chunks {
    type Item = Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.reader.read_chunk(self.frames) {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt212_pairs_and_sign() {
        // Samples 0x123 = 291 and -1 (0xFFF): byte0 = 0x23, byte1 = (0xF << 4) | 0x1, byte2 = 0xFF.
        let mut out = Vec::new();
        decode(SignalFormat::Fmt212, &[0x23, 0xF1, 0xFF], 2, &mut out);
        assert_eq!(out, vec![291, -1]);
    }

    #[test]
    fn fmt24_sign_extension() {
        let mut out = Vec::new();
        decode(
            SignalFormat::Fmt24,
            &[0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80],
            2,
            &mut out,
        );
        assert_eq!(out, vec![-1, -(1 << 23)]);
    }

    #[test]
    fn byte_counts_round_trip() {
        for f in [
            SignalFormat::Fmt212,
            SignalFormat::Fmt16,
            SignalFormat::Fmt24,
            SignalFormat::Fmt80,
        ] {
            for n in 0..20u64 {
                assert_eq!(f.samples_in(f.bytes_for(n)), n, "{f:?} {n}");
            }
        }
    }
}
