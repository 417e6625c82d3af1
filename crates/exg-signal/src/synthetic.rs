//! Deterministic synthetic ECG with known R-peaks: the workspace's built-in dataset (it sits
//! next to the [`Ecg`] and [`RPeaks`] types it produces, as NeuroKit2's `ecg_simulate` sits with
//! its signal code). `exg-data` turns a [`SyntheticEcg`] into its `Record` type
//! (`Record::from_synthetic`).
//!
//! Every beat is a sum of Gaussian waves (P, Q, R, S, T) in the spirit of ECGSYN
//! (McSharry, Clifford, Tarassenko & Smith, IEEE TBME 50(3), 2003), but placed directly in time
//! rather than integrated as a phase-space ODE, so each R time is known exactly. Rhythms differ by
//! how RR intervals are drawn and by the atrial activity:
//!
//! | [`SyntheticRhythm`] | RR intervals | atrial activity |
//! |---|---|---|
//! | `Sinus` | mean 60/HR, 2 % jitter, 3 % respiratory modulation | P wave before each QRS |
//! | `SinusArrhythmia` | as `Sinus` with 12 % respiratory modulation (0.25 Hz) | P waves |
//! | `AtrialFibrillation` | log-normal, σ = 0.22, no correlation | no P wave; 4–9 Hz fibrillatory baseline |
//! | `AtrialFlutter` | whole multiples (2:1, 3:1, 4:1) of a 0.2 s flutter cycle | no P wave; 5 Hz sawtooth F waves |
//!
//! Ectopic beats ([`SyntheticConfig::ectopic_fraction`]) are premature ventricular
//! contractions: early (60 % of the RR), wide QRS (≈ 140 ms), no P wave, discordant T wave,
//! followed by a compensatory pause. A PVC is placed only where its coupling interval is at
//! least 300 ms: shorter ones (R-on-T) are rare, and would fall inside the 200 ms + QRS width
//! that classic detectors (Pan-Tompkins) treat as one event.
//!
//! ## Ground truth
//! The returned R-peak of each beat is the sample where the *noise-free* signal reaches its
//! extremum in the QRS (maximum, or minimum for [`SyntheticConfig::inverted`] leads), searched
//! within ±40 ms of the nominal R time. Noise (baseline wander, powerline, white, EMG bursts) is
//! added afterwards and does not move the reference.
//!
//! ## Determinism
//! The output depends only on the [`SyntheticConfig`] (the seed included): the generator uses its
//! own [`SplitMix64`] stream, not `rand`, so results do not change with dependency versions.
//!
//! ```
//! use exg_signal::Hz;
//! use exg_signal::synthetic::{generate, SyntheticConfig, SyntheticRhythm};
//!
//! let cfg = SyntheticConfig { rhythm: SyntheticRhythm::AtrialFibrillation, seed: 7,
//!                             ..SyntheticConfig::new(Hz::new(250.0)?, 20.0) };
//! let syn = generate(&cfg)?;
//! assert_eq!(syn.ecg.fs().get(), 250.0);
//! assert_eq!(syn.ecg.len(), 5000);
//! assert!(syn.r_peaks.len() > 10);
//! assert_eq!(syn.rhythm.code(), "AFIB");
//! assert_eq!(generate(&cfg)?, syn); // same seed, same record
//! # Ok::<(), exg_signal::Error>(())
//! ```

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;
use crate::{Ecg, Error, Hz, RPeaks, Result};

/// Rhythm of a synthetic record (see the module table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyntheticRhythm {
    /// Regular sinus rhythm.
    Sinus,
    /// Sinus rhythm with strong respiratory RR modulation.
    SinusArrhythmia,
    /// Irregularly irregular RR, no P waves, fibrillatory baseline.
    AtrialFibrillation,
    /// Flutter waves at 300/min with 2:1 to 4:1 conduction.
    AtrialFlutter,
}

