use exg_data::synthetic::{Rhythm, SyntheticConfig, generate};
use exg_signal::Hz;
use exg_signal::rpeaks::by_name;
use exg_signal::score::match_peaks;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let fs: f64 = a[1].parse().unwrap();
    let rhythm = match a[2].as_str() {
        "sinus" => Rhythm::Sinus,
        "sa" => Rhythm::SinusArrhythmia,
        "af" => Rhythm::AtrialFibrillation,
        _ => Rhythm::AtrialFlutter,
    };
    let inverted = a[3] == "1";
    let det = by_name(&a[4]).unwrap();
    let seed: u64 = a[5].parse().unwrap();
    let noisy = a.len() > 6;
    let mut cfg = SyntheticConfig {
        rhythm,
        inverted,
        seed,
        ectopic_fraction: 0.08,
        heart_rate_bpm: 75.0,
        ..SyntheticConfig::new(Hz::new(fs).unwrap(), 60.0)
    };
    if noisy {
        cfg = SyntheticConfig {
            ectopic_fraction: 0.1,
            baseline_wander_mv: 0.4,
            powerline_mv: 0.05,
            white_noise_mv: 0.03,
            emg_noise_mv: 0.05,
            duration_s: 120.0,
            ..cfg
        };
    }
    let s = generate(&cfg).unwrap();
    let d = det.detect(&s.ecg).unwrap();
    let m = match_peaks(
        s.r_peaks.indices(),
        d.peaks.indices(),
        (0.075 * fs) as usize,
    );
    println!(
        "missed {:?}\nextra {:?}\nkinds {:?}",
        m.missed,
        m.extra,
        s.r_peaks
            .indices()
            .iter()
            .zip(&s.beats)
            .filter(|(p, _)| m.missed.contains(p))
            .collect::<Vec<_>>()
    );
    println!(
        "first true {:?} first det {:?}",
        &s.r_peaks.indices()[..3],
        &d.peaks.indices()[..3.min(d.peaks.len())]
    );
}
