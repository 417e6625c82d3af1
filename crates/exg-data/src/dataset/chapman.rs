//! Chapman-Shaoxing 12-lead ECG database (Zheng et al., Sci Data 7:48, 2020; figshare).
//!
//! Layout of the release, as expected under a root folder:
//!
//! ```text
//! <root>/Diagnostics.xlsx              one row per record (or a CSV export of it)
//! <root>/ECGDataDenoised/<FileName>.csv  5000 rows x 12 columns, no header
//! <root>/ECGData/<FileName>.csv          same, raw, with a header row of lead names
//! ```
//!
//! Waveforms are 10 s at 500 Hz, leads I, II, III, aVR, aVL, aVF, V1-V6, in **microvolts**;
//! [`read_ecg_csv`] converts them to **millivolts** (x 0.001) so they match every other reader
//! in this crate, and says so in each channel's `units` (`"mV"`).
//!
//! ```no_run
//! use exg_data::dataset::{ClassScheme, Group4, chapman::{Chapman, Waveforms}};
//! let db = Chapman::open("../shared/data/chapman")?; // reads Diagnostics.xlsx
//! let row = &db.rows()[0];
//! let class = Group4::of(row.rhythm); // every rhythm has a Group4 class
//! let rec = db.read_record(&row.file_name, Waveforms::Denoised)?;
//! let lead_ii = rec.lead("II")?; // mV, 500 Hz
//! # let _ = (class, lead_ii);
//! # Ok::<(), exg_data::Error>(())
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use exg_signal::Hz;
use serde::{Deserialize, Serialize};

use super::labels::{Assignment, ClassScheme, RhythmLabel, assign};
use crate::format::csv::{CsvOptions, HeaderRow, read_csv};
use crate::{Error, Record, Result};

/// Sampling rate of every Chapman record.
pub const FS_HZ: f64 = 500.0;
/// Samples per lead (10 s at 500 Hz).
pub const N_SAMPLES: usize = 5000;
/// Lead order of the waveform CSVs.
pub const LEADS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];
/// Column names of `Diagnostics.xlsx`, in its order.
pub const COLUMNS: [&str; 16] = [
    "FileName",
    "Rhythm",
    "Beat",
    "PatientAge",
    "Gender",
    "VentricularRate",
    "AtrialRate",
    "QRSDuration",
    "QTInterval",
    "QTCorrected",
    "RAxis",
    "TAxis",
    "QRSCount",
    "QOnset",
    "QOffset",
    "TOffset",
];

/// The quantitative columns of `Diagnostics.xlsx` (GE MUSE measurements on the 12-lead
/// record), in the order of [`DiagnosticsRow::quantitative`]: what the EXGnet authors fed their
/// feature branch on Chapman (`exg_features::CHAPMAN_DIAGNOSTICS` names the same columns with
/// their units).
pub const QUANTITATIVE_COLUMNS: &[&str] = COLUMNS.split_at(5).1;
// `DiagnosticsRow::quantitative` returns one value per column.
const _: () = assert!(QUANTITATIVE_COLUMNS.len() == 11);

const FORMAT: &str = "Chapman diagnostics";

/// Patient sex as written in the `Gender` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    /// `MALE`.
    Male,
    /// `FEMALE`.
    Female,
}

/// One row of `Diagnostics.xlsx`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticsRow {
    /// Record name; the waveform is `<FileName>.csv`.
    pub file_name: String,
    /// Rhythm label (one per record).
    pub rhythm: RhythmLabel,
    /// Other conditions, space-separated acronyms (`"RBBB TWC"`), `"NONE"` when none.
    pub beat: String,
    /// Age in years.
    pub patient_age: u32,
    /// Sex.
    pub gender: Gender,
    /// Ventricular rate, beats per minute.
    pub ventricular_rate: f64,
    /// Atrial rate, beats per minute.
    pub atrial_rate: f64,
    /// QRS duration, ms.
    pub qrs_duration: f64,
    /// QT interval, ms.
    pub qt_interval: f64,
    /// Corrected QT interval, ms.
    pub qt_corrected: f64,
    /// R axis, degrees.
    pub r_axis: f64,
    /// T axis, degrees.
    pub t_axis: f64,
    /// Number of QRS complexes in the 10 s.
    pub qrs_count: u32,
    /// QRS onset, samples at 500 Hz.
    pub q_onset: u32,
    /// QRS offset, samples at 500 Hz.
    pub q_offset: u32,
    /// T-wave offset, samples at 500 Hz.
    pub t_offset: u32,
}

