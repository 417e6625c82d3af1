//! Scoring against wfdb-python's `compare_annotations` (oracle fixture written by
//! `tools/signal_peaks_score_oracle.py`: 40 random realistic cases, wfdb 4.3.1).

use exg_signal::score::{Score, match_peaks};

#[derive(serde::Deserialize)]
struct Case {
    reference: Vec<usize>,
    detected: Vec<usize>,
    tolerance: usize,
    tp: usize,
    fp: usize,
    #[serde(rename = "fn")]
    fn_: usize,
}

#[derive(serde::Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[test]
fn counts_match_wfdb_compare_annotations() {
    let f: Fixture = serde_json::from_str(include_str!("fixtures/score_wfdb_oracle.json"))
        .expect("fixture parses");
    assert_eq!(f.cases.len(), 40);
    for (i, c) in f.cases.iter().enumerate() {
        let m = match_peaks(&c.reference, &c.detected, c.tolerance);
        let s = Score::from_matching(&m, 360.0);
        assert_eq!((s.tp, s.fp, s.fn_), (c.tp, c.fp, c.fn_), "case {i}");
        // Invariants of a one-to-one matching.
        assert_eq!(s.tp + s.fn_, c.reference.len());
        assert_eq!(s.tp + s.fp, c.detected.len());
        assert!(m.pairs.iter().all(|&(r, d)| r.abs_diff(d) <= c.tolerance));
    }
}
