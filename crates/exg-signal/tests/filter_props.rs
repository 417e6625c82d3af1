//! Invariants of the filters (proptest) and cross-checks against independent implementations:
//! the `biquad` crate's direct-form filters, and analytic properties (linearity, zero phase,
//! constant preservation). Expected values here are derived from those properties, not from
//! SciPy (SciPy parity is in `filter_scipy.rs`).

use biquad::{Biquad, DirectForm1};
use exg_signal::filter::{
    Band, PolyPad, Sos, SosFilter, Spread, butter, iirnotch, median_filter, resample_fft,
    resample_poly, robust_scale, zscore,
};
use exg_signal::{Error, Hz};
use proptest::prelude::*;

fn hz(v: f64) -> Hz {
    Hz::new(v).expect("valid Hz")
}

/// Band-pass 0.5-40 Hz, order 4 at 360 Hz: the common ECG front end.
fn ecg_bandpass() -> Sos {
    butter(4, Band::Bandpass(hz(0.5), hz(40.0)), hz(360.0)).unwrap()
}

fn band_strategy() -> impl Strategy<Value = (usize, Band, Hz)> {
    (
        1usize..=8,
        100.0f64..1000.0,
        0.01f64..0.45,
        0.02f64..0.9,
        0usize..4,
    )
        .prop_map(|(order, fs, a, b, kind)| {
            let nyq = fs / 2.0;
            let lo = a * nyq;
            let hi = lo + b * (nyq * 0.98 - lo);
            let band = match kind {
                0 => Band::Lowpass(hz(lo)),
                1 => Band::Highpass(hz(lo)),
                2 => Band::Bandpass(hz(lo), hz(hi)),
                _ => Band::Bandstop(hz(lo), hz(hi)),
            };
            (order, band, hz(fs))
        })
}

#[test]
fn biquad_crate_direct_form_1_agrees_with_sosfilt() {
    // Independent oracle: run the same sections through biquad's DirectForm1 (a different
    // recursion from our transposed form II); outputs must agree to rounding.
    let sos = ecg_bandpass();
    let x: Vec<f64> = (0..3000)
        .map(|i| ((i * 7919) % 1013) as f64 / 500.0 - 1.0)
        .collect();
    let mut stages: Vec<DirectForm1<f64>> =
        sos.to_biquad().into_iter().map(DirectForm1::new).collect();
    let want: Vec<f64> = x
        .iter()
        .map(|&v| stages.iter_mut().fold(v, |v, s| s.run(v)))
        .collect();
    let got = sos.filter(&x);
    let err = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-12, "DF1 vs DF2T: {err:e}");
    // and back: Sos -> biquad coefficients -> Sos is the identity
    assert_eq!(Sos::from_biquad(&sos.to_biquad()).unwrap(), sos);
}

