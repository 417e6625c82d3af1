//! MATLAB Level 5 (`.mat` v5–v7) files holding real numeric matrices, as distributed by the
//! CPSC 2019 QRS-detection challenge (`data_XXXXX.mat`: `ecg`; `R_XXXXX.mat`: `R_peak`).
//!
//! A file is a 128-byte header (text, then the version `0x0100` and the endian indicator `IM`
//! for little-endian or `MI` for big-endian) followed by data elements. Each element is an
//! 8-byte tag (type, byte count; or the 4-byte "small element" form for ≤ 4 bytes) and its data
//! padded to 8 bytes. A variable is an `miMATRIX` element (type 14), possibly inside an
//! `miCOMPRESSED` element (type 15, zlib). Its sub-elements are the array flags (class), the
//! dimensions, the name and the real part, which MATLAB may store in a narrower type than the
//! class (a `double` of small integers as `miUINT8`). Only real, non-sparse numeric classes
//! (double, single, int8–int64, uint8–uint64) of at most 2 dimensions are read; cells,
//! structs, chars, sparse and complex arrays are skipped, as is anything else this reader does
//! not understand inside a file that is otherwise readable.

use std::io::Read;
use std::path::Path;

use exg_signal::Hz;

use crate::{Channel, Error, Record, Result};

const FORMAT: &str = "MAT v5";
/// How every MAT v5 file starts (the rest of its 116-byte text is free).
pub const HEADER_TEXT: &[u8] = b"MATLAB 5.0";
/// Variable names taken for the signal, in order, when a file holds several matrices.
pub const SIGNAL_NAMES: [&str; 4] = ["val", "ecg", "data", "signal"];
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
/// Decompressed size accepted for one compressed variable (a guard against zip bombs).
const MAX_INFLATED: u64 = 1 << 30;

/// One real numeric matrix of a MAT v5 file.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Variable name (`ecg`).
    pub name: String,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Elements in column-major order, converted to `f64` (exactly, except 64-bit integers
    /// beyond 2^53).
    pub data: Vec<f64>,
}

/// Reads every real numeric matrix of a MAT v5 file.
pub fn read_mat5(path: impl AsRef<Path>) -> Result<Vec<Array>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_mat5(&bytes, path)
}

/// Reads the matrix called `name` as a flat column-major vector (a column or row vector reads
/// as its elements in order).
pub fn read_vector(path: impl AsRef<Path>, name: &str) -> Result<Vec<f64>> {
    let path = path.as_ref();
    read_mat5(path)?
        .into_iter()
        .find(|a| a.name == name)
        .map(|a| a.data)
        .ok_or_else(|| malformed(path, format!("no numeric matrix named `{name}`")))
}

/// A MAT v5 file as a [`Record`] at `fs` (the format stores no rate). The signal is the
/// file's only numeric matrix, or else the first of [`SIGNAL_NAMES`] it holds. A vector is one
/// channel; a matrix has one channel per row when it has fewer rows than columns (WFDB's and
/// CinC's `val`: leads × samples), otherwise one per column (samples × leads). Channels are
/// named `ch0`, `ch1`, …
///
/// ```no_run
/// use exg_data::format::mat5::read_mat5_record;
/// use exg_signal::Hz;
/// let rec = read_mat5_record("cpsc2019/data/data_00001.mat", Hz::new(500.0)?)?;
/// assert_eq!(rec.n_samples(), 5000); // 10 s of the `ecg` vector
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_mat5_record(path: impl AsRef<Path>, fs: Hz) -> Result<Record> {
    let path = path.as_ref();
    let arrays = read_mat5(path)?;
    let names = || {
        arrays
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let signal = match arrays.as_slice() {
        [only] => only,
        _ => SIGNAL_NAMES
            .iter()
            .find_map(|n| arrays.iter().find(|a| a.name == *n))
            .ok_or_else(|| {
                malformed(
                    path,
                    format!(
                        "no signal matrix: expected one numeric matrix or one named {}; found [{}]",
                        SIGNAL_NAMES.join(", "),
                        names()
                    ),
                )
            })?,
    };
    if signal.data.is_empty() {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: format!(
                "matrix `{}` ({}x{}) holds no samples",
                signal.name, signal.rows, signal.cols
            ),
        });
    }
    let (rows, cols) = (signal.rows, signal.cols);
    // Column-major: element (r, c) is data[c * rows + r].
    let series: Vec<Vec<f64>> = if rows < cols {
        (0..rows)
            .map(|r| (0..cols).map(|c| signal.data[c * rows + r]).collect())
            .collect()
    } else {
        signal.data.chunks(rows).map(<[f64]>::to_vec).collect()
    };
    let channels = series
        .into_iter()
        .enumerate()
        .map(|(i, samples)| Channel {
            name: format!("ch{i}"),
            units: String::new(),
            gain: None,
            samples,
        })
        .collect();
    let mut rec = Record::new("mat5", fs, channels)?;
    rec.metadata.record = super::record_name(path);
    Ok(rec)
}

