//! Scores the built-in detectors on all MIT-BIH records (channel 0, 150 ms) — development aid;
//! the user-facing command is `exg score-peaks`.
//!
//! `cargo run --release --example rpeaks_mitdb [DETECTOR] [DATA_DIR]`

use exg::data::format::wfdb::{list_records, read_annotations, read_record};
use exg::signal::RPeaks;
use exg::signal::rpeaks::by_name;
use exg::signal::score::{Score, is_beat_symbol, score_peaks};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let det = args.get(1).map(String::as_str).unwrap_or("hamilton");
    let dir = args.get(2).cloned().unwrap_or_else(|| {
        std::env::var("EXG_DATA_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into())
            + "/mitdb"
    });
    let detector = by_name(det).ok_or("unknown detector")?;
    let names = list_records(&dir)?;
    let mut gross = Score::default();
    let mut t = 0.0;
    for n in &names {
        let rec = read_record(format!("{dir}/{n}"))?;
        let ecg = rec.ecg(0)?;
        let refs: Vec<usize> = read_annotations(format!("{dir}/{n}"), "atr")?
            .into_iter()
            .filter(|a| is_beat_symbol(&a.label))
            .map(|a| a.sample)
            .collect();
        let reference = RPeaks::new(refs, ecg.fs(), ecg.len())?;
        let t0 = std::time::Instant::now();
        let d = detector.detect(&ecg)?;
        t += t0.elapsed().as_secs_f64();
        let s = score_peaks(&reference, &d.peaks, 0.15)?;
        gross += s;
        if s.fp + s.fn_ > 10 {
            println!(
                "{n} {:?} tp {} fn {} fp {} err {:.1}±{:.1}",
                d.polarity,
                s.tp,
                s.fn_,
                s.fp,
                s.mean_error_ms().unwrap_or(0.0),
                s.sd_error_ms().unwrap_or(0.0)
            );
        }
    }
    println!(
        "{det}: Se {:.3} +P {:.3} TP {} FN {} FP {} err {:.1}±{:.1} ms, {:.3} s",
        100.0 * gross.sensitivity().unwrap_or(0.0),
        100.0 * gross.ppv().unwrap_or(0.0),
        gross.tp,
        gross.fn_,
        gross.fp,
        gross.mean_error_ms().unwrap_or(0.0),
        gross.sd_error_ms().unwrap_or(0.0),
        t
    );
    Ok(())
}
