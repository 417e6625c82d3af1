//! CinC 2017: REFERENCE.csv labels and record iteration.
//!
//! Expected counts: `../shared/data/PROVENANCE.md` (v3 labels of the 6,822-record subset:
//! N 4040, A 590, O 1965, ~ 227); record list: the release's own `RECORDS` file.

use std::path::PathBuf;

use exg_data::dataset::cinc2017::{Cinc2017, Label};

fn data_dir() -> Option<PathBuf> {
    exg_data::testdata::dir("cinc2017/training2017/REFERENCE.csv")
        .map(|f| f.parent().unwrap().to_path_buf())
}

#[test]
fn reference_counts() {
    let Some(dir) = data_dir() else { return };
    let db = Cinc2017::open(&dir).unwrap();
    assert_eq!(db.entries().len(), 6822);
    assert_eq!(db.counts(), [4040, 590, 1965, 227]);
    let records = std::fs::read_to_string(dir.join("RECORDS")).unwrap();
    let names: Vec<&str> = records.lines().filter(|l| !l.is_empty()).collect();
    let mut ours: Vec<&str> = db.entries().iter().map(|e| e.record.as_str()).collect();
    let mut theirs = names.clone();
    ours.sort_unstable();
    theirs.sort_unstable();
    assert_eq!(ours, theirs);
}

#[test]
fn every_record_reads() {
    let Some(dir) = data_dir() else { return };
    let db = Cinc2017::open(&dir).unwrap();
    let mut n = 0;
    let mut afib = 0;
    for item in db.records() {
        let (entry, rec) = item.unwrap();
        assert_eq!(rec.channels.len(), 1, "{}", entry.record);
        assert_eq!(rec.fs.get(), 300.0);
        let secs = rec.duration_s();
        assert!((8.9..=61.0).contains(&secs), "{}: {secs} s", entry.record);
        assert_eq!(rec.metadata.labels, vec![entry.label.symbol().to_owned()]);
        n += 1;
        afib += usize::from(entry.label == Label::Af);
    }
    assert_eq!((n, afib), (6822, 590));
}
