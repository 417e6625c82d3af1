//! WFDB header (`.hea`) parsing: the record line, one line per signal, `#` comments.
//!
//! Follows the WFDB "header(5)" specification. Defaults applied when a field is absent:
//! sampling frequency 250 Hz (the specification's default), ADC gain 200 (also when the
//! header writes `0`, which means "uncalibrated"), baseline = ADC zero, ADC zero 0,
//! units `mV`, ADC resolution 12 bits for format 212, 8 for 80, 16 otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exg_signal::Hz;

use super::signal::SignalFormat;
use crate::{Error, Result};

const FORMAT: &str = "WFDB header";

/// A parsed single-segment WFDB header.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Record name from the record line.
    pub record: String,
    /// Sampling frequency (frames per second).
    pub fs: Hz,
    /// Samples per signal, when the header states it (`None`: derive from the file size).
    pub n_samples: Option<usize>,
    /// `HH:MM:SS` base time, when present.
    pub base_time: Option<String>,
    /// `DD/MM/YYYY` base date, when present.
    pub base_date: Option<String>,
    /// One entry per signal, in header order.
    pub signals: Vec<SignalSpec>,
    /// Comment lines without the leading `#` (and one following space), in file order.
    pub comments: Vec<String>,
}

/// One signal line of a header.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSpec {
    /// Signal file name, relative to the header's directory.
    pub file_name: String,
    /// Storage format.
    pub format: SignalFormat,
    /// Samples per frame (only 1 is readable).
    pub samples_per_frame: usize,
    /// Skew in frames (only 0 is readable).
    pub skew: usize,
    /// Bytes to skip at the start of the signal file (`16+24`: the MATLAB v4 header).
    pub byte_offset: u64,
    /// ADC units per physical unit (200 when absent or 0).
    pub gain: f64,
    /// Digital value that corresponds to 0 physical units (defaults to `adc_zero`).
    pub baseline: i64,
    /// Physical units (`mV` when absent).
    pub units: String,
    /// ADC resolution in bits.
    pub adc_resolution: u32,
    /// Digital value at the middle of the ADC range.
    pub adc_zero: i64,
    /// First sample's digital value, when stated.
    pub initial_value: Option<i64>,
    /// 16-bit sum of all digital samples, when stated.
    pub checksum: Option<i64>,
    /// Block size (0 for ordinary files).
    pub block_size: i64,
    /// Signal description (lead name, e.g. `MLII`, `II`, `ECG`); may be empty.
    pub description: String,
}

impl Header {
    /// Key/value pairs of `Key: value` comment lines (CinC 2020/2021 `Age`, `Sex`, `Dx`, `Rx`...).
    pub fn comment_fields(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for c in &self.comments {
            if let Some((k, v)) = c.split_once(':') {
                let k = k.trim();
                // Keys are single words ("Age", "Dx"); anything else is free text that
                // happens to contain a colon (e.g. a time of day).
                if !k.is_empty() && k.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                    out.insert(k.to_owned(), v.trim().to_owned());
                }
            }
        }
        out
    }

    /// Channel names in signal order, as [`read_record`](super::read_record) names its
    /// channels: the signal description, `ch<N>` when it is empty.
    ///
    /// ```
    /// use std::path::Path;
    /// use exg_data::format::wfdb::parse_header;
    /// let h = parse_header("r 2 360 1000\nr.dat 212 200 11 1024 0 0 0 MLII\nr.dat 212 200 11 1024 0 0 0\n", Path::new("r.hea"))?;
    /// assert_eq!(h.channel_names(), ["MLII", "ch1"]);
    /// # Ok::<(), exg_data::Error>(())
    /// ```
    pub fn channel_names(&self) -> Vec<String> {
        self.signals
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if s.description.is_empty() {
                    format!("ch{i}")
                } else {
                    s.description.clone()
                }
            })
            .collect()
    }

    /// SNOMED CT codes of a CinC 2020/2021 `# Dx:` comment, in order (empty when absent).
    pub fn dx_codes(&self) -> Vec<String> {
        self.comment_fields()
            .get("Dx")
            .map(|dx| {
                dx.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads and parses a `.hea` file.
pub fn read_header(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_header_bytes(&bytes, path)
}

/// Parses header bytes (`path` is used in error messages only).
pub fn parse_header_bytes(bytes: &[u8], path: &Path) -> Result<Header> {
    let malformed = |detail: String| Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail,
    };
    if bytes.is_empty() {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "empty header file".into(),
        });
    }
    // Headers are ASCII text; a NUL or invalid UTF-8 means this is some other file (a PNG, a .dat).
    let text = std::str::from_utf8(bytes)
        .map_err(|_| malformed("not a text file (invalid UTF-8)".into()))?;
    if text.contains('\0') {
        return Err(malformed("not a text file (contains NUL bytes)".into()));
    }
    parse_header(text, path)
}

