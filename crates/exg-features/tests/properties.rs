//! Invariants: shifting all peaks changes nothing; 0, 1, 2 peaks and flat/short records never
//! panic and give only invalid-or-finite values.

use exg_features::{
    AtrialActivity, Complexity, Concat, Extract, FeatureVector, HrvFrequency, HrvTime, Morphology,
    Poincare, Rhythm,
};
use exg_signal::{Ecg, Hz, RPeaks};
use proptest::prelude::*;

fn peak_features() -> Concat {
    Concat::new(vec![
        Box::new(HrvTime::all()),
        Box::new(HrvFrequency::welch()),
        Box::new(HrvFrequency::lomb()),
        Box::new(Poincare::default()),
        Box::new(Complexity::default()),
        Box::new(Rhythm::default()),
    ])
    .unwrap()
}

fn all_features() -> Concat {
    Concat::new(vec![
        Box::new(peak_features()),
        Box::new(AtrialActivity::default()),
        Box::new(Morphology::default()),
    ])
    .unwrap()
}

fn sane(v: &FeatureVector) {
    for (spec, f) in v.iter() {
        if let Some(x) = f.value() {
            assert!(x.is_finite(), "{} valid but not finite", spec.name);
        } else {
            assert!(
                f.reason().is_some(),
                "{} invalid without a reason",
                spec.name
            );
        }
    }
}

/// Peaks from RR intervals (samples) starting at `start`.
fn peaks_from(start: usize, rr: &[usize], fs: Hz, pad: usize) -> RPeaks {
    let mut idx = vec![start];
    for r in rr {
        idx.push(idx[idx.len() - 1] + r);
    }
    let len = idx[idx.len() - 1] + 1 + pad;
    RPeaks::new(idx, fs, len).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn shifting_peaks_changes_nothing(rr in prop::collection::vec(100usize..400, 0..40), shift in 1usize..5000) {
        let fs = Hz::new(250.0).unwrap();
        let a = peaks_from(10, &rr, fs, 0);
        let b = peaks_from(10 + shift, &rr, fs, 0);
        // Same record duration so duration-based rules agree.
        let b = RPeaks::new(b.indices().to_vec(), fs, a.signal_len() + shift).unwrap();
        let a = RPeaks::new(a.indices().to_vec(), fs, a.signal_len() + shift).unwrap();
        let (va, vb) = (peak_features().extract_peaks(&a).unwrap(), peak_features().extract_peaks(&b).unwrap());
        for ((s, fa), (_, fb)) in va.iter().zip(vb.iter()) {
            prop_assert_eq!(fa.is_valid(), fb.is_valid(), "{}", s.name);
            if let (Some(x), Some(y)) = (fa.computed(), fb.computed()) {
                prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{}: {} vs {}", s.name, x, y);
            }
        }
    }

    #[test]
    fn arbitrary_signals_and_peaks_never_panic(
        x in prop::collection::vec(-5.0f64..5.0, 1..3000),
        raw in prop::collection::btree_set(0usize..3000, 0..30),
    ) {
        let fs = Hz::new(500.0).unwrap();
        let n = x.len();
        let ecg = Ecg::new(x, fs).unwrap();
        let idx: Vec<usize> = raw.into_iter().filter(|&i| i < n).collect();
        let peaks = RPeaks::new(idx, fs, n).unwrap();
        sane(&all_features().extract(&ecg, &peaks).unwrap());
    }
}

#[test]
fn zero_one_two_peaks_and_flat_records_are_invalid_not_panics() {
    let fs = Hz::new(360.0).unwrap();
    for n in [1usize, 10, 400, 3600] {
        let ecg = Ecg::new(vec![0.0; n], fs).unwrap();
        for k in 0..=3usize {
            let idx: Vec<usize> = (0..k)
                .map(|i| i * (n / 4).max(1))
                .filter(|&i| i < n)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let peaks = RPeaks::new(idx, fs, n).unwrap();
            let v = all_features().extract(&ecg, &peaks).unwrap();
            sane(&v);
            if peaks.len() < 2 {
                assert!(
                    v.features()
                        .iter()
                        .all(|f| !f.is_valid() || f.value() == Some(0.0)),
                    "n={n} k={k}"
                );
            }
        }
    }
    // Constant RR: SDNN = 0 is valid, SDRMSSD (0/0) is not.
    let peaks = RPeaks::new((0..12).map(|i| 10 + 300 * i).collect(), fs, 3600).unwrap();
    let v = HrvTime::all().compute(&peaks);
    assert!(v.value("SDNN").unwrap() < 1e-9);
    assert!(v.value("SDRMSSD").is_none());
}

#[test]
fn mismatched_peaks_are_an_error() {
    let ecg = Ecg::new(vec![0.0; 100], Hz::new(250.0).unwrap()).unwrap();
    let peaks = RPeaks::new(vec![10, 50], Hz::new(500.0).unwrap(), 100).unwrap();
    assert!(HrvTime::exgnet17().extract(&ecg, &peaks).is_err());
}