#[test]
fn butterworth_magnitude_is_minus_3db_at_cutoff() {
    // Analytic oracle: |H| = 1/sqrt(2) at a Butterworth cut-off, any order.
    for order in 1..=8 {
        let fs = 500.0;
        let lp = butter(order, Band::Lowpass(hz(40.0)), hz(fs)).unwrap();
        let hp = butter(order, Band::Highpass(hz(0.5)), hz(fs)).unwrap();
        let bp = butter(order, Band::Bandpass(hz(5.0), hz(15.0)), hz(fs)).unwrap();
        for (sos, f) in [(&lp, 40.0), (&hp, 0.5), (&bp, 5.0), (&bp, 15.0)] {
            let (g, _) = sos.response(f, fs);
            assert!(
                (g - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9,
                "order {order} f {f}: {g}"
            );
        }
        assert!((lp.response(0.0, fs).0 - 1.0).abs() < 1e-12);
        assert!((hp.response(fs / 2.0, fs).0 - 1.0).abs() < 1e-9);
    }
}

#[test]
fn design_errors_are_typed() {
    let fs = hz(250.0);
    assert!(matches!(
        butter(4, Band::Lowpass(hz(125.0)), fs),
        Err(Error::AboveNyquist { .. })
    ));
    assert!(matches!(
        butter(4, Band::Bandpass(hz(1.0), hz(130.0)), fs),
        Err(Error::AboveNyquist { .. })
    ));
    assert!(matches!(
        butter(0, Band::Lowpass(hz(10.0)), fs),
        Err(Error::InvalidParameter { name: "order", .. })
    ));
    assert!(matches!(
        butter(2, Band::Bandpass(hz(20.0), hz(10.0)), fs),
        Err(Error::InvalidParameter { name: "band", .. })
    ));
    assert!(matches!(
        iirnotch(hz(60.0), 30.0, hz(100.0)),
        Err(Error::AboveNyquist { .. })
    ));
    assert!(matches!(
        iirnotch(hz(50.0), 0.0, fs),
        Err(Error::InvalidParameter { .. })
    ));
    let sos = ecg_bandpass();
    assert_eq!(sos.filtfilt(&[]), Err(Error::Empty));
    assert_eq!(
        sos.filtfilt(&[1.0]),
        Err(Error::TooShort { len: 1, min: 28 })
    );
    assert_eq!(
        sos.filtfilt(
            &[1.0; 40]
                .iter()
                .enumerate()
                .map(|(i, v)| if i == 30 { f64::NAN } else { *v })
                .collect::<Vec<_>>()
        ),
        Err(Error::NonFinite { index: 30 })
    );
    assert!(matches!(zscore(&[2.5; 64]), Err(Error::Flat { .. })));
    assert!(matches!(
        robust_scale(&[0.0, 0.0, 0.0, 1.0, 0.0], Spread::Iqr),
        Err(Error::Flat { .. })
    ));
    assert!(matches!(
        robust_scale(&[7.0; 9], Spread::Mad),
        Err(Error::Flat { .. })
    ));
    assert!(matches!(
        median_filter(&[1.0, 2.0], 2),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn zero_phase_symmetric_pulse_stays_symmetric() {
    // A symmetric pulse centred in the record stays symmetric about the same centre after
    // forward-backward filtering (zero phase), and its peak does not move. Forward-backward
    // filtering is exactly zero-phase only away from the edges (the forward pass runs first),
    // so the record is long enough (40 s at 360 Hz) for the 0.5 Hz tail to decay.
    let n = 14401;
    let c = 7200.0;
    let x: Vec<f64> = (0..n)
        .map(|i| (-((i as f64 - c) / 8.0).powi(2)).exp())
        .collect();
    for sos in [ecg_bandpass(), iirnotch(hz(50.0), 30.0, hz(360.0)).unwrap()] {
        let y = sos.filtfilt(&x).unwrap();
        for k in 0..200 {
            assert!(
                (y[7200 - k] - y[7200 + k]).abs() < 1e-9,
                "asymmetry at ±{k}"
            );
        }
        let peak = (0..n).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap();
        assert_eq!(peak, 7200);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn design_never_panics_and_is_stable((order, band, fs) in band_strategy()) {
        let sos = butter(order, band, fs).unwrap();
        // All poles inside the unit circle: a2 = |p|^2 < 1 for each section.
        for s in sos.sections() {
            prop_assert!(s[5].abs() < 1.0 && s.iter().all(|c| c.is_finite()));
        }
    }

    #[test]
    fn filtfilt_is_linear(
        a in prop::collection::vec(-10.0f64..10.0, 100..400),
        alpha in -3.0f64..3.0,
        beta in -3.0f64..3.0,
    ) {
        let sos = ecg_bandpass();
        let b: Vec<f64> = a.iter().enumerate().map(|(i, v)| (i as f64 * 0.37).sin() - 0.5 * v).collect();
        let mix: Vec<f64> = a.iter().zip(&b).map(|(x, y)| alpha * x + beta * y).collect();
        let (fa, fb, fm) = (sos.filtfilt(&a).unwrap(), sos.filtfilt(&b).unwrap(), sos.filtfilt(&mix).unwrap());
        for i in 0..a.len() {
            prop_assert!((fm[i] - (alpha * fa[i] + beta * fb[i])).abs() < 1e-9);
        }
    }

    #[test]
    fn chunked_streaming_equals_batch(
        x in prop::collection::vec(-5.0f64..5.0, 0..600),
        chunk in 1usize..50,
    ) {
        let sos = ecg_bandpass();
        let mut f = SosFilter::new(&sos);
        let mut y = Vec::new();
        for (i, c) in x.chunks(chunk).enumerate() {
            if i % 2 == 0 { y.extend(f.process(c)); } else { y.extend(c.iter().map(|&v| f.push(v))); }
        }
        prop_assert_eq!(y, sos.filter(&x));
    }

    #[test]
    fn no_panic_on_arbitrary_input(
        x in prop::collection::vec(prop_oneof![-1e6f64..1e6, Just(0.0), Just(f64::NAN), Just(f64::INFINITY)], 0..80),
        up in 1usize..40,
        down in 1usize..40,
        k in 0usize..20,
        num in 0usize..90,
    ) {
        let sos = ecg_bandpass();
        let _ = sos.filter(&x);
        let _ = sos.filtfilt(&x);
        let _ = resample_poly(&x, up, down, PolyPad::Zero);
        let _ = resample_poly(&x, up, down, PolyPad::Mean);
        let _ = resample_fft(&x, num);
        let _ = median_filter(&x, k);
        let _ = zscore(&x);
        let _ = robust_scale(&x, Spread::Mad);
        let _ = robust_scale(&x, Spread::Iqr);
        // Finite input: every successful output is finite.
        let finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
        for y in [sos.filtfilt(&finite), resample_poly(&finite, up, down, PolyPad::Mean),
                  resample_fft(&finite, num), zscore(&finite), robust_scale(&finite, Spread::Iqr)]
            .into_iter().flatten() {
            prop_assert!(y.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn resampling_a_constant_gives_the_constant(
        c in -100.0f64..100.0,
        n in 1usize..300,
        up in 1usize..30,
        down in 1usize..30,
        num in 1usize..400,
    ) {
        let x = vec![c; n];
        // Mean padding removes the edge droop of zero padding, so a constant maps exactly.
        for v in resample_poly(&x, up, down, PolyPad::Mean).unwrap() {
            prop_assert!((v - c).abs() < 1e-9 * c.abs().max(1.0));
        }
        for v in resample_fft(&x, num).unwrap() {
            prop_assert!((v - c).abs() < 1e-9 * c.abs().max(1.0));
        }
        // Zero padding (SciPy default): the interior, beyond the FIR half-length, is the
        // constant up to the Kaiser(5) filter's imperfect image rejection (SciPy ripples the
        // same way, e.g. 6.4e-4 for up=4, down=1).
        let y = resample_poly(&x, up, down, PolyPad::Zero).unwrap();
        let edge = 11 * up.max(down) * up / down + 2;
        if y.len() > 2 * edge {
            for v in &y[edge..y.len() - edge] {
                prop_assert!((v - c).abs() < 2e-3 * c.abs().max(1.0));
            }
        }
    }

    #[test]
    fn filtfilt_passes_dc_through_lowpass_exactly(c in -50.0f64..50.0, n in 30usize..300) {
        // Steady-state initial conditions: a constant through a unit-DC-gain low-pass is
        // unchanged from the first sample on (no start-up transient).
        let sos = butter(4, Band::Lowpass(hz(40.0)), hz(360.0)).unwrap();
        for v in sos.filtfilt(&vec![c; n]).unwrap() {
            prop_assert!((v - c).abs() < 1e-9 * c.abs().max(1.0));
        }
    }
}

#[test]
fn every_order_up_to_max_designs_a_stable_cascade() {
    // No panic and the right number of stable sections for all orders and band types,
    // including narrow bands at high orders where pole pairs crowd together.
    for order in 1..=exg_signal::filter::MAX_ORDER {
        for fs in [100.0, 360.0, 1000.0] {
            for band in [
                Band::Lowpass(hz(0.3 * fs)),
                Band::Highpass(hz(0.5)),
                Band::Bandpass(hz(0.5), hz(0.4 * fs)),
                Band::Bandstop(hz(0.2 * fs), hz(0.21 * fs)),
            ] {
                let sos = butter(order, band, hz(fs)).unwrap();
                let poles = match band {
                    Band::Lowpass(_) | Band::Highpass(_) => order,
                    _ => 2 * order,
                };
                assert_eq!(
                    sos.len(),
                    poles.div_ceil(2),
                    "order {order} {band:?} fs {fs}"
                );
                for s in sos.sections() {
                    assert!(s.iter().all(|c| c.is_finite()));
                    assert!(s[5].abs() <= 1.0, "order {order} {band:?} fs {fs}: {s:?}");
                }
            }
        }
    }
}
