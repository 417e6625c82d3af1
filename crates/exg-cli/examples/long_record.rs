//! Writes the synthetic long record of the long-recording test (`tests/support/long_record.rs`):
//! `cargo run --release -p exg-cli --example long_record -- DIR NAME HOURS [edf]` writes
//! `DIR/NAME.hea`, `DIR/NAME.dat` (2 leads, 360 Hz, format 212) — or with `edf`, `DIR/NAME.edf`
//! (the same record as EDF, 1-s data records) — and `DIR/NAME.beats` (the true R-peaks of lead
//! 0, one sample index per line). Used by `tools/signal_long_record_speed.py`.

#[path = "../tests/support/long_record.rs"]
mod long_record;

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, name, hours, edf) = match args.as_slice() {
        [dir, name, hours] => (dir, name, hours, false),
        [dir, name, hours, f] if f == "edf" => (dir, name, hours, true),
        _ => return Err("usage: long_record DIR NAME HOURS [edf]".into()),
    };
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let hours = hours.parse()?;
    let w = if edf {
        long_record::write_edf(dir, name, hours)?
    } else {
        long_record::write(dir, name, hours, None)?
    };
    let mut beats =
        std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}.beats")))?);
    for b in &w.beats {
        writeln!(beats, "{b}")?;
    }
    beats.flush()?;
    println!(
        "{} ({} samples per lead, {} beats)",
        w.header.display(),
        w.len,
        w.beats.len()
    );
    Ok(())
}
