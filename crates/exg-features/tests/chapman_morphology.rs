//! Accuracy of the median-beat delineator against Chapman-Shaoxing's GE MUSE measurements
//! (`labels.csv`: QRSDuration, QTInterval, QTCorrected) on the local 35 denoised records.
//!
//! This is an evaluation, not a tight oracle: the reference comes from a 12-lead commercial
//! algorithm. The bounds below only catch a broken delineator; the measured errors are
//! reported in docs/features.md (run with `--nocapture` to see them).

mod common;

use std::collections::HashMap;

use exg_features::{Extract, Morphology, delineate};
use exg_signal::rpeaks::{RPeakDetector, default_detector};
use exg_signal::{Ecg, Hz};

struct Errors {
    name: &'static str,
    d: Vec<f64>,
}

impl Errors {
    fn mae(&self) -> f64 {
        self.d.iter().map(|v| v.abs()).sum::<f64>() / self.d.len() as f64
    }
    fn bias(&self) -> f64 {
        self.d.iter().sum::<f64>() / self.d.len() as f64
    }
    fn report(&self, what: &str) {
        let mut a: Vec<f64> = self.d.iter().map(|v| v.abs()).collect();
        a.sort_by(f64::total_cmp);
        println!(
            "{what:>10} {:>12}: n={:2} MAE={:6.1} ms bias={:+6.1} ms median|e|={:5.1} ms",
            self.name,
            self.d.len(),
            self.mae(),
            self.bias(),
            a[a.len() / 2]
        );
    }
}

#[test]
fn delineator_accuracy_vs_chapman_muse() {
    let Some(dir) = common::data_dir("chapman") else {
        return;
    };
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let col = |name: &str| {
        labels
            .lines()
            .next()
            .unwrap()
            .split(',')
            .position(|c| c == name)
            .unwrap()
    };
    let (qrs_c, qt_c, qtc_c) = (col("QRSDuration"), col("QTInterval"), col("QTCorrected"));
    let rows: HashMap<&str, Vec<&str>> = labels
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (v[0], v)
        })
        .collect();
    let fs = Hz::new(500.0).unwrap();
    let mut single = [
        Errors {
            name: "QRSd",
            d: vec![],
        },
        Errors {
            name: "QT",
            d: vec![],
        },
        Errors {
            name: "QTcB",
            d: vec![],
        },
    ];
    let mut multi = [
        Errors {
            name: "QRSd",
            d: vec![],
        },
        Errors {
            name: "QT",
            d: vec![],
        },
        Errors {
            name: "QTcB",
            d: vec![],
        },
    ];
    let mut n_records = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("ECGDataDenoised"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let key = path.file_stem().unwrap().to_str().unwrap().to_string();
        let Some(row) = rows.get(key.as_str()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let mut leads = vec![Vec::new(); 12];
        for line in text.lines() {
            for (l, v) in leads.iter_mut().zip(line.split(',')) {
                l.push(v.trim().parse::<f64>().unwrap() / 1000.0); // µV -> mV
            }
        }
        let ecg = Ecg::new(leads[1].clone(), fs).unwrap().with_lead("II");
        let peaks = default_detector().detect(&ecg).unwrap().peaks;
        let want = [row[qrs_c], row[qt_c], row[qtc_c]].map(|s| s.parse::<f64>().unwrap());
        let v = Morphology::default().extract(&ecg, &peaks).unwrap();
        for (e, (name, w)) in single
            .iter_mut()
            .zip(["QRSd", "QT", "QTcB"].iter().zip(want))
        {
            if let Some(g) = v.value(name) {
                e.d.push(g - w);
            }
        }
        let refs: Vec<&[f64]> = leads.iter().map(|l| l.as_slice()).collect();
        if let Some(d) = delineate(&refs, fs, &peaks).unwrap() {
            let m = Morphology::default().from_delineation(Some(&d));
            for (e, (name, w)) in multi
                .iter_mut()
                .zip(["QRSd", "QT", "QTcB"].iter().zip(want))
            {
                if let Some(g) = m.value(name) {
                    e.d.push(g - w);
                }
            }
        }
        n_records += 1;
    }
    println!("Chapman records: {n_records}");
    for e in &single {
        e.report("lead II");
    }
    for e in &multi {
        e.report("12-lead");
    }
    assert!(n_records >= 30, "only {n_records} Chapman records found");
    // Sanity bounds (a broken delineator is off by 100+ ms).
    assert!(
        multi[0].mae() < 15.0 && multi[1].mae() < 60.0,
        "12-lead delineation far off"
    );
    assert!(
        single[0].mae() < 50.0 && single[1].mae() < 90.0,
        "lead-II delineation far off"
    );
    assert!(
        single.iter().chain(&multi).all(|e| e.d.len() >= 25),
        "too many records without a measurement"
    );
}
