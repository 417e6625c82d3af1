//! The default detector on short (10-s) real records, each detected on its own: the regime of
//! EXGnet's inputs (issue 13). Oracles: LUDB's cardiologist R-peak annotations (lead ii, inside
//! the annotated span) and CPSC 2019's expert R-peaks (the challenge's 0.5–9.5 s and 75 ms).
//! Lower bounds sit under the values measured when this test was written (printed with
//! `--nocapture`; full tables and commands in docs/benchmarks.md §"R-peaks on short records").
//! Reads `$EXG_DATA_DIR` or `../shared/data`; skips when absent (fails under EXG_REQUIRE_DATA=1).

use std::ops::Range;

use exg::data::dataset::{cpsc2019, ludb};
use exg::data::format::wfdb::read_record;
use exg::data::testdata;
use exg::signal::rpeaks::{NoResult, RPeakDetector, default_detector};
use exg::signal::score::{Score, match_peaks};
use exg::signal::{Ecg, RPeaks};

/// Score of `found` against `truth`, counting reference beats inside `span` and detections
/// inside it widened by the tolerance.
fn score_in(truth: &[usize], found: &RPeaks, span: Range<usize>, tol_s: f64) -> Score {
    let fs = found.fs();
    let tol = fs.samples(tol_s);
    let r: Vec<usize> = truth.iter().copied().filter(|p| span.contains(p)).collect();
    let wide = span.start.saturating_sub(tol)..span.end + tol;
    let d: Vec<usize> = found
        .indices()
        .iter()
        .copied()
        .filter(|p| wide.contains(p))
        .collect();
    Score::from_matching(&match_peaks(&r, &d, tol), fs.get())
}

fn ratio(s: &Score) -> (f64, f64, f64) {
    (
        s.sensitivity().unwrap_or(0.0),
        s.ppv().unwrap_or(0.0),
        s.f1().unwrap_or(0.0),
    )
}

#[test]
fn ludb_lead_ii_inside_the_annotated_span() {
    let Some(dir) = testdata::dir("ludb") else {
        return;
    };
    let det = default_detector();
    let (mut gross, mut refused) = (Score::default(), 0);
    for n in 1..=ludb::N_RECORDS {
        let ecg: Ecg = read_record(ludb::record_path(&dir, n))
            .unwrap()
            .ecg(1)
            .unwrap();
        let r = ludb::lead_reference(&dir, n, "ii").unwrap();
        let d = det.detect(&ecg).unwrap();
        refused += usize::from(d.no_result == Some(NoResult::NoConsistentQrs));
        let s = score_in(&r.r_peaks, &d.peaks, r.span, 0.15);
        // Records 120–133 end with a spike in their last samples that once locked the detector
        // out for the whole record (it found 1 beat): each must now find at least half of them.
        if (120..=133).contains(&n) {
            assert!(ratio(&s).0 >= 0.5, "LUDB {n} ii: {s:?}");
        }
        gross += s;
    }
    let (se, ppv, f1) = ratio(&gross);
    println!("LUDB ii: Se {se:.4} +P {ppv:.4} F1 {f1:.4}, refused {refused} of 200");
    // Measured when written: Se 0.9956, +P 0.9989, 0 refused.
    assert!(se >= 0.99 && ppv >= 0.995, "{gross:?}");
    assert!(refused <= 1);
}

