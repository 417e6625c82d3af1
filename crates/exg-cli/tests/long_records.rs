//! Long recordings: `exg peaks` and `exg hrv` stream a synthetic 2-lead, 360 Hz record, WFDB
//! or EDF (written in pieces by `support/long_record.rs`, never held whole), in memory that does
//! not grow with its length, and find its beats. Peak memory is the child's own maximum resident
//! set (`wait4`'s `ru_maxrss`), compared between a 1-h and a 24-h record with a generous
//! margin; nothing here depends on timing. The whole test takes about 10 s in release (most of
//! it writing the 93 MB record); `--nocapture` prints the measurements.

#![cfg(target_os = "linux")]

#[path = "support/long_record.rs"]
mod long_record;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use exg_signal::score::match_peaks;

/// Runs `exg ARGS`, requires success; returns stdout and the child's peak RSS in KiB.
// The child is reaped by `wait4` in `wait_with_rusage`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn exg_measured(args: &[&str]) -> (String, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exg"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs exg");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).map(|_| s)
    });
    let (status, maxrss_kib) = wait_with_rusage(child.id());
    let stdout = reader.join().unwrap().unwrap();
    let mut stderr = String::new();
    err.read_to_string(&mut stderr).unwrap();
    assert_eq!(status, 0, "exg {args:?} failed: {stderr}");
    (stdout, maxrss_kib)
}

/// Waits for child `pid` (reaping it, so `Child::wait` must not be called after) and returns its
/// exit status and its own peak resident set size in KiB. `getrusage(RUSAGE_CHILDREN)` would
/// give the largest of every child this test process has reaped; `wait4` gives this child's.
#[allow(unsafe_code)]
fn wait_with_rusage(pid: u32) -> (i32, u64) {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data (all-zero is a valid value); `wait4` writes only
    // through the two pointers, which are valid for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(
        r,
        pid as libc::pid_t,
        "wait4: {}",
        std::io::Error::last_os_error()
    );
    assert!(libc::WIFEXITED(status), "exg did not exit normally");
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64)
}

/// A fresh temporary folder, removed on drop.
struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("exg-long-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one record gave.
struct Run {
    hours: f64,
    peaks_rss_kib: u64,
    hrv_rss_kib: u64,
}

/// The file format of a long record.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Wfdb,
    Edf,
}

/// Writes a `hours`-long record, runs `exg peaks` (gated per minute) and `exg hrv` on it, checks
/// the beats, and returns the peak memory of both.
fn run(dir: &Path, hours: f64, kind: Kind) -> Run {
    let name = format!("long{hours}h");
    let w = match kind {
        Kind::Wfdb => long_record::write(dir, &name, hours, None),
        Kind::Edf => long_record::write_edf(dir, &name, hours),
    }
    .unwrap();
    let hea = w.header.to_str().unwrap();

    let (out, peaks_rss_kib) = exg_measured(&["peaks", hea, "--gate-segments", "60"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let peaks: Vec<usize> = v["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(
        v["excluded"].as_array().map(Vec::len),
        Some(0),
        "a clean record"
    );
    // 150 ms, the MIT-BIH scoring tolerance.
    let m = match_peaks(&w.beats, &peaks, 54);
    let se = m.pairs.len() as f64 / w.beats.len() as f64;
    let ppv = m.pairs.len() as f64 / peaks.len() as f64;
    eprintln!(
        "{kind:?} {hours} h: {} beats, {} detected, Se {:.4} %, +P {:.4} %",
        w.beats.len(),
        peaks.len(),
        100.0 * se,
        100.0 * ppv
    );
    assert!(se > 0.99 && ppv > 0.99, "Se {se}, +P {ppv}");

    let (out, hrv_rss_kib) = exg_measured(&["hrv", hea]);
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Ungated detection: the same peaks as the gated run of a clean record.
    assert_eq!(h["n_peaks"].as_u64(), Some(peaks.len() as u64));
    assert_eq!(
        h["duration_s"].as_f64(),
        Some(w.len as f64 / long_record::FS_HZ)
    );
    let hr = h["features"]["HR"]["value"].as_f64();
    assert!(
        hr.is_some_and(|hr| (55.0..=85.0).contains(&hr)),
        "HR {hr:?}"
    );
    let morphology_valid = h["features"]["QRSd"]["valid"].as_bool();
    assert_eq!(
        morphology_valid,
        Some(true),
        "signal features of the first 10 min"
    );

    std::fs::remove_file(&w.header).unwrap();
    if let Kind::Wfdb = kind {
        std::fs::remove_file(dir.join(format!("{name}.dat"))).unwrap();
    }
    eprintln!(
        "{kind:?} {hours} h: peak RSS exg peaks {peaks_rss_kib} KiB, exg hrv {hrv_rss_kib} KiB"
    );
    Run {
        hours,
        peaks_rss_kib,
        hrv_rss_kib,
    }
}

/// Peak memory of the long run within 1.5x of the 1-h run's plus 8 MiB: the peak list and the
/// JSON grow with the beats (≈ 40 bytes a beat while printed, 4 MiB a day); reading a 24-h
/// record whole would take ≈ 750 MiB (two leads of f64 plus the copied lead).
fn assert_bounded(short: &Run, long: &Run) {
    for (what, a, b) in [
        ("peaks", short.peaks_rss_kib, long.peaks_rss_kib),
        ("hrv", short.hrv_rss_kib, long.hrv_rss_kib),
    ] {
        assert!(
            (b as f64) < 1.5 * a as f64 + 8192.0,
            "exg {what}: {} h peak RSS {b} KiB against {a} KiB for {} h",
            long.hours,
            short.hours
        );
    }
}

#[test]
fn long_records_24h_memory_does_not_grow_and_beats_are_found() {
    let dir = TempDir::new("24h");
    let short = run(&dir.0, 1.0, Kind::Wfdb);
    let long = run(&dir.0, 24.0, Kind::Wfdb);
    assert_bounded(&short, &long);
}

/// The same for EDF, read one 1-s data record at a time (`exg_data::format::edf::EdfReader`).
#[test]
fn long_edf_records_24h_memory_does_not_grow_and_beats_are_found() {
    let dir = TempDir::new("24h-edf");
    let short = run(&dir.0, 1.0, Kind::Edf);
    let long = run(&dir.0, 24.0, Kind::Edf);
    assert_bounded(&short, &long);
}

#[test]
fn an_invalid_sample_in_a_streamed_record_is_an_error() {
    // 15 min (streamed) with WFDB's invalid-sample marker at lead 0's sample 200,000: the same
    // error as a whole read, from the chunk that holds it.
    let dir = TempDir::new("invalid");
    let w = long_record::write(&dir.0, "bad", 0.25, Some(200_000)).unwrap();
    for cmd in ["peaks", "hrv"] {
        let out = Command::new(env!("CARGO_BIN_EXE_exg"))
            .args([cmd, w.header.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains("non-finite sample at index 200000"),
            "{cmd}: {err}"
        );
    }
}
