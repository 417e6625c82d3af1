//! The harnesses of the fuzz targets (one function per target; `fuzz_targets/*.rs` call them).
//!
//! Each harness feeds the bytes to a parser and, where the parser's result can be checked
//! cheaply against another path through the library, checks it (chunked against whole WFDB
//! reads, WAV from memory against WAV from a file). Parsers that only read files get the bytes
//! through a per-process scratch folder (in `/dev/shm` when it exists).
//!
//! Any panic is a crash; typed errors are the expected outcome for most inputs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use exg_data::format::{csv, edf, mat4, mat5, wav, wfdb};
use exg_signal::Hz;

thread_local! {
    static DIR: PathBuf = {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let id = format!("{:?}", std::thread::current().id());
        let id: String = id.chars().filter(char::is_ascii_digit).collect();
        let dir = base.join(format!("exg-fuzz-{}-{id}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    };
}

/// The scratch folder of this thread (so that the regression tests, which replay inputs on
/// several threads, do not share files).
pub fn scratch() -> PathBuf {
    DIR.with(Clone::clone)
}

/// Removes this thread's scratch folder.
pub fn cleanup() {
    let _ = std::fs::remove_dir_all(scratch());
}

/// Writes `bytes` to `name` in the scratch folder (created again after [`cleanup`]).
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = scratch();
    let p = dir.join(name);
    if std::fs::write(&p, bytes).is_err() {
        std::fs::create_dir_all(&dir).expect("scratch folder");
        std::fs::write(&p, bytes).expect("scratch write");
    }
    p
}

fn p() -> &'static Path {
    Path::new("fuzz-input")
}

/// WFDB header bytes.
pub fn wfdb_header(data: &[u8]) {
    if let Ok(h) = wfdb::parse_header_bytes(data, p()) {
        let _ = h.comment_fields();
        let _ = h.dx_codes();
    }
}

/// A WFDB record in format `fmt`: `data[0]` picks 1–3 signals, `data[1]` flags (bit 0: the
/// header states a sample count, from `data[2..4]`; bit 1: a 24-byte offset as CinC's `16+24`;
/// bit 2: a checksum from `data[2..4]`; bits 4–7: the chunk size of the chunked read); the rest
/// is the signal file. The whole read and the chunked read must agree.
pub fn wfdb_signal(fmt: u32, data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let nsig = 1 + usize::from(data[0] % 3);
    let flags = data[1];
    let word = u16::from_le_bytes([data[2], data[3]]);
    let count = if flags & 1 != 0 {
        format!(" {word}")
    } else {
        String::new()
    };
    let offset = if flags & 2 != 0 { "+24" } else { "" };
    let checksum = if flags & 4 != 0 {
        i64::from(word as i16)
    } else {
        0
    };
    let mut hea = format!("fz {nsig} 360{count}\n");
    for i in 0..nsig {
        hea.push_str(&format!(
            "fz.dat {fmt}{offset} 200(-3)/mV 0 0 0 {checksum} 0 s{i}\n"
        ));
    }
    write("fz.dat", &data[4..]);
    let header = write("fz.hea", hea.as_bytes());
    let whole = wfdb::read_record(&header);
    let chunk = usize::from(flags >> 4) + 1;
    let chunked = wfdb::SignalReader::open(&header).and_then(|r| {
        let n = r.n_frames();
        let mut out = vec![Vec::new(); nsig];
        for c in r.chunks(chunk) {
            let c = c?;
            for (o, ch) in out.iter_mut().zip(c.channels) {
                o.extend(ch);
            }
        }
        assert!(out.iter().all(|o| o.len() == n), "chunks lost samples");
        Ok(out)
    });
    if let (Ok(rec), Ok(chunked)) = (&whole, &chunked) {
        for (c, o) in rec.channels.iter().zip(chunked) {
            let a: Vec<u64> = c.samples.iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = o.iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b, "whole and chunked reads differ");
        }
    }
}

/// MIT-format annotation bytes.
pub fn wfdb_annotations(data: &[u8]) {
    if let Ok(a) = wfdb::parse_annotations(data, p()) {
        for x in a {
            let _ = exg_data::Annotation::from(x);
        }
    }
}

/// MAT v4 bytes, parsed and read as a record.
pub fn mat4(data: &[u8]) {
    let _ = mat4::parse_mat4(data, p());
    let path = write("fz4.mat", data);
    let _ = mat4::read_mat4_record(&path, Hz::new(500.0).unwrap());
}

/// MAT v5 bytes.
pub fn mat5(data: &[u8]) {
    let _ = mat5::looks_like_mat5(data);
    let _ = mat5::parse_mat5(data, p());
    // As a record (`exg peaks x.mat --fs 500`): the signal matrix picked, leads laid out.
    let path = write("fz.mat", data);
    let _ = mat5::read_mat5_record(&path, Hz::new(500.0).unwrap());
}

