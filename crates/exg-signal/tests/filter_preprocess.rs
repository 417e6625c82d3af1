//! The `Preprocess` layer: trait plumbing, typed errors and rate handling (the real-data check
//! against SciPy on MIT-BIH record 100 is the root package's `tests/filter_mitdb.rs`).

use std::sync::Arc;

use exg_signal::filter::{
    Band, Bandpass, BaselineRemoval, Highpass, Lowpass, Notch, Preprocess, Resample,
    ResampleMethod, RobustScale, Spread, ZScore, butter, from_fn,
};
use exg_signal::{Ecg, Error, Hz};

fn hz(v: f64) -> Hz {
    Hz::new(v).expect("valid Hz")
}

fn synthetic(fs: f64, seconds: f64) -> Ecg {
    let n = (fs * seconds) as usize;
    let x = (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            (std::f64::consts::PI * 1.1 * t).sin().powi(16)
                + 0.3 * (std::f64::consts::TAU * 0.2 * t).sin()
        })
        .collect();
    Ecg::new(x, hz(fs)).unwrap().with_lead("II")
}

#[test]
fn trait_objects_references_and_closures_compose() {
    let ecg = synthetic(360.0, 10.0);
    let bp = Bandpass::new(hz(0.5), hz(40.0), 2);
    let direct = bp.apply(&ecg).unwrap();
    let boxed: Box<dyn Preprocess> = Box::new(bp);
    let shared: Arc<dyn Preprocess> = Arc::new(bp);
    assert_eq!(boxed.apply(&ecg).unwrap(), direct);
    assert_eq!(shared.apply(&ecg).unwrap(), direct);
    fn by_value<P: Preprocess>(p: P, ecg: &Ecg) -> Ecg {
        p.apply(ecg).unwrap()
    }
    // The borrow is the point: it exercises the `&P` impl.
    #[allow(clippy::needless_borrows_for_generic_args)]
    let via_ref = by_value(&bp, &ecg);
    assert_eq!(via_ref, direct);
    let steps: Vec<Box<dyn Preprocess>> = vec![Box::new(bp), Box::new(ZScore)];
    let mut out = ecg.clone();
    for s in &steps {
        out = s.apply(&out).unwrap();
    }
    assert_eq!(out, bp.then(ZScore).apply(&ecg).unwrap());
    let negate = from_fn(|e: &Ecg| e.with_samples(e.samples().iter().map(|v| -v).collect()));
    let twice = (&negate).then(&negate).apply(&ecg).unwrap();
    assert_eq!(twice, ecg);
    assert_eq!(out.lead(), Some("II"));
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    is_send_sync(&boxed);
}

#[test]
fn steps_equal_their_low_level_counterparts() {
    let ecg = synthetic(250.0, 8.0);
    let fs = ecg.fs();
    let want = butter(3, Band::Highpass(hz(0.5)), fs)
        .unwrap()
        .filtfilt(ecg.samples())
        .unwrap();
    assert_eq!(
        Highpass {
            cutoff: hz(0.5),
            order: 3
        }
        .apply(&ecg)
        .unwrap()
        .samples(),
        &want[..]
    );
    assert_eq!(
        BaselineRemoval::highpass(hz(0.5), 3)
            .apply(&ecg)
            .unwrap()
            .samples(),
        &want[..]
    );
    let want = butter(5, Band::Lowpass(hz(30.0)), fs)
        .unwrap()
        .filtfilt(ecg.samples())
        .unwrap();
    assert_eq!(
        Lowpass {
            cutoff: hz(30.0),
            order: 5
        }
        .apply(&ecg)
        .unwrap()
        .samples(),
        &want[..]
    );
}

