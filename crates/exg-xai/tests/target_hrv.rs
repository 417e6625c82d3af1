//! The HRV attention target on constructed and synthetic records.

use exg_signal::rpeaks::default_detector;
use exg_signal::synthetic::{BeatKind, SyntheticConfig, SyntheticRhythm as Rhythm, generate};
use exg_signal::{Ecg, Hz, RPeaks};
use exg_xai::target::{ClassRule, PWindowMode};
use exg_xai::{
    AttentionTarget, Error, HrvTarget, HrvTargetConfig, NoTarget, TargetMap, TargetOutcome,
};

fn synthetic(rhythm: Rhythm, bpm: f64, fs: f64, seed: u64) -> exg_signal::synthetic::SyntheticEcg {
    let cfg = SyntheticConfig {
        rhythm,
        heart_rate_bpm: bpm,
        seed,
        ..SyntheticConfig::new(Hz::new(fs).unwrap(), 10.0)
    };
    generate(&cfg).unwrap()
}

fn map_of(outcome: TargetOutcome) -> TargetMap {
    outcome.into_result().expect("a target")
}

/// The target on the generator's true R-peaks.
fn target_of(syn: &exg_signal::synthetic::SyntheticEcg, class: Option<&str>) -> TargetMap {
    map_of(
        HrvTarget::default()
            .target(&syn.ecg, &syn.r_peaks, class)
            .unwrap(),
    )
}

/// `map` linearly interpolated at time `t` (s).
fn at(map: &TargetMap, t: f64) -> f64 {
    let x = t * map.fs().get();
    let i = (x.floor() as usize).min(map.len() - 2);
    let f = x - i as f64;
    let v = map.values();
    f64::from(v[i]) * (1.0 - f) + f64::from(v[i + 1]) * f
}

#[test]
fn same_record_at_250_360_500_hz_gives_the_same_target() {
    // The generator draws beat times in seconds from the seed, so the three records are the
    // same ECG sampled at three rates. R-peaks are rounded to the sample grid (at most half a
    // sample, 2 ms at 250 Hz, apart), and the steepest edge of the target is the QRS
    // raised-cosine taper, slope pi / (2 * 20 ms) = 78.5 per s: so values may differ by up to
    // 78.5 * 0.002 = 0.16 on edges (bound 0.2 with interpolation), and very little on average.
    let reference = target_of(&synthetic(Rhythm::AtrialFibrillation, 90.0, 500.0, 3), None);
    for fs in [250.0, 360.0] {
        let syn = synthetic(Rhythm::AtrialFibrillation, 90.0, fs, 3);
        let m = target_of(&syn, None);
        assert_eq!(m.len(), syn.ecg.len());
        assert_eq!(m.summary().n_beats, reference.summary().n_beats);
        assert_eq!(m.summary().p_window, reference.summary().p_window);
        let diffs: Vec<f64> = (0..m.len() - 1)
            .map(|i| (f64::from(m.values()[i]) - at(&reference, i as f64 / fs)).abs())
            .collect();
        let max = diffs.iter().copied().fold(0.0, f64::max);
        let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
        assert!(max < 0.2, "{fs} Hz: max difference {max}");
        assert!(mean < 0.01, "{fs} Hz: mean difference {mean}");
        // The same with detected R-peaks (detections may differ by a few ms between rates).
        let detected = map_of(
            HrvTarget::default()
                .target_detected(&syn.ecg, &default_detector(), None)
                .unwrap(),
        );
        let mean = (0..detected.len() - 1)
            .map(|i| (f64::from(detected.values()[i]) - at(&reference, i as f64 / fs)).abs())
            .sum::<f64>()
            / (detected.len() - 1) as f64;
        assert!(mean < 0.03, "{fs} Hz detected: mean difference {mean}");
    }
}