/// True when `bytes` start with a MAT v5 header (text, version 0x0100, `IM`/`MI`).
pub fn looks_like_mat5(bytes: &[u8]) -> bool {
    bytes.len() >= 128 && bytes.starts_with(HEADER_TEXT) && endian(bytes).is_some()
}

/// Parses the bytes of a MAT v5 file (`path` is for messages).
pub fn parse_mat5(bytes: &[u8], path: &Path) -> Result<Vec<Array>> {
    if bytes.len() < 128 || !bytes.starts_with(HEADER_TEXT) {
        return Err(malformed(path, "no MATLAB 5.0 header".into()));
    }
    let big = endian(bytes).ok_or_else(|| malformed(path, "no endian indicator".into()))?;
    let r = Reader { big, path };
    let mut out = Vec::new();
    let mut pos = 128;
    while pos < bytes.len() {
        let (ty, data, next) = r.element(bytes, pos)?;
        match ty {
            MI_MATRIX => out.extend(r.matrix(data)?),
            MI_COMPRESSED => {
                let mut inflated = Vec::new();
                flate2::read::ZlibDecoder::new(data)
                    .take(MAX_INFLATED)
                    .read_to_end(&mut inflated)
                    .map_err(|e| malformed(path, format!("zlib: {e}")))?;
                let mut p = 0;
                while p < inflated.len() {
                    let (t, d, n) = r.element(&inflated, p)?;
                    if t == MI_MATRIX {
                        out.extend(r.matrix(d)?);
                    }
                    p = n;
                }
            }
            _ => {}
        }
        pos = next;
    }
    Ok(out)
}

/// `Some(big_endian)` from the indicator at bytes 126–127.
fn endian(bytes: &[u8]) -> Option<bool> {
    match bytes.get(126..128)? {
        b"IM" => Some(false),
        b"MI" => Some(true),
        _ => None,
    }
}

fn malformed(path: &Path, detail: String) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail,
    }
}

struct Reader<'p> {
    big: bool,
    path: &'p Path,
}

