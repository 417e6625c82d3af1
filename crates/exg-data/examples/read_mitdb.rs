//! Reads all 48 MIT-BIH Arrhythmia records (signals in physical units + `.atr` annotations)
//! and prints the wall time of each repetition as JSON. The peer comparison with
//! wfdb-python is `tools/data_bench_mitdb.py`, which runs this example.
//!
//! ```sh
//! cargo run --release -p exg-data --example read_mitdb -- [DATA_DIR/mitdb] [REPEATS]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use exg_data::format::wfdb::{SignalReader, list_records, read_annotations, read_record};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| exg_data::testdata::root().join("mitdb"));
    let repeats: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let names = list_records(&dir)?;
    if names.len() != 48 {
        return Err(format!(
            "expected 48 records in {}, found {}",
            dir.display(),
            names.len()
        )
        .into());
    }
    let mut whole = Vec::new();
    let mut chunked = Vec::new();
    let (mut samples, mut annotations) = (0usize, 0usize);
    for _ in 0..repeats {
        // Whole records, as wfdb.rdrecord + wfdb.rdann do.
        let t = Instant::now();
        let (mut s, mut a) = (0, 0);
        for name in &names {
            let path = dir.join(name);
            let rec = read_record(&path)?;
            s += rec.n_samples() * rec.channels.len();
            a += read_annotations(&path, "atr")?.len();
        }
        whole.push(t.elapsed().as_secs_f64());
        (samples, annotations) = (s, a);
        // Streaming in 10 s chunks (bounded memory), annotations as above.
        let t = Instant::now();
        for name in &names {
            let path = dir.join(name);
            for chunk in SignalReader::open(&path)?.chunks(3600) {
                std::hint::black_box(chunk?);
            }
            std::hint::black_box(read_annotations(&path, "atr")?);
        }
        chunked.push(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"records\":{},\"samples\":{samples},\"annotations\":{annotations},\"whole_s\":{whole:?},\"chunked_s\":{chunked:?}}}",
        names.len()
    );
    Ok(())
}
