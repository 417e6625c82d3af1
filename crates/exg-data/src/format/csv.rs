//! Delimited text: one column per channel, one row per sample.
//!
//! Text files carry no sampling rate, so the caller supplies one (a typed [`Hz`]; there is no
//! default). An optional first row of column names (`I,II,III,...`) names the channels;
//! otherwise they are `ch0`, `ch1`... or the names given in [`CsvOptions::names`].
//! Fields may be separated by `,`, tab, `;` or spaces (detected from the first data line).
//! `NaN`/`nan` cells become NaN; empty or non-numeric cells and ragged rows are errors.

use std::path::Path;

use exg_signal::Hz;

use crate::{Channel, Error, Record, Result};

const FORMAT: &str = "CSV";

/// Whether the first row holds column names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderRow {
    /// A header row is present when the first row has a field that is not a number.
    #[default]
    Auto,
    /// The first row is column names.
    Present,
    /// Every row is data.
    Absent,
}

/// Options of [`read_csv`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsvOptions {
    /// Header-row handling.
    pub header: HeaderRow,
    /// Channel names, overriding the header row (must match the column count).
    pub names: Option<Vec<String>>,
    /// Physical units written into every channel (`"uV"` for Chapman); empty means unknown.
    pub units: String,
    /// Field delimiter; `None` detects it (`,` then tab then `;` then whitespace).
    pub delimiter: Option<char>,
}

impl CsvOptions {
    /// Options for a file without a header row whose columns are `names`, in `units`.
    ///
    /// ```
    /// use exg_data::format::csv::CsvOptions;
    /// let leads = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];
    /// let opts = CsvOptions::named(&leads, "uV"); // Chapman ECGDataDenoised layout
    /// assert_eq!(opts.names.as_ref().unwrap().len(), 12);
    /// ```
    pub fn named(names: &[&str], units: &str) -> Self {
        Self {
            header: HeaderRow::Absent,
            names: Some(names.iter().map(|s| (*s).to_owned()).collect()),
            units: units.to_owned(),
            delimiter: None,
        }
    }
}

/// Reads a CSV file recorded at `fs`.
///
/// ```
/// use exg_data::format::csv::{CsvOptions, read_csv};
/// use exg_signal::Hz;
/// let path = std::env::temp_dir().join("exg_csv_doc_example.csv");
/// std::fs::write(&path, "I,II\n0.1,0.2\n0.3,0.4\n").unwrap();
/// let rec = read_csv(&path, Hz::new(500.0)?, &CsvOptions::default())?;
/// assert_eq!(rec.channels[1].name, "II");
/// assert_eq!(rec.channels[1].samples, vec![0.2, 0.4]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv(path: impl AsRef<Path>, fs: Hz, options: &CsvOptions) -> Result<Record> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail: "not a text file (invalid UTF-8)".into(),
    })?;
    let mut rec = parse_csv(text, fs, options, path)?;
    rec.metadata.record = super::record_name(path);
    Ok(rec)
}

fn detect_delimiter(line: &str) -> Option<char> {
    [',', '\t', ';'].into_iter().find(|&d| line.contains(d))
}

fn split(line: &str, delim: Option<char>) -> Vec<&str> {
    match delim {
        Some(d) => line.split(d).map(str::trim).collect(),
        None => line.split_whitespace().collect(),
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .trim()
}

/// Parses CSV text (`path` is used in error messages only).
pub fn parse_csv(text: &str, fs: Hz, options: &CsvOptions, path: &Path) -> Result<Record> {
    let malformed = |line: usize, detail: String| Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail: format!("line {line}: {detail}"),
    };
    if text.contains('\0') {
        return Err(Error::Malformed {
            path: path.to_path_buf(),
            format: FORMAT,
            detail: "not a text file (contains NUL bytes)".into(),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .peekable();
    let Some(&(_, first)) = lines.peek() else {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "no rows".into(),
        });
    };
    let delim = options.delimiter.or_else(|| detect_delimiter(first));
    let first_fields = split(first, delim);
    let has_header = match options.header {
        HeaderRow::Present => true,
        HeaderRow::Absent => false,
        HeaderRow::Auto => first_fields.iter().any(|f| f.parse::<f64>().is_err()),
    };
    let ncol = first_fields.len();
    let mut names: Vec<String> = if has_header {
        lines.next();
        first_fields.iter().map(|f| unquote(f).to_owned()).collect()
    } else {
        (0..ncol).map(|i| format!("ch{i}")).collect()
    };
    if let Some(given) = &options.names {
        if given.len() != ncol {
            return Err(Error::InvalidArgument(format!(
                "{} channel names given but {} has {ncol} columns",
                given.len(),
                path.display()
            )));
        }
        names.clone_from(given);
    }
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); ncol];
    for (no, line) in lines {
        let fields = split(line, delim);
        if fields.len() != ncol {
            return Err(malformed(
                no,
                format!("{} fields, expected {ncol}", fields.len()),
            ));
        }
        for (c, f) in cols.iter_mut().zip(fields) {
            let v = unquote(f)
                .parse::<f64>()
                .map_err(|_| malformed(no, format!("`{f}` is not a number")))?;
            c.push(v);
        }
    }
    if cols[0].is_empty() {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "no data rows".into(),
        });
    }
    let channels = names
        .into_iter()
        .zip(cols)
        .enumerate()
        .map(|(i, (name, samples))| Channel {
            name: if name.is_empty() {
                format!("ch{i}")
            } else {
                name
            },
            units: options.units.clone(),
            gain: None,
            samples,
        })
        .collect();
    Record::new("csv", fs, channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs() -> Hz {
        Hz::new(250.0).unwrap()
    }

    #[test]
    fn auto_header_and_delimiters() {
        let p = Path::new("x.csv");
        let r = parse_csv("\"I\";\"II\"\n1;2\n3;4\n", fs(), &CsvOptions::default(), p).unwrap();
        assert_eq!(
            (r.channels[0].name.as_str(), r.channels[1].samples.clone()),
            ("I", vec![2.0, 4.0])
        );
        let r = parse_csv("1 2\n3 4\n", fs(), &CsvOptions::default(), p).unwrap();
        assert_eq!(r.channels[1].name, "ch1");
        let r = parse_csv("1\n-2.5e-3\nNaN\n", fs(), &CsvOptions::default(), p).unwrap();
        assert_eq!(r.channels[0].samples[1], -2.5e-3);
        assert!(r.channels[0].samples[2].is_nan());
    }

    #[test]
    fn errors() {
        let p = Path::new("x.csv");
        let o = CsvOptions::default();
        assert!(matches!(
            parse_csv("", fs(), &o, p),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            parse_csv("a,b\n", fs(), &o, p),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            parse_csv("1,2\n3\n", fs(), &o, p),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            parse_csv("1,2\n3,x\n", fs(), &o, p),
            Err(Error::Malformed { .. })
        ));
        let named = CsvOptions::named(&["I"], "mV");
        assert!(matches!(
            parse_csv("1,2\n", fs(), &named, p),
            Err(Error::InvalidArgument(_))
        ));
    }
}