#[test]
fn exact_when_peak_times_coincide() {
    // R-peaks at the same times at 250 and 500 Hz (even indices at 500 Hz): every value at
    // 250 Hz is the 500-Hz value at the same time, bit for bit (t = n / fs is the same double).
    let idx_500: Vec<usize> = [300, 700, 1000, 1500, 1780, 2300, 2900, 3300, 4100, 4600].to_vec();
    let idx_250: Vec<usize> = idx_500.iter().map(|i| i / 2).collect();
    let make = |fs: f64, len: usize, idx: Vec<usize>| {
        let fs = Hz::new(fs).unwrap();
        let ecg = Ecg::new(vec![0.0; len], fs).unwrap();
        let peaks = RPeaks::new(idx, fs, len).unwrap();
        map_of(HrvTarget::default().target(&ecg, &peaks, None).unwrap())
    };
    let m500 = make(500.0, 5000, idx_500);
    let m250 = make(250.0, 2500, idx_250);
    for (n, v) in m250.values().iter().enumerate() {
        assert_eq!(*v, m500.values()[2 * n], "sample {n}");
    }
}

#[test]
fn regular_rhythms_get_uniform_beats_and_no_p_window() {
    // Synthetic sinus rhythm has 2 % RR jitter: every beat is under the 0.1 tolerance.
    for (bpm, rate_marked) in [(70.0, false), (45.0, true), (125.0, true)] {
        let syn = synthetic(Rhythm::Sinus, bpm, 500.0, 1);
        let m = target_of(&syn, None);
        let s = m.summary();
        assert!(
            s.beat_weights.iter().all(|&w| w == 1.0),
            "{bpm} bpm: {:?}",
            s.beat_weights
        );
        assert!(!s.p_window, "{bpm} bpm");
        // Brady- and tachycardia: every interval sets the rate (mean rate 15-25 bpm outside
        // 60-100, beyond the 10-bpm ramp, so the band is at full height rate_level = 0.2).
        let expected = if rate_marked {
            syn.r_peaks.len() - 1
        } else {
            0
        };
        assert_eq!(s.rate_intervals, expected, "{bpm} bpm");
        let mid = (syn.r_peaks.indices()[2] + syn.r_peaks.indices()[3]) / 2;
        let band = if rate_marked { 0.2 } else { 0.0 };
        if bpm < 100.0 {
            // Half-way between two beats lies outside the QRS window (and the P window is off).
            assert_eq!(m.values()[mid], band, "{bpm} bpm");
        }
    }
}

#[test]
fn atrial_fibrillation_marks_p_regions_and_weights_irregular_beats() {
    // Synthetic AF: log-normal RR with sigma 0.22, so the median successive difference is
    // about 0.675 * sqrt(2) * 0.22 = 0.21, above the 0.1 threshold.
    let syn = synthetic(Rhythm::AtrialFibrillation, 90.0, 500.0, 5);
    let m = target_of(&syn, None);
    let s = m.summary();
    assert!(s.p_window);
    assert!(s.irregularity > 0.1, "{}", s.irregularity);
    let (lo, hi) = s
        .beat_weights
        .iter()
        .fold((1.0f32, 0.0f32), |(a, b), &w| (a.min(w), b.max(w)));
    assert_eq!(hi, 1.0);
    assert!(lo < 0.7, "weights should differ: {:?}", s.beat_weights);
    // 150 ms before an R-peak (inside the P plateau, 90-220 ms) the map is p_level * weight.
    let fs = 500.0;
    for (k, (&r, &w)) in syn
        .r_peaks
        .indices()
        .iter()
        .zip(&s.beat_weights)
        .enumerate()
    {
        let i = r - (0.15 * fs) as usize;
        if r > 200 && k > 0 && syn.r_peaks.indices()[k - 1] + 200 < i {
            assert!((m.values()[i] - 0.6 * w).abs() < 1e-6 || m.values()[i] > 0.6 * w);
        }
    }
}

