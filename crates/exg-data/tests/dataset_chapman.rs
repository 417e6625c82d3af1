//! Chapman-Shaoxing: diagnostics table (xlsx and CSV), class schemes, waveform CSVs.
//!
//! Real-data expectations come from `../shared/data/chapman/labels.csv` (the dataset's rows as
//! CSV with the curated `Group4` column; counts in `../shared/data/PROVENANCE.md`). The
//! synthetic fixture comes from `tools/data_datasets_chapman_fixture.py` (openpyxl writes the
//! xlsx, an independent writer).

use std::collections::BTreeMap;
use std::path::PathBuf;

use exg_data::Error;
use exg_data::dataset::chapman::{self, Chapman, Gender, Waveforms, read_diagnostics};
use exg_data::dataset::{
    Assignment, ClassScheme, Exclusion, Group4, Paper5, Paper6, RhythmLabel, Tally, assign,
};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EXG_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    let chapman = dir.join("chapman");
    if chapman.join("labels.csv").is_file() {
        Some(chapman)
    } else {
        println!(
            "skipping: {} not found (set EXG_DATA_DIR)",
            chapman.display()
        );
        None
    }
}

const LEADS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

/// A miniature Chapman release: the committed diagnostics (xlsx written by openpyxl, CSV by
/// `tools/data_datasets_chapman_fixture.py`) plus invented waveforms written here, in both
/// release layouts (`ECGDataDenoised/` without header, `ECGData/` with lead names), 20 x 12 µV.
/// The waveforms are built at test time so no tracked file mimics the real data's layout.
fn mini() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let src = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/datasets/chapman_mini"
        ));
        let dir = std::env::temp_dir().join(format!("exg-chapman-mini-{}", std::process::id()));
        for sub in ["ECGDataDenoised", "ECGData"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for f in ["Diagnostics.xlsx", "Diagnostics.csv"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        for (k, name) in ["SYN_0001", "SYN_0002", "SYN_0003"].iter().enumerate() {
            let rows: String = (0..20)
                .map(|i| {
                    let row: Vec<String> = (0..12)
                        .map(|j| {
                            let v =
                                1000.0 * (0.3 * i as f64 + (j + k) as f64).sin() + 10.0 * j as f64;
                            format!("{:.3}", v)
                        })
                        .collect();
                    row.join(",") + "\n"
                })
                .collect();
            std::fs::write(dir.join(format!("ECGDataDenoised/{name}.csv")), &rows).unwrap();
            let header = LEADS.join(",") + "\n";
            std::fs::write(dir.join(format!("ECGData/{name}.csv")), header + &rows).unwrap();
        }
        dir
    })
    .clone()
}

