//! dev aid
use exg_signal::rpeaks::{DETECTOR_NAMES, by_name};
use exg_signal::{Ecg, Hz};
fn main() {
    let mut s: u64 = 1;
    let mut x = Vec::new();
    for _ in 0..(360 * 60) {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u1 = ((s >> 11) as f64 / (1u64 << 53) as f64).max(1e-300);
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u2 = (s >> 11) as f64 / (1u64 << 53) as f64;
        x.push((-2.0 * u1.ln()).sqrt() * (6.283185307179586 * u2).cos());
    }
    let ecg = Ecg::new(x, Hz::new(360.0).unwrap()).unwrap();
    for n in DETECTOR_NAMES {
        let d = by_name(n).unwrap().detect(&ecg).unwrap();
        println!("{n}: {} peaks in 60 s of white noise", d.peaks.len());
    }
}
