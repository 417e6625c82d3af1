//! Whole-record R-peak detection speed (criterion).
//!
//! `cargo bench --bench rpeaks` (from the repository root; the root package `exg` holds the
//! benches that read real records, so that `exg-signal` needs no file reader)
//!
//! Input: MIT-BIH record 100, channel 0 (30 min, 650,000 samples at 360 Hz) from
//! `$EXG_DATA_DIR/mitdb` or `../shared/data/mitdb`; when absent, a 30-min synthetic ECG at
//! 360 Hz from `exg_signal::synthetic` (said on stderr). The side-by-side comparison with
//! NeuroKit2 is `tools/signal_peaks_speed.py` (see docs/benchmarks.md).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use exg::signal::rpeaks::{DETECTOR_NAMES, RPeakDetector, by_name, default_detector};
use exg::signal::synthetic::{SyntheticConfig, generate};
use exg::signal::{Ecg, Hz};

fn input() -> Ecg {
    let dir = std::env::var("EXG_DATA_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into());
    match exg::data::format::wfdb::read_record(format!("{dir}/mitdb/100")).and_then(|r| r.ecg(0)) {
        Ok(ecg) => ecg,
        Err(e) => {
            eprintln!("MIT-BIH 100 unavailable ({e}); using a 30-min synthetic ECG at 360 Hz");
            let cfg = SyntheticConfig {
                white_noise_mv: 0.02,
                ..SyntheticConfig::new(Hz::new(360.0).expect("valid rate"), 1800.0)
            };
            generate(&cfg).expect("valid config").ecg
        }
    }
}

fn bench(c: &mut Criterion) {
    let ecg = input();
    let mut g = c.benchmark_group("rpeaks_30min_360hz");
    g.sample_size(20);
    // `default`: Pan-Tompkins behind the quality gate (what `exg peaks` runs); the others are
    // the plain detectors.
    let gated: Box<dyn RPeakDetector> = Box::new(default_detector());
    let detectors = std::iter::once(("default", gated)).chain(DETECTOR_NAMES.iter().map(
        |&name| -> (&str, Box<dyn RPeakDetector>) {
            (name, by_name(name).expect("built-in detector"))
        },
    ));
    for (name, det) in detectors {
        g.bench_function(name, |b| {
            b.iter(|| det.detect(std::hint::black_box(&ecg)).expect("detects"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
