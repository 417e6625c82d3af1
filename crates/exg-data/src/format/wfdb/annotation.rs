//! WFDB annotation files in MIT format (`.atr`, `.qrs`, ...).
//!
//! The file is a sequence of 16-bit little-endian words; each holds a 6-bit code `A` (high
//! bits) and a 10-bit field `I`. For codes 1–49, `A` is the annotation type and `I` the
//! sample interval since the previous annotation. Pseudo-codes modify that scheme:
//!
//! | code | name | meaning |
//! |---|---|---|
//! | 59 | SKIP | the next two words hold a 32-bit interval (high word first, each word little-endian), added to the time of the annotation that follows |
//! | 60 | NUM | `I` is the `num` field of this and later annotations |
//! | 61 | SUB | `I` is this annotation's `subtyp` |
//! | 62 | CHN | `I` is the `chan` field of this and later annotations |
//! | 63 | AUX | `I` bytes of auxiliary text follow (padded to an even count), e.g. `(AFIB` |
//!
//! A zero word ends the file. Modifier words follow the annotation word they belong to, as in
//! the WFDB library and wfdb-python (`num` and `chan` carry over, `subtyp` resets to 0).

use std::path::{Path, PathBuf};

use crate::{Annotation, Error, Result};

const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;

/// Standard WFDB symbols of annotation codes 0–41 (`ecgcodes.h`; index = code).
/// Codes 15 and 17 are unassigned.
const SYMBOLS: [&str; 42] = [
    "", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "", "|", "", "s",
    "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@", "x",
    "f", "(", ")", "r",
];

/// The standard symbol of annotation code `code`; codes without one (15, 17, 42–49 and the
/// pseudo-codes) give `None`.
pub fn code_symbol(code: u8) -> Option<&'static str> {
    SYMBOLS
        .get(usize::from(code))
        .copied()
        .filter(|s| !s.is_empty())
}

/// One annotation with every MIT-format field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WfdbAnnotation {
    /// Sample index from the start of the record.
    pub sample: u64,
    /// Annotation code (1–49).
    pub code: u8,
    /// Standard symbol of `code` (`N`, `V`, `+`...); `"code<N>"` for codes without one.
    pub symbol: String,
    /// `subtyp` field.
    pub subtype: i16,
    /// `chan` field.
    pub chan: i16,
    /// `num` field.
    pub num: i16,
    /// Auxiliary text without trailing NULs (`(AFIB`, `(N`...); empty when absent.
    pub aux: String,
}

impl From<WfdbAnnotation> for Annotation {
    fn from(a: WfdbAnnotation) -> Self {
        Annotation {
            sample: a.sample as usize,
            label: a.symbol,
            aux: a.aux,
            duration_s: None,
        }
    }
}

/// Reads the annotation file of `record` with extension `extension` (`"atr"`), e.g.
/// `read_annotations("mitdb/100", "atr")` reads `mitdb/100.atr`. A record path ending in
/// `.hea`/`.dat` is accepted too.
///
/// ```no_run
/// use exg_data::format::wfdb::read_annotations;
/// use exg_signal::score::is_beat_symbol;
/// let ann = read_annotations("../shared/data/mitdb/100", "atr")?;
/// assert_eq!(ann.iter().filter(|a| is_beat_symbol(&a.label)).count(), 2273);
/// # Ok::<(), exg_data::Error>(())
/// ```
pub fn read_annotations(record: impl AsRef<Path>, extension: &str) -> Result<Vec<Annotation>> {
    let path = annotation_path(record.as_ref(), extension);
    Ok(read_annotation_file(&path)?
        .into_iter()
        .map(Annotation::from)
        .collect())
}

/// Reads an MIT-format annotation file given its full path, keeping every field.
pub fn read_annotation_file(path: impl AsRef<Path>) -> Result<Vec<WfdbAnnotation>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_annotations(&bytes, path)
}

fn annotation_path(record: &Path, extension: &str) -> PathBuf {
    let base = match record.extension().and_then(|e| e.to_str()) {
        Some(e) if e == extension || matches!(e, "hea" | "dat" | "mat") => {
            record.with_extension("")
        }
        _ => record.to_path_buf(),
    };
    let mut s = base.into_os_string();
    s.push(".");
    s.push(extension);
    PathBuf::from(s)
}

