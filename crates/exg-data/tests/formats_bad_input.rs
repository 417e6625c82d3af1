//! Bad input gives typed errors, never a panic: empty, truncated, random-bytes, wrong-format
//! and inconsistent files for every reader, then proptest feeding arbitrary and mutated bytes
//! to every parser. Fixtures: the synthetic files under `tests/fixtures/formats/` (see
//! `tools/data_wfdb_oracle.py`, `tools/data_make_edf_fixtures.py`,
//! `tools/data_make_wav_csv_fixtures.py`), copied and damaged in a scratch folder.

mod formats_support;

use std::path::{Path, PathBuf};

use exg_data::Error;
use exg_data::format::{self, csv, edf, mat4, mat5, wav, wfdb};
use exg_signal::Hz;
use formats_support::fixture;
use proptest::prelude::*;

/// A PNG signature and IHDR chunk: a "wrong format" file.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6";

struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str) -> Self {
        Self(formats_support::scratch(name))
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    fn copy(&self, from: &Path, name: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::copy(from, &p).unwrap();
        p
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    // xorshift: deterministic "random bytes" without extra dependencies.
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn syn(name: &str) -> PathBuf {
    fixture("wfdb").join(name)
}

macro_rules! assert_err {
    ($e:expr, $pat:pat) => {
        match $e {
            Err(ref err @ $pat) => {
                // Errors are one line: `exg info` prints them to stderr as is.
                assert!(!err.to_string().contains('\n'), "{err}");
            }
            other => panic!("expected {}, got {:?}", stringify!($pat), other.map(|_| ())),
        }
    };
}

#[test]
fn wfdb_header_errors() {
    let s = Scratch::new("bad-hea");
    assert_err!(
        wfdb::read_record(s.write("empty.hea", b"")),
        Error::Truncated { .. }
    );
    assert_err!(
        wfdb::read_record(s.write("png.hea", PNG)),
        Error::Malformed { .. }
    );
    assert_err!(
        wfdb::read_record(s.write("rand.hea", &random_bytes(300, 1))),
        Error::Malformed { .. }
    );
    assert_err!(
        wfdb::read_record(s.write("comments.hea", b"# only a comment\n")),
        Error::Truncated { .. }
    );
    // Record line says 3 signals, the header has 2 signal lines.
    let hea = std::fs::read_to_string(syn("syn212.hea")).unwrap();
    s.copy(&syn("syn212.dat"), "syn212.dat");
    let three = hea.replacen("syn212 2 ", "syn212 3 ", 1);
    assert_err!(
        wfdb::read_record(s.write("nsig.hea", three.as_bytes())),
        Error::Malformed { .. }
    );
    // Wrong checksum of signal 0 (header says 237).
    let bad_sum = hea.replacen(" 237 ", " 238 ", 1);
    assert_err!(
        wfdb::read_record(s.write("sum.hea", bad_sum.as_bytes())),
        Error::Malformed { .. }
    );
    // Declared sample count beyond the signal file.
    let long = hea.replacen("syn212 2 360 1001", "syn212 2 360 5000", 1);
    assert_err!(
        wfdb::read_record(s.write("long.hea", long.as_bytes())),
        Error::Truncated { .. }
    );
    // Non-numeric fields.
    let bad_fs = hea.replacen("360", "fast", 1);
    assert_err!(
        wfdb::read_record(s.write("fs.hea", bad_fs.as_bytes())),
        Error::Malformed { .. }
    );
    let zero_fs = hea.replacen(" 360 ", " 0 ", 1);
    assert_err!(
        wfdb::read_record(s.write("fs0.hea", zero_fs.as_bytes())),
        Error::Malformed { .. }
    );
    let bad_gain = hea.replacen("200.0(1024)", "2x0(1024)", 1);
    assert_err!(
        wfdb::read_record(s.write("gain.hea", bad_gain.as_bytes())),
        Error::Malformed { .. }
    );
    // Multi-segment records and unknown signal formats are refused as unsupported.
    let multi = "rec/2 1 360 2000\nseg1 1000\nseg2 1000\n";
    assert_err!(
        wfdb::read_record(s.write("multi.hea", multi.as_bytes())),
        Error::Unsupported { .. }
    );
    let f310 = hea.replace(" 212 ", " 310 ");
    assert_err!(
        wfdb::read_record(s.write("f310.hea", f310.as_bytes())),
        Error::Unsupported { .. }
    );
    // Missing signal file.
    let missing = hea.replace("syn212.dat", "nowhere.dat");
    assert_err!(
        wfdb::read_record(s.write("missing.hea", missing.as_bytes())),
        Error::Io { .. }
    );
    // No signals at all (annotation-only record).
    assert_err!(
        wfdb::read_record(s.write("nosig.hea", b"rec 0 360 1000\n")),
        Error::Unsupported { .. }
    );
}

#[test]
fn wfdb_signal_file_errors() {
    let s = Scratch::new("bad-dat");
    s.copy(&syn("syn212.hea"), "syn212.hea");
    let dat = std::fs::read(syn("syn212.dat")).unwrap();
    // Truncated signal file.
    s.write("syn212.dat", &dat[..dat.len() / 2]);
    assert_err!(
        wfdb::read_record(s.0.join("syn212")),
        Error::Truncated { .. }
    );
    // Empty signal file.
    s.write("syn212.dat", b"");
    assert_err!(
        wfdb::read_record(s.0.join("syn212")),
        Error::Truncated { .. }
    );
    // Random bytes of the right length: decodes, but the checksums catch it.
    s.write("syn212.dat", &random_bytes(dat.len(), 9));
    assert_err!(
        wfdb::read_record(s.0.join("syn212")),
        Error::Malformed { .. }
    );
    // A header without a sample count reads what the file holds.
    let hea = std::fs::read_to_string(syn("syn212.hea")).unwrap();
    s.write("syn212.dat", &dat);
    let open = hea.replacen("syn212 2 360 1001", "syn212 2 360", 1);
    let rec = wfdb::read_record(s.write("syn212.hea", open.as_bytes())).unwrap();
    assert_eq!(rec.n_samples(), 1001);
}

#[test]
fn wfdb_annotation_errors() {
    let s = Scratch::new("bad-atr");
    let atr = std::fs::read(syn("syn212.atr")).unwrap();
    assert_err!(
        wfdb::read_annotation_file(s.write("empty.atr", b"")),
        Error::Truncated { .. }
    );
    // Cut inside the stream (after the first AUX word, before its text ends).
    assert_err!(
        wfdb::read_annotation_file(s.write("cut.atr", &atr[..5])),
        Error::Truncated { .. }
    );
    assert_err!(
        wfdb::read_annotation_file(s.write("nozero.atr", &atr[..atr.len() - 2])),
        Error::Truncated { .. }
    );
    // A modifier word before any annotation.
    let mut orphan = vec![0x03, 0xF0]; // CHN (62) = 3
    orphan.extend(&atr);
    assert_err!(
        wfdb::read_annotation_file(s.write("orphan.atr", &orphan)),
        Error::Malformed { .. }
    );
    // Random bytes and a PNG: typed errors (never a panic, whatever the bytes).
    for seed in 1..50 {
        let r = wfdb::read_annotation_file(s.write("rand.atr", &random_bytes(64, seed)));
        assert!(matches!(
            r,
            Ok(_) | Err(Error::Truncated { .. } | Error::Malformed { .. })
        ));
    }
    let r = wfdb::read_annotation_file(s.write("png.atr", PNG));
    assert!(matches!(
        r,
        Ok(_) | Err(Error::Truncated { .. } | Error::Malformed { .. })
    ));
}

#[test]
fn mat4_errors() {
    let s = Scratch::new("bad-mat");
    assert_err!(
        mat4::read_mat4(s.write("empty.mat", b"")),
        Error::Truncated { .. }
    );
    assert_err!(
        mat4::read_mat4(s.write("png.mat", PNG)),
        Error::Malformed { .. }
    );
    assert_err!(
        mat4::read_mat4(s.write("short.mat", &[30, 0, 0])),
        Error::Truncated { .. }
    );
    let mut m = Vec::new();
    for v in [30u32, 12, 5000, 0, 4] {
        m.extend(v.to_le_bytes());
    }
    m.extend(b"val\0");
    m.extend([0u8; 100]);
    assert_err!(
        mat4::read_mat4(s.write("trunc.mat", &m)),
        Error::Truncated { .. }
    );
    assert_err!(
        mat4::read_matrix(s.write("noval.mat", &m[..0]), "val"),
        Error::Truncated { .. }
    );
    let mut text = m.clone();
    text[0] = 31; // type T = 1: text matrix
    assert_err!(
        mat4::read_mat4(s.write("text.mat", &text)),
        Error::Unsupported { .. }
    );
}

#[test]
fn edf_errors() {
    let s = Scratch::new("bad-edf");
    let good = std::fs::read(fixture("edfplus_c.edf")).unwrap();
    assert_err!(
        edf::read_edf(s.write("empty.edf", b"")),
        Error::Truncated { .. }
    );
    assert_err!(
        edf::read_edf(s.write("png.edf", PNG)),
        Error::Truncated { .. }
    );
    assert_err!(
        edf::read_edf(s.write("rand.edf", &random_bytes(2000, 3))),
        Error::Malformed { .. }
    );
    // Cut in the middle of the data records.
    assert_err!(
        edf::read_edf(s.write("cut.edf", &good[..good.len() - 300])),
        Error::Truncated { .. }
    );
    // Header only.
    assert_err!(
        edf::read_edf(s.write("hdr.edf", &good[..1024])),
        Error::Truncated { .. }
    );
    // Zero samples per data record for every signal (edf-rs would divide by zero).
    let mut zero = good.clone();
    let ns = 3;
    for k in 0..ns {
        let o = 256 + ns * 216 + k * 8;
        zero[o..o + 8].copy_from_slice(b"0       ");
    }
    assert_err!(
        edf::read_edf(s.write("zero.edf", &zero)),
        Error::Malformed { .. }
    );
    // Header size field inconsistent with the number of signals.
    let mut hsize = good.clone();
    hsize[184..192].copy_from_slice(b"512     ");
    assert_err!(
        edf::read_edf(s.write("hsize.edf", &hsize)),
        Error::Malformed { .. }
    );
    // EDF+D record onset far beyond the data: the NaN gap fill is refused, not allocated.
    let mut far = std::fs::read(fixture("edfplus_d.edf")).unwrap();
    let at = far.windows(5).position(|w| w == b"+3\x14\x14\x00").unwrap();
    far[at..at + 7].copy_from_slice(b"+999\x14\x14\x00");
    assert_err!(
        edf::read_edf(s.write("far.edf", &far)),
        Error::Unsupported { .. }
    );
    // Digital min == max: no scale.
    let mut flat = good.clone();
    let o = 256 + ns * 120; // digital minimum of signal 0
    flat[o..o + 8].copy_from_slice(b"32767   ");
    assert_err!(
        edf::read_edf(s.write("flat.edf", &flat)),
        Error::Malformed { .. }
    );
}

#[test]
fn wav_errors() {
    let s = Scratch::new("bad-wav");
    let good = std::fs::read(fixture("wav_int16_2ch.wav")).unwrap();
    assert_err!(
        wav::read_wav(s.write("empty.wav", b"")),
        Error::Truncated { .. } | Error::Malformed { .. }
    );
    assert_err!(
        wav::read_wav(s.write("png.wav", PNG)),
        Error::Malformed { .. }
    );
    assert_err!(
        wav::read_wav(s.write("rand.wav", &random_bytes(500, 5))),
        Error::Malformed { .. }
    );
    assert_err!(
        wav::read_wav(s.write("cut.wav", &good[..good.len() - 101])),
        Error::Truncated { .. }
    );
    assert_err!(
        wav::read_wav(s.write("hdr.wav", &good[..44])),
        Error::Truncated { .. }
    );
}

#[test]
fn csv_errors() {
    let s = Scratch::new("bad-csv");
    let fs = Hz::new(500.0).unwrap();
    let o = csv::CsvOptions::default();
    assert_err!(
        csv::read_csv(s.write("empty.csv", b""), fs, &o),
        Error::Truncated { .. }
    );
    assert_err!(
        csv::read_csv(s.write("png.csv", PNG), fs, &o),
        Error::Malformed { .. }
    );
    assert_err!(
        csv::read_csv(s.write("ragged.csv", b"1,2\n3,4\n5\n"), fs, &o),
        Error::Malformed { .. }
    );
    assert_err!(
        csv::read_csv(s.write("text.csv", b"1,2\n3,abc\n"), fs, &o),
        Error::Malformed { .. }
    );
    assert_err!(
        csv::read_csv(s.write("hdr.csv", b"I,II\n"), fs, &o),
        Error::Truncated { .. }
    );
}

#[test]
fn open_refuses_unknown_content() {
    let s = Scratch::new("bad-open");
    assert_err!(
        format::open(s.write("blob.bin", &random_bytes(100, 77))),
        Error::UnknownFormat { .. }
    );
    assert_err!(
        format::open(s.write("image.png", PNG)),
        Error::UnknownFormat { .. }
    );
    assert_err!(
        format::open(s.0.join("does-not-exist.bin")),
        Error::Io { .. }
    );
}

/// Calls every parser on `bytes`; any outcome but a panic is fine.
fn feed_all(bytes: &[u8], dir: &Path) {
    let p = Path::new("fuzz");
    let _ = wfdb::parse_header_bytes(bytes, p);
    let _ = wfdb::parse_annotations(bytes, p);
    let _ = mat4::parse_mat4(bytes, p);
    let _ = mat5::parse_mat5(bytes, p);
    let _ = wav::parse_wav(bytes, p);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = csv::parse_csv(
            text,
            Hz::new(100.0).unwrap(),
            &csv::CsvOptions::default(),
            p,
        );
    }
    // File-based readers: EDF, and a WFDB record whose signal file is `bytes`.
    let edf_path = dir.join("fuzz.edf");
    std::fs::write(&edf_path, bytes).unwrap();
    let _ = edf::read_edf(&edf_path);
    let _ = format::open(&edf_path);
    std::fs::write(dir.join("fz.dat"), bytes).unwrap();
    std::fs::write(
        dir.join("fz.hea"),
        "fz 2 360\nfz.dat 212 200 11 1024 0 0 0 a\nfz.dat 212\n",
    )
    .unwrap();
    let _ = wfdb::read_record(dir.join("fz"));
}

fn mutate(base: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(i, b) in edits {
        let n = v.len();
        v[i % n] = b;
    }
    v.truncate(v.len() - cut % v.len().max(1));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let s = Scratch::new(&format!("fuzz-{}", bytes.len()));
        feed_all(&bytes, &s.0);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let base = [
            fixture("edfplus_c.edf"),
            fixture("edfplus_d.edf"),
            fixture("wav_int16_2ch.wav"),
            syn("syn212.atr"),
            syn("syn16.hea"),
            fixture("edf_plain.edf"),
        ];
        let bytes = mutate(&std::fs::read(&base[which]).unwrap(), &edits, cut / 4);
        let s = Scratch::new(&format!("mut-{which}-{}", bytes.len()));
        feed_all(&bytes, &s.0);
    }
}