#[test]
fn cpsc2019_challenge_span() {
    let Some(dir) = testdata::dir("cpsc2019") else {
        return;
    };
    let det = default_detector();
    let (mut gross, mut refused) = (Score::default(), Vec::new());
    for name in cpsc2019::list_records(&dir).unwrap() {
        let r = cpsc2019::read(&dir, &name).unwrap();
        let fs = r.ecg.fs();
        let (a, b) = cpsc2019::SCORED_SPAN_S;
        let d = det.detect(&r.ecg).unwrap();
        if d.no_result == Some(NoResult::NoConsistentQrs) {
            refused.push(name.clone());
        }
        let s = score_in(
            &r.r_peaks,
            &d.peaks,
            fs.samples(a)..fs.samples(b) + 1,
            0.075,
        );
        if name == "00034" {
            // Low, narrow QRS spikes each 130-145 ms after a larger broad wave: the paper's
            // 5-15 Hz front end alone takes the broad wave (2 of 12 beats within 75 ms, 10
            // false); the short-record path's QRS band finds the spikes (`ShortRecords`; 9 and
            // 2 when written).
            assert!(s.tp >= 8 && s.fp <= 4, "00034: {s:?}");
        }
        gross += s;
    }
    let (se, ppv, f1) = ratio(&gross);
    println!("CPSC 2019: Se {se:.4} +P {ppv:.4} F1 {f1:.4}, refused {refused:?}");
    // Measured when written: F1 0.793; 0.806 after levels in amplitude units; 0.835 with the
    // gate's 8-ms alignment and slope prominence; 0.850 with its second opinion, 8 refused;
    // 0.869 with Pan-Tompkins' two front ends on short records, 6 refused (the CLI's rule,
    // benchmarks.md: 87.76 against NeuroKit2 0.3.0's 85.74 and the bar of 87.74).
    assert!(f1 >= 0.86, "{gross:?}");
    // Three noisy atrial-fibrillation records whose QRS windows do not repeat at r > 0.9 (their
    // f waves and baseline differ from beat to beat) but whose beats all three detectors agree
    // on: the second opinion passes them (it refused them before).
    for name in ["00069", "00070", "00072"] {
        assert!(!refused.iter().any(|r| r == name), "{name} refused");
    }
    assert!(refused.len() <= 7, "{refused:?}");
}

#[test]
fn ludb_every_lead_gate_refusals() {
    // Issue 13: the gate refuses at most 0.5 % of genuine records. LUDB's 2,400 leads are
    // genuine ECG (cardiologist-annotated QRS complexes in every lead). Measured when written:
    // 12 of 2,400 = 0.50 %, at the bar (docs/benchmarks.md §"Gate refusals"; 14 in the
    // previous round, 46 before the batch path); 9 (0.38 %) with the gate's 8-ms alignment.
    let Some(dir) = testdata::dir("ludb") else {
        return;
    };
    let det = default_detector();
    let (mut refused, mut leads) = (Vec::new(), 0);
    for n in 1..=ludb::N_RECORDS {
        let rec = read_record(ludb::record_path(&dir, n)).unwrap();
        for (j, lead) in ludb::LEADS.iter().enumerate() {
            let d = det.detect(&rec.ecg(j).unwrap()).unwrap();
            leads += 1;
            if d.no_result == Some(NoResult::NoConsistentQrs) {
                refused.push(format!("{n}_{lead}"));
            }
        }
    }
    println!(
        "LUDB: {} of {leads} leads refused: {refused:?}",
        refused.len()
    );
    assert!(refused.len() * 200 <= leads, "{refused:?}");
}

/// The MIT-BIH reference beats (`.atr` beat symbols, `exg_data::dataset::mitdb`) of `name`,
/// channel 0.
fn mitdb_record(dir: &std::path::Path, name: &str) -> (Ecg, Vec<usize>) {
    let r = exg::data::dataset::mitdb::read_record(dir.join(name)).unwrap();
    let beats = r.beats.iter().map(|b| b.sample).collect();
    (r.record.ecg(0).unwrap(), beats)
}

/// Every full window of `w` samples of `ecg`, with its first sample.
fn full_windows(ecg: &Ecg, w: usize) -> impl Iterator<Item = (usize, Ecg)> + '_ {
    (0..=ecg.len() - w).step_by(w).map(move |start| {
        (
            start,
            ecg.with_samples(ecg.samples()[start..start + w].to_vec())
                .unwrap(),
        )
    })
}