#[test]
fn design_follows_the_record_rate_and_rejects_cutoffs_above_nyquist() {
    let bp = Bandpass::new(hz(0.5), hz(100.0), 2);
    assert!(bp.apply(&synthetic(500.0, 5.0)).is_ok());
    assert_eq!(
        bp.apply(&synthetic(128.0, 5.0)),
        Err(Error::AboveNyquist {
            freq: 100.0,
            fs: 128.0
        })
    );
    assert!(matches!(
        Notch::mains_60().apply(&synthetic(100.0, 5.0)),
        Err(Error::AboveNyquist { .. })
    ));
    // Too short for sosfiltfilt's edge padding: typed error, not a panic.
    let short = Ecg::new(vec![0.1; 10], hz(360.0)).unwrap();
    assert!(matches!(
        bp.apply(&short),
        Err(Error::TooShort { len: 10, .. })
    ));
    let flat = Ecg::new(vec![0.25; 2000], hz(360.0)).unwrap();
    assert!(matches!(ZScore.apply(&flat), Err(Error::Flat { .. })));
    assert!(matches!(
        RobustScale::default().apply(&flat),
        Err(Error::Flat { .. })
    ));
}

#[test]
fn resample_stamps_the_new_rate() {
    let ecg = synthetic(360.0, 10.0);
    for (to, len) in [
        (500.0, 5000),
        (250.0, 2500),
        (128.0, 1280),
        (1000.0, 10000),
        (360.0, 3600),
    ] {
        for method in [
            ResampleMethod::Polyphase,
            ResampleMethod::PolyphaseZeroPad,
            ResampleMethod::Fft,
        ] {
            let out = Resample { to: hz(to), method }.apply(&ecg).unwrap();
            assert_eq!(out.fs(), hz(to));
            assert_eq!(out.len(), len, "{to} Hz {method:?}");
            assert_eq!(out.lead(), Some("II"));
        }
    }
    // A fractional rate: rational approximation, output stamped with the exact rate used.
    let out = Resample::to(hz(333.3)).apply(&ecg).unwrap();
    assert!((out.fs().get() / 333.3 - 1.0).abs() < 1e-6);
    assert!((out.len() as f64 - 3333.0).abs() <= 1.0);
}

#[test]
fn median_baseline_removes_wander_and_keeps_qrs() {
    // Beats every 0.8 s (QRS: Gaussian, sigma 10 ms, height 1; T: sigma 40 ms, height 0.3,
    // 250 ms later) on a 0.2 Hz wander of amplitude 0.3. The de Chazal baseline should follow
    // the wander (residual well under the wander amplitude) and keep the R heights.
    let fs = 360.0;
    let wander = |t: f64| 0.3 * (std::f64::consts::TAU * 0.2 * t).sin();
    let beats = |t: f64| {
        let k = (t / 0.8).round();
        let d = t - k * 0.8 - 0.0;
        (-(d / 0.010).powi(2) / 2.0).exp() + 0.3 * (-((d - 0.25) / 0.040).powi(2) / 2.0).exp()
    };
    let x: Vec<f64> = (0..(20.0 * fs) as usize)
        .map(|i| beats(i as f64 / fs) + wander(i as f64 / fs))
        .collect();
    let ecg = Ecg::new(x, hz(fs)).unwrap();
    let out = BaselineRemoval::median().apply(&ecg).unwrap();
    let y = out.samples();
    // Expected figures from the same algorithm in SciPy (ndimage.median_filter, reflect):
    // max residual 0.091 (part of the T wave leaks into the 600 ms median), mean 0.0216.
    let resid: Vec<f64> = (720..6480)
        .map(|i| (y[i] - beats(i as f64 / fs)).abs())
        .collect();
    let max = resid.iter().cloned().fold(0.0, f64::max);
    let mean = resid.iter().sum::<f64>() / resid.len() as f64;
    eprintln!("wander 0.3, residual after median baseline: max {max}, mean {mean}");
    assert!(
        max < 0.1 && mean < 0.025,
        "baseline residual max {max} mean {mean}"
    );
    let peak_out = y[720..6480].iter().cloned().fold(f64::MIN, f64::max);
    assert!((peak_out - 1.0).abs() < 0.05, "R height {peak_out}");
    assert!(
        RobustScale {
            spread: Spread::Mad
        }
        .apply(&out)
        .is_ok()
    );
}
