//! WAV (RIFF PCM) files via `hound`: integer 8/16/24/32-bit and 32-bit float samples.
//!
//! The sampling rate comes from the header. WAV has no channel names, units or gain, so
//! channels are named `ch0`, `ch1`..., units are empty (unknown) and `gain` is `None`; the
//! values are the stored numbers unscaled (integer PCM as integers, float PCM as is), so no
//! precision is lost and the caller applies the recording device's calibration.

use std::path::Path;

use exg_signal::Hz;

use crate::{Channel, Error, Record, Result};

fn wav_error(path: &Path, e: hound::Error) -> Error {
    match e {
        // hound reports a short read as a custom `Other` error ("Failed to read enough bytes").
        hound::Error::IoError(source)
            if source.kind() == std::io::ErrorKind::UnexpectedEof
                || source.to_string().contains("enough bytes") =>
        {
            Error::Truncated {
                path: path.to_path_buf(),
                detail: "WAV data ends early".into(),
            }
        }
        hound::Error::IoError(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        hound::Error::Unsupported => Error::Unsupported {
            path: path.to_path_buf(),
            detail: "WAV sample format not supported by hound".into(),
        },
        other => Error::Malformed {
            path: path.to_path_buf(),
            format: "WAV",
            detail: other.to_string(),
        },
    }
}

/// Reads a WAV file.
///
/// ```
/// use exg_data::format::wav::read_wav;
/// let path = std::env::temp_dir().join("exg_wav_doc_example.wav");
/// let spec = hound::WavSpec { channels: 1, sample_rate: 500, bits_per_sample: 16,
///                             sample_format: hound::SampleFormat::Int };
/// let mut w = hound::WavWriter::create(&path, spec).unwrap();
/// for v in [0i16, 100, -100] { w.write_sample(v).unwrap(); }
/// w.finalize().unwrap();
/// let rec = read_wav(&path)?;
/// assert_eq!((rec.fs.get(), rec.channels[0].samples.clone()), (500.0, vec![0.0, 100.0, -100.0]));
/// # Ok::<(), exg_data::Error>(())
/// ```
pub fn read_wav(path: impl AsRef<Path>) -> Result<Record> {
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let reader =
        hound::WavReader::new(std::io::BufReader::new(file)).map_err(|e| wav_error(path, e))?;
    let mut rec = decode(reader, file_len, path)?;
    rec.metadata.record = super::record_name(path);
    Ok(rec)
}

/// Decodes WAV bytes held in memory (`path` is used in error messages only).
pub fn parse_wav(bytes: &[u8], path: &Path) -> Result<Record> {
    let reader =
        hound::WavReader::new(std::io::Cursor::new(bytes)).map_err(|e| wav_error(path, e))?;
    decode(reader, bytes.len() as u64, path)
}

/// Decodes the samples of `reader`, whose whole file is `file_len` bytes long.
fn decode<R: std::io::Read>(
    mut reader: hound::WavReader<R>,
    file_len: u64,
    path: &Path,
) -> Result<Record> {
    let spec = reader.spec();
    let nch = usize::from(spec.channels);
    if nch == 0 {
        return Err(Error::Malformed {
            path: path.to_path_buf(),
            format: "WAV",
            detail: "zero channels".into(),
        });
    }
    let fs = Hz::new(f64::from(spec.sample_rate)).map_err(|_| Error::Malformed {
        path: path.to_path_buf(),
        format: "WAV",
        detail: format!("sampling rate {}", spec.sample_rate),
    })?;
    // `len()` is the header's sample count; never reserve more than the file's bytes can hold,
    // so a lying header cannot allocate before the data is there.
    let bytes_per_sample = u64::from(spec.bits_per_sample.div_ceil(8).max(1));
    let declared = u64::from(reader.len()).min(file_len / bytes_per_sample);
    let mut flat: Vec<f64> = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for s in reader.samples::<f32>() {
                flat.push(f64::from(s.map_err(|e| wav_error(path, e))?));
            }
        }
        hound::SampleFormat::Int => {
            for s in reader.samples::<i32>() {
                flat.push(f64::from(s.map_err(|e| wav_error(path, e))?));
            }
        }
    }
    if !flat.len().is_multiple_of(nch) {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: format!(
                "{} samples is not a whole number of {nch}-channel frames",
                flat.len()
            ),
        });
    }
    let n = flat.len() / nch;
    if n == 0 {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            detail: "WAV file holds no samples".into(),
        });
    }
    let channels = (0..nch)
        .map(|c| Channel {
            name: format!("ch{c}"),
            units: String::new(),
            gain: None,
            samples: flat[c..].iter().step_by(nch).copied().collect::<Vec<f64>>(),
        })
        .collect::<Vec<_>>();
    debug_assert!(channels.iter().all(|c| c.samples.len() == n));
    Record::new("wav", fs, channels)
}
