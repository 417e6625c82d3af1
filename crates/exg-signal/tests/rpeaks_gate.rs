//! The default detector's signal-quality gate ([`QualityGate`] behind [`Gated`]).
//!
//! Oracles: (1) by construction, generated white, pink (Kellet's 1/f filter), brown (integrated
//! white) and band-limited (5–15 Hz, 8–20 Hz Butterworth) noise holds no QRS complex, so the
//! right answer is "empty, `NoConsistentQrs`"; (2) the MIT-BIH Noise Stress Test's `ma` and `bw`
//! records are real recordings chosen by PhysioNet to hold no ECG (Moody et al. 1984), same
//! answer; (3) every MIT-BIH record and every synthetic rhythm holds beats annotated by
//! cardiologists / the generator, so the gate must pass them (the accuracy itself is asserted
//! by `rpeaks_mitdb.rs` and `rpeaks_conformance.rs`, which run the gated default detector).

use exg_data::format::wfdb::{list_records, read_record};
use exg_data::synthetic::{Rhythm, SyntheticConfig, generate};
use exg_signal::filter::{Band, butter};
use exg_signal::rpeaks::{NoResult, PanTompkins, QualityGate, RPeakDetector, default_detector};
use exg_signal::{Ecg, Hz};

struct Lcg(u64);
impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn white(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Lcg(seed);
    (0..n).map(|_| r.gauss()).collect()
}

fn pink(n: usize, seed: u64) -> Vec<f64> {
    // Paul Kellet's economy 1/f filter (accurate to ±0.5 dB above ~fs/1000).
    let (mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0);
    white(n, seed)
        .into_iter()
        .map(|w| {
            b0 = 0.99765 * b0 + w * 0.0990460;
            b1 = 0.96300 * b1 + w * 0.2965164;
            b2 = 0.57000 * b2 + w * 1.0526913;
            b0 + b1 + b2 + w * 0.1848
        })
        .collect()
}

fn brown(n: usize, seed: u64) -> Vec<f64> {
    let mut acc = 0.0;
    white(n, seed)
        .into_iter()
        .map(|w| {
            acc = 0.999 * acc + w;
            acc
        })
        .collect()
}

fn band(n: usize, seed: u64, fs: Hz, lo: f64, hi: f64) -> Vec<f64> {
    let sos = butter(
        4,
        Band::Bandpass(Hz::new(lo).unwrap(), Hz::new(hi).unwrap()),
        fs,
    )
    .unwrap();
    sos.filter(&white(n, seed))
}

