//! WFDB reader vs wfdb-python 4.3.1 (`rdrecord` / `rdann`).
//!
//! Expected values: `tests/fixtures/formats/wfdb_oracle.json`, written by
//! `tools/data_wfdb_oracle.py` (which also wrote the synthetic records under
//! `tests/fixtures/formats/wfdb/` with wfdb-python's `wrsamp`/`wrann`). Individual samples must
//! match within 1e-12 (same f64 formula); sums within 1e-9 relative (summation order differs).

mod formats_support;

use std::path::Path;

use exg_data::format::wfdb::{read_annotation_file, read_annotations, read_record};
use formats_support::{data_dir, fixture};
use serde_json::Value;

fn oracle() -> Value {
    let text = std::fs::read_to_string(fixture("wfdb_oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

fn check_signals(record: &Path, want: &Value) {
    let rec = read_record(record).unwrap();
    let name = record.display();
    assert_eq!(rec.fs.get(), want["fs"].as_f64().unwrap(), "{name}");
    assert_eq!(
        rec.n_samples() as u64,
        want["n_samples"].as_u64().unwrap(),
        "{name}"
    );
    let comments: Vec<String> = want["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().trim().to_owned())
        .collect();
    let got: Vec<String> = rec
        .metadata
        .comments
        .iter()
        .map(|c| c.trim().to_owned())
        .collect();
    assert_eq!(got, comments, "{name}");
    let chans = want["channels"].as_array().unwrap();
    assert_eq!(rec.channels.len(), chans.len(), "{name}");
    for (ch, w) in rec.channels.iter().zip(chans) {
        assert_eq!(ch.name, w["name"].as_str().unwrap(), "{name}");
        assert_eq!(ch.units, w["units"].as_str().unwrap(), "{name}");
        assert_eq!(ch.gain, w["gain"].as_f64(), "{name}");
        let x = &ch.samples;
        let finite = x.iter().filter(|v| !v.is_nan());
        let (sum, sum_sq) = finite
            .clone()
            .fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v));
        assert!(
            close(sum, w["sum"].as_f64().unwrap(), 1e-9),
            "{name} {}: sum {sum} vs {}",
            ch.name,
            w["sum"]
        );
        assert!(
            close(sum_sq, w["sum_sq"].as_f64().unwrap(), 1e-9),
            "{name} {}",
            ch.name
        );
        assert_eq!(
            x.iter().filter(|v| v.is_nan()).count() as u64,
            w["n_nan"].as_u64().unwrap()
        );
        let min = finite.clone().copied().fold(f64::INFINITY, f64::min);
        let max = finite.copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(
            close(min, w["min"].as_f64().unwrap(), 1e-12)
                && close(max, w["max"].as_f64().unwrap(), 1e-12)
        );
        let same = |got: f64, want: &Value| match want.as_f64() {
            None => got.is_nan(),
            Some(v) => (got - v).abs() <= 1e-12,
        };
        for (i, v) in w["first10"].as_array().unwrap().iter().enumerate() {
            assert!(same(x[i], v), "{name} {} [{i}]: {} vs {v}", ch.name, x[i]);
        }
        for pair in w["at"].as_array().unwrap() {
            let i = pair[0].as_u64().unwrap() as usize;
            assert!(
                same(x[i], &pair[1]),
                "{name} {} [{i}]: {} vs {}",
                ch.name,
                x[i],
                pair[1]
            );
        }
    }
}

fn check_annotations(record: &Path, ext: &str, want: &Value) {
    let full = read_annotation_file(record.with_extension(ext)).unwrap();
    let simple = read_annotations(record, ext).unwrap();
    assert_eq!(full.len(), simple.len());
    assert_eq!(full.len() as u64, want["count"].as_u64().unwrap());
    assert_eq!(
        full.iter().map(|a| a.sample).sum::<u64>(),
        want["sample_sum"].as_u64().unwrap()
    );
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for a in &full {
        *counts.entry(a.symbol.clone()).or_default() += 1;
    }
    let want_counts: std::collections::BTreeMap<String, u64> = want["symbols"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(counts, want_counts, "{}", record.display());
    for (a, w) in full.iter().zip(want["first20"].as_array().unwrap()) {
        assert_eq!(
            (a.sample, a.symbol.as_str()),
            (w[0].as_u64().unwrap(), w[1].as_str().unwrap())
        );
    }
    let aux: Vec<(u64, &str)> = full
        .iter()
        .filter(|a| !a.aux.is_empty())
        .map(|a| (a.sample, a.aux.as_str()))
        .collect();
    let want_aux: Vec<(u64, &str)> = want["aux"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w[0].as_u64().unwrap(), w[1].as_str().unwrap()))
        .collect();
    assert_eq!(aux, want_aux, "{}", record.display());
    let sum = |f: fn(&exg_data::format::wfdb::WfdbAnnotation) -> i16| {
        full.iter().map(|a| i64::from(f(a))).sum::<i64>()
    };
    assert_eq!(sum(|a| a.subtype), want["subtype_sum"].as_i64().unwrap());
    assert_eq!(sum(|a| a.chan), want["chan_sum"].as_i64().unwrap());
    assert_eq!(sum(|a| a.num), want["num_sum"].as_i64().unwrap());
    let last = full.last().unwrap();
    assert_eq!(
        (last.sample, last.symbol.as_str()),
        (
            want["last"][0].as_u64().unwrap(),
            want["last"][1].as_str().unwrap()
        )
    );
    // The simple view carries symbol and aux through unchanged.
    assert!(
        simple
            .iter()
            .zip(&full)
            .all(|(s, f)| s.sample as u64 == f.sample && s.label == f.symbol && s.aux == f.aux)
    );
}

#[test]
fn synthetic_records_match_wfdb_python() {
    // Committed fixtures: runs on a fresh clone.
    let o = oracle();
    let dir = fixture("wfdb");
    for (name, want) in o["synthetic"].as_object().unwrap() {
        let path = dir.join(name);
        check_signals(&path, want);
        if let Some(anns) = want.get("annotations") {
            for (ext, w) in anns.as_object().unwrap() {
                check_annotations(&path, ext, w);
            }
        }
    }
}

#[test]
fn synthetic_cinc_comments_become_metadata() {
    let rec = read_record(fixture("wfdb").join("syn16.hea")).unwrap();
    assert_eq!(rec.metadata.fields["Age"], "61");
    assert_eq!(rec.metadata.fields["Sex"], "Female");
    assert_eq!(rec.metadata.labels, vec!["426783006", "164889003"]);
}

#[test]
fn real_records_match_wfdb_python() {
    let Some(root) = data_dir("") else { return };
    let o = oracle();
    let mut n = 0;
    for (key, want) in o["real"].as_object().unwrap() {
        let path = root.join(key);
        check_signals(&path, want);
        if let Some(anns) = want.get("annotations") {
            for (ext, w) in anns.as_object().unwrap() {
                check_annotations(&path, ext, w);
            }
        }
        n += 1;
    }
    assert!(n >= 13, "oracle lists {n} real records");
}