/// Parses header text (`path` is used in error messages only).
pub fn parse_header(text: &str, path: &Path) -> Result<Header> {
    let malformed = |line: usize, detail: String| Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail: format!("line {line}: {detail}"),
    };
    let mut comments = Vec::new();
    let mut lines = Vec::new(); // (1-based line number, content)
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = t.strip_prefix('#') {
            comments.push(c.strip_prefix(' ').unwrap_or(c).trim_end().to_owned());
        } else {
            lines.push((i + 1, t));
        }
    }
    let Some(&(rec_line_no, rec_line)) = lines.first() else {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "header has no record line".into(),
        });
    };
    let toks: Vec<&str> = rec_line.split_whitespace().collect();
    let name_tok = toks[0];
    if let Some((_, nseg)) = name_tok.split_once('/') {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            detail: format!(
                "multi-segment WFDB record ({nseg} segments); read each segment's header instead"
            ),
        });
    }
    let nsig_tok = toks.get(1).ok_or_else(|| {
        malformed(
            rec_line_no,
            "record line lacks the number of signals".into(),
        )
    })?;
    let nsig: usize = nsig_tok
        .parse()
        .map_err(|_| malformed(rec_line_no, format!("bad number of signals `{nsig_tok}`")))?;
    let fs = match toks.get(2) {
        // The specification's default when the field is absent.
        None => 250.0,
        Some(t) => {
            // `fs[/counter_freq[(base_counter)]]`
            let f = t.split(['/', '(']).next().unwrap_or("");
            f.parse::<f64>()
                .map_err(|_| malformed(rec_line_no, format!("bad sampling frequency `{t}`")))?
        }
    };
    let fs = Hz::new(fs).map_err(|_| {
        malformed(
            rec_line_no,
            format!("sampling frequency {fs} is not a positive finite number"),
        )
    })?;
    let n_samples = match toks.get(3) {
        None => None,
        Some(t) => {
            let n: usize = t
                .parse()
                .map_err(|_| malformed(rec_line_no, format!("bad number of samples `{t}`")))?;
            // 0 means "unknown" in the specification.
            (n > 0).then_some(n)
        }
    };
    let base_time = toks.get(4).map(|s| (*s).to_owned());
    let base_date = toks.get(5).map(|s| (*s).to_owned());

    let sig_lines = &lines[1..];
    if sig_lines.len() != nsig {
        return Err(Error::Malformed {
            path: path.to_path_buf(),
            format: FORMAT,
            detail: format!(
                "record line declares {nsig} signal(s) but the header has {} signal line(s)",
                sig_lines.len()
            ),
        });
    }
    let mut signals = Vec::with_capacity(nsig);
    for &(no, line) in sig_lines {
        signals.push(parse_signal_line(line).map_err(|d| {
            if d.starts_with("unsupported") {
                Error::Unsupported {
                    path: path.to_path_buf(),
                    detail: format!("line {no}: {d}"),
                }
            } else {
                malformed(no, d)
            }
        })?);
    }
    Ok(Header {
        record: name_tok.to_owned(),
        fs,
        n_samples,
        base_time,
        base_date,
        signals,
        comments,
    })
}

/// Splits off up to `n` whitespace-separated tokens; the rest of the line (the description,
/// which may contain spaces) is returned whole.
fn split_fields(line: &str, n: usize) -> (Vec<&str>, &str) {
    let mut toks = Vec::with_capacity(n);
    let mut rest = line.trim_start();
    while toks.len() < n && !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        toks.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (toks, rest.trim_end())
}