/// Parses MIT-format annotation bytes (`path` is used in error messages only).
///
/// Errors: [`Error::Truncated`] for an empty file, a file that ends inside a SKIP or AUX
/// field, or one without the terminating zero word; [`Error::Malformed`] for modifier words
/// before the first annotation, negative or overflowing times.
pub fn parse_annotations(bytes: &[u8], path: &Path) -> Result<Vec<WfdbAnnotation>> {
    let truncated = |detail: &str| Error::Truncated {
        path: path.to_path_buf(),
        detail: detail.to_owned(),
    };
    let malformed = |detail: String| Error::Malformed {
        path: path.to_path_buf(),
        format: "WFDB annotation file",
        detail,
    };
    if bytes.is_empty() {
        return Err(truncated("empty annotation file"));
    }
    let word = |i: usize| -> Option<u16> {
        Some(u16::from_le_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]))
    };
    let mut out: Vec<WfdbAnnotation> = Vec::new();
    let mut time: i64 = 0;
    let mut pending_skip: i64 = 0;
    let (mut num, mut chan) = (0i16, 0i16);
    let mut pos = 0usize;
    loop {
        let Some(w) = word(pos) else {
            return Err(truncated("no end-of-file marker (zero word)"));
        };
        pos += 2;
        let (a, i) = (w >> 10, w & 0x3FF);
        if a == 0 && i == 0 {
            break;
        }
        match a {
            SKIP => {
                let (Some(hi), Some(lo)) = (word(pos), word(pos + 2)) else {
                    return Err(truncated("file ends inside a SKIP interval"));
                };
                pos += 4;
                let v = ((u32::from(hi) << 16) | u32::from(lo)) as i32;
                pending_skip += i64::from(v);
            }
            NUM | SUB | CHN | AUX => {
                let Some(last) = out.last_mut() else {
                    return Err(malformed(format!(
                        "modifier code {a} at byte {} precedes the first annotation",
                        pos - 2
                    )));
                };
                // 10-bit fields are signed in the WFDB library (`signed char`/`short`).
                let v = ((i as i16) << 6) >> 6;
                match a {
                    NUM => {
                        num = v;
                        last.num = v;
                    }
                    SUB => last.subtype = v,
                    CHN => {
                        chan = v;
                        last.chan = v;
                    }
                    _ => {
                        let len = usize::from(i);
                        let Some(text) = bytes.get(pos..pos + len) else {
                            return Err(truncated("file ends inside an AUX string"));
                        };
                        let text: String = text.iter().map(|&b| char::from(b)).collect();
                        last.aux = text.trim_end_matches('\0').to_owned();
                        pos += len + len % 2;
                    }
                }
            }
            _ => {
                time = time
                    .checked_add(pending_skip + i64::from(i))
                    .ok_or_else(|| malformed("annotation time overflows".into()))?;
                pending_skip = 0;
                if time < 0 {
                    return Err(malformed(format!(
                        "annotation {} has negative time {time}",
                        out.len()
                    )));
                }
                let code = a as u8;
                out.push(WfdbAnnotation {
                    sample: time as u64,
                    code,
                    symbol: code_symbol(code)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("code{code}")),
                    subtype: 0,
                    chan,
                    num,
                    aux: String::new(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: u16, i: u16) -> [u8; 2] {
        ((a << 10) | i).to_le_bytes()
    }

    #[test]
    fn aux_skip_and_modifiers() {
        let mut b = Vec::new();
        b.extend(w(28, 18)); // '+' at 18
        b.extend(w(AUX, 3));
        b.extend(b"(N\0\0"); // 3 bytes + pad
        b.extend(w(SKIP, 0));
        b.extend(1u16.to_le_bytes()); // high word: 1 << 16
        b.extend(2u16.to_le_bytes()); // low word
        b.extend(w(5, 10)); // 'V' at 18 + 65538 + 10
        b.extend(w(SUB, 3));
        b.extend(w(CHN, 1));
        b.extend(w(1, 1)); // 'N', chan carries over, subtype resets
        b.extend([0, 0]);
        let a = parse_annotations(&b, Path::new("t")).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[0].sample, a[0].symbol.as_str(), a[0].aux.as_str()),
            (18, "+", "(N")
        );
        assert_eq!(
            (a[1].sample, a[1].symbol.as_str(), a[1].subtype, a[1].chan),
            (65566, "V", 3, 1)
        );
        assert_eq!((a[2].sample, a[2].subtype, a[2].chan), (65567, 0, 1));
    }

    #[test]
    fn missing_terminator_is_truncation() {
        let mut b = Vec::new();
        b.extend(w(1, 5));
        assert!(matches!(
            parse_annotations(&b, Path::new("t")),
            Err(Error::Truncated { .. })
        ));
    }

    #[test]
    fn annotation_paths() {
        for p in ["d/100", "d/100.hea", "d/100.atr", "d/100.dat"] {
            assert_eq!(
                annotation_path(Path::new(p), "atr"),
                PathBuf::from("d/100.atr")
            );
        }
    }
}