impl SyntheticRhythm {
    /// All rhythms, in declaration order.
    pub const ALL: [SyntheticRhythm; 4] = [
        SyntheticRhythm::Sinus,
        SyntheticRhythm::SinusArrhythmia,
        SyntheticRhythm::AtrialFibrillation,
        SyntheticRhythm::AtrialFlutter,
    ];

    /// Short label, using the Chapman-Shaoxing / MIT-BIH spelling: `SR`, `SA`, `AFIB`, `AFL`.
    pub fn code(self) -> &'static str {
        match self {
            SyntheticRhythm::Sinus => "SR",
            SyntheticRhythm::SinusArrhythmia => "SA",
            SyntheticRhythm::AtrialFibrillation => "AFIB",
            SyntheticRhythm::AtrialFlutter => "AFL",
        }
    }
}

/// Kind of one synthetic beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BeatKind {
    /// Supraventricular conduction: narrow QRS (with a P wave in sinus rhythms).
    Normal,
    /// Premature ventricular contraction: wide QRS, no P wave.
    Ventricular,
}

impl BeatKind {
    /// WFDB beat symbol: `N` or `V`.
    pub fn symbol(self) -> &'static str {
        match self {
            BeatKind::Normal => "N",
            BeatKind::Ventricular => "V",
        }
    }
}

/// Everything that defines a synthetic record. Amplitudes are in millivolts.
///
/// Build it with [`SyntheticConfig::new`] (rate and duration are required: there is no default
/// sampling rate) and override fields with struct-update syntax.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyntheticConfig {
    /// Sampling rate.
    pub fs: Hz,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Mean heart rate in beats per minute (30–250). For flutter it picks the usual conduction ratio.
    pub heart_rate_bpm: f64,
    /// Rhythm.
    pub rhythm: SyntheticRhythm,
    /// Probability that a beat is replaced by a PVC (0–1).
    pub ectopic_fraction: f64,
    /// Flips the sign of the whole lead (an inverted electrode or an aVR-like lead).
    pub inverted: bool,
    /// Peak R amplitude of a normal beat.
    pub r_amplitude_mv: f64,
    /// Amplitude of the baseline wander (two slow sinusoids, 0.05–0.5 Hz).
    pub baseline_wander_mv: f64,
    /// Amplitude of the powerline sinusoid.
    pub powerline_mv: f64,
    /// Powerline frequency (50 or 60 Hz); ignored when above Nyquist.
    pub powerline_hz: f64,
    /// Standard deviation of white Gaussian noise.
    pub white_noise_mv: f64,
    /// Standard deviation of EMG-like noise (differenced Gaussian noise in 0.3–1.5 s bursts).
    pub emg_noise_mv: f64,
    /// Seed of the generator.
    pub seed: u64,
}

