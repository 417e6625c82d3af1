//! MIT-BIH Arrhythmia Database: beats (AAMI classes) and rhythm stretches from `.atr` files.
//!
//! Expected values: `../shared/data/mitdb/index.csv` (beat counts and seconds per rhythm per
//! record, computed by the data curators and rounded to 0.1 s), the AFIB record list of
//! PROVENANCE.md, and the AAMI class totals commonly published for all 48 records (N 90,631,
//! S 2,781, V 7,236, F 803, Q 8,043; they sum to the 109,494 beats of PROVENANCE.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use exg_data::dataset::mitdb::{self, AamiClass};

fn data_dir() -> Option<PathBuf> {
    exg_data::testdata::dir("mitdb/index.csv").map(|f| f.parent().unwrap().to_path_buf())
}

/// index.csv rows: record -> (n_beats, rhythm -> seconds).
fn index(dir: &std::path::Path) -> BTreeMap<String, (usize, BTreeMap<String, f64>)> {
    let text = std::fs::read_to_string(dir.join("index.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (rec, beats, rhy) = (col("record"), col("n_beats"), col("rhythms_seconds"));
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let secs = f[rhy]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let (k, v) = s.rsplit_once(':').unwrap();
                    (k.trim_start_matches('(').to_owned(), v.parse().unwrap())
                })
                .collect();
            (f[rec].to_owned(), (f[beats].parse().unwrap(), secs))
        })
        .collect()
}

#[test]
fn beats_and_rhythm_seconds_match_index() {
    let Some(dir) = data_dir() else { return };
    let idx = index(&dir);
    assert_eq!(idx.len(), 48);
    let mut totals: BTreeMap<AamiClass, usize> = BTreeMap::new();
    let mut with_afib = Vec::new();
    for name in mitdb::RECORDS {
        let (fs, beats, stretches) = mitdb::read_labels(dir.join(name)).unwrap();
        let (n_beats, want) = &idx[name];
        assert_eq!(beats.len(), *n_beats, "{name}: beats");
        for b in &beats {
            *totals.entry(b.class).or_default() += 1;
        }
        let got = mitdb::rhythm_seconds(&stretches, fs);
        let keys: Vec<_> = got.keys().collect();
        assert_eq!(keys, want.keys().collect::<Vec<_>>(), "{name}: rhythms");
        for (k, v) in want {
            assert!(
                (got[k] - v).abs() <= 0.05 + 1e-9,
                "{name} {k}: {} vs {v}",
                got[k]
            );
        }
        if got.contains_key("AFIB") {
            with_afib.push(name);
        }
        // Stretches are ordered, disjoint, and never empty.
        assert!(
            stretches
                .windows(2)
                .all(|w| w[0].end == w[1].start && w[0].rhythm != w[1].rhythm)
        );
    }
    assert_eq!(with_afib, mitdb::AFIB_RECORDS);
    let want: BTreeMap<AamiClass, usize> = [
        (AamiClass::N, 90_631),
        (AamiClass::S, 2_781),
        (AamiClass::V, 7_236),
        (AamiClass::F, 803),
        (AamiClass::Q, 8_043),
    ]
    .into();
    assert_eq!(totals, want);
}

#[test]
fn full_read_of_an_afib_record() {
    let Some(dir) = data_dir() else { return };
    let rec = mitdb::read_record(dir.join("201")).unwrap();
    assert_eq!(rec.record.n_samples(), 650_000);
    assert_eq!(rec.record.channels[0].name, "MLII");
    assert_eq!(rec.beats.len(), 1963);
    let afib: usize = rec
        .rhythms
        .iter()
        .filter(|s| s.rhythm == "AFIB")
        .map(|s| s.len())
        .sum();
    assert!((afib as f64 / 360.0 - 605.8).abs() < 0.05);
    assert!(rec.beats.iter().all(|b| b.sample < 650_000));
}

#[test]
fn ventricular_flutter_episodes_of_207() {
    // Oracle: index.csv gives 143.9 s of `(VFL` rhythm for record 207; the `[`…`]` episodes
    // bracket the same flutter (they start ~70 ms before the rhythm label), and every `!`
    // (flutter wave) annotation lies inside one of them. No other record has `[`.
    let Some(dir) = data_dir() else { return };
    let rec = mitdb::read_record(dir.join("207")).unwrap();
    let annotations = exg_data::format::wfdb::read_annotations(dir.join("207"), "atr").unwrap();
    let episodes = mitdb::vf_episodes(&annotations, rec.record.n_samples());
    assert_eq!(episodes.len(), 6);
    let secs: usize = episodes.iter().map(|r| r.len()).sum();
    assert!((secs as f64 / 360.0 - 143.9).abs() < 1.0, "{secs}");
    let flutter: Vec<usize> = annotations
        .iter()
        .filter(|a| a.label == "!")
        .map(|a| a.sample)
        .collect();
    assert_eq!(flutter.len(), 472);
    assert!(
        flutter
            .iter()
            .all(|f| episodes.iter().any(|r| r.contains(f)))
    );
    let beat_count = exg_signal::score::outside(
        &rec.beats.iter().map(|b| b.sample).collect::<Vec<_>>(),
        &episodes,
    )
    .len();
    assert_eq!(
        beat_count, 1860,
        "no annotated beat lies inside a flutter episode"
    );
}
