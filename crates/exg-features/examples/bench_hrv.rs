//! Times HRV extraction on MIT-BIH records (peaks = `.atr` beat annotations).
//!
//! `cargo run --release -p exg-features --example bench_hrv -- ../shared/data/mitdb 5`
//! prints one JSON line per (record, block): median of `reps` runs in milliseconds.
//! `tools/features_bench.py` runs this and NeuroKit2 side by side.

use std::time::Instant;

use exg_data::format::wfdb::read_annotations;
use exg_features::{Complexity, HrvFrequency, HrvTime, Poincare};
use exg_signal::score::is_beat_symbol;
use exg_signal::{Hz, RPeaks};

/// A named block of work to time.
type Block<'a> = (&'static str, Box<dyn Fn() + 'a>);

const RECORDS: [&str; 10] = [
    "100", "103", "106", "119", "201", "203", "208", "210", "222", "232",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("../shared/data/mitdb", String::as_str));
    let reps: usize = args.get(2).map_or(Ok(5), |s| s.parse())?;
    for rec in RECORDS {
        let ann = read_annotations(dir.join(rec), "atr")?;
        let idx: Vec<usize> = ann
            .iter()
            .filter(|a| is_beat_symbol(&a.label))
            .map(|a| a.sample)
            .collect();
        let len = idx[idx.len() - 1] + 1;
        let peaks = RPeaks::new(idx, Hz::new(360.0)?, len)?;
        let blocks: [Block; 3] = [
            (
                "hrv_time",
                Box::new(|| drop(HrvTime::all().compute(&peaks))),
            ),
            (
                "hrv_frequency_welch",
                Box::new(|| drop(HrvFrequency::welch().compute(&peaks))),
            ),
            (
                "poincare_sampen_apen_dfa",
                Box::new(|| {
                    drop(Poincare::default().compute(&peaks));
                    drop(Complexity::default().compute(&peaks));
                }),
            ),
        ];
        for (name, f) in blocks {
            let mut t: Vec<f64> = (0..reps)
                .map(|_| {
                    let s = Instant::now();
                    f();
                    s.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            t.sort_by(f64::total_cmp);
            println!(
                "{{\"record\": \"{rec}\", \"block\": \"{name}\", \"ms\": {:.3}, \"min_ms\": {:.3}, \"max_ms\": {:.3}}}",
                t[t.len() / 2],
                t[0],
                t[t.len() - 1]
            );
        }
    }
    Ok(())
}