impl SyntheticConfig {
    /// Clean regular sinus rhythm at 70 bpm, 1 mV R waves, no noise, seed 0.
    pub fn new(fs: Hz, duration_s: f64) -> Self {
        Self {
            fs,
            duration_s,
            heart_rate_bpm: 70.0,
            rhythm: SyntheticRhythm::Sinus,
            ectopic_fraction: 0.0,
            inverted: false,
            r_amplitude_mv: 1.0,
            baseline_wander_mv: 0.0,
            powerline_mv: 0.0,
            powerline_hz: 50.0,
            white_noise_mv: 0.0,
            emg_noise_mv: 0.0,
            seed: 0,
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, range: &str| {
            Err(Error::InvalidParameter {
                name,
                reason: format!("synthetic ECG: must be {range}"),
            })
        };
        if !(self.duration_s.is_finite() && self.duration_s > 0.0 && self.duration_s <= 86_400.0) {
            return bad("duration_s", "in (0, 86400]");
        }
        if self.fs.get() < 50.0 || self.fs.get() > 20_000.0 {
            return bad("fs", "in [50, 20000] Hz");
        }
        if !(30.0..=250.0).contains(&self.heart_rate_bpm) {
            return bad("heart_rate_bpm", "in [30, 250]");
        }
        if !(0.0..=1.0).contains(&self.ectopic_fraction) {
            return bad("ectopic_fraction", "in [0, 1]");
        }
        let amps = [
            ("r_amplitude_mv", self.r_amplitude_mv),
            ("baseline_wander_mv", self.baseline_wander_mv),
            ("powerline_mv", self.powerline_mv),
            ("powerline_hz", self.powerline_hz),
            ("white_noise_mv", self.white_noise_mv),
            ("emg_noise_mv", self.emg_noise_mv),
        ];
        if let Some(&(name, _)) = amps.iter().find(|(_, a)| !(a.is_finite() && *a >= 0.0)) {
            return bad(name, "finite and >= 0");
        }
        if self.r_amplitude_mv <= 0.0 {
            return bad("r_amplitude_mv", "> 0");
        }
        Ok(())
    }
}

/// A generated record with its ground truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyntheticEcg {
    /// The signal (lead name `"II"`, millivolts), noise included.
    pub ecg: Ecg,
    /// True R-peaks: the QRS extrema of the noise-free signal.
    pub r_peaks: RPeaks,
    /// Kind of each beat, parallel to `r_peaks`.
    pub beats: Vec<BeatKind>,
    /// Rhythm of the record.
    pub rhythm: SyntheticRhythm,
}

/// One Gaussian wave: offset from the R time (s), amplitude (R = 1), width σ (s).
#[derive(Clone, Copy)]
struct Wave {
    offset: f64,
    amp: f64,
    sigma: f64,
}

fn normal_beat(rr: f64, with_p: bool) -> Vec<Wave> {
    // QT shortens with heart rate (Bazett-like sqrt scaling), QRS does not.
    let qt = (rr / 1.0).sqrt().clamp(0.55, 1.3);
    let mut w = vec![
        Wave {
            offset: -0.028,
            amp: -0.12,
            sigma: 0.008,
        }, // Q
        Wave {
            offset: 0.0,
            amp: 1.0,
            sigma: 0.010,
        }, // R
        Wave {
            offset: 0.030,
            amp: -0.22,
            sigma: 0.009,
        }, // S
        Wave {
            offset: 0.28 * qt,
            amp: 0.30,
            sigma: 0.045 * qt,
        }, // T
    ];
    if with_p {
        w.push(Wave {
            offset: -0.17,
            amp: 0.13,
            sigma: 0.022,
        });
    }
    w
}

fn pvc_beat() -> Vec<Wave> {
    vec![
        Wave {
            offset: -0.035,
            amp: -0.10,
            sigma: 0.015,
        },
        Wave {
            offset: 0.0,
            amp: 1.35,
            sigma: 0.026,
        },
        Wave {
            offset: 0.060,
            amp: -0.45,
            sigma: 0.022,
        },
        Wave {
            offset: 0.32,
            amp: -0.40,
            sigma: 0.060,
        }, // discordant T
    ]
}

/// Shortest PVC coupling interval placed (s); see the module docs.
const MIN_PVC_COUPLING_S: f64 = 0.3;