/// EDF/EDF+/BDF bytes, read whole and by channel label.
pub fn edf(data: &[u8]) {
    let path = write("fz.edf", data);
    let _ = edf::read_edf(&path);
    let _ = edf::read_edf_channels(&path, &["ECG"]);
}

/// Delimited text: `data[0]` picks the header mode and delimiter, the rest is the text.
pub fn csv(data: &[u8]) {
    let Some((&opt, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let header = match opt % 3 {
        0 => csv::HeaderRow::Auto,
        1 => csv::HeaderRow::Present,
        _ => csv::HeaderRow::Absent,
    };
    let delimiter = [None, Some(','), Some('\t'), Some(';'), Some(' ')][usize::from(opt / 3 % 5)];
    let options = csv::CsvOptions {
        header,
        delimiter,
        ..Default::default()
    };
    let _ = csv::parse_csv(text, Hz::new(250.0).unwrap(), &options, p());
}

/// WAV bytes, from memory and from a file: both give the same outcome.
pub fn wav(data: &[u8]) {
    let mem = wav::parse_wav(data, p());
    let path = write("fz.wav", data);
    let file = wav::read_wav(&path);
    match (&mem, &file) {
        (Ok(a), Ok(b)) => assert_eq!(a.channels.len(), b.channels.len()),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "memory and file reads disagree: {:?} vs {:?}",
            mem.map(|r| r.n_samples()),
            file.map(|r| r.n_samples())
        ),
    }
}

/// A Chapman `Diagnostics.csv`.
pub fn chapman_diagnostics_csv(data: &[u8]) {
    let path = write("Diagnostics.csv", data);
    let _ = exg_data::dataset::chapman::read_diagnostics(&path);
}

/// A Chapman `Diagnostics.xlsx`.
pub fn chapman_diagnostics_xlsx(data: &[u8]) {
    let path = write("Diagnostics.xlsx", data);
    let _ = exg_data::dataset::chapman::read_diagnostics(&path);
}

/// A CinC 2017 `REFERENCE.csv`.
pub fn cinc2017_reference(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = exg_data::dataset::cinc2017::parse_reference(text, p());
    }
}

/// Feature standardiser JSON: `exg_features::Standardizer` through its loader, then applied
/// to a vector of its schema; `exg_train::prepare::Standardizer` through serde and applied to
/// a record with its feature count.
pub fn standardizer_json(data: &[u8]) {
    let path = write("standardizer.json", data);
    if let Ok(s) = exg_features::Standardizer::load(&path) {
        let schema = Arc::new(s.schema().clone());
        let n = schema.len();
        let features = (0..n)
            .map(|i| {
                if i % 3 == 2 {
                    exg_features::Feature::invalid(exg_features::Invalid::Missing)
                } else {
                    exg_features::Feature::from_value(i as f64 - 1.5)
                }
            })
            .collect();
        if let Ok(v) = exg_features::FeatureVector::new(schema, features) {
            let _ = s.transform(&v);
            let _ = s.transform_row(&v);
        }
    }
    if let Ok(s) = serde_json::from_slice::<exg_train::prepare::Standardizer>(data) {
        // exg-train has no loader for this type (it is fitted in memory), so nothing checks
        // `mean` and `sd` have one entry per feature: a caller that loads one must (see
        // docs/robustness.md). With that check, `apply` must not panic.
        if s.mean.len() == s.sd.len() {
            let mut records = vec![exg_train::cv::Record {
                id: "fz".into(),
                label: 0,
                windows: vec![exg_train::trainer::Example {
                    signal: vec![0.0; 4],
                    label: 0,
                    features: (0..s.mean.len()).map(|i| i as f32).collect(),
                    target: None,
                }],
            }];
            let _ = s.apply(&mut records);
        }
    }
}

/// A described model file (safetensors with exg metadata; one network or an ensemble); a model
/// that loads and has a small input runs one forward pass.
pub fn model_file(data: &[u8]) {
    let path = write("model.safetensors", data);
    let dev = candle::Device::Cpu;
    if let Ok((net, meta)) = exg_model::Ensemble::load_described(&path, &dev) {
        let len = net.config().input_len;
        if len <= 4096 {
            let x = candle::Tensor::zeros((1, 1, len), candle::DType::F32, &dev).unwrap();
            let _ = net.predict_proba(&x);
        }
        // A feature classifier that loaded was validated: running it must not panic.
        if let Some(f) = &meta.fusion {
            let k = meta.classes.len();
            let net_p = vec![1.0 / k as f32; k];
            for fill in [f32::NAN, 0.0, 1e30] {
                let _ = f.fuse(&net_p, &vec![fill; f.features.len()]);
            }
        }
    }
}