impl DiagnosticsRow {
    /// The non-rhythm conditions of the `Beat` column (empty for `NONE`).
    pub fn conditions(&self) -> Vec<&str> {
        self.beat
            .split_whitespace()
            .filter(|c| !c.eq_ignore_ascii_case("NONE"))
            .collect()
    }

    /// The row's [`QUANTITATIVE_COLUMNS`], in that order.
    ///
    /// ```
    /// use exg_data::dataset::chapman::{QUANTITATIVE_COLUMNS, read_diagnostics};
    /// let rows = read_diagnostics(concat!(env!("CARGO_MANIFEST_DIR"),
    ///     "/tests/fixtures/datasets/chapman_mini/Diagnostics.csv"))?;
    /// let q = rows[0].quantitative();
    /// assert_eq!(q.len(), QUANTITATIVE_COLUMNS.len());
    /// assert_eq!(q[0], rows[0].ventricular_rate);
    /// assert_eq!(q[10], f64::from(rows[0].t_offset));
    /// # Ok::<(), exg_data::Error>(())
    /// ```
    pub fn quantitative(&self) -> [f64; 11] {
        [
            self.ventricular_rate,
            self.atrial_rate,
            self.qrs_duration,
            self.qt_interval,
            self.qt_corrected,
            self.r_axis,
            self.t_axis,
            f64::from(self.qrs_count),
            f64::from(self.q_onset),
            f64::from(self.q_offset),
            f64::from(self.t_offset),
        ]
    }

    /// True when the record has conditions besides its rhythm (`Beat` is not `NONE`).
    ///
    /// Keeping only rows without them approximates the EXGnet authors' "without others"
    /// Chapman subset; it gives 5,124 records under the 5 paper classes where the authors
    /// report 5,087 (see `docs/datasets.md`).
    pub fn has_other_conditions(&self) -> bool {
        !self.conditions().is_empty()
    }
}

/// Reads the diagnostics table: `.xlsx` with calamine (first worksheet), anything else as
/// comma-separated text with a header row (fields may be double-quoted but must not contain
/// commas; Chapman's never do). Columns are found by name (extra columns such as a `Group4`
/// column are ignored), so exports with reordered columns read the same. Any missing column,
/// unknown rhythm or gender, or non-numeric measurement is [`Error::Malformed`] with its row.
pub fn read_diagnostics(path: impl AsRef<Path>) -> Result<Vec<DiagnosticsRow>> {
    let path = path.as_ref();
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let table = if is_xlsx {
        read_xlsx_table(path)?
    } else {
        read_csv_table(path)?
    };
    rows_from_table(&table, path)
}

/// Rows of cells as text, header first.
type Table = Vec<Vec<String>>;

/// Columns of an Excel worksheet (A … XFD); a wider range is a corrupt cell reference.
const XLSX_MAX_COLUMNS: usize = 16_384;

