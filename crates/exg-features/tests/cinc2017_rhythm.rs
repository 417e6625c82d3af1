//! Evaluation of the AF-oriented features on real short single-lead records: PhysioNet/CinC
//! 2017 (AliveCor, 300 Hz, 9–61 s), first 150 normal (N) and 150 AF (A) records in file order.
//! Peaks: `exg_signal::rpeaks::default_detector()`. Reported with `--nocapture`; the test
//! asserts only that each feature separates the classes in the documented direction
//! (AUC > 0.7, P-wave presence < 0.3). Skips when the data folder is absent.

mod common;

use exg_features::{AtrialActivity, Concat, Extract, Rhythm};
use exg_signal::rpeaks::{RPeakDetector, default_detector};

/// Probability that a random AF value exceeds a random normal one (ties count 1/2).
fn auc(af: &[f64], n: &[f64]) -> f64 {
    let mut s = 0.0;
    for a in af {
        for b in n {
            s += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    s / (af.len() * n.len()) as f64
}

#[test]
fn af_features_separate_af_from_normal_on_cinc2017() {
    let Some(dir) = common::data_dir("cinc2017/training2017") else {
        return;
    };
    let refs = std::fs::read_to_string(dir.join("REFERENCE.csv")).unwrap();
    let ex = Concat::new(vec![
        Box::new(Rhythm::default()),
        Box::new(AtrialActivity::default()),
    ])
    .unwrap();
    let names = [
        "COSEn",
        "TPR",
        "nRMSSD",
        "MedAbsdRR",
        "PWavePresence",
        "PWaveCorr",
    ];
    let mut vals: Vec<[Vec<f64>; 2]> = names.iter().map(|_| [vec![], vec![]]).collect();
    let (mut n_n, mut n_a) = (0, 0);
    for line in refs.lines() {
        let mut it = line.split(',');
        let (rec, label) = (it.next().unwrap(), it.next().unwrap_or(""));
        let class = match label {
            "N" if n_n < 150 => 0,
            "A" if n_a < 150 => 1,
            _ => continue,
        };
        let Ok(record) = exg_data::format::open(dir.join(format!("{rec}.hea"))) else {
            continue;
        };
        let ecg = record.ecg(0).unwrap();
        let Ok(det) = default_detector().detect(&ecg) else {
            continue;
        };
        let v = ex.extract(&ecg, &det.peaks).unwrap();
        for (k, name) in names.iter().enumerate() {
            if let Some(x) = v.value(name) {
                vals[k][class].push(x);
            }
        }
        if class == 0 { n_n += 1 } else { n_a += 1 }
    }
    println!("CinC 2017: {n_n} N, {n_a} A records");
    let mut aucs = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let [n, a] = &vals[k];
        let a_gt_n = auc(a, n);
        println!(
            "{name:>14}: valid N {:3} A {:3}  AUC(AF > N) = {a_gt_n:.3}",
            n.len(),
            a.len()
        );
        aucs.push(a_gt_n);
    }
    assert!(n_n >= 100 && n_a >= 100, "too few records read");
    // Irregularity rises in AF; P-wave presence falls.
    assert!(
        aucs[0] > 0.7 && aucs[2] > 0.7 && aucs[3] > 0.7,
        "RR features do not separate AF"
    );
    assert!(aucs[4] < 0.3, "P-wave presence does not separate AF");
}