fn data_dir() -> std::path::PathBuf {
    std::env::var("EXG_DATA_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
        .into()
}

fn frac(ecg: &Ecg) -> Option<f64> {
    let peaks = PanTompkins::default().detect(ecg).unwrap().peaks;
    QualityGate::default()
        .assess(ecg, &peaks)
        .unwrap()
        .consistent_fraction
}

#[test]
fn generated_noise_is_gated_at_every_rate() {
    for fs in [128.0, 250.0, 360.0, 500.0, 1000.0] {
        let fs = Hz::new(fs).unwrap();
        let n = fs.samples(60.0);
        let kinds: Vec<(&str, Vec<f64>)> = vec![
            ("white", white(n, 1)),
            ("pink", pink(n, 2)),
            ("brown", brown(n, 3)),
            ("band 5-15 Hz", band(n, 4, fs, 5.0, 15.0)),
            ("band 8-20 Hz", band(n, 5, fs, 8.0, 20.0)),
        ];
        for (what, x) in kinds {
            let ecg = Ecg::new(x, fs).unwrap();
            let ungated = PanTompkins::default().detect(&ecg).unwrap().peaks.len();
            let d = default_detector().detect(&ecg).unwrap();
            eprintln!(
                "{what} at {} Hz: {ungated} ungated peaks, consistent fraction {:?}",
                fs.get(),
                frac(&ecg)
            );
            assert!(d.peaks.is_empty(), "{what} at {} Hz: {:?}", fs.get(), d);
            assert_eq!(d.no_result, Some(NoResult::NoConsistentQrs), "{what}");
        }
    }
}

#[test]
fn nstdb_noise_records_are_gated() {
    let dir = data_dir().join("nstdb");
    if !dir.join("ma.hea").is_file() {
        eprintln!("skipping: nstdb not found (set EXG_DATA_DIR)");
        return;
    }
    for name in ["ma", "bw"] {
        let rec = read_record(dir.join(name)).unwrap();
        for ch in 0..2 {
            let ecg = rec.ecg(ch).unwrap();
            // Whole record and 60-s pieces (short excerpts are how noise reaches a user).
            let fs = ecg.fs();
            let x = ecg.samples();
            let step = fs.samples(60.0);
            let mut pieces = vec![ecg.clone()];
            pieces.extend(
                x.chunks(step)
                    .filter(|c| c.len() == step)
                    .map(|c| Ecg::new(c.to_vec(), fs).unwrap()),
            );
            for (k, e) in pieces.iter().enumerate() {
                let d = default_detector().detect(e).unwrap();
                assert!(
                    d.peaks.is_empty(),
                    "{name} ch{ch} piece {k}: {} peaks, fraction {:?}",
                    d.peaks.len(),
                    frac(e)
                );
            }
            eprintln!("{name} ch{ch}: whole-record fraction {:?}", frac(&ecg));
        }
    }
}

#[test]
fn mitdb_records_pass_the_gate() {
    let dir = data_dir().join("mitdb");
    if !dir.join("100.hea").is_file() {
        eprintln!("skipping: MIT-BIH not found (set EXG_DATA_DIR)");
        return;
    }
    let names = list_records(&dir).unwrap();
    let mut worst = (1.0f64, String::new());
    for n in &names {
        let ecg = read_record(dir.join(n)).unwrap().ecg(0).unwrap();
        let f = frac(&ecg).unwrap();
        if f < worst.0 {
            worst = (f, n.clone());
        }
        assert!(
            QualityGate::default()
                .assess(&ecg, &PanTompkins::default().detect(&ecg).unwrap().peaks)
                .unwrap()
                .passes,
            "{n}: fraction {f}"
        );
    }
    eprintln!(
        "MIT-BIH lowest consistent fraction: {:.3} ({})",
        worst.0, worst.1
    );
}

#[test]
fn synthetic_rhythms_pass_the_gate() {
    for fs in [128.0, 200.0, 250.0, 360.0, 500.0, 1000.0] {
        for rhythm in Rhythm::ALL {
            for inverted in [false, true] {
                let cfg = SyntheticConfig {
                    rhythm,
                    inverted,
                    seed: 7,
                    ectopic_fraction: 0.08,
                    ..SyntheticConfig::new(Hz::new(fs).unwrap(), 30.0)
                };
                let s = generate(&cfg).unwrap();
                let d = default_detector().detect(&s.ecg).unwrap();
                assert!(
                    d.no_result.is_none() && !d.peaks.is_empty(),
                    "{fs} Hz {rhythm:?} inverted={inverted}: fraction {:?}",
                    frac(&s.ecg)
                );
            }
        }
    }
}

#[test]
fn segment_gate_separates_ecg_from_noise_in_one_record() {
    // Oracle: by construction. Ten minutes of MIT-BIH 100 (annotated beats throughout) followed
    // by ten minutes of the NSTDB `ma` record (real muscle noise, no ECG), scaled to the same
    // standard deviation: every 1-min stretch of the first half must pass, of the second fail.
    let (mitdb, nstdb) = (data_dir().join("mitdb"), data_dir().join("nstdb"));
    if !mitdb.join("100.hea").is_file() || !nstdb.join("ma.hea").is_file() {
        eprintln!("skipping: MIT-BIH 100 or NSTDB ma not found (set EXG_DATA_DIR)");
        return;
    }
    let ecg = read_record(mitdb.join("100")).unwrap().ecg(0).unwrap();
    let noise = read_record(nstdb.join("ma")).unwrap().ecg(0).unwrap();
    let ten_min = ecg.fs().samples(600.0);
    let sd = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    };
    let (clean, muscle) = (&ecg.samples()[..ten_min], &noise.samples()[..ten_min]);
    let gain = sd(clean) / sd(muscle);
    let x: Vec<f64> = clean
        .iter()
        .copied()
        .chain(muscle.iter().map(|v| v * gain))
        .collect();
    let both = Ecg::new(x, ecg.fs()).unwrap();
    let peaks = PanTompkins::default().detect(&both).unwrap().peaks;
    let segments = QualityGate::default()
        .assess_segments(&both, &peaks, 60.0)
        .unwrap();
    assert_eq!(segments.len(), 20);
    for (k, s) in segments.iter().enumerate() {
        eprintln!("minute {k}: {:?}", s.report);
        assert_eq!(s.report.passes, k < 10, "minute {k}: {:?}", s.report);
    }
    let kept = QualityGate::keep_passing(&peaks, &segments).unwrap();
    assert!(kept.indices().iter().all(|&p| p < ten_min));
    assert!(kept.len() + 5 >= peaks.indices().iter().filter(|&&p| p < ten_min).count());
}

#[test]
fn mitdb_minutes_mostly_pass_the_segment_gate() {
    // Oracle: MIT-BIH's 48 records are annotated beat by beat throughout, so nearly every
    // minute is ECG; a stretch that fails is one where the detector's peaks do not repeat
    // (noise bursts, flutter). Printed per record; asserted in aggregate.
    let dir = data_dir().join("mitdb");
    if !dir.join("100.hea").is_file() {
        eprintln!("skipping: MIT-BIH not found (set EXG_DATA_DIR)");
        return;
    }
    let (mut total, mut failed) = (0, 0);
    for n in list_records(&dir).unwrap() {
        let ecg = read_record(dir.join(&n)).unwrap().ecg(0).unwrap();
        let peaks = PanTompkins::default().detect(&ecg).unwrap().peaks;
        let segments = QualityGate::default()
            .assess_segments(&ecg, &peaks, 60.0)
            .unwrap();
        let bad: Vec<usize> = (0..segments.len())
            .filter(|&k| !segments[k].report.passes)
            .collect();
        if !bad.is_empty() {
            eprintln!("{n}: minutes failing the gate {bad:?}");
        }
        total += segments.len();
        failed += bad.len();
    }
    eprintln!("MIT-BIH: {failed} of {total} minutes fail the segment gate");
    assert!(failed * 100 <= total, "{failed} of {total}");
}