fn read_xlsx_table(path: &Path) -> Result<Table> {
    // calamine 0.38 overflows on cell references with many column letters: a panic where
    // overflow checks are on, a wrapped (wrong) column where they are off. The panic is caught
    // and the wrapped case is caught by the width check, so both are a typed error.
    let read = crate::guard::catch(|| {
        let mut wb: Xlsx<_> = open_workbook(path).map_err(|e| xlsx_error(path, e))?;
        wb.worksheet_range_at(0)
            .ok_or_else(|| malformed(path, "workbook has no worksheet".into()))?
            .map_err(|e| xlsx_error(path, e))
    });
    let range = read.ok_or_else(|| {
        malformed(
            path,
            "the xlsx reader failed on a corrupt cell reference".into(),
        )
    })??;
    if range.width() > XLSX_MAX_COLUMNS {
        return Err(malformed(
            path,
            format!(
                "{} columns (a worksheet has at most {XLSX_MAX_COLUMNS})",
                range.width()
            ),
        ));
    }
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

fn xlsx_error(path: &Path, e: calamine::XlsxError) -> Error {
    match e {
        calamine::XlsxError::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        other => Error::Malformed {
            path: path.to_path_buf(),
            format: "xlsx",
            detail: other.to_string(),
        },
    }
}

/// A cell as text; integral floats print without a fraction so `85.0` and `"85"` agree.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) => s.trim().to_owned(),
        Data::Bool(b) => b.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn read_csv_table(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|f| f.trim().trim_matches('"').trim().to_owned())
                .collect()
        })
        .collect())
}

fn malformed(path: &Path, detail: String) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        format: FORMAT,
        detail,
    }
}

fn rows_from_table(table: &Table, path: &Path) -> Result<Vec<DiagnosticsRow>> {
    let header = table
        .first()
        .ok_or_else(|| malformed(path, "empty table".into()))?;
    let index: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut col = [0usize; 16];
    for (slot, name) in col.iter_mut().zip(COLUMNS) {
        *slot = *index
            .get(name)
            .ok_or_else(|| malformed(path, format!("no `{name}` column in the header row")))?;
    }
    let mut rows = Vec::with_capacity(table.len().saturating_sub(1));
    for (i, cells) in table.iter().enumerate().skip(1) {
        // Trailing blank rows in spreadsheets.
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let line = i + 1;
        let get = |k: usize| -> Result<&str> {
            cells
                .get(col[k])
                .map(String::as_str)
                .ok_or_else(|| malformed(path, format!("row {line}: missing `{}`", COLUMNS[k])))
        };
        let num = |k: usize| -> Result<f64> {
            let s = get(k)?;
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    malformed(
                        path,
                        format!("row {line}: `{}` is not a number: `{s}`", COLUMNS[k]),
                    )
                })
        };
        let count = |k: usize| -> Result<u32> {
            let v = num(k)?;
            if v < 0.0 || v.fract() != 0.0 || v > f64::from(u32::MAX) {
                return Err(malformed(
                    path,
                    format!(
                        "row {line}: `{}` is not a non-negative integer: {v}",
                        COLUMNS[k]
                    ),
                ));
            }
            Ok(v as u32)
        };
        let file_name = get(0)?.to_owned();
        if file_name.is_empty() {
            return Err(malformed(path, format!("row {line}: empty FileName")));
        }
        let rhythm = get(1)?.parse::<RhythmLabel>().map_err(|_| {
            malformed(
                path,
                format!("row {line}: unknown rhythm `{}`", cells[col[1]]),
            )
        })?;
        let gender = match get(4)?.to_ascii_uppercase().as_str() {
            "MALE" => Gender::Male,
            "FEMALE" => Gender::Female,
            other => {
                return Err(malformed(
                    path,
                    format!("row {line}: unknown Gender `{other}`"),
                ));
            }
        };
        rows.push(DiagnosticsRow {
            file_name,
            rhythm,
            beat: get(2)?.to_owned(),
            patient_age: count(3)?,
            gender,
            ventricular_rate: num(5)?,
            atrial_rate: num(6)?,
            qrs_duration: num(7)?,
            qt_interval: num(8)?,
            qt_corrected: num(9)?,
            r_axis: num(10)?,
            t_axis: num(11)?,
            qrs_count: count(12)?,
            q_onset: count(13)?,
            q_offset: count(14)?,
            t_offset: count(15)?,
        });
    }
    Ok(rows)
}

