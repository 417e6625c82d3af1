//! Times whole-record detection (min and median of repeats) on one WFDB record, channel 0.
//! Used by `tools/signal_peaks_speed.py` for the side-by-side comparison with NeuroKit2.
//!
//! `cargo run --release --example rpeaks_time -- RECORD [DETECTOR|default] [REPEATS]`
//! prints one JSON line `{"record":..,"detector":..,"n_samples":..,"peaks":..,"min_s":..,"median_s":..}`.

use exg::data::format::wfdb::read_record;
use exg::signal::rpeaks::{RPeakDetector, by_name, default_detector};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rec_path = args
        .get(1)
        .ok_or("usage: rpeaks_time RECORD [DETECTOR] [REPEATS]")?;
    let det = args.get(2).map(String::as_str).unwrap_or("pantompkins");
    let reps: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(20);
    // "default": `default_detector()`, i.e. Pan-Tompkins behind the quality gate; other names
    // are the plain (ungated) detectors of `by_name`.
    let detector: Box<dyn RPeakDetector> = if det == "default" {
        Box::new(default_detector())
    } else {
        by_name(det).ok_or("unknown detector")?
    };
    let ecg = read_record(rec_path)?.ecg(0)?;
    let mut times = Vec::with_capacity(reps);
    let mut n_peaks = 0;
    for _ in 0..reps.max(1) {
        let t0 = std::time::Instant::now();
        let d = detector.detect(&ecg)?;
        times.push(t0.elapsed().as_secs_f64());
        n_peaks = d.peaks.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"record\":{:?},\"detector\":{:?},\"n_samples\":{},\"peaks\":{},\"min_s\":{},\"median_s\":{}}}",
        rec_path,
        det,
        ecg.len(),
        n_peaks,
        times[0],
        times[times.len() / 2]
    );
    Ok(())
}
