//! A synthetic 2-lead, 360 Hz WFDB record (format 212) of any length with its true R-peaks,
//! written piece by piece so that neither the writer nor its caller holds the signal: the
//! long-recording test (`tests/long_records.rs`) and the speed comparison with NeuroKit2
//! (`examples/long_record.rs`, run by `tools/signal_long_record_speed.py`) share it.
//!
//! The record is a sequence of 10-min pieces of the project's synthetic ECG
//! (`exg_signal::synthetic`, sinus rhythm with 5 % PVCs, baseline wander and white noise), one
//! seed per piece, the heart rate following a day (55–85 bpm). Each piece is cut halfway between
//! its last two beats, so the RR interval across a seam lies between 0.5 RR + 0.1 s and
//! 1.5 RR + 0.1 s. Lead 0 (`MLII`) is the synthetic lead, lead 1 (`V5`) −0.4 times it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use exg_signal::Hz;
use exg_signal::synthetic::{SyntheticConfig, generate};

/// Sampling rate of the record.
pub const FS_HZ: f64 = 360.0;
/// ADC gain (units per mV) of both leads: 12-bit samples cover ±10 mV.
const GAIN: f64 = 200.0;
/// Length of one generated piece (s).
const PIECE_S: f64 = 600.0;

/// A record written by [`write`].
pub struct Written {
    /// Its header (`DIR/NAME.hea`).
    pub header: PathBuf,
    /// Samples per lead.
    pub len: usize,
    /// True R-peaks of lead 0 (0-based sample indices).
    pub beats: Vec<usize>,
}

/// Generates `hours` of the record described in the module docs, handing each sample of lead 0
/// (in mV) to `sample` in order; returns the length and the true R-peaks.
fn generate_record(
    hours: f64,
    mut sample: impl FnMut(f64) -> std::io::Result<()>,
) -> std::io::Result<(usize, Vec<usize>)> {
    let fs = Hz::new(FS_HZ).map_err(std::io::Error::other)?;
    let want = fs.samples(hours * 3600.0);
    let (mut len, mut beats) = (0usize, Vec::new());
    let mut piece = 0u64;
    while len < want {
        // A day's heart rate: slowest at night, fastest in the afternoon.
        let hour = len as f64 / FS_HZ / 3600.0;
        let hr = 70.0 - 15.0 * (2.0 * std::f64::consts::PI * hour / 24.0).cos();
        let syn = generate(&SyntheticConfig {
            heart_rate_bpm: hr,
            ectopic_fraction: 0.05,
            baseline_wander_mv: 0.1,
            white_noise_mv: 0.02,
            seed: piece,
            ..SyntheticConfig::new(fs, PIECE_S)
        })
        .map_err(std::io::Error::other)?;
        piece += 1;
        let r = syn.r_peaks.indices();
        // Halfway between the last two beats (the piece always holds many).
        let cut = (r[r.len() - 2] + r[r.len() - 1]) / 2;
        let cut = cut.min(want - len);
        beats.extend(r.iter().filter(|&&p| p < cut).map(|&p| len + p));
        for &v in &syn.ecg.samples()[..cut] {
            sample(v)?;
        }
        len += cut;
    }
    Ok((len, beats))
}

