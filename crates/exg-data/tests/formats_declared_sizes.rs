//! Declared sizes are never trusted for allocation (issue 12): every reader is given a small
//! crafted file whose header claims a huge size (10^12 samples, 4 GiB elements, 2^64 bytes of
//! records) and must return a typed error quickly, without a large allocation.
//!
//! A counting global allocator records the largest single allocation made while a case runs;
//! cases hold a lock while they are measured, so other tests of this binary cannot disturb the
//! figure.

mod formats_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use exg_data::Error;
use exg_data::format::{self, edf, mat4, mat5, wav, wfdb};

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);
static MEASURE: Mutex<()> = Mutex::new(());

// SAFETY: forwards to the system allocator unchanged; only records the request size.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most any case may allocate at once: far below what the headers claim, above what the
/// crafted files themselves need (the largest is a 2 MiB EDF header).
const MAX_ALLOC: usize = 16 << 20;
/// And the time it may take (each runs in well under a millisecond of real work).
const MAX_TIME: Duration = Duration::from_secs(5);

/// Runs `f` alone, checks it allocated at most [`MAX_ALLOC`] at once and finished in
/// [`MAX_TIME`], and returns its result.
fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let _guard = MEASURE.lock().unwrap_or_else(|e| e.into_inner());
    LARGEST.store(0, Ordering::Relaxed);
    let t0 = Instant::now();
    let out = f();
    let (largest, took) = (LARGEST.load(Ordering::Relaxed), t0.elapsed());
    assert!(
        largest <= MAX_ALLOC,
        "{what}: allocated {largest} bytes at once"
    );
    assert!(took <= MAX_TIME, "{what}: took {took:?}");
    out
}

macro_rules! assert_err {
    ($e:expr, $pat:pat) => {
        match $e {
            Err($pat) => {}
            other => panic!("expected {}, got {:?}", stringify!($pat), other.map(|_| ())),
        }
    };
}

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
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn wfdb_header_claiming_1e12_samples_in_every_signal_format() {
    let s = Scratch::new("huge-wfdb");
    s.write("big.dat", &[0u8; 12]);
    for fmt in [80, 212, 16, 61, 24, 32] {
        let hea =
            format!("big 2 360 1000000000000\nbig.dat {fmt} 200 0 0 0 0 0 a\nbig.dat {fmt}\n");
        let path = s.write("big.hea", hea.as_bytes());
        bounded(&format!("format {fmt} read_record"), || {
            assert_err!(wfdb::read_record(&path), Error::Truncated { .. })
        });
        bounded(&format!("format {fmt} SignalReader"), || {
            assert_err!(wfdb::SignalReader::open(&path), Error::Truncated { .. })
        });
    }
    // A sample count beyond usize, and a signal count of 10^12 with one signal line.
    let path = s.write(
        "big.hea",
        b"big 1 360 99999999999999999999999\nbig.dat 16\n",
    );
    bounded("sample count beyond usize", || {
        assert_err!(wfdb::read_record(&path), Error::Malformed { .. })
    });
    let path = s.write("big.hea", b"big 1000000000000 360 10\nbig.dat 16\n");
    bounded("10^12 signals", || {
        assert_err!(wfdb::read_record(&path), Error::Malformed { .. })
    });
    // A byte offset past the end of the file.
    let path = s.write("big.hea", b"big 1 360 2\nbig.dat 16+1000000000000\n");
    bounded("byte offset", || {
        assert_err!(wfdb::read_record(&path), Error::Truncated { .. })
    });
}

#[test]
fn wfdb_annotation_skip_of_2_pow_31_allocates_nothing() {
    // SKIP words add 2^31 - 1 samples each; the times are large but nothing is sized by them.
    let mut b = Vec::new();
    for _ in 0..4 {
        b.extend((59u16 << 10).to_le_bytes());
        b.extend(0x7FFFu16.to_le_bytes());
        b.extend(0xFFFFu16.to_le_bytes());
        b.extend(((1u16 << 10) | 1).to_le_bytes()); // N
    }
    b.extend([0, 0]);
    let a = bounded("annotation skips", || {
        wfdb::parse_annotations(&b, Path::new("skip.atr")).unwrap()
    });
    assert_eq!(a.len(), 4);
    assert_eq!(a[3].sample, 4 * (i32::MAX as u64 + 1));
}

