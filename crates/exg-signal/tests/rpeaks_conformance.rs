//! Every built-in detector passes the full conformance battery of `exg_signal::rpeaks::conformance`
//! (accuracy at 100–1000 Hz on every synthetic rhythm, upright and inverted; noisy records;
//! refinement onto the true extremum; flat / short / unsupported-rate / awkward input; and, for
//! streaming detectors, stream == batch for many chunkings, the constant delay and NaN chunks).
//!
//! Oracle: the synthetic generator's beat positions (placed by construction; the generator's
//! own tests check them by a brute-force neighbourhood scan) and, for streaming, the batch API.

use exg_signal::rpeaks::conformance::{Battery, check_detector, check_streaming};
use exg_signal::rpeaks::{
    DETECTOR_NAMES, Hamilton, PanTompkins, RPeakDetector, StreamingDetector, by_name,
    default_detector,
};
use exg_signal::{Ecg, Error, Hz};

#[test]
fn every_builtin_streaming_detector_passes_the_full_battery() {
    for name in DETECTOR_NAMES {
        let det = by_name(name).expect("built-in detector");
        let battery = Battery::default();
        let report = check_streaming(&det, &battery);
        println!("{report}");
        assert!(report.passed(), "{report}");
        assert!(report.checks.len() > 60, "{report}");
    }
}

#[test]
fn the_gated_default_detector_passes_the_batch_battery() {
    // The gate needs the whole record, so `Gated::stream` is the inner detector's stream
    // (checked above as `pantompkins`); its batch output is checked here.
    let report = check_detector(&default_detector(), &Battery::default());
    assert!(report.passed(), "{report}");
}

#[test]
fn the_battery_catches_a_broken_detector() {
    // A detector that reports a peak every second regardless of the signal, and panics on
    // short input: the battery must fail it, and report the panic instead of propagating it.
    struct Metronome;
    impl exg_signal::rpeaks::RPeakDetector for Metronome {
        fn name(&self) -> &str {
            "metronome"
        }
        fn detect(
            &self,
            ecg: &exg_signal::Ecg,
        ) -> exg_signal::Result<exg_signal::rpeaks::Detection> {
            let step = ecg.fs().samples(1.0);
            assert!(ecg.len() > step, "too short for a metronome");
            let peaks = (step / 2..ecg.len()).step_by(step).collect();
            Ok(exg_signal::rpeaks::Detection::batch(
                exg_signal::RPeaks::new(peaks, ecg.fs(), ecg.len())?,
            ))
        }
    }
    let report = check_detector(&Metronome, &Battery::quick());
    assert!(!report.passed());
    let failed: Vec<&str> = report.failures().map(|c| c.name.as_str()).collect();
    assert!(failed.iter().any(|n| n.starts_with("accuracy")), "{report}");
    assert!(failed.contains(&"flat"), "{report}");
    let short = report
        .checks
        .iter()
        .find(|c| c.name == "too_short")
        .unwrap();
    assert!(short.detail.starts_with("panicked"), "{report}");
}

#[test]
fn builtin_input_errors_carry_their_reason() {
    // The battery accepts any error for an unsupported rate; the built-ins name the parameter.
    for name in DETECTOR_NAMES {
        let det = by_name(name).unwrap();
        let short = Ecg::new(vec![0.0; 100], Hz::new(250.0).unwrap()).unwrap();
        assert_eq!(
            det.detect(&short),
            Err(Error::TooShort { len: 100, min: 250 })
        );
        let slow = Ecg::new(vec![0.0; 400], Hz::new(20.0).unwrap()).unwrap();
        assert!(matches!(
            det.detect(&slow),
            Err(Error::InvalidParameter { name: "fs", .. })
        ));
    }
    // A bad parameter is named by its field.
    let fs = Hz::new(360.0).unwrap();
    let pt = PanTompkins {
        refractory_s: -0.2,
        ..PanTompkins::default()
    };
    assert!(matches!(
        pt.stream(fs),
        Err(Error::InvalidParameter {
            name: "refractory_s",
            ..
        })
    ));
    let hamilton = Hamilton {
        threshold_coeff: f64::NAN,
        ..Hamilton::default()
    };
    assert!(matches!(
        hamilton.stream(fs),
        Err(Error::InvalidParameter {
            name: "threshold_coeff",
            ..
        })
    ));
}
