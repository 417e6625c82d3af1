//! CinC 2017 and CinC 2021 (Ningbo, Georgia, PTB-XL) records: WFDB headers + MATLAB v4 `.mat`.
//!
//! Expected values: PROVENANCE.md of ../shared/data (CinC 2017: 300 Hz, gain 1000/mV, single
//! lead, 9–61 s; CinC 2021: 12 leads I..V6, 500 Hz, 10 s, gain 1000), `REFERENCE.csv` and the
//! `labels.csv` files written by the data provider (Age, Sex, SNOMED codes). The `.mat` files
//! are also decoded independently by `format::mat4` and must agree sample for sample with the
//! WFDB `16+24` reading of the same bytes.

mod formats_support;

use std::path::Path;

use exg_data::format::{self, mat4, wfdb};
use formats_support::{data_dir, read_csv_rows};

/// Physical values of `rec` must equal (mat `val` − baseline) / gain.
fn agrees_with_mat4(hea: &Path, rec: &exg_data::Record) {
    let header = wfdb::read_header(hea).unwrap();
    let mat = mat4::read_matrix(hea.with_extension("mat"), "val").unwrap();
    assert_eq!(mat.precision, mat4::Precision::I16);
    assert_eq!(
        (mat.rows, mat.cols),
        (rec.channels.len(), rec.n_samples()),
        "{}",
        hea.display()
    );
    for (r, (ch, spec)) in rec.channels.iter().zip(&header.signals).enumerate() {
        let row = mat.row(r).unwrap();
        for (got, d) in ch.samples.iter().zip(row) {
            let want = (d - spec.baseline as f64) / spec.gain;
            assert!(
                got.to_bits() == want.to_bits(),
                "{} lead {r}: {got} vs {want}",
                hea.display()
            );
        }
    }
}

#[test]
fn cinc2017_all_records() {
    let Some(dir) = data_dir("cinc2017/training2017") else {
        return;
    };
    let reference = std::fs::read_to_string(dir.join("REFERENCE.csv")).unwrap();
    let mut n = 0;
    let mut counts = std::collections::BTreeMap::new();
    for line in reference.lines().filter(|l| !l.is_empty()) {
        let (name, label) = line.split_once(',').unwrap();
        *counts.entry(label.to_owned()).or_insert(0) += 1;
        let hea = dir.join(format!("{name}.hea"));
        let rec = wfdb::read_record(&hea).unwrap();
        assert_eq!(rec.fs.get(), 300.0);
        assert_eq!(rec.channels.len(), 1);
        assert_eq!(
            (rec.channels[0].gain, rec.channels[0].units.as_str()),
            (Some(1000.0), "mV")
        );
        let secs = rec.duration_s();
        assert!((9.0..=61.0).contains(&secs), "{name}: {secs} s");
        // The generic opener goes through the header too (a .mat with a .hea beside it).
        if n % 500 == 0 {
            let via_open = format::open(hea.with_extension("mat")).unwrap();
            assert_eq!(via_open.channels, rec.channels);
            agrees_with_mat4(&hea, &rec);
        }
        n += 1;
    }
    assert_eq!(n, 6822);
    // PROVENANCE.md: v3 counts N 4040, A 590, O 1965, ~ 227.
    assert_eq!(counts["N"] + counts["A"] + counts["O"] + counts["~"], 6822);
    assert_eq!(
        (counts["N"], counts["A"], counts["O"], counts["~"]),
        (4040, 590, 1965, 227)
    );
}

fn check_cinc2021(folder: &str, expected: usize) {
    let Some(dir) = data_dir(folder) else { return };
    let rows = read_csv_rows(&dir.join("labels.csv"));
    assert_eq!(rows.len(), expected);
    let leads = [
        "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
    ];
    for row in &rows {
        let name = &row["Record"];
        let hea = dir.join(format!("{name}.hea"));
        let rec = wfdb::read_record(&hea).unwrap();
        assert_eq!((rec.fs.get(), rec.n_samples()), (500.0, 5000), "{name}");
        let names: Vec<&str> = rec.channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, leads, "{name}");
        assert!(rec.channels.iter().all(|c| c.gain == Some(1000.0)));
        assert!(
            rec.channels
                .iter()
                .all(|c| c.units.eq_ignore_ascii_case("mV"))
        );
        let codes: Vec<&str> = row["Dx_SNOMED"].split(';').collect();
        assert_eq!(rec.metadata.labels, codes, "{name}");
        assert_eq!(rec.metadata.fields["Age"], row["Age"], "{name}");
        assert_eq!(rec.metadata.fields["Sex"], row["Sex"], "{name}");
        assert!(rec.metadata.comments.iter().any(|c| c.starts_with("Dx:")));
        agrees_with_mat4(&hea, &rec);
    }
}

#[test]
fn ningbo_20_records() {
    check_cinc2021("ningbo_cinc2021", 20);
}

#[test]
fn georgia_ptbxl_30_records() {
    check_cinc2021("cinc2021_georgia_ptbxl", 30);
}

#[test]
fn bare_mat_needs_a_rate() {
    let Some(dir) = data_dir("ningbo_cinc2021") else {
        return;
    };
    let scratch = formats_support::scratch("bare-mat");
    let mat = scratch.join("JS20000.mat");
    std::fs::copy(dir.join("JS20000.mat"), &mat).unwrap();
    assert!(matches!(
        format::open(&mat),
        Err(exg_data::Error::MissingSamplingRate { .. })
    ));
    let opts = format::OpenOptions {
        fs: Some(exg_signal::Hz::new(500.0).unwrap()),
        ..Default::default()
    };
    let rec = format::open_with(&mat, &opts).unwrap();
    assert_eq!(
        (rec.format.as_str(), rec.channels.len(), rec.n_samples()),
        ("mat4", 12, 5000)
    );
    std::fs::remove_dir_all(scratch).unwrap();
}
