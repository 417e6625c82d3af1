//! The default detector's signal-quality gate ([`QualityGate`] behind [`Gated`]) on generated
//! signals; the real-record cases (MIT-BIH, NSTDB) are in the root package's
//! `tests/rpeaks_gate_records.rs`.
//!
//! Oracles: (1) by construction, generated white, pink (Kellet's 1/f filter), brown (integrated
//! white) and band-limited (3–10 Hz, 5–15 Hz, 8–20 Hz Butterworth) noise holds no QRS complex,
//! so the right answer is "empty, `NoConsistentQrs`", for a minute and for every 10-s window of
//! it; (2) every synthetic rhythm holds beats placed by
//! the generator, so the gate must pass them (the accuracy itself is asserted by
//! `rpeaks_conformance.rs`, which runs the gated default detector).

use exg_signal::filter::{Band, butter};
use exg_signal::rpeaks::{
    NoResult, PanTompkins, QualityGate, QualityReport, RPeakDetector, default_detector,
};
use exg_signal::synthetic::{SyntheticConfig, SyntheticRhythm, generate};
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

fn report(ecg: &Ecg) -> QualityReport {
    let peaks = PanTompkins::default().detect(ecg).unwrap().peaks;
    QualityGate::default().assess(ecg, &peaks).unwrap()
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
            // Smooth noise repeats its shape around every local maximum (consistent fraction
            // 0.5–0.66 here): the slope prominence refuses it.
            ("band 3-10 Hz", band(n, 6, fs, 3.0, 10.0)),
            ("band 5-15 Hz", band(n, 4, fs, 5.0, 15.0)),
            ("band 8-20 Hz", band(n, 5, fs, 8.0, 20.0)),
        ];
        for (what, x) in kinds {
            let w = fs.samples(10.0);
            // The minute, then each of its 10-s windows on its own (EXGnet's inputs).
            let pieces = std::iter::once(&x[..]).chain(x.chunks_exact(w));
            for (i, piece) in pieces.enumerate() {
                let ecg = Ecg::new(piece.to_vec(), fs).unwrap();
                let d = default_detector().detect(&ecg).unwrap();
                if i == 0 {
                    let ungated = PanTompkins::default().detect(&ecg).unwrap().peaks.len();
                    eprintln!(
                        "{what} at {} Hz: {ungated} ungated peaks, gate {:?}",
                        fs.get(),
                        report(&ecg)
                    );
                }
                let at = format!("{what} at {} Hz, piece {i}", fs.get());
                assert!(d.peaks.is_empty(), "{at}: {d:?}");
                assert_eq!(d.no_result, Some(NoResult::NoConsistentQrs), "{at}");
            }
        }
    }
}

#[test]
fn synthetic_rhythms_pass_the_gate() {
    for fs in [128.0, 200.0, 250.0, 360.0, 500.0, 1000.0] {
        for rhythm in SyntheticRhythm::ALL {
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
                    report(&s.ecg)
                );
            }
        }
    }
}