/// Writes `DIR/NAME.hea` and `DIR/NAME.dat`: `hours` of the record described in the module docs,
/// with lead 0's sample `invalid_at` (when given) set to format 212's invalid-sample marker.
pub fn write(
    dir: &Path,
    name: &str,
    hours: f64,
    invalid_at: Option<usize>,
) -> std::io::Result<Written> {
    let dat = dir.join(format!("{name}.dat"));
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&dat)?);
    let (mut sums, mut first) = ([0i64; 2], None);
    let mut i = 0usize;
    let (len, beats) = generate_record(hours, |v| {
        // Clamped to ±2047: −2048 is format 212's invalid-sample marker.
        let mut d0 = ((v * GAIN).round() as i64).clamp(-2047, 2047);
        if invalid_at == Some(i) {
            d0 = -2048;
        }
        i += 1;
        let d1 = ((-0.4 * v * GAIN).round() as i64).clamp(-2047, 2047);
        first.get_or_insert([d0, d1]);
        sums[0] += d0;
        sums[1] += d1;
        // Format 212: one frame of two 12-bit samples in 3 bytes.
        let (a, b) = (d0 as u16 & 0xFFF, d1 as u16 & 0xFFF);
        out.write_all(&[
            (a & 0xFF) as u8,
            ((a >> 8) as u8) | (((b >> 8) as u8) << 4),
            (b & 0xFF) as u8,
        ])
    })?;
    out.flush()?;
    let [i0, i1] = first.unwrap_or([0, 0]);
    // Checksums are 16-bit two's-complement sums.
    let (c0, c1) = (sums[0] as i16, sums[1] as i16);
    let header = dir.join(format!("{name}.hea"));
    std::fs::write(
        &header,
        format!(
            "{name} 2 {FS_HZ} {len}\n\
             {name}.dat 212 {GAIN} 12 0 {i0} {c0} 0 MLII\n\
             {name}.dat 212 {GAIN} 12 0 {i1} {c1} 0 V5\n\
             # synthetic long record: exg-cli tests/support/long_record.rs\n"
        ),
    )?;
    Ok(Written { header, len, beats })
}

/// Writes `DIR/NAME.edf`: the same record as [`write`] (`hours` a whole number of seconds) as a
/// plain EDF file of 1-s data records, 16-bit samples at 1 µV (EDFlib's scaling: digital
/// ±32767 over physical ±32.767 mV). `Written::header` is the `.edf` file.
pub fn write_edf(dir: &Path, name: &str, hours: f64) -> std::io::Result<Written> {
    let per_record = FS_HZ as usize;
    let n_records = (hours * 3600.0).round() as usize;
    let path = dir.join(format!("{name}.edf"));
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    // The fixed header, then each field for both signals: ASCII, left-aligned, space-padded.
    let field = |v: &str, w: usize| format!("{v:<w$}");
    let mut h = String::new();
    for (v, w) in [
        ("0", 8),
        ("X X X X", 80),
        ("Startdate X X X X", 80),
        ("01.01.00", 8),
        ("00.00.00", 8),
        ("768", 8),
        ("", 44),
        (&n_records.to_string(), 8),
        ("1", 8),
        ("2", 4),
    ] {
        h += &field(v, w);
    }
    for (values, w) in [
        (["MLII", "V5"], 16),
        (["", ""], 80),
        (["mV", "mV"], 8),
        (["-32.767", "-32.767"], 8),
        (["32.767", "32.767"], 8),
        (["-32767", "-32767"], 8),
        (["32767", "32767"], 8),
        (["", ""], 80),
        (["360", "360"], 8),
        (["", ""], 32),
    ] {
        for v in values {
            h += &field(v, w);
        }
    }
    assert_eq!(h.len(), 768);
    out.write_all(h.as_bytes())?;
    // One data record: lead 0's second of samples, then lead 1's.
    let mut block: Vec<i16> = Vec::with_capacity(2 * per_record);
    let (len, beats) = generate_record(hours, |v| {
        block.push(((v * 1000.0).round() as i64).clamp(-32767, 32767) as i16);
        if block.len() == per_record {
            let lead1: Vec<i16> = block
                .iter()
                .map(|&d| (-0.4 * f64::from(d)).round() as i16)
                .collect();
            for d in block.drain(..).chain(lead1) {
                out.write_all(&d.to_le_bytes())?;
            }
        }
        Ok(())
    })?;
    assert!(
        block.is_empty() && len == n_records * per_record,
        "whole seconds only"
    );
    out.flush()?;
    Ok(Written {
        header: path,
        len,
        beats,
    })
}