#[test]
fn ectopic_beats_are_where_the_rhythm_breaks() {
    // Sinus rhythm with PVCs: a premature beat and its compensatory pause change the RR by
    // 40-60 %, above the 0.3 saturation, so an isolated PVC gets weight 1, while regular beats
    // (2 % jitter, 3 % respiratory modulation) stay at the floor 0.3. (Inside a run of PVCs,
    // which the generator spaces regularly, the rhythm does not break at every beat.)
    let cfg = SyntheticConfig {
        ectopic_fraction: 0.15,
        seed: 11,
        ..SyntheticConfig::new(Hz::new(500.0).unwrap(), 20.0)
    };
    let syn = generate(&cfg).unwrap();
    let pvcs: Vec<usize> = (0..syn.beats.len())
        .filter(|&i| syn.beats[i] == BeatKind::Ventricular)
        .collect();
    assert!(!pvcs.is_empty(), "the seed must give at least one PVC");
    let m = target_of(&syn, None);
    let w = &m.summary().beat_weights;
    let normal = |i: usize| syn.beats.get(i).is_none_or(|b| *b == BeatKind::Normal);
    let isolated: Vec<usize> = pvcs
        .iter()
        .copied()
        .filter(|&i| i > 0 && normal(i - 1) && normal(i + 1))
        .collect();
    assert!(!isolated.is_empty(), "the seed must give an isolated PVC");
    for &i in &isolated {
        assert_eq!(w[i], 1.0, "PVC beat {i}: {w:?}");
    }
    let far = (0..w.len()).filter(|i| pvcs.iter().all(|p| i.abs_diff(*p) > 2));
    for i in far {
        assert!((w[i] - 0.3).abs() < 1e-6, "regular beat {i}: {}", w[i]);
    }
}

#[test]
fn class_hint_selects_components() {
    // A 70-bpm sinus record: "SB" marks every interval, "AFIB" every P region, "SR" nothing
    // beyond the QRS marks; the hint is matched case-insensitively; an unknown one is an error.
    let syn = synthetic(Rhythm::Sinus, 70.0, 500.0, 2);
    let n = syn.r_peaks.len();
    assert_eq!(target_of(&syn, Some("SB")).summary().rate_intervals, n - 1);
    assert!(target_of(&syn, Some("afib")).summary().p_window);
    let sr = target_of(&syn, Some("SR"));
    assert_eq!(
        (sr.summary().rate_intervals, sr.summary().p_window),
        (0, false)
    );
    assert_eq!(sr.summary().class.as_deref(), Some("SR"));
    let err = HrvTarget::default().target(&syn.ecg, &syn.r_peaks, Some("XYZ"));
    assert!(matches!(err, Err(Error::Input(m)) if m.contains("XYZ")));
    // Custom rules and modes come from the config.
    let mut cfg = HrvTargetConfig::default();
    cfg.classes.insert(
        "PAC".into(),
        ClassRule {
            rate: false,
            p_window: true,
        },
    );
    let t = HrvTarget::new(cfg.clone()).unwrap();
    assert!(
        map_of(t.target(&syn.ecg, &syn.r_peaks, Some("pac")).unwrap())
            .summary()
            .p_window
    );
    cfg.p_window = PWindowMode::Never;
    let t = HrvTarget::new(cfg).unwrap();
    assert!(
        !map_of(t.target(&syn.ecg, &syn.r_peaks, Some("AFIB")).unwrap())
            .summary()
            .p_window
    );
}

#[test]
fn no_target_is_typed_never_a_zero_map() {
    let fs = Hz::new(250.0).unwrap();
    let target = HrvTarget::default();
    // Two beats: TooFewBeats (the default needs 3, two RR intervals).
    let ecg = Ecg::new(vec![0.0; 2500], fs).unwrap();
    let two = RPeaks::new(vec![500, 700], fs, 2500).unwrap();
    assert_eq!(
        target.target(&ecg, &two, None).unwrap().reason(),
        Some(&NoTarget::TooFewBeats { found: 2, min: 3 })
    );
    // 1.5 s: shorter than min_duration_s = 2 s.
    let short = Ecg::new(vec![0.0; 375], fs).unwrap();
    let peaks = RPeaks::new(vec![50, 150, 250, 350], fs, 375).unwrap();
    assert!(matches!(
        target.target(&short, &peaks, None).unwrap().reason(),
        Some(NoTarget::TooShort { .. })
    ));
    // A flat record and white noise: the detector finds nothing consistent.
    let flat = target
        .target_detected(&ecg, &default_detector(), None)
        .unwrap();
    assert!(matches!(
        flat.reason(),
        Some(NoTarget::DetectionFailed { .. })
    ));
    let mut s = 7u64;
    let noise: Vec<f64> = (0..7500)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect();
    let noisy = Ecg::new(noise, fs).unwrap();
    let out = target
        .target_detected(&noisy, &default_detector(), None)
        .unwrap();
    assert!(
        matches!(out.reason(), Some(NoTarget::DetectionFailed { .. })),
        "{out:?}"
    );
    // Shorter than the detector's 1-s minimum: TooShort, not an error.
    let tiny = Ecg::new(vec![0.0; 100], fs).unwrap();
    let out = target
        .target_detected(&tiny, &default_detector(), None)
        .unwrap();
    assert!(matches!(out.reason(), Some(NoTarget::TooShort { .. })));
    // Peaks of another record are a caller error.
    let other = RPeaks::new(vec![10, 20, 30], fs, 3000).unwrap();
    assert!(matches!(
        target.target(&ecg, &other, None),
        Err(Error::Input(_))
    ));
}