fn parse_signal_line(line: &str) -> std::result::Result<SignalSpec, String> {
    let (t, description) = split_fields(line, 8);
    if t.len() < 2 {
        return Err("signal line needs at least a file name and a format".into());
    }
    let file_name = t[0].to_owned();
    // format[xsamples_per_frame][:skew][+byte_offset]
    let ftok = t[1];
    let digits_end = ftok
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(ftok.len());
    let code: u32 = ftok[..digits_end]
        .parse()
        .map_err(|_| format!("bad signal format `{ftok}`"))?;
    let mut rest = &ftok[digits_end..];
    let take_num = |prefix: char, rest: &mut &str| -> std::result::Result<Option<u64>, String> {
        if let Some(r) = rest.strip_prefix(prefix) {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            let v = r[..end]
                .parse()
                .map_err(|_| format!("bad signal format `{ftok}`"))?;
            *rest = &r[end..];
            Ok(Some(v))
        } else {
            Ok(None)
        }
    };
    let spf = take_num('x', &mut rest)?.unwrap_or(1);
    let skew = take_num(':', &mut rest)?.unwrap_or(0);
    let byte_offset = take_num('+', &mut rest)?.unwrap_or(0);
    if !rest.is_empty() {
        return Err(format!("bad signal format `{ftok}`"));
    }
    let format = SignalFormat::from_code(code)?;

    // adc_gain[(baseline)][/units]
    let (mut gain, mut baseline, mut units) = (200.0, None, "mV".to_owned());
    if let Some(g) = t.get(2) {
        let (gpart, upart) = match g.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*g, None),
        };
        let (gnum, bpart) = match gpart.split_once('(') {
            Some((a, b)) => {
                let b = b
                    .strip_suffix(')')
                    .ok_or_else(|| format!("unclosed baseline in `{g}`"))?;
                (a, Some(b))
            }
            None => (gpart, None),
        };
        let gv: f64 = gnum.parse().map_err(|_| format!("bad ADC gain `{g}`"))?;
        if !gv.is_finite() {
            return Err(format!("bad ADC gain `{g}`"));
        }
        // Gain 0 means "uncalibrated"; the specification then uses the default 200.
        gain = if gv == 0.0 { 200.0 } else { gv };
        if let Some(b) = bpart {
            baseline = Some(
                b.parse::<i64>()
                    .map_err(|_| format!("bad baseline in `{g}`"))?,
            );
        }
        if let Some(u) = upart.filter(|u| !u.is_empty()) {
            units = u.to_owned();
        }
    }
    let int_field = |i: usize, what: &str| -> std::result::Result<Option<i64>, String> {
        t.get(i)
            .map(|s| s.parse::<i64>().map_err(|_| format!("bad {what} `{s}`")))
            .transpose()
    };
    let adc_resolution = match int_field(3, "ADC resolution")? {
        Some(r) if (0..=32).contains(&r) && r != 0 => r as u32,
        Some(0) | None => format.default_resolution(),
        Some(r) => return Err(format!("ADC resolution {r} out of range")),
    };
    let adc_zero = int_field(4, "ADC zero")?.unwrap_or(0);
    let initial_value = int_field(5, "initial value")?;
    let checksum = int_field(6, "checksum")?;
    let block_size = int_field(7, "block size")?.unwrap_or(0);
    Ok(SignalSpec {
        file_name,
        format,
        samples_per_frame: spf as usize,
        skew: skew as usize,
        byte_offset,
        gain,
        baseline: baseline.unwrap_or(adc_zero),
        units,
        adc_resolution,
        adc_zero,
        initial_value,
        checksum,
        block_size,
        description: description.to_owned(),
    })
}

/// The `.hea` path for `record`: `dir/100`, `dir/100.hea`, `dir/100.dat` and `dir/100.atr`
/// all name the header `dir/100.hea`.
pub fn header_path(record: &Path) -> PathBuf {
    match record.extension().and_then(|e| e.to_str()) {
        Some("hea") => record.to_path_buf(),
        Some("dat" | "atr" | "mat" | "qrs" | "ecg") => record.with_extension("hea"),
        _ => {
            let mut s = record.as_os_str().to_owned();
            s.push(".hea");
            PathBuf::from(s)
        }
    }
}