#[test]
fn mitdb_bigeminy_windows_keep_every_beat() {
    // MIT-BIH 203 and 228 hold runs of large ventricular ectopic beats between normal ones. On
    // their 10-s windows Pan-Tompkins used to find only the large beats ("every other beat",
    // issue 13): its running mean of *squared* heights sat above 4x the normal beats' energy.
    // With levels in amplitude units (adaptive engine docs) it finds them. Oracle: the MIT-BIH
    // reference annotations; each window detected on its own, beats within 150 ms of a window
    // edge not counted. Measured when written (printed): Se 0.9827 (203) and 0.9679 (228); with
    // squared levels `exg score-peaks ../shared/data/mitdb --records 203,228 --window-s 10
    // --gated` gave 94.92 % and 94.97 % (edges counted). The bounds sit under the new values.
    let Some(dir) = testdata::dir("mitdb") else {
        return;
    };
    let det = default_detector();
    for (name, min_se) in [("203", 0.98), ("228", 0.96)] {
        let (ecg, beats) = mitdb_record(&dir, name);
        let fs = ecg.fs();
        let (w, tol) = (fs.samples(10.0), fs.samples(0.15));
        let mut gross = Score::default();
        for (start, win) in full_windows(&ecg, w) {
            let truth: Vec<usize> = beats
                .iter()
                .filter(|&&p| (start..start + w).contains(&p))
                .map(|&p| p - start)
                .collect();
            let d = det.detect(&win).unwrap();
            gross += score_in(&truth, &d.peaks, tol..w - tol, 0.15);
        }
        let (se, ppv, _) = ratio(&gross);
        println!("MIT-BIH {name}, 10-s windows: Se {se:.4} +P {ppv:.4}");
        assert!(se >= min_se, "{name}: {gross:?}");
    }
}

#[test]
fn mitdb_every_10s_window_meets_the_bar() {
    // Issue 13: every full 10-s window of all 48 MIT-BIH records (channel 0), each detected on
    // its own by the gated default detector (a refused window's beats count as missed), gross
    // Se and +P >= 99.5 %. Oracle: the MIT-BIH reference annotations (beat symbols), 150 ms,
    // scored as `exg score-peaks --window-s 10` scores (docs/benchmarks.md §"R-peaks on short
    // records"): detections are matched against every reference beat, including those just
    // outside the window, and only reference beats and unmatched detections inside the window
    // count, so a beat cut by the window's edge is neither missed nor false; detections in
    // ventricular-flutter episodes are false. Measured when written (printed, and by the CLI):
    // Se 0.9953, +P 0.9951, 29 windows refused; Se 0.9972, +P 0.9951, 12 refused with the
    // gate's second opinion; Se 0.9974, +P 0.9953, 11 refused with two front ends on short records.
    let Some(dir) = testdata::dir("mitdb") else {
        return;
    };
    let det = default_detector();
    let (mut gross, mut refused, mut windows) = (Score::default(), 0, 0);
    for name in exg::data::format::wfdb::list_records(&dir).unwrap() {
        let (ecg, beats) = mitdb_record(&dir, &name);
        let fs = ecg.fs();
        let (w, tol) = (fs.samples(10.0), fs.samples(0.15));
        for (start, win) in full_windows(&ecg, w) {
            // Positions shifted by `tol`, so that beats just before the window stay >= 0.
            let truth: Vec<usize> = beats
                .iter()
                .filter(|&&p| p + tol >= start && p < start + w + tol)
                .map(|&p| p + tol - start)
                .collect();
            let d = det.detect(&win).unwrap();
            refused += usize::from(d.no_result.is_some());
            windows += 1;
            let found: Vec<usize> = d.peaks.indices().iter().map(|&p| p + tol).collect();
            let mut m = match_peaks(&truth, &found, tol);
            let inside = tol..w + tol;
            m.pairs.retain(|(r, _)| inside.contains(r));
            m.missed.retain(|r| inside.contains(r));
            m.extra.retain(|d| inside.contains(d));
            gross += Score::from_matching(&m, fs.get());
        }
    }
    let (se, ppv, f1) = ratio(&gross);
    println!(
        "MIT-BIH, {windows} 10-s windows: Se {se:.4} +P {ppv:.4} F1 {f1:.4}, {refused} refused"
    );
    assert_eq!(windows, 8640);
    assert!(se >= 0.995 && ppv >= 0.995, "{gross:?}");
    assert!(refused * 200 <= windows, "{refused} refused");
}
