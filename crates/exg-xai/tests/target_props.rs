//! Property tests of the HRV target: for any valid record and R-peaks, a map has one value per
//! sample, in [0, 1], never NaN, with its maximum 1 (the strongest beat's R-peak); otherwise a
//! typed reason. Expected values come from the trait's contract (`exg_xai::target`).

use exg_signal::{Ecg, Hz, RPeaks};
use exg_xai::{AttentionTarget, HrvTarget, NoTarget, TargetOutcome};
use proptest::prelude::*;

const HINTS: [Option<&str>; 5] = [None, Some("SR"), Some("SB"), Some("AFIB"), Some("SVT")];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn values_in_unit_interval_with_record_length(
        fs in prop::sample::select(vec![100.0, 128.0, 250.0, 257.0, 360.0, 500.0, 1000.0]),
        duration_s in 0.5f64..30.0,
        gaps in prop::collection::vec(0.05f64..3.0, 0..60),
        start in 0.0f64..2.0,
        hint in 0usize..5,
    ) {
        let fs_hz = Hz::new(fs).unwrap();
        let len = (duration_s * fs).round() as usize;
        let mut idx: Vec<usize> = Vec::new();
        let mut t = start;
        for g in gaps {
            let i = (t * fs).round() as usize;
            if i >= len { break; }
            if idx.last().is_none_or(|&l| i > l) { idx.push(i); }
            t += g;
        }
        let ecg = Ecg::new(vec![0.0; len], fs_hz).unwrap();
        let peaks = RPeaks::new(idx.clone(), fs_hz, len).unwrap();
        let out = HrvTarget::default().target(&ecg, &peaks, HINTS[hint]).unwrap();
        match out {
            TargetOutcome::Map(m) => {
                prop_assert_eq!(m.len(), len);
                prop_assert!(m.values().iter().all(|v| (0.0..=1.0).contains(v)));
                prop_assert_eq!(m.values().iter().copied().fold(0.0f32, f32::max), 1.0);
                prop_assert!(idx.len() >= 3);
            }
            TargetOutcome::Missing(NoTarget::TooFewBeats { found, min }) => {
                prop_assert_eq!(found, idx.len());
                prop_assert!(found < min);
            }
            TargetOutcome::Missing(NoTarget::TooShort { duration_s, .. }) => {
                prop_assert!(duration_s < 2.0);
            }
            TargetOutcome::Missing(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