fn mat4_header(rows: u32, cols: u32, mopt: u32) -> Vec<u8> {
    let mut m = Vec::new();
    for v in [mopt, rows, cols, 0, 4] {
        m.extend(v.to_le_bytes());
    }
    m.extend(b"val\0");
    m
}

#[test]
fn mat4_dimensions_claiming_gigabytes() {
    let s = Scratch::new("huge-mat4");
    let fs = exg_signal::Hz::new(500.0).unwrap();
    // 65535 x 65535 doubles (32 GiB) with 16 bytes of data.
    let mut m = mat4_header(65_535, 65_535, 0);
    m.extend([0u8; 16]);
    let path = s.write("big.mat", &m);
    bounded("mat4 32 GiB matrix", || {
        assert_err!(mat4::read_mat4(&path), Error::Truncated { .. })
    });
    // u32::MAX x u32::MAX overflows the element count on 32-bit targets, the byte count here.
    let mut m = mat4_header(u32::MAX, u32::MAX, 0);
    m.extend([0u8; 16]);
    let path = s.write("max.mat", &m);
    bounded("mat4 max dims", || {
        assert_err!(
            mat4::read_mat4(&path),
            Error::Truncated { .. } | Error::Malformed { .. }
        )
    });
    // 4 x 10^9 rows of 0 columns: no data, and no channel per declared row.
    let path = s.write("rows.mat", &mat4_header(u32::MAX, 0, 30));
    bounded("mat4 rows without columns", || {
        assert_err!(mat4::read_mat4_record(&path, fs), Error::Truncated { .. })
    });
}

/// A MAT v5 file: the 128-byte header, then `body`.
fn mat5_file(body: &[u8]) -> Vec<u8> {
    let mut b = b"MATLAB 5.0 MAT-file".to_vec();
    b.resize(124, b' ');
    b.extend([0x00, 0x01, b'I', b'M']);
    b.extend(body);
    b
}

#[test]
fn mat5_elements_claiming_gigabytes() {
    let p = Path::new("big.mat");
    // An miMATRIX element claiming 4 GiB - 8 bytes.
    let mut body = 14u32.to_le_bytes().to_vec();
    body.extend(0xFFFF_FFF8u32.to_le_bytes());
    body.extend([0u8; 64]);
    let f = mat5_file(&body);
    bounded("mat5 4 GiB element", || {
        assert_err!(mat5::parse_mat5(&f, p), Error::Malformed { .. })
    });
    // A matrix whose dimensions say u32::MAX x u32::MAX, with 3 values.
    let mut m = Vec::new();
    let el = |m: &mut Vec<u8>, ty: u32, data: &[u8]| {
        m.extend(ty.to_le_bytes());
        m.extend((data.len() as u32).to_le_bytes());
        m.extend(data);
        m.resize(m.len().div_ceil(8) * 8, 0);
    };
    el(&mut m, 6, &[6, 0, 0, 0, 0, 0, 0, 0]);
    el(&mut m, 5, &[0xFF; 8]);
    m.extend([1, 0, 1, 0, b'x', 0, 0, 0]);
    el(&mut m, 2, &[1, 2, 3]);
    let mut body = 14u32.to_le_bytes().to_vec();
    body.extend((m.len() as u32).to_le_bytes());
    body.extend(&m);
    let f = mat5_file(&body);
    bounded("mat5 max dims", || {
        assert_err!(mat5::parse_mat5(&f, p), Error::Malformed { .. })
    });
    // A compressed element claiming 4 GiB of zlib data.
    let mut body = 15u32.to_le_bytes().to_vec();
    body.extend(0xFFFF_FFF0u32.to_le_bytes());
    body.extend([0x78, 0x9c, 0, 0]);
    let f = mat5_file(&body);
    bounded("mat5 compressed", || {
        assert_err!(mat5::parse_mat5(&f, p), Error::Malformed { .. })
    });
}

