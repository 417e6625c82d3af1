//! Invariants: shifting all peaks changes nothing; 0, 1, 2 peaks and flat/short records never
//! panic and give only invalid-or-finite values; `delineate` on arbitrary leads, rates and peaks
//! returns a typed error or a documented result (`None`, or boundaries around the R-peak).

use exg_features::{
    Concat, DelineatorParams, Error, Extract, FeatureVector, HrvTime, Morphology, delineate,
    delineate_with,
};
use exg_signal::rpeaks::FS_RANGE_HZ;
use exg_signal::{Ecg, Hz, RPeaks};
use proptest::prelude::*;

/// Every extractor (`full_set`); the signal features are invalid (needs signal) from peaks
/// alone.
fn all_features() -> Concat {
    exg_features::full_set().unwrap()
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
        let (va, vb) = (all_features().extract_peaks(&a).unwrap(), all_features().extract_peaks(&b).unwrap());
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
                // PeakRate is defined for any number of peaks (1 peak: 1 / duration).
                assert!(
                    v.iter().all(|(s, f)| !f.is_valid()
                        || f.value() == Some(0.0)
                        || s.name == "PeakRate"),
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

/// A sampling rate from 1e-6 Hz to 1e9 Hz (log-uniform), around and far outside the supported
/// range.
fn any_rate() -> impl Strategy<Value = Hz> {
    (-6.0f64..9.0).prop_map(|e| Hz::new(10f64.powf(e)).unwrap())
}

/// A sample: mostly ordinary values, sometimes NaN or an infinity.
fn any_sample() -> impl Strategy<Value = f64> {
    prop_oneof![
        20 => -5.0f64..5.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

/// `n` samples with a triangular QRS (40 ms each side) at every peak, plus `noise`.
fn beats(n: usize, peaks: &[usize], fs: f64, noise: &[f64]) -> Vec<f64> {
    let half = ((0.04 * fs) as usize).max(1);
    let mut x: Vec<f64> = (0..n).map(|i| 0.01 * noise[i % noise.len()]).collect();
    for &r in peaks {
        for i in 0..half {
            let v = 1.0 - i as f64 / half as f64;
            if r >= i {
                x[r - i] += v;
            }
            if r + i < n {
                x[r + i] += v;
            }
        }
    }
    x
}

/// Checks a delineation result against the documented contract.
fn check_delineation(
    r: &exg_features::Result<Option<exg_features::Delineation>>,
    fs: Hz,
    finite: bool,
) -> Result<(), TestCaseError> {
    let supported = (FS_RANGE_HZ.0..=FS_RANGE_HZ.1).contains(&fs.get());
    match r {
        Err(Error::InvalidParameter { name: "fs", .. }) => prop_assert!(!supported),
        Err(Error::Signal(exg_signal::Error::NonFinite { .. })) => {
            prop_assert!(supported && !finite)
        }
        Err(e) => prop_assert!(false, "unexpected error {e}"),
        Ok(d) => {
            prop_assert!(supported && finite);
            if let Some(d) = d {
                prop_assert!(d.qrs_on_s <= 0.0 && d.qrs_off_s >= 0.0, "{d:?}");
                prop_assert!(d.rr_s > 0.0 && d.rr_s.is_finite(), "{d:?}");
                prop_assert!(d.r_amp.is_finite() && d.s_amp.is_finite() && d.s_amp <= 0.0);
                prop_assert!(d.t_end_s.is_none_or(f64::is_finite));
                prop_assert!(
                    d.p_on_s
                        .is_none_or(|p| p.is_finite() && p < d.qrs_on_s + 1e-12)
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Arbitrary samples (NaN and infinities included), peaks and rates (far outside the
    /// supported range included): a typed error or the documented result, never a panic.
    #[test]
    fn delineate_arbitrary_input_never_panics(
        x in prop::collection::vec(any_sample(), 1..4000),
        raw in prop::collection::btree_set(0usize..4000, 0..20),
        fs in any_rate(),
        n_leads in 1usize..4,
    ) {
        let n = x.len();
        let finite = x.iter().all(|v| v.is_finite());
        let idx: Vec<usize> = raw.into_iter().filter(|&i| i < n).collect();
        let peaks = RPeaks::new(idx, fs, n).unwrap();
        let leads: Vec<&[f64]> = vec![&x; n_leads];
        check_delineation(&delineate(&leads, fs, &peaks), fs, finite)?;
        // The extractor never fails on a supported pair, and never panics.
        if let Ok(ecg) = Ecg::new(x.clone(), fs) {
            sane(&Morphology::default().extract(&ecg, &peaks).unwrap());
        }
    }

    /// Beat-like records at any supported rate: when a delineation comes back, its boundaries
    /// bracket the R-peak and RR is the peaks' median interval.
    #[test]
    fn delineate_beats_at_supported_rates(
        fs in (FS_RANGE_HZ.0..2000.0f64).prop_map(|f| Hz::new(f).unwrap()),
        rr_s in 0.3f64..1.5,
        n_beats in 0usize..8,
        noise in prop::collection::vec(-1.0f64..1.0, 1..64),
    ) {
        let rr = fs.samples(rr_s).max(1);
        let start = fs.samples(0.4);
        let idx: Vec<usize> = (0..n_beats).map(|k| start + k * rr).collect();
        let n = start + n_beats * rr + fs.samples(0.8);
        let x = beats(n, &idx, fs.get(), &noise);
        let peaks = RPeaks::new(idx, fs, n).unwrap();
        let r = delineate(&[&x], fs, &peaks);
        check_delineation(&r, fs, true)?;
        let d = r.unwrap();
        prop_assert_eq!(d.is_some(), n_beats >= 2, "{:?}", d);
        if let Some(d) = d {
            prop_assert!((d.rr_s - fs.seconds(rr)).abs() < 1e-9);
        }
    }
}

#[test]
fn delineate_refuses_misuse_with_typed_errors() {
    let fs = Hz::new(500.0).unwrap();
    let x = vec![0.0; 5000];
    let peaks = RPeaks::new(vec![1000, 2000, 3000], fs, 5000).unwrap();
    assert!(matches!(
        delineate(&[], fs, &peaks),
        Err(Error::InvalidParameter { name: "leads", .. })
    ));
    // Peaks of another rate or another length.
    let other_fs = RPeaks::new(vec![1000, 2000], Hz::new(250.0).unwrap(), 5000).unwrap();
    assert!(matches!(
        delineate(&[&x], fs, &other_fs),
        Err(Error::PeaksMismatch(_))
    ));
    let short = vec![0.0; 4000];
    assert!(matches!(
        delineate(&[&x, &short], fs, &peaks),
        Err(Error::PeaksMismatch(_))
    ));
    // Rates outside the detectors' range.
    for f in [1e-3, 12.5, 49.9, 20_001.0, 1e12] {
        let fs = Hz::new(f).unwrap();
        let peaks = RPeaks::new(vec![1000, 2000, 3000], fs, 5000).unwrap();
        assert!(
            matches!(
                delineate(&[&x], fs, &peaks),
                Err(Error::InvalidParameter { name: "fs", .. })
            ),
            "{f} Hz"
        );
    }
    // Thresholds outside (0, 1).
    for bad in [0.0, -0.1, 1.0, f64::NAN] {
        let p = DelineatorParams {
            qrs_threshold_single: bad,
            ..Default::default()
        };
        assert!(matches!(
            delineate_with(&[&x], fs, &peaks, &p),
            Err(Error::InvalidParameter {
                name: "qrs_threshold_single",
                ..
            })
        ));
    }
    // A flat line: nothing to delineate.
    assert_eq!(delineate(&[&x], fs, &peaks).unwrap(), None);
}