impl Reader<'_> {
    fn u32_at(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// The element at `pos`: its type, its data, and where the next element starts.
    fn element<'b>(&self, bytes: &'b [u8], pos: usize) -> Result<(u32, &'b [u8], usize)> {
        let tag = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| malformed(self.path, format!("truncated tag at byte {pos}")))?;
        let first = self.u32_at(&tag[..4]);
        // Small element: the upper 16 bits hold the byte count (1–4), data in the next 4 bytes.
        if first >> 16 != 0 {
            let (ty, n) = (first & 0xffff, (first >> 16) as usize);
            if n > 4 {
                return Err(malformed(self.path, format!("small element of {n} bytes")));
            }
            return Ok((ty, &tag[4..4 + n], pos + 8));
        }
        let n = self.u32_at(&tag[4..]) as usize;
        let start = pos + 8;
        let data = bytes.get(start..start + n).ok_or_else(|| {
            malformed(
                self.path,
                format!("element at byte {pos} claims {n} bytes past the end"),
            )
        })?;
        // Compressed elements are not padded; the others are padded to 8 bytes.
        let next = if first == MI_COMPRESSED {
            start + n
        } else {
            start + n.div_ceil(8) * 8
        };
        Ok((first, data, next))
    }

    /// The variable in an `miMATRIX` element's data, `None` when it is not a real numeric
    /// matrix of at most 2 dimensions.
    fn matrix(&self, data: &[u8]) -> Result<Option<Array>> {
        let mut subs = Vec::with_capacity(5);
        let mut p = 0;
        while p + 8 <= data.len() {
            let (t, d, n) = self.element(data, p)?;
            subs.push((t, d));
            p = n;
        }
        let [(_, flags), (_, dims), (_, name), (real_ty, real), ..] = subs[..] else {
            return Ok(None);
        };
        if flags.len() < 4 {
            return Err(malformed(
                self.path,
                "array flags shorter than 4 bytes".into(),
            ));
        }
        let f = self.u32_at(flags);
        let (class, complex) = (f & 0xff, f & 0x800 != 0);
        // Classes 6 (double) … 15 (uint64) are numeric.
        if !(6..=15).contains(&class) || complex {
            return Ok(None);
        }
        let dims: Vec<usize> = dims
            .chunks_exact(4)
            .map(|c| self.u32_at(c) as usize)
            .collect();
        let [rows, cols] = dims[..] else {
            return Ok(None);
        };
        let values = self.numbers(real_ty, real)?;
        if values.len() != rows.saturating_mul(cols) {
            return Err(malformed(
                self.path,
                format!("{rows}×{cols} matrix with {} elements", values.len()),
            ));
        }
        Ok(Some(Array {
            name: String::from_utf8_lossy(name)
                .trim_end_matches('\0')
                .to_owned(),
            rows,
            cols,
            data: values,
        }))
    }

    /// The elements of a numeric data element of MAT type `ty` (1 int8 … 13 uint64).
    fn numbers(&self, ty: u32, d: &[u8]) -> Result<Vec<f64>> {
        let big = self.big;
        macro_rules! conv {
            ($t:ty, $n:expr) => {
                d.chunks_exact($n)
                    .map(|c| {
                        let a: [u8; $n] = c.try_into().expect("chunk of $n bytes");
                        (if big {
                            <$t>::from_be_bytes(a)
                        } else {
                            <$t>::from_le_bytes(a)
                        }) as f64
                    })
                    .collect()
            };
        }
        Ok(match ty {
            1 => d.iter().map(|&b| b as i8 as f64).collect(),
            2 => d.iter().map(|&b| b as f64).collect(),
            3 => conv!(i16, 2),
            4 => conv!(u16, 2),
            5 => conv!(i32, 4),
            6 => conv!(u32, 4),
            7 => conv!(f32, 4),
            9 => conv!(f64, 8),
            12 => conv!(i64, 8),
            13 => conv!(u64, 8),
            _ => {
                return Err(malformed(
                    self.path,
                    format!("numeric data of MAT type {ty}"),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{OpenOptions, open, open_with};

    /// A little-endian file of uncompressed `double` matrices, each with a name of at most 4
    /// bytes and its elements (column-major) stored as `miUINT8` (MATLAB's narrowing), written
    /// by hand from the format description.
    fn file(vars: &[(&str, u32, u32, &[u8])]) -> Vec<u8> {
        let mut b = HEADER_TEXT.to_vec();
        b.resize(124, b' ');
        b.extend([0x00, 0x01, b'I', b'M']);
        let el = |m: &mut Vec<u8>, ty: u32, data: &[u8]| {
            m.extend(ty.to_le_bytes());
            m.extend((data.len() as u32).to_le_bytes());
            m.extend(data);
            m.resize(m.len().div_ceil(8) * 8, 0);
        };
        for &(name, rows, cols, data) in vars {
            let mut m = Vec::new();
            el(&mut m, 6, &[6, 0, 0, 0, 0, 0, 0, 0]); // flags: class 6 = double
            let dims: Vec<u8> = [rows, cols].iter().flat_map(|d| d.to_le_bytes()).collect();
            el(&mut m, 5, &dims);
            // The name as a small element: type 1 (miINT8), byte count, then the bytes.
            assert!(name.len() <= 4);
            m.extend([1, 0, name.len() as u8, 0]);
            m.extend(name.bytes().chain(std::iter::repeat(0)).take(4));
            el(&mut m, 2, data); // real part as uint8
            b.extend(MI_MATRIX.to_le_bytes());
            b.extend((m.len() as u32).to_le_bytes());
            b.extend(m);
        }
        b
    }

    /// `x = [1 2 3]'`.
    fn tiny() -> Vec<u8> {
        file(&[("x", 3, 1, &[1, 2, 3])])
    }

    /// `bytes` written to a fresh temporary `.mat` file.
    fn written(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("exg_mat5_{}_{name}.mat", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn reads_a_hand_written_file() {
        let a = parse_mat5(&tiny(), Path::new("t.mat")).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].name.as_str(), a[0].rows, a[0].cols), ("x", 3, 1));
        assert_eq!(a[0].data, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn truncated_files_are_errors() {
        let b = tiny();
        for cut in [10, 130, b.len() - 3] {
            assert!(
                parse_mat5(&b[..cut], Path::new("t.mat")).is_err(),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_record_is_the_only_matrix_or_the_named_signal() {
        let with_fs = OpenOptions {
            fs: Some(Hz::new(500.0).unwrap()),
            ..OpenOptions::default()
        };
        // The only matrix, whatever its name: a vector is one channel.
        let p = written("only", &tiny());
        let rec = open_with(&p, &with_fs).unwrap();
        assert_eq!((rec.format.as_str(), rec.channels.len()), ("mat5", 1));
        assert_eq!(rec.channels[0].samples, [1.0, 2.0, 3.0]);
        // Without a rate: the typed error, never a guessed rate.
        assert!(matches!(open(&p), Err(Error::MissingSamplingRate { .. })));
        std::fs::remove_file(&p).ok();

        // Several matrices: `val` is the signal. 2 × 3 is two leads of three samples;
        // 3 × 2 (samples × leads) reads as the same two leads.
        for (rows, cols, data) in [(2, 3, [1, 2, 3, 4, 5, 6]), (3, 2, [1, 3, 5, 2, 4, 6])] {
            let p = written(
                "val",
                &file(&[("R", 1, 1, &[9]), ("val", rows, cols, &data)]),
            );
            let rec = open_with(&p, &with_fs).unwrap();
            let leads: Vec<&[f64]> = rec.channels.iter().map(|c| c.samples.as_slice()).collect();
            assert_eq!(leads, [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]], "{rows} x {cols}");
            std::fs::remove_file(&p).ok();
        }

        // Several matrices and none named as a signal: an error naming what the file holds.
        let p = written("none", &file(&[("a", 1, 1, &[1]), ("b", 2, 1, &[1, 2])]));
        let err = read_mat5_record(&p, Hz::new(500.0).unwrap()).unwrap_err();
        assert!(err.to_string().contains("`a`, `b`"), "{err}");
        std::fs::remove_file(&p).ok();
    }
}
