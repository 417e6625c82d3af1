//! Filtering and conditioning speed on a whole 30-min record (criterion).
//!
//! `cargo bench --bench filter` (from the repository root: the root package `exg` holds the
//! benches that read real records)
//!
//! Input: MIT-BIH record 100, channel 0 (650,000 samples at 360 Hz) from `$EXG_DATA_DIR/mitdb`
//! or `../shared/data/mitdb`; when absent, 30 min of a deterministic sum of sines at 360 Hz
//! (said on stderr; the timings do not depend on the values). The side-by-side comparison with
//! SciPy is `python3 tools/signal_scipy_oracle.py --speed` (see docs/benchmarks.md).

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use exg::signal::Hz;
use exg::signal::filter::{
    Band, PolyPad, SosFilter, butter, iirnotch, median_baseline, resample_fft, resample_poly,
};

fn input() -> Vec<f64> {
    let dir = std::env::var("EXG_DATA_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into());
    match exg::data::format::open(format!("{dir}/mitdb/100.hea")).and_then(|r| r.ecg(0)) {
        Ok(ecg) => ecg.into_samples(),
        Err(e) => {
            eprintln!("MIT-BIH 100 unavailable ({e}); using 30 min of synthetic sines at 360 Hz");
            (0..650_000)
                .map(|i| {
                    let t = i as f64 / 360.0;
                    (7.5 * t).sin() + 0.3 * (157.0 * t).sin() + 0.5 * (1.1 * t).sin()
                })
                .collect()
        }
    }
}

fn bench(c: &mut Criterion) {
    let x = input();
    let fs = Hz::new(360.0).expect("valid rate");
    let hz = |v: f64| Hz::new(v).expect("valid Hz");
    let bp = butter(4, Band::Bandpass(hz(0.5), hz(40.0)), fs).expect("design");
    let notch = iirnotch(hz(60.0), 30.0, fs).expect("design");
    let mut g = c.benchmark_group("filter_30min_360hz");
    g.sample_size(10);
    g.bench_function("butter_design_bp4", |b| {
        b.iter(|| butter(4, Band::Bandpass(hz(0.5), hz(40.0)), black_box(fs)))
    });
    g.bench_function("sosfilt_bp4", |b| b.iter(|| bp.filter(black_box(&x))));
    g.bench_function("sosfilter_push_bp4", |b| {
        b.iter(|| {
            let mut f = SosFilter::new(&bp);
            black_box(&x).iter().map(|&v| f.push(v)).sum::<f64>()
        })
    });
    g.bench_function("sosfiltfilt_bp4", |b| b.iter(|| bp.filtfilt(black_box(&x))));
    g.bench_function("sosfiltfilt_notch60", |b| {
        b.iter(|| notch.filtfilt(black_box(&x)))
    });
    g.bench_function("median_baseline_200_600ms", |b| {
        b.iter(|| median_baseline(black_box(&x), fs, 0.2, 0.6))
    });
    g.bench_function("resample_poly_360_500", |b| {
        b.iter(|| resample_poly(black_box(&x), 25, 18, PolyPad::Zero))
    });
    g.bench_function("resample_fft_360_500", |b| {
        b.iter(|| resample_fft(black_box(&x), x.len() * 25 / 18))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
