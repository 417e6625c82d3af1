//! Reading ECG files: one call for every supported format, a typed sampling rate, typed errors.
//!
//! Opens the committed WFDB fixture (two leads, beat annotations), a CSV written here from the
//! synthetic generator, your own file when you pass one, and MIT-BIH record 100 when
//! `../shared/data/mitdb` is present; then shows what a bad file gives back.
//!
//! ```sh
//! cargo run --release --example read_record
//! cargo run --release --example read_record -- path/to/record.hea   # or .edf, .wav, .mat, .csv
//! ```

use std::path::Path;

use anyhow::{Result, bail};
use exg::data::format::{self, OpenOptions};
use exg::data::{Error, Record};
use exg::signal::synthetic::{SyntheticConfig, generate};
use exg::signal::{Ecg, Hz};

/// One line per record, then its first lead as an `Ecg`: the type the signal code takes.
fn describe(rec: &Record) -> Result<Ecg> {
    let leads: Vec<&str> = rec.channels.iter().map(|c| c.name.as_str()).collect();
    println!(
        "{:<14} format {:<5} {}, {:.1} s, leads {leads:?}, {} annotations",
        rec.metadata.record,
        rec.format,
        rec.fs,
        rec.duration_s(),
        rec.annotations.len()
    );
    // `lead` matches names loosely ("II" finds MIT-BIH's "MLII"); fall back to channel 0.
    let ecg = rec.lead("II").or_else(|_| rec.ecg(0))?;
    // The rate travels with the samples: no function downstream asks for it again.
    let fs: Hz = ecg.fs();
    println!(
        "{:<14} lead {:?}: {} samples at {fs}",
        "",
        ecg.lead(),
        ecg.len()
    );
    Ok(ecg)
}

/// Runs the tour; `user_file` is an extra file to open.
fn run(user_file: Option<&str>) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("exg-read-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    // A WFDB record (format 212, 360 Hz) committed with the tests; `.hea`, `.dat` or the bare
    // record name all work, and the `.atr` beside it is loaded as annotations.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/exg-data/tests/fixtures/formats/wfdb/syn212.hea");
    describe(&format::open(&fixture)?)?;

    // CSV stores no sampling rate, and exg never guesses one: `open` refuses with a typed
    // error, `open_with` takes the rate.
    let syn = generate(&SyntheticConfig::new(Hz::new(500.0)?, 10.0))?;
    let csv = dir.join("synthetic.csv");
    let mut text = String::from("II\n");
    for v in syn.ecg.samples() {
        text.push_str(&format!("{v:.6}\n"));
    }
    std::fs::write(&csv, text)?;
    match format::open(&csv) {
        Err(Error::MissingSamplingRate { format, .. }) => println!("{format}: rate needed"),
        other => bail!("expected MissingSamplingRate, got {other:?}"),
    }
    let options = OpenOptions {
        fs: Some(Hz::new(500.0)?),
        ..OpenOptions::default()
    };
    let ecg = describe(&format::open_with(&csv, &options)?)?;
    anyhow::ensure!(ecg.len() == syn.ecg.len());

    // Your file, if you gave one; real data only when it is there (nothing is downloaded).
    if let Some(path) = user_file {
        describe(&format::open_with(path, &options)?)?;
    }
    let mitdb = exg::data::testdata::root().join("mitdb/100.hea");
    if mitdb.is_file() {
        describe(&format::open(&mitdb)?)?;
    }

    // Bad input is a typed error naming the file, never a panic: match on what you can handle.
    let truncated = dir.join("broken.hea");
    std::fs::write(
        &truncated,
        "broken 1 360 1000\nbroken.dat 16 200 12 0 0 0 0 II\n",
    )?;
    std::fs::write(dir.join("broken.dat"), [0u8; 100])?; // 50 of 1000 samples
    let garbage = dir.join("notes.bin");
    std::fs::write(&garbage, b"not an ECG")?;
    for path in [truncated, garbage] {
        match format::open(&path) {
            Ok(_) => bail!("{} should not open", path.display()),
            Err(e @ (Error::Truncated { .. } | Error::UnknownFormat { .. })) => {
                println!("refused: {e}")
            }
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

// Unused when `cargo test` builds the example with the test harness.
#[cfg_attr(test, allow(dead_code))]
fn main() -> Result<()> {
    run(std::env::args().nth(1).as_deref())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::run(None).unwrap();
    }
}
