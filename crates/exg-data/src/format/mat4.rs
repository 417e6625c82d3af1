//! MATLAB Level 4 (`.mat` v4) files, as used by the PhysioNet/CinC challenges 2017–2021.
//!
//! Each matrix is a 20-byte header (five 32-bit integers: type `MOPT`, rows, columns,
//! imaginary flag, name length), the NUL-terminated name, then the real part stored
//! **column-major** (and the imaginary part when flagged). In `MOPT`, `M` is the byte order
//! (0 little-endian, 1 big-endian), `O` must be 0, `P` the element type (0 double, 1 single,
//! 2 int32, 3 int16, 4 uint16, 5 uint8) and `T` the matrix type (0 full numeric; text and
//! sparse matrices are refused). CinC files hold one int16 matrix `val` of signals × samples,
//! so column-major order interleaves the signals sample by sample, which is why their `.hea`
//! can also describe them as WFDB format `16+24`.

use std::path::Path;

use exg_signal::Hz;

use crate::{Channel, Error, Record, Result};

const FORMAT: &str = "MAT v4";

/// Element type of a MAT v4 matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// 64-bit float.
    F64,
    /// 32-bit float.
    F32,
    /// 32-bit signed integer.
    I32,
    /// 16-bit signed integer.
    I16,
    /// 16-bit unsigned integer.
    U16,
    /// 8-bit unsigned integer.
    U8,
}

impl Precision {
    fn size(self) -> usize {
        match self {
            Self::F64 => 8,
            Self::F32 | Self::I32 => 4,
            Self::I16 | Self::U16 => 2,
            Self::U8 => 1,
        }
    }
}

/// One real matrix of a MAT v4 file.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Variable name (`val`).
    pub name: String,
    /// Rows (signals in CinC files).
    pub rows: usize,
    /// Columns (samples in CinC files).
    pub cols: usize,
    /// Element type on disk.
    pub precision: Precision,
    /// Elements in column-major order, converted to `f64` exactly.
    pub data: Vec<f64>,
}

impl Matrix {
    /// Element at row `r`, column `c`.
    pub fn get(&self, r: usize, c: usize) -> Option<f64> {
        (r < self.rows && c < self.cols).then(|| self.data[c * self.rows + r])
    }

    /// Row `r` as a vector (one signal of a CinC `val` matrix).
    pub fn row(&self, r: usize) -> Option<Vec<f64>> {
        (r < self.rows).then(|| self.data[r..].iter().step_by(self.rows).copied().collect())
    }
}

/// Reads every matrix of a MAT v4 file.
pub fn read_mat4(path: impl AsRef<Path>) -> Result<Vec<Matrix>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_mat4(&bytes, path)
}

/// Reads the matrix called `name` (e.g. `"val"`).
pub fn read_matrix(path: impl AsRef<Path>, name: &str) -> Result<Matrix> {
    let path = path.as_ref();
    read_mat4(path)?
        .into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| Error::Malformed {
            path: path.to_path_buf(),
            format: FORMAT,
            detail: format!("no matrix named `{name}`"),
        })
}

/// Reads a bare MAT v4 file's `val` matrix (signals × samples) as a record at `fs`, in the
/// file's digital units (no gain: that lives in the `.hea`; prefer
/// [`wfdb::read_record`](super::wfdb::read_record) when the header is there). Channels are
/// `ch0`, `ch1`..., units empty (unknown).
pub fn read_mat4_record(path: impl AsRef<Path>, fs: Hz) -> Result<Record> {
    let path = path.as_ref();
    let m = read_matrix(path, "val")?;
    // A `val` of 0 columns holds no samples, whatever number of rows it declares (checked
    // before one channel per row is built).
    if m.data.is_empty() {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: format!("matrix `val` ({}x{}) holds no samples", m.rows, m.cols),
        });
    }
    let channels = (0..m.rows)
        .map(|r| Channel {
            name: format!("ch{r}"),
            units: String::new(),
            gain: None,
            samples: m.row(r).unwrap_or_default(),
        })
        .collect();
    let mut rec = Record::new("mat4", fs, channels)?;
    rec.metadata.record = super::record_name(path);
    Ok(rec)
}

/// True when `bytes` start like a MAT v4 matrix header (used by format sniffing).
pub fn looks_like_mat4(bytes: &[u8]) -> bool {
    header_at(bytes, 0).is_ok_and(|h| h.is_some())
}

struct Head {
    big_endian: bool,
    precision: Precision,
    rows: usize,
    cols: usize,
    imag: bool,
    name_len: usize,
}