/// Which waveform folder of the release. In JSON: `"denoised"` or `"raw"` (the variant names
/// are accepted too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waveforms {
    /// `ECGDataDenoised/`: no header row.
    #[default]
    #[serde(alias = "Denoised")]
    Denoised,
    /// `ECGData/`: raw, first row holds the lead names.
    #[serde(alias = "Raw")]
    Raw,
}

impl Waveforms {
    /// Folder name inside the release.
    pub fn folder(self) -> &'static str {
        match self {
            Waveforms::Denoised => "ECGDataDenoised",
            Waveforms::Raw => "ECGData",
        }
    }
}

/// Reads one Chapman waveform CSV as a 12-lead record at 500 Hz, converted from microvolts to
/// millivolts. Fails ([`Error::Malformed`]) unless the file has exactly 12 columns and, for
/// [`Waveforms::Raw`], a header row naming the leads I ... V6 in order.
pub fn read_ecg_csv(path: impl AsRef<Path>, layout: Waveforms) -> Result<Record> {
    let path = path.as_ref();
    // Names are imposed after the column count is checked, so a file with the wrong number of
    // columns is reported as a malformed Chapman file; a raw file's header must list the leads
    // in the documented order (any letter case).
    let options = CsvOptions {
        header: match layout {
            Waveforms::Denoised => HeaderRow::Absent,
            Waveforms::Raw => HeaderRow::Present,
        },
        names: None,
        units: "uV".into(),
        delimiter: Some(','),
    };
    let mut rec = read_csv(path, Hz::new(FS_HZ)?, &options)?;
    if rec.channels.len() != LEADS.len() {
        return Err(Error::Malformed {
            path: path.to_path_buf(),
            format: "Chapman CSV",
            detail: format!("{} columns, expected 12 leads", rec.channels.len()),
        });
    }
    if layout == Waveforms::Raw {
        // A header naming the leads in another order would silently mislabel every lead.
        let names: Vec<&str> = rec.channels.iter().map(|c| c.name.as_str()).collect();
        if !names
            .iter()
            .zip(LEADS)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
        {
            return Err(Error::Malformed {
                path: path.to_path_buf(),
                format: "Chapman CSV",
                detail: format!("header row {names:?}, expected the leads {LEADS:?}"),
            });
        }
    }
    for (ch, name) in rec.channels.iter_mut().zip(LEADS) {
        ch.name = name.to_owned();
    }
    for ch in &mut rec.channels {
        ch.samples.iter_mut().for_each(|v| *v *= 1e-3);
        ch.units = "mV".into();
    }
    rec.format = "chapman-csv".into();
    Ok(rec)
}

/// A Chapman-Shaoxing release on disk: its diagnostics table and waveform folders.
#[derive(Clone, Debug)]
pub struct Chapman {
    root: PathBuf,
    rows: Vec<DiagnosticsRow>,
    by_name: HashMap<String, usize>,
}

