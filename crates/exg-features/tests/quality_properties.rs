//! `SignalQuality`, `BeatTemplate` and `Ectopy`: degenerate inputs give reasons (never NaN or a
//! panic), and invariants that need no oracle: uniform time scaling, gain, inversion, ranges.
//! Expected values are argued in the comments.

use exg_features::{BeatTemplate, Concat, Ectopy, Extract, FeatureVector, Invalid, SignalQuality};
use exg_signal::{Ecg, Hz, RPeaks};
use proptest::prelude::*;

fn signal_features() -> Concat {
    Concat::new(vec![
        Box::new(SignalQuality::default()),
        Box::new(BeatTemplate::default()),
    ])
    .unwrap()
}

/// Gaussian QRS (σ = 10 ms, height 1) at every peak, a small T wave, plus `noise`.
fn ecg_like(n: usize, peaks: &[usize], fs: f64, noise: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let beats: f64 = peaks
                .iter()
                .map(|&r| {
                    let d = t - r as f64 / fs;
                    (-0.5 * (d / 0.01).powi(2)).exp()
                        + 0.2 * (-0.5 * ((d - 0.3) / 0.05).powi(2)).exp()
                })
                .sum();
            beats + 0.05 * noise[i % noise.len()]
        })
        .collect()
}

/// Every feature invalid with a reason, none NaN.
fn all_invalid(v: &FeatureVector) -> bool {
    v.features()
        .iter()
        .all(|f| !f.is_valid() && f.reason().is_some() && f.computed().is_none_or(f64::is_finite))
}

#[test]
fn flat_signals_are_invalid() {
    let fs = Hz::new(250.0).unwrap();
    let peaks = RPeaks::new((0..12).map(|k| 100 + 200 * k).collect(), fs, 2500).unwrap();
    // Zero and a constant ADC offset (whose filtered residue is rounding noise, not signal).
    for level in [0.0, 1000.0, -3.5] {
        let v = signal_features()
            .extract(&Ecg::new(vec![level; 2500], fs).unwrap(), &peaks)
            .unwrap();
        assert!(all_invalid(&v), "level {level}: {v:?}");
    }
}

#[test]
fn too_few_beats_too_short_and_low_rates_are_invalid() {
    let fs = Hz::new(250.0).unwrap();
    let noise: Vec<f64> = (0..97)
        .map(|i| ((i * 37) % 11) as f64 / 11.0 - 0.5)
        .collect();
    // 3 beats: the template needs 4 whose window fits.
    let idx: Vec<usize> = vec![300, 500, 700];
    let ecg = Ecg::new(ecg_like(2500, &idx, 250.0, &noise), fs).unwrap();
    let v = BeatTemplate::default()
        .extract(&ecg, &RPeaks::new(idx, fs, 2500).unwrap())
        .unwrap();
    assert!(all_invalid(&v));
    assert_eq!(
        v.get("Polarity").unwrap().reason(),
        Some(&Invalid::TooFewBeats { have: 3, need: 4 })
    );
    // Six peaks, but only 3 windows fit (the first at 0.1 s, the last two near the end).
    let idx = vec![25, 400, 800, 1200, 2450, 2490];
    let ecg = Ecg::new(ecg_like(2500, &idx, 250.0, &noise), fs).unwrap();
    let v = BeatTemplate::default()
        .extract(&ecg, &RPeaks::new(idx, fs, 2500).unwrap())
        .unwrap();
    assert_eq!(
        v.get("TmplCorrMean").unwrap().reason(),
        Some(&Invalid::TooFewBeats { have: 3, need: 4 })
    );
    // 4 s: below SignalQuality's 5 s.
    let idx: Vec<usize> = (0..5).map(|k| 100 + 200 * k).collect();
    let ecg = Ecg::new(ecg_like(1000, &idx, 250.0, &noise), fs).unwrap();
    let v = SignalQuality::default()
        .extract(&ecg, &RPeaks::new(idx, fs, 1000).unwrap())
        .unwrap();
    assert!(all_invalid(&v));
    assert!(matches!(
        v.get("kSQI").unwrap().reason(),
        Some(Invalid::TooShort { .. })
    ));
    // 4 peaks: every Ectopy feature but PeakRate needs 5.
    let peaks = RPeaks::new(vec![0, 250, 500, 750], fs, 1000).unwrap();
    let v = Ectopy::default().compute(&peaks);
    for (spec, f) in v.iter() {
        if spec.name == "PeakRate" {
            assert_eq!(f.value(), Some(1.0)); // 4 peaks in 4 s
        } else {
            assert_eq!(f.reason(), Some(&Invalid::TooFewBeats { have: 4, need: 5 }));
        }
    }
    // No peak at all: a rate of 0, nothing else.
    let v = Ectopy::default().compute(&RPeaks::empty(fs, 1000));
    assert_eq!(v.value("PeakRate"), Some(0.0));
    // 60 Hz: no 40 Hz band edge below Nyquist; signal features undefined, not an error.
    let fs = Hz::new(60.0).unwrap();
    let idx: Vec<usize> = (0..20).map(|k| 30 + 48 * k).collect();
    let ecg = Ecg::new(ecg_like(1000, &idx, 60.0, &noise), fs).unwrap();
    let v = signal_features()
        .extract(&ecg, &RPeaks::new(idx, fs, 1000).unwrap())
        .unwrap();
    assert!(all_invalid(&v));
    // From peaks alone the signal features say so.
    let v = signal_features()
        .extract_peaks(&RPeaks::new(vec![10, 20], fs, 1000).unwrap())
        .unwrap();
    assert!(
        v.features()
            .iter()
            .all(|f| f.reason() == Some(&Invalid::NeedsSignal))
    );
}