#[test]
fn invalid_configs_are_rejected() {
    let bad = [
        HrvTargetConfig {
            taper_ms: -1.0,
            ..Default::default()
        },
        HrvTargetConfig {
            qrs_after_ms: f64::NAN,
            ..Default::default()
        },
        HrvTargetConfig {
            p_start_ms: 50.0,
            ..Default::default()
        },
        HrvTargetConfig {
            beat_floor: 0.0,
            ..Default::default()
        },
        HrvTargetConfig {
            irregularity_saturation: 0.05,
            ..Default::default()
        },
        HrvTargetConfig {
            normal_bpm: (100.0, 60.0),
            ..Default::default()
        },
        HrvTargetConfig {
            min_beats: 2,
            ..Default::default()
        },
        HrvTargetConfig {
            rate_level: 1.5,
            ..Default::default()
        },
    ];
    for cfg in bad {
        assert!(
            matches!(HrvTarget::new(cfg.clone()), Err(Error::Input(_))),
            "{cfg:?}"
        );
    }
}

#[test]
fn outcomes_round_trip_through_json() {
    // Targets are cached: a map and a missing target both survive serialisation.
    let syn = synthetic(Rhythm::SinusArrhythmia, 75.0, 360.0, 4);
    let outcome = HrvTarget::default()
        .target(&syn.ecg, &syn.r_peaks, Some("SA"))
        .unwrap();
    let json = serde_json::to_string(&outcome).unwrap();
    let back = serde_json::from_str::<TargetOutcome>(&json).unwrap();
    // The map's f32 values come back exactly; summary f64s may move by one ulp (serde_json's
    // default float parsing), so those are compared to 1e-12.
    let (a, b) = (back.map().unwrap(), outcome.map().unwrap());
    assert_eq!(a.values(), b.values());
    assert_eq!(a.fs(), b.fs());
    let (sa, sb) = (a.summary(), b.summary());
    assert_eq!(sa.beat_weights, sb.beat_weights);
    assert_eq!((sa.n_beats, sa.p_window), (sb.n_beats, sb.p_window));
    assert_eq!(
        (sa.rate_intervals, &sa.class),
        (sb.rate_intervals, &sb.class)
    );
    assert!((sa.irregularity - sb.irregularity).abs() < 1e-12);
    assert!((sa.mean_hr_bpm - sb.mean_hr_bpm).abs() < 1e-12);
    let missing = TargetOutcome::Missing(NoTarget::TooFewBeats { found: 1, min: 3 });
    let json = serde_json::to_string(&missing).unwrap();
    assert!(json.contains("too_few_beats"), "{json}");
    assert_eq!(
        serde_json::from_str::<TargetOutcome>(&json).unwrap(),
        missing
    );
    // A partial config fills the rest with defaults.
    let cfg: HrvTargetConfig = serde_json::from_str(r#"{"taper_ms": 10.0}"#).unwrap();
    assert_eq!(cfg.taper_ms, 10.0);
    assert_eq!(cfg.qrs_before_ms, HrvTargetConfig::default().qrs_before_ms);
}