impl Chapman {
    /// Opens a release folder, reading `Diagnostics.xlsx` (or, when absent, `Diagnostics.csv`
    /// or `labels.csv`).
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref();
        let table = ["Diagnostics.xlsx", "Diagnostics.csv", "labels.csv"]
            .iter()
            .map(|f| root.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::Io {
                path: root.join("Diagnostics.xlsx"),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no diagnostics table"),
            })?;
        Self::with_rows(root, read_diagnostics(table)?)
    }

    /// A release at `root` described by already-read rows. Fails on duplicate file names.
    pub fn with_rows(root: impl AsRef<Path>, rows: Vec<DiagnosticsRow>) -> Result<Self> {
        let mut by_name = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            if by_name.insert(r.file_name.clone(), i).is_some() {
                return Err(Error::InvalidArgument(format!(
                    "duplicate FileName `{}` in the diagnostics table",
                    r.file_name
                )));
            }
        }
        Ok(Self {
            root: root.as_ref().to_path_buf(),
            rows,
            by_name,
        })
    }

    /// Every row, in table order.
    pub fn rows(&self) -> &[DiagnosticsRow] {
        &self.rows
    }

    /// The row of a record.
    pub fn row(&self, file_name: &str) -> Option<&DiagnosticsRow> {
        self.by_name.get(file_name).map(|&i| &self.rows[i])
    }

    /// Every row with its class under scheme `C`; excluded rows stay in the list with their
    /// [`Exclusion`](super::Exclusion) reason (count them with [`Tally`](super::Tally)).
    pub fn assignments<C: ClassScheme>(&self) -> Vec<(&DiagnosticsRow, Assignment<C>)> {
        self.rows
            .iter()
            .map(|r| (r, assign::<C>(&[r.rhythm])))
            .collect()
    }

    /// Path of a record's waveform CSV.
    pub fn record_path(&self, file_name: &str, layout: Waveforms) -> PathBuf {
        self.root
            .join(layout.folder())
            .join(format!("{file_name}.csv"))
    }

    /// Rows whose waveform file exists (a partial download, or the 35-record test subset).
    pub fn available(&self, layout: Waveforms) -> Vec<&DiagnosticsRow> {
        self.rows
            .iter()
            .filter(|r| self.record_path(&r.file_name, layout).is_file())
            .collect()
    }

    /// Reads a record (mV, 500 Hz). Its metadata carries the rhythm acronym in `labels` and
    /// `Beat`, `PatientAge`, `Gender` in `fields`. A name missing from the table is
    /// [`Error::UnknownLabel`].
    pub fn read_record(&self, file_name: &str, layout: Waveforms) -> Result<Record> {
        let row = self
            .row(file_name)
            .ok_or_else(|| Error::UnknownLabel(file_name.to_owned()))?;
        let mut rec = read_ecg_csv(self.record_path(file_name, layout), layout)?;
        rec.metadata.record = row.file_name.clone();
        rec.metadata.labels = vec![row.rhythm.acronym().to_owned()];
        let f = &mut rec.metadata.fields;
        f.insert("Rhythm".into(), row.rhythm.acronym().into());
        f.insert("Beat".into(), row.beat.clone());
        f.insert("PatientAge".into(), row.patient_age.to_string());
        f.insert(
            "Gender".into(),
            match row.gender {
                Gender::Male => "MALE",
                Gender::Female => "FEMALE",
            }
            .into(),
        );
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }

    const HEAD: &str = "FileName,Rhythm,Beat,PatientAge,Gender,VentricularRate,AtrialRate,\
QRSDuration,QTInterval,QTCorrected,RAxis,TAxis,QRSCount,QOnset,QOffset,TOffset";

    #[test]
    fn parses_a_row_and_rejects_bad_cells() {
        let p = Path::new("t.csv");
        let ok = table(&format!(
            "{HEAD}\nA,AF,RBBB TWC,85,MALE,117,234,114,356,496,81,-27,19,208,265,386"
        ));
        let rows = rows_from_table(&ok, p).unwrap();
        assert_eq!(rows[0].rhythm, RhythmLabel::AtrialFlutter);
        assert_eq!(rows[0].t_axis, -27.0);
        assert_eq!(rows[0].conditions(), ["RBBB", "TWC"]);
        for bad in [
            "A,XX,NONE,85,MALE,1,1,1,1,1,1,1,1,1,1,1",
            "A,SR,NONE,85,OTHER,1,1,1,1,1,1,1,1,1,1,1",
            "A,SR,NONE,-3,MALE,1,1,1,1,1,1,1,1,1,1,1",
            "A,SR,NONE,85,MALE,nan,1,1,1,1,1,1,1,1,1,1",
            "A,SR,NONE,85,MALE,1,1,1",
            ",SR,NONE,85,MALE,1,1,1,1,1,1,1,1,1,1,1",
        ] {
            let t = table(&format!("{HEAD}\n{bad}"));
            assert!(
                matches!(rows_from_table(&t, p), Err(Error::Malformed { .. })),
                "{bad}"
            );
        }
        assert!(rows_from_table(&table("FileName,Rhythm\nA,SR"), p).is_err());
        assert!(rows_from_table(&Vec::new(), p).is_err());
    }
}