#[test]
fn rr_histogram_entropy_is_invalid_without_rr_in_range() {
    // RR of 3 s: outside [0.2, 2.5) s, so the histogram is empty; the ratios are still defined.
    let fs = Hz::new(100.0).unwrap();
    let peaks = RPeaks::new((0..6).map(|k| 300 * k).collect(), fs, 1600).unwrap();
    let v = Ectopy::default().compute(&peaks);
    assert!(v.value("RREntropy").is_none());
    assert_eq!(v.value("RRRatioMin"), Some(1.0));
    assert_eq!(v.value("RRFracNearMedian"), Some(1.0));
}

/// Peaks from RR intervals (samples), first at 120 samples; the record ends 150 samples after
/// the last.
fn peaks_from(rr: &[usize]) -> (Vec<usize>, usize) {
    let mut idx = vec![120];
    for r in rr {
        idx.push(idx[idx.len() - 1] + r);
    }
    let n = idx[idx.len() - 1] + 150;
    (idx, n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Resampling the peaks by an integer factor k (indices, length and rate × k) changes no
    /// Ectopy feature, bit for bit: every RR is (k·d)/(k·fs), the correctly rounded quotient of
    /// the same real number as d/fs.
    #[test]
    fn ectopy_is_invariant_to_uniform_time_scaling(
        rr in prop::collection::vec(40usize..700, 0..40),
        k in 2usize..6,
    ) {
        let (idx, n) = peaks_from(&rr);
        let a = Ectopy::default().compute(&RPeaks::new(idx.clone(), Hz::new(250.0).unwrap(), n).unwrap());
        let scaled: Vec<usize> = idx.iter().map(|i| i * k).collect();
        let fs = Hz::new(250.0 * k as f64).unwrap();
        let b = Ectopy::default().compute(&RPeaks::new(scaled, fs, n * k).unwrap());
        for ((s, fa), (_, fb)) in a.iter().zip(b.iter()) {
            prop_assert_eq!(fa.value(), fb.value(), "{}", s.name);
            prop_assert_eq!(fa.is_valid(), fb.is_valid(), "{}", s.name);
        }
    }

    /// A gain of 2^e scales every sample and every intermediate exactly (no rounding changes),
    /// so the gain-free features are unchanged — up to `powf` in sSQI, which is not correctly
    /// rounded (hence 1e-12 rather than equality). Inverting the lead flips `Polarity` and the
    /// sign of `sSQI`, bit for bit, and nothing else. Ranges hold on the way.
    #[test]
    fn gain_and_inversion_invariance_and_ranges(
        rr in prop::collection::vec(150usize..320, 6..20),
        noise in prop::collection::vec(-1.0f64..1.0, 50..200),
        e in -6i32..10,
    ) {
        let fs = Hz::new(250.0).unwrap();
        let (idx, n) = peaks_from(&rr);
        let x = ecg_like(n, &idx, 250.0, &noise);
        let peaks = RPeaks::new(idx, fs, n).unwrap();
        let ex = Concat::new(vec![
            Box::new(SignalQuality::default()),
            Box::new(BeatTemplate::default()),
            Box::new(Ectopy::default()),
        ]).unwrap();
        let base = ex.extract(&Ecg::new(x.clone(), fs).unwrap(), &peaks).unwrap();
        let c = 2f64.powi(e);
        let gain = ex.extract(&Ecg::new(x.iter().map(|v| v * c).collect(), fs).unwrap(), &peaks).unwrap();
        let inv = ex.extract(&Ecg::new(x.iter().map(|v| -v).collect(), fs).unwrap(), &peaks).unwrap();
        for (((s, f0), (_, fg)), (_, fi)) in base.iter().zip(gain.iter()).zip(inv.iter()) {
            let name = s.name.as_ref();
            prop_assert_eq!(f0.is_valid(), fg.is_valid(), "{}", name);
            prop_assert_eq!(f0.is_valid(), fi.is_valid(), "{}", name);
            let Some(v) = f0.value() else { continue };
            let (g, i) = (fg.value().unwrap(), fi.value().unwrap());
            prop_assert!((g - v).abs() <= 1e-12 * v.abs().max(1.0), "{}: {} vs {}", name, v, g);
            let flips = name == "Polarity" || name == "sSQI";
            prop_assert_eq!(i, if flips { -v } else { v }, "{}", name);
            match name {
                "TmplCorrMean" | "TmplCorrMin" | "QrsCorrMean" => prop_assert!((-1.0..=1.0).contains(&v), "{}: {}", name, v),
                "Polarity" => prop_assert!(v == 1.0 || v == -1.0),
                "TmplCorrFracLow" | "QrsCorrFracLow" | "pSQI" | "basSQI" | "hfSQI" | "SpecEnt"
                | "PrematureFrac" | "RRFracNearMedian" => prop_assert!((0.0..=1.0).contains(&v), "{}: {}", name, v),
                "TmplCorrStd" | "RAmpCV" | "BeatResid" | "TmplEnergyOutsideQrs" | "PAmpRatio" | "QrsWidth30"
                | "RREntropy" | "PeakRate" | "PauseCount" => prop_assert!(v >= 0.0, "{}: {}", name, v),
                _ => {}
            }
        }
        // Clean Gaussian beats: the template is R-positive and the beats agree with it.
        prop_assert_eq!(base.value("Polarity"), Some(1.0));
        prop_assert!(base.value("TmplCorrMean").unwrap() > 0.5);
        let (lo, hi) = (base.value("RRRatioMin").unwrap(), base.value("RRRatioMax").unwrap());
        prop_assert!(0.0 < lo && lo <= hi);
    }
}
