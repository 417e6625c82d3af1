//! exg-train's metrics against scikit-learn (`tools/train_metrics_oracle.py` writes
//! `tests/fixtures/metrics_sklearn.json`: confusion matrix, accuracy, macro-F1 and per-class
//! precision / recall / F1 with `zero_division=0` on seeded random labels, including a class
//! absent from the truth and a class never predicted).

use exg_train::metrics::{Confusion, MeanSd};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/metrics_sklearn.json");
    serde_json::from_str(text).unwrap()
}

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn metrics_match_scikit_learn() {
    let cases = fixture()["cases"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let k = case["n_classes"].as_u64().unwrap() as usize;
        let c = Confusion::from_pairs(k, &labels(&case["truth"]), &labels(&case["pred"])).unwrap();
        let rows: Vec<Vec<u64>> = case["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(c.rows(), rows);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(c.accuracy().unwrap(), case["accuracy"].as_f64().unwrap());
        close(c.macro_f1().unwrap(), case["macro_f1"].as_f64().unwrap());
        let per = c.per_class();
        for (i, m) in per.iter().enumerate() {
            close(m.precision.unwrap_or(0.0), floats(&case["precision"])[i]);
            close(m.sensitivity.unwrap_or(0.0), floats(&case["recall"])[i]);
            close(m.f1.unwrap_or(0.0), floats(&case["f1"])[i]);
            assert_eq!(m.support, case["support"][i].as_u64().unwrap());
        }
    }
}

#[test]
fn specificity_and_subset_f1_by_hand() {
    // Truth/prediction counts chosen by hand: class 0 has TP 3, FN 1; class 1 TP 2, FP 1.
    let c = Confusion::from_pairs(3, &[0, 0, 0, 0, 1, 1, 2], &[0, 0, 0, 1, 1, 1, 2]).unwrap();
    let per = c.per_class();
    // Class 1: TN = 7 - support 2 - FP 1 = 4 -> specificity 4/5.
    assert!((per[1].specificity.unwrap() - 0.8).abs() < 1e-12);
    // F1: class 0 = 6/7, class 1 = 4/5; mean over {0, 1} (as F1(N,A,O) leaves a class out).
    let want = (6.0 / 7.0 + 0.8) / 2.0;
    assert!((c.mean_f1(&[0, 1]).unwrap() - want).abs() < 1e-12);
    assert_eq!(c.mean_f1(&[]), None);
    assert_eq!(c.mean_f1(&[3]), None);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Confusion::new(0).is_err());
    assert!(Confusion::from_pairs(2, &[0, 1], &[0]).is_err());
    assert!(Confusion::from_pairs(2, &[0, 2], &[0, 1]).is_err());
    let empty = Confusion::new(3).unwrap();
    assert_eq!(empty.accuracy(), None);
    assert_eq!(empty.macro_f1(), None);
    let mut a = Confusion::new(2).unwrap();
    assert!(a.merge(&Confusion::new(3).unwrap()).is_err());
}

#[test]
fn mean_sd_uses_the_sample_deviation() {
    // numpy: np.std([1, 2, 3, 4], ddof=1) = 1.2909944487358056
    let m = MeanSd::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert!((m.mean - 2.5).abs() < 1e-15);
    assert!((m.sd - 1.2909944487358056).abs() < 1e-15);
    assert_eq!(MeanSd::of(&[]), None);
    assert_eq!(MeanSd::of(&[1.0, f64::NAN]), None);
    assert_eq!(format!("{:.2}", m), "2.50 ± 1.29");
}