/// An EDF header (plain EDF, 1-s records) with `n_records` records and the given samples per
/// record for each signal, followed by `data` bytes.
fn edf_file(n_records: usize, samples: &[usize], data: usize) -> Vec<u8> {
    let ns = samples.len();
    let field = |s: &str, w: usize| format!("{s:<w$}").into_bytes();
    let mut h = Vec::new();
    h.extend(field("0", 8));
    h.extend(field("X X X X", 80));
    h.extend(field("Startdate X X X X", 80));
    h.extend(field("01.01.01", 8));
    h.extend(field("00.00.00", 8));
    h.extend(field(&(256 * (ns + 1)).to_string(), 8));
    h.extend(field("", 44));
    h.extend(field(&n_records.to_string(), 8));
    h.extend(field("1", 8));
    h.extend(field(&ns.to_string(), 4));
    let each = |h: &mut Vec<u8>, s: &str, w: usize| {
        for _ in 0..ns {
            h.extend(field(s, w));
        }
    };
    each(&mut h, "ECG", 16);
    each(&mut h, "", 80);
    each(&mut h, "mV", 8);
    each(&mut h, "-1", 8);
    each(&mut h, "1", 8);
    each(&mut h, "-32768", 8);
    each(&mut h, "32767", 8);
    each(&mut h, "", 80);
    for n in samples {
        h.extend(field(&n.to_string(), 8));
    }
    each(&mut h, "", 32);
    assert_eq!(h.len(), 256 * (ns + 1));
    h.resize(h.len() + data, 0);
    h
}

#[test]
fn edf_header_claiming_huge_records() {
    let s = Scratch::new("huge-edf");
    // Sanity: the builder makes a readable file.
    let ok = s.write("ok.edf", &edf_file(2, &[4], 16));
    assert_eq!(edf::read_edf(&ok).unwrap().n_samples(), 8);
    // 99,999,999 records of 99,999,999 samples (2 * 10^16 bytes) in a 600-byte file.
    let path = s.write("big.edf", &edf_file(99_999_999, &[99_999_999], 88));
    bounded("edf 10^16 samples", || {
        assert_err!(edf::read_edf(&path), Error::Truncated { .. })
    });
    // 2^24 records of 8192 signals x 2^26 samples: exactly 2^64 bytes of records, which a
    // wrapping multiplication makes 0 (the file then looked long enough).
    let path = s.write("wrap.edf", &edf_file(1 << 24, &[1 << 26; 8192], 64));
    bounded("edf 2^64 bytes", || {
        assert_err!(edf::read_edf(&path), Error::Truncated { .. })
    });
}

/// A PCM WAV header (16-bit, 1 channel, 500 Hz) whose data chunk claims `declared` bytes,
/// followed by `data` bytes of samples.
fn wav_file(declared: u32, data: usize) -> Vec<u8> {
    let mut b = b"RIFF".to_vec();
    b.extend(declared.saturating_add(36).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(1u16.to_le_bytes()); // PCM
    b.extend(1u16.to_le_bytes()); // channels
    b.extend(500u32.to_le_bytes());
    b.extend(1000u32.to_le_bytes()); // byte rate
    b.extend(2u16.to_le_bytes()); // block align
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend(declared.to_le_bytes());
    b.resize(b.len() + data, 0);
    b
}

#[test]
fn wav_data_chunk_claiming_4_gib() {
    let s = Scratch::new("huge-wav");
    let ok = wav_file(8, 8);
    assert_eq!(
        wav::parse_wav(&ok, Path::new("ok.wav"))
            .unwrap()
            .n_samples(),
        4
    );
    let big = wav_file(0xFFFF_FFFE, 64);
    bounded("wav parse_wav", || {
        assert_err!(
            wav::parse_wav(&big, Path::new("big.wav")),
            Error::Truncated { .. }
        )
    });
    let path = s.write("big.wav", &big);
    bounded("wav read_wav", || {
        assert_err!(wav::read_wav(&path), Error::Truncated { .. })
    });
    bounded("wav open", || {
        assert_err!(format::open(&path), Error::Truncated { .. })
    });
}