/// Generates one record. Fails (typed) on an invalid configuration; never panics.
pub fn generate(cfg: &SyntheticConfig) -> Result<SyntheticEcg> {
    cfg.validate()?;
    let fs = cfg.fs.get();
    let n = (cfg.duration_s * fs).round() as usize;
    if n == 0 {
        return Err(Error::InvalidParameter {
            name: "duration_s",
            reason: "synthetic ECG: shorter than one sample".into(),
        });
    }
    let mut rng = SplitMix64::new(cfg.seed ^ 0x05EE_DEC6_u64.rotate_left(17));
    let mean_rr = 60.0 / cfg.heart_rate_bpm;

    // 1. Beat times and kinds.
    let flutter_cycle = 0.2;
    let mut beats: Vec<(f64, BeatKind, f64)> = Vec::new(); // (R time, kind, preceding RR)
    let mut t = rng.uniform() * mean_rr.min(1.0) + 0.1;
    let resp_phase = rng.uniform() * 2.0 * PI;
    if cfg.rhythm == SyntheticRhythm::AtrialFlutter {
        t = (t / flutter_cycle).ceil() * flutter_cycle;
    }
    let mut prev_rr = mean_rr;
    let mut prev_t: Option<f64> = None;
    while t < cfg.duration_s + 0.5 {
        let ectopic = cfg.ectopic_fraction > 0.0 && rng.uniform() < cfg.ectopic_fraction;
        let next_rr = match cfg.rhythm {
            SyntheticRhythm::Sinus | SyntheticRhythm::SinusArrhythmia => {
                let resp = if cfg.rhythm == SyntheticRhythm::Sinus {
                    0.03
                } else {
                    0.12
                };
                mean_rr
                    * (1.0 + 0.02 * rng.normal() + resp * (2.0 * PI * 0.25 * t + resp_phase).sin())
            }
            SyntheticRhythm::AtrialFibrillation => {
                mean_rr * (0.22 * rng.normal() - 0.5 * 0.22 * 0.22).exp()
            }
            SyntheticRhythm::AtrialFlutter => {
                let base = (mean_rr / flutter_cycle).round().clamp(2.0, 4.0);
                let k = if rng.uniform() < 0.2 {
                    base + 1.0
                } else {
                    base
                };
                k * flutter_cycle
            }
        }
        .clamp(0.24, 2.5);
        match prev_t {
            // PVC: premature (60 % of the RR) and replacing the supraventricular beat due at `t`,
            // which leaves a compensatory pause before the next one.
            Some(pt) if ectopic && 0.6 * prev_rr >= MIN_PVC_COUPLING_S => {
                let coupling = 0.6 * prev_rr;
                beats.push((pt + coupling, BeatKind::Ventricular, coupling));
            }
            _ => beats.push((t, BeatKind::Normal, prev_rr)),
        }
        prev_t = Some(t);
        prev_rr = next_rr;
        t += next_rr;
    }
    beats.retain(|b| b.0 >= 0.0 && b.0 < cfg.duration_s);

    // 2. Noise-free signal.
    let mut clean = vec![0.0; n];
    let sign = if cfg.inverted { -1.0 } else { 1.0 };
    let with_p = matches!(
        cfg.rhythm,
        SyntheticRhythm::Sinus | SyntheticRhythm::SinusArrhythmia
    );
    for &(tr, kind, rr) in &beats {
        let waves = match kind {
            BeatKind::Normal => normal_beat(rr, with_p),
            BeatKind::Ventricular => pvc_beat(),
        };
        // Small beat-to-beat amplitude variation, as in real leads.
        let scale = sign * cfg.r_amplitude_mv * (1.0 + 0.03 * rng.normal());
        for w in waves {
            add_gaussian(&mut clean, fs, tr + w.offset, scale * w.amp, w.sigma);
        }
    }
    // Atrial activity without P waves.
    let amp = cfg.r_amplitude_mv;
    match cfg.rhythm {
        SyntheticRhythm::AtrialFibrillation => {
            let comps: Vec<(f64, f64, f64)> = (0..4)
                .map(|_| {
                    (
                        4.0 + 5.0 * rng.uniform(),
                        0.012 + 0.01 * rng.uniform(),
                        2.0 * PI * rng.uniform(),
                    )
                })
                .collect();
            for (i, v) in clean.iter_mut().enumerate() {
                let ti = i as f64 / fs;
                *v += sign
                    * amp
                    * comps
                        .iter()
                        .map(|&(f, a, p)| a * (2.0 * PI * f * ti + p).sin())
                        .sum::<f64>();
            }
        }
        SyntheticRhythm::AtrialFlutter => {
            for (i, v) in clean.iter_mut().enumerate() {
                let phase = ((i as f64 / fs) / flutter_cycle).fract();
                // Sawtooth: slow descent then quick rise, 0.1 mV peak to peak.
                let saw = if phase < 0.8 {
                    -phase / 0.8
                } else {
                    -1.0 + (phase - 0.8) / 0.2
                };
                *v += sign * amp * 0.10 * (saw + 0.5);
            }
        }
        _ => {}
    }

    // 3. Ground truth: extremum of the noise-free signal near each nominal R time.
    let half = ((0.040 * fs).round() as usize).max(1);
    let mut peaks = Vec::with_capacity(beats.len());
    let mut kinds = Vec::with_capacity(beats.len());
    for &(tr, kind, _) in &beats {
        let c = (tr * fs).round() as isize;
        let lo = (c - half as isize).max(0) as usize;
        let hi = ((c + half as isize) as usize).min(n - 1);
        if lo > hi {
            continue;
        }
        let best = (lo..=hi)
            .max_by(|&a, &b| (sign * clean[a]).total_cmp(&(sign * clean[b])))
            .unwrap_or(lo);
        // An extremum on the clipped border is not the true R extremum: drop that beat.
        if (best == lo && lo > 0) || (best == hi && hi < n - 1) || best == 0 || best == n - 1 {
            continue;
        }
        if peaks.last().is_some_and(|&p| best <= p) {
            continue;
        }
        peaks.push(best);
        kinds.push(kind);
    }

    // 4. Noise.
    let mut x = clean;
    if cfg.baseline_wander_mv > 0.0 {
        let (f1, f2) = (0.05 + 0.1 * rng.uniform(), 0.2 + 0.3 * rng.uniform());
        let (p1, p2) = (2.0 * PI * rng.uniform(), 2.0 * PI * rng.uniform());
        for (i, v) in x.iter_mut().enumerate() {
            let ti = i as f64 / fs;
            *v += cfg.baseline_wander_mv
                * (0.7 * (2.0 * PI * f1 * ti + p1).sin() + 0.3 * (2.0 * PI * f2 * ti + p2).sin());
        }
    }
    if cfg.powerline_mv > 0.0 && cfg.powerline_hz > 0.0 && cfg.powerline_hz < fs / 2.0 {
        let p = 2.0 * PI * rng.uniform();
        for (i, v) in x.iter_mut().enumerate() {
            *v += cfg.powerline_mv * (2.0 * PI * cfg.powerline_hz * i as f64 / fs + p).sin();
        }
    }
    if cfg.white_noise_mv > 0.0 {
        for v in x.iter_mut() {
            *v += cfg.white_noise_mv * rng.normal();
        }
    }
    if cfg.emg_noise_mv > 0.0 {
        let mut i = 0usize;
        let mut on = rng.uniform() < 0.5;
        let mut prev = 0.0;
        while i < n {
            let len = ((0.3 + 1.2 * rng.uniform()) * fs) as usize + 1;
            for v in x.iter_mut().skip(i).take(len) {
                // Differenced white noise: a high-pass spectrum like surface EMG (σ normalised).
                let w = rng.normal();
                if on {
                    *v += cfg.emg_noise_mv * (w - prev) / std::f64::consts::SQRT_2;
                }
                prev = w;
            }
            i += len;
            on = !on;
        }
    }

    let ecg = Ecg::new(x, cfg.fs)?.with_lead("II");
    let r_peaks = RPeaks::new(peaks, cfg.fs, n)?;
    Ok(SyntheticEcg {
        ecg,
        r_peaks,
        beats: kinds,
        rhythm: cfg.rhythm,
    })
}