/// Decodes the 20-byte header at `pos`; `Ok(None)` when fewer than 20 bytes remain,
/// `Err(detail)` when the bytes are not a plausible header.
fn header_at(bytes: &[u8], pos: usize) -> std::result::Result<Option<Head>, String> {
    let Some(h) = bytes.get(pos..pos + 20) else {
        return Ok(None);
    };
    let le = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let be = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    // The type word's value is < 5000 in either byte order; its byte order is M.
    let (big_endian, get): (bool, &dyn Fn(usize) -> u32) = if le(0) < 5000 {
        (false, &le)
    } else if be(0) < 5000 {
        (true, &be)
    } else {
        return Err(format!("bad matrix type word at byte {pos}"));
    };
    let mopt = get(0);
    let (m, o, p, t) = (mopt / 1000, (mopt / 100) % 10, (mopt / 10) % 10, mopt % 10);
    if m != u32::from(big_endian) || o != 0 {
        return Err(format!("bad matrix type {mopt} at byte {pos}"));
    }
    if t != 0 {
        return Err(format!(
            "matrix type {t} (text or sparse) at byte {pos} is not supported"
        ));
    }
    let precision = match p {
        0 => Precision::F64,
        1 => Precision::F32,
        2 => Precision::I32,
        3 => Precision::I16,
        4 => Precision::U16,
        5 => Precision::U8,
        _ => return Err(format!("bad precision {p} at byte {pos}")),
    };
    let imag = match get(12) {
        0 => false,
        1 => true,
        v => return Err(format!("bad imaginary flag {v} at byte {pos}")),
    };
    let name_len = get(16) as usize;
    if name_len == 0 || name_len > 4096 {
        return Err(format!("bad name length {name_len} at byte {pos}"));
    }
    Ok(Some(Head {
        big_endian,
        precision,
        rows: get(4) as usize,
        cols: get(8) as usize,
        imag,
        name_len,
    }))
}

/// Parses MAT v4 bytes (`path` is used in error messages only).
pub fn parse_mat4(bytes: &[u8], path: &Path) -> Result<Vec<Matrix>> {
    let malformed = |detail: String| Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail,
    };
    let truncated = |detail: String| Error::Truncated {
        path: path.to_path_buf(),
        detail,
    };
    if bytes.is_empty() {
        return Err(truncated("empty file".into()));
    }
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let head = match header_at(bytes, pos) {
            Ok(Some(h)) => h,
            Ok(None) => {
                return Err(truncated(format!(
                    "file ends inside a matrix header at byte {pos}"
                )));
            }
            Err(d) if d.contains("not supported") => {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                    detail: d,
                });
            }
            Err(d) => return Err(malformed(d)),
        };
        if head.imag {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                detail: "complex matrices are not supported".into(),
            });
        }
        pos += 20;
        let name_bytes = bytes
            .get(pos..pos + head.name_len)
            .ok_or_else(|| truncated("file ends inside a matrix name".into()))?;
        let name_bytes = name_bytes.strip_suffix(&[0]).unwrap_or(name_bytes);
        let name = std::str::from_utf8(name_bytes)
            .map_err(|_| malformed("matrix name is not text".into()))?
            .to_owned();
        pos += head.name_len;
        let n = head
            .rows
            .checked_mul(head.cols)
            .ok_or_else(|| malformed(format!("matrix `{name}` dimensions overflow")))?;
        let size = head.precision.size();
        let nbytes = n
            .checked_mul(size)
            .ok_or_else(|| malformed(format!("matrix `{name}` dimensions overflow")))?;
        let body = bytes.get(pos..pos.saturating_add(nbytes)).ok_or_else(|| {
            truncated(format!(
                "matrix `{name}` ({}x{}) needs {nbytes} bytes, {} remain",
                head.rows,
                head.cols,
                bytes.len() - pos
            ))
        })?;
        pos += nbytes;
        let data = decode(body, head.precision, head.big_endian);
        out.push(Matrix {
            name,
            rows: head.rows,
            cols: head.cols,
            precision: head.precision,
            data,
        });
    }
    Ok(out)
}

fn decode(body: &[u8], p: Precision, big: bool) -> Vec<f64> {
    let size = p.size();
    body.chunks_exact(size)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..size].copy_from_slice(c);
            if big {
                b[..size].reverse();
            }
            match p {
                Precision::F64 => f64::from_le_bytes(b),
                Precision::F32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Precision::I32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                Precision::I16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
                Precision::U16 => f64::from(u16::from_le_bytes([b[0], b[1]])),
                Precision::U8 => f64::from(b[0]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mat(mopt: u32, rows: u32, cols: u32, name: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [mopt, rows, cols, 0, name.len() as u32] {
            v.extend(x.to_le_bytes());
        }
        v.extend(name);
        v.extend(body);
        v
    }

    #[test]
    fn column_major_int16_and_double() {
        // 2x3 int16 [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6.
        let body: Vec<u8> = [1i16, 4, 2, 5, 3, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut bytes = mat(30, 2, 3, b"val\0", &body);
        let dbody: Vec<u8> = [0.5f64].iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes.extend(mat(0, 1, 1, b"x\0", &dbody));
        let m = parse_mat4(&bytes, Path::new("t")).unwrap();
        assert_eq!(m[0].row(0).unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(m[0].row(1).unwrap(), vec![4.0, 5.0, 6.0]);
        assert_eq!(m[0].get(1, 2), Some(6.0));
        assert_eq!((m[1].name.as_str(), m[1].data[0]), ("x", 0.5));
    }

    #[test]
    fn truncated_body() {
        let bytes = mat(30, 2, 3, b"val\0", &[0; 5]);
        assert!(matches!(
            parse_mat4(&bytes, Path::new("t")),
            Err(Error::Truncated { .. })
        ));
    }
}
