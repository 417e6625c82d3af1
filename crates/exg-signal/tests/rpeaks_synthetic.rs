//! R-peak detectors on the synthetic ECG of `exg_data::synthetic`, whose ground truth is the
//! QRS extremum of the noise-free signal (oracle: the generator's construction, validated in
//! exg-data's own tests by a brute-force neighbourhood scan).

use exg_data::synthetic::{Rhythm, SyntheticConfig, SyntheticEcg, generate};
use exg_signal::rpeaks::{DETECTOR_NAMES, Polarity, RPeakDetector, by_name, default_detector};
use exg_signal::score::score_peaks;
use exg_signal::{Hz, RPeaks};

fn synth(fs: f64, rhythm: Rhythm, inverted: bool, seed: u64) -> SyntheticEcg {
    let cfg = SyntheticConfig {
        rhythm,
        inverted,
        seed,
        ectopic_fraction: 0.08,
        heart_rate_bpm: 75.0,
        ..SyntheticConfig::new(Hz::new(fs).unwrap(), 60.0)
    };
    generate(&cfg).unwrap()
}

fn check(detector: &dyn RPeakDetector, s: &SyntheticEcg, tol_s: f64, min: f64, what: &str) {
    let d = detector.detect(&s.ecg).unwrap();
    // Edges: a beat in the first or last 0.5 s may be missed or an atrial wave taken for a QRS
    // (the gradient detector's threshold window is centred, 375 ms each side, and is only
    // partly filled there): score the inside.
    let (start, end) = (
        s.ecg.fs().samples(0.5),
        s.ecg.len() - s.ecg.fs().samples(0.5),
    );
    let cut = |p: &RPeaks| {
        let v: Vec<usize> = p
            .indices()
            .iter()
            .copied()
            .filter(|&i| i >= start && i < end)
            .collect();
        RPeaks::new(v, p.fs(), p.signal_len()).unwrap()
    };
    let sc = score_peaks(&cut(&s.r_peaks), &cut(&d.peaks), tol_s).unwrap();
    let (se, ppv) = (sc.sensitivity().unwrap(), sc.ppv().unwrap());
    assert!(
        se >= min && ppv >= min,
        "{} {what}: Se {se:.4} +P {ppv:.4} ({sc:?})",
        detector.name()
    );
}

#[test]
fn every_detector_every_rate_rhythm_and_polarity() {
    for name in DETECTOR_NAMES {
        let det = by_name(name).unwrap();
        for fs in [128.0, 200.0, 250.0, 360.0, 500.0, 1000.0] {
            for rhythm in Rhythm::ALL {
                for inverted in [false, true] {
                    let s = synth(fs, rhythm, inverted, fs as u64);
                    let what = format!("{fs} Hz {rhythm:?} inverted={inverted}");
                    // 75 ms: the conformance tolerance (half the MIT-BIH scoring window).
                    check(&det, &s, 0.075, 0.99, &what);
                    let d = det.detect(&s.ecg).unwrap();
                    let want = if inverted {
                        Polarity::Negative
                    } else {
                        Polarity::Positive
                    };
                    assert_eq!(d.polarity, want, "{name} {what}");
                }
            }
        }
    }
}

#[test]
fn refined_peaks_sit_on_the_true_extremum() {
    // Clean signal: refinement must land on the generator's extremum (±1 sample for rounding
    // of the 0.5 Hz high-pass's tiny phase shift).
    for fs in [250.0, 360.0, 1000.0] {
        for inverted in [false, true] {
            let s = synth(fs, Rhythm::Sinus, inverted, 11);
            let d = default_detector().detect(&s.ecg).unwrap();
            let sc = score_peaks(&s.r_peaks, &d.peaks, 0.075).unwrap();
            let one_sample_ms = 1000.0 / fs;
            assert!(
                sc.mean_error_ms().unwrap().abs() <= one_sample_ms,
                "{fs} {inverted}: {sc:?}"
            );
            assert!(
                sc.sd_error_ms().unwrap() <= one_sample_ms,
                "{fs} {inverted}: {sc:?}"
            );
        }
    }
}

#[test]
fn noisy_records() {
    for (i, rhythm) in Rhythm::ALL.into_iter().enumerate() {
        let cfg = SyntheticConfig {
            rhythm,
            seed: 100 + i as u64,
            ectopic_fraction: 0.1,
            baseline_wander_mv: 0.4,
            powerline_mv: 0.05,
            white_noise_mv: 0.03,
            emg_noise_mv: 0.05,
            ..SyntheticConfig::new(Hz::new(360.0).unwrap(), 120.0)
        };
        let s = generate(&cfg).unwrap();
        for name in DETECTOR_NAMES {
            check(
                &by_name(name).unwrap(),
                &s,
                0.075,
                0.97,
                &format!("noisy {rhythm:?}"),
            );
        }
    }
}

#[test]
fn flat_and_short_and_tiny_inputs() {
    let fs = Hz::new(250.0).unwrap();
    for name in DETECTOR_NAMES {
        let det = by_name(name).unwrap();
        // Flat: no beat, unknown polarity.
        let flat = exg_signal::Ecg::new(vec![3.0; 5000], fs).unwrap();
        let d = det.detect(&flat).unwrap();
        assert!(d.peaks.is_empty(), "{name}");
        assert_eq!(d.polarity, Polarity::Unknown);
        // Too short: typed error with the reason.
        let short = exg_signal::Ecg::new(vec![0.0; 100], fs).unwrap();
        assert!(matches!(
            det.detect(&short),
            Err(exg_signal::Error::TooShort { len: 100, min: 250 })
        ));
        // A single beat in 1 s of signal: found or not, never a panic, always valid peaks.
        let mut x = vec![0.0; 250];
        x[125] = 1.0;
        let d = det.detect(&exg_signal::Ecg::new(x, fs).unwrap()).unwrap();
        assert!(d.peaks.len() <= 1);
    }
    // Rates outside 50–20 000 Hz are refused with a reason.
    let e = exg_signal::Ecg::new(vec![0.0; 100], Hz::new(20.0).unwrap()).unwrap();
    assert!(matches!(
        default_detector().detect(&e),
        Err(exg_signal::Error::InvalidParameter { name: "fs", .. })
    ));
}

#[test]
fn empty_rpeaks_on_all_zero_input_is_valid() {
    let fs = Hz::new(360.0).unwrap();
    let d = default_detector()
        .detect(&exg_signal::Ecg::new(vec![0.0; 3600], fs).unwrap())
        .unwrap();
    assert_eq!(d.peaks, RPeaks::empty(fs, 3600));
}