fn add_gaussian(x: &mut [f64], fs: f64, center_s: f64, amp: f64, sigma_s: f64) {
    let c = center_s * fs;
    let s = sigma_s * fs;
    let reach = (4.0 * s).ceil() + 1.0;
    let lo = (c - reach).floor().max(0.0) as usize;
    let hi = ((c + reach).ceil().max(0.0) as usize).min(x.len());
    for (i, v) in x.iter_mut().enumerate().take(hi).skip(lo) {
        let d = (i as f64 - c) / s;
        *v += amp * (-0.5 * d * d).exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(fs: f64, rhythm: SyntheticRhythm) -> SyntheticConfig {
        SyntheticConfig {
            rhythm,
            ..SyntheticConfig::new(Hz::new(fs).unwrap(), 30.0)
        }
    }

    #[test]
    fn peaks_are_true_extrema_of_the_clean_signal() {
        // Oracle: the definition itself, checked independently by a brute-force neighbourhood scan.
        for fs in [128.0, 250.0, 360.0, 1000.0] {
            for rhythm in SyntheticRhythm::ALL {
                for inverted in [false, true] {
                    let c = SyntheticConfig {
                        inverted,
                        ectopic_fraction: 0.1,
                        ..cfg(fs, rhythm)
                    };
                    let s = generate(&c).unwrap();
                    let x = s.ecg.samples();
                    let sign = if inverted { -1.0 } else { 1.0 };
                    let w = (0.03 * fs) as usize;
                    for &p in s.r_peaks.indices() {
                        let lo = p.saturating_sub(w);
                        let hi = (p + w).min(x.len() - 1);
                        assert!(
                            (lo..=hi).all(|i| sign * x[i] <= sign * x[p]),
                            "fs {fs} {rhythm:?} peak {p}"
                        );
                        assert!(sign * x[p] > 0.5, "R amplitude too small at {p}");
                    }
                }
            }
        }
    }

    #[test]
    fn heart_rate_and_rhythm_statistics() {
        let s = generate(&SyntheticConfig {
            heart_rate_bpm: 80.0,
            ..cfg(360.0, SyntheticRhythm::Sinus)
        })
        .unwrap();
        let rr = s.r_peaks.rr_ms();
        let mean = rr.iter().sum::<f64>() / rr.len() as f64;
        assert!((mean - 750.0).abs() < 20.0, "mean RR {mean}");
        let af = generate(&cfg(360.0, SyntheticRhythm::AtrialFibrillation)).unwrap();
        let rr = af.r_peaks.rr_ms();
        let m = rr.iter().sum::<f64>() / rr.len() as f64;
        let sd = (rr.iter().map(|r| (r - m).powi(2)).sum::<f64>() / rr.len() as f64).sqrt();
        assert!(sd / m > 0.12, "AF must be irregular, CV {}", sd / m);
        let fl = generate(&cfg(360.0, SyntheticRhythm::AtrialFlutter)).unwrap();
        for r in fl.r_peaks.rr_ms() {
            let k = r / 200.0;
            assert!(
                (k - k.round()).abs() < 0.03,
                "flutter RR {r} not a multiple of 200 ms"
            );
        }
    }

    #[test]
    fn ectopic_beats_are_labelled_and_deterministic() {
        let c = SyntheticConfig {
            ectopic_fraction: 0.2,
            seed: 3,
            white_noise_mv: 0.02,
            ..cfg(500.0, SyntheticRhythm::Sinus)
        };
        let a = generate(&c).unwrap();
        assert_eq!(a, generate(&c).unwrap());
        assert!(a.beats.contains(&BeatKind::Ventricular));
        assert_eq!(a.beats.len(), a.r_peaks.len());
        assert_ne!(a, generate(&SyntheticConfig { seed: 4, ..c }).unwrap());
    }

    #[test]
    fn invalid_config_is_an_error() {
        let mut c = cfg(250.0, SyntheticRhythm::Sinus);
        c.duration_s = f64::NAN;
        assert!(generate(&c).is_err());
        let c = SyntheticConfig {
            heart_rate_bpm: 500.0,
            ..cfg(250.0, SyntheticRhythm::Sinus)
        };
        assert!(matches!(
            generate(&c),
            Err(Error::InvalidParameter {
                name: "heart_rate_bpm",
                ..
            })
        ));
    }
}