/// `labels.csv` parsed independently of the crate: FileName -> every column by name.
fn labels_csv(dir: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            head.iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn synthetic_xlsx_and_csv_agree() {
    let x = read_diagnostics(mini().join("Diagnostics.xlsx")).unwrap();
    let c = read_diagnostics(mini().join("Diagnostics.csv")).unwrap();
    assert_eq!(x, c);
    assert_eq!(x.len(), 3);
    assert_eq!(x[0].rhythm, RhythmLabel::AtrialFlutter);
    assert_eq!(x[0].patient_age, 71); // stored as text in the xlsx, like the real file
    assert_eq!(x[1].gender, Gender::Female);
    assert_eq!(x[2].r_axis, -5.0);
    assert!(x[0].has_other_conditions() && !x[1].has_other_conditions());
    // The three rows exercise the exclusions of the paper schemes.
    assert_eq!(Group4::of(x[2].rhythm), Some(Group4::Gsvt));
    assert_eq!(Paper5::of(x[1].rhythm), None);
    assert_eq!(Paper6::of(x[1].rhythm), Some(Paper6::Si));
    assert_eq!(
        assign::<Paper6>(&[x[2].rhythm]),
        Assignment::Excluded(Exclusion::OutsideScheme(vec![
            RhythmLabel::WanderingAtrialPacemaker
        ]))
    );
}

#[test]
fn synthetic_waveforms_in_both_layouts() {
    let db = Chapman::open(mini()).unwrap();
    assert_eq!(db.available(Waveforms::Denoised).len(), 3);
    for name in ["SYN_0001", "SYN_0002", "SYN_0003"] {
        let d = db.read_record(name, Waveforms::Denoised).unwrap();
        let r = db.read_record(name, Waveforms::Raw).unwrap();
        assert_eq!(
            d.channels, r.channels,
            "{name}: header row must not change the data"
        );
        assert_eq!(
            (d.channels.len(), d.n_samples(), d.fs.get()),
            (12, 20, 500.0)
        );
        assert_eq!(d.channels[5].name, "aVF");
        assert_eq!(d.channels[0].units, "mV");
        assert_eq!(d.metadata.record, name);
    }
    // First row of SYN_0001, parsed here from the text: microvolts -> millivolts.
    let text = std::fs::read_to_string(mini().join("ECGDataDenoised/SYN_0001.csv")).unwrap();
    let first: Vec<f64> = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let rec = db.read_record("SYN_0001", Waveforms::Denoised).unwrap();
    for (ch, uv) in rec.channels.iter().zip(first) {
        assert!((ch.samples[0] - uv / 1000.0).abs() < 1e-12);
    }
    let rec = db.read_record("SYN_0002", Waveforms::Raw).unwrap();
    assert_eq!(rec.metadata.labels, vec!["SA".to_owned()]);
    assert_eq!(rec.metadata.fields["Gender"], "FEMALE");
    assert!(matches!(
        db.read_record("NOPE", Waveforms::Raw),
        Err(Error::UnknownLabel(_))
    ));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let dir = std::env::temp_dir().join(format!("exg_chapman_bad_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("ECGDataDenoised")).unwrap();
    // A waveform file with 3 columns instead of 12.
    std::fs::write(dir.join("ECGDataDenoised/X.csv"), "1,2,3\n4,5,6\n").unwrap();
    assert!(matches!(
        chapman::read_ecg_csv(dir.join("ECGDataDenoised/X.csv"), Waveforms::Denoised),
        Err(Error::Malformed { .. })
    ));
    // A raw file whose header lists the leads in another order.
    std::fs::write(
        dir.join("raw.csv"),
        "II,I,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6\n1,2,3,4,5,6,7,8,9,10,11,12\n",
    )
    .unwrap();
    assert!(matches!(
        chapman::read_ecg_csv(dir.join("raw.csv"), Waveforms::Raw),
        Err(Error::Malformed { .. })
    ));
    // Random bytes named .xlsx, an empty CSV table, a missing file.
    std::fs::write(
        dir.join("bad.xlsx"),
        [0x50u8, 0x4b, 3, 4, 0xde, 0xad, 0xbe, 0xef],
    )
    .unwrap();
    assert!(read_diagnostics(dir.join("bad.xlsx")).is_err());
    std::fs::write(dir.join("empty.csv"), "").unwrap();
    assert!(matches!(
        read_diagnostics(dir.join("empty.csv")),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        read_diagnostics(dir.join("none.csv")),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        Chapman::open(dir.join("nowhere")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn real_xlsx_equals_labels_csv() {
    let Some(dir) = data_dir() else { return };
    let x = read_diagnostics(dir.join("Diagnostics.xlsx")).unwrap();
    let c = read_diagnostics(dir.join("labels.csv")).unwrap();
    assert_eq!(x.len(), 10_646);
    assert_eq!(c.len(), 10_646);
    for (a, b) in x.iter().zip(&c) {
        assert_eq!(a, b, "every column of every row");
    }
    // And against an independent parse of labels.csv, column by column.
    let raw = labels_csv(&dir);
    for (row, want) in x.iter().zip(&raw) {
        assert_eq!(row.file_name, want["FileName"]);
        assert_eq!(row.rhythm.acronym(), want["Rhythm"]);
        assert_eq!(row.beat, want["Beat"]);
        assert_eq!(row.patient_age.to_string(), want["PatientAge"]);
        assert_eq!(row.qt_corrected.to_string(), want["QTCorrected"]);
        assert_eq!(row.t_offset.to_string(), want["TOffset"]);
    }
}

#[test]
fn real_group4_matches_labels_csv_and_published_counts() {
    let Some(dir) = data_dir() else { return };
    let rows = read_diagnostics(dir.join("Diagnostics.xlsx")).unwrap();
    let raw = labels_csv(&dir);
    let mut counts = BTreeMap::new();
    for (row, want) in rows.iter().zip(&raw) {
        let g = Group4::of(row.rhythm).expect("Group4 covers every Chapman rhythm");
        assert_eq!(g.label(), want["Group4"], "{}", row.file_name);
        *counts.entry(g.label()).or_insert(0) += 1;
    }
    // PROVENANCE.md: SB 3889, AFIB 2225, GSVT 2307, SR 2225.
    let want: BTreeMap<_, _> = [("SB", 3889), ("AFIB", 2225), ("GSVT", 2307), ("SR", 2225)].into();
    assert_eq!(counts, want);
}

#[test]
fn real_paper_scheme_counts() {
    let Some(dir) = data_dir() else { return };
    let rows = read_diagnostics(dir.join("Diagnostics.xlsx")).unwrap();
    // Rhythm counts of labels.csv (SR 1826, SB 3889, ST 1568, AFIB 1780 + AF 445, SVT 587 +
    // AT 121 + AVNRT 16 + AVRT 8; excluded SA 399 + SAAWR 7 under Paper5, SAAWR under Paper6).
    let mut p5 = vec![0; 5];
    let mut excluded5 = 0;
    let mut p6 = vec![0; 6];
    let mut p5_without_others = 0;
    for r in &rows {
        match Paper5::of(r.rhythm) {
            Some(c) => {
                p5[c.index()] += 1;
                p5_without_others += usize::from(!r.has_other_conditions());
            }
            None => excluded5 += 1,
        }
        if let Some(c) = Paper6::of(r.rhythm) {
            p6[c.index()] += 1;
        }
    }
    assert_eq!(p5, [1826, 3889, 1568, 2225, 732]);
    assert_eq!(excluded5, 406);
    assert_eq!(p6, [1826, 3889, 1568, 399, 2225, 732]);
    // Beat == NONE under Paper5 (documented approximation of the authors' 5,087 rows).
    assert_eq!(p5_without_others, 5124);
    // The same through Chapman::assignments + Tally.
    let db = Chapman::with_rows(&dir, rows).unwrap();
    let a: Vec<_> = db
        .assignments::<Paper5>()
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let t = Tally::of(&a);
    assert_eq!(t.classes, p5);
    assert_eq!(
        (t.outside_scheme, t.no_rhythm, t.conflict, t.total()),
        (406, 0, 0, 10_646)
    );
}

#[test]
fn real_35_waveforms_load_with_their_labels() {
    let Some(dir) = data_dir() else { return };
    let db = Chapman::open(&dir).unwrap();
    let raw = labels_csv(&dir);
    let group: BTreeMap<&str, &str> = raw
        .iter()
        .map(|r| (r["FileName"].as_str(), r["Group4"].as_str()))
        .collect();
    let avail = db.available(Waveforms::Denoised);
    assert_eq!(avail.len(), 35);
    let mut counts = BTreeMap::new();
    for row in avail {
        let rec = db.read_record(&row.file_name, Waveforms::Denoised).unwrap();
        assert_eq!(rec.channels.len(), 12);
        assert_eq!(rec.n_samples(), chapman::N_SAMPLES);
        assert_eq!(rec.fs.get(), 500.0);
        assert!(
            rec.channels
                .iter()
                .all(|c| c.samples.iter().all(|v| v.is_finite()))
        );
        // Millivolts: a 12-lead ECG stays within a few mV (microvolts would be hundreds).
        let peak = rec
            .channels
            .iter()
            .flat_map(|c| &c.samples)
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(peak > 0.05 && peak < 40.0, "{}: peak {peak}", row.file_name);
        let g = Group4::of(row.rhythm).unwrap().label();
        assert_eq!(g, group[row.file_name.as_str()]);
        *counts.entry(g).or_insert(0) += 1;
    }
    // PROVENANCE.md: AFIB 12, SB 8, GSVT 8, SR 7.
    let want: BTreeMap<_, _> = [("AFIB", 12), ("SB", 8), ("GSVT", 8), ("SR", 7)].into();
    assert_eq!(counts, want);
}
