//! Streaming API, property-tested: chunk-invariance (== the one-push stream result,
//! `detect_streamed`) and the exact constant delay
//! (each peak `p` returned by the push that delivers sample `p + delay()`) for random chunkings,
//! and "never panics" on arbitrary input. Oracle: the batch API itself (equality) and the
//! documented delay. The fixed cases (one-sample pushes, NaN chunks, chosen chunk sizes) are in
//! the conformance battery (`rpeaks_conformance.rs`).

use exg_signal::rpeaks::conformance::noisy_record;
use exg_signal::rpeaks::{
    Consensus, DETECTOR_NAMES, Hamilton, PanTompkins, QrsEngine, RPeakDetector, RPeakStream,
    StreamingDetector, by_name, detect_streamed,
};
use exg_signal::{Ecg, Error, Hz};
use proptest::prelude::*;

fn noisy(fs: f64, seed: u64, secs: f64) -> Ecg {
    noisy_record(Hz::new(fs).unwrap(), seed, secs).unwrap()
}

/// Pushes `ecg` in chunks of `sizes` (cycled) and returns every peak; fails when a push returns
/// a peak `p` whose sample `p + delay` is not among the samples that push delivered.
fn stream_all(
    det: &dyn StreamingDetector,
    ecg: &Ecg,
    sizes: &[usize],
) -> Result<Vec<usize>, TestCaseError> {
    let mut s = det.stream(ecg.fs()).unwrap();
    let delay = s.delay();
    let mut out = Vec::new();
    let x = ecg.samples();
    let (mut i, mut k) = (0, 0);
    while i < x.len() {
        let n = sizes[k % sizes.len()].max(1).min(x.len() - i);
        for p in s.push(&x[i..i + n]).unwrap() {
            prop_assert!(
                (i..i + n).contains(&(p + delay)),
                "{}: peak {p} returned by the push of samples {i}..{}, delay {delay}",
                det.name(),
                i + n
            );
            out.push(p);
        }
        i += n;
        k += 1;
    }
    out.extend(s.finish().peaks);
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_batch_with_the_constant_delay_for_any_chunking(
        seed in 0u64..1000,
        fs in prop::sample::select(vec![128.0, 250.0, 360.0, 500.0]),
        sizes in prop::collection::vec(1usize..3000, 1..8),
        which in 0usize..4,
    ) {
        let ecg = noisy(fs, seed, 20.0);
        let det = by_name(DETECTOR_NAMES[which]).unwrap();
        // Chunk-invariance: any chunking gives the one-push result. `detect` itself sees the
        // whole record (mirrored ends, docs/signal-rpeaks.md §"Batch and streaming") and may
        // differ from the stream near the ends; the conformance battery checks the interior.
        let batch = detect_streamed(&det, &ecg).unwrap();
        let streamed = stream_all(&det, &ecg, &sizes)?;
        prop_assert_eq!(batch.peaks.indices(), &streamed[..]);
    }

    #[test]
    fn arbitrary_input_never_panics(
        x in prop::collection::vec(prop_oneof![
            8 => -1e3f64..1e3,
            1 => Just(0.0),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
        ], 0..3000),
        fs in 50.0f64..2000.0,
        which in 0usize..4,
        chunk in 1usize..700,
    ) {
        let det = by_name(DETECTOR_NAMES[which]).unwrap();
        let fs = Hz::new(fs).unwrap();
        if let Ok(ecg) = Ecg::new(x.clone(), fs)
            && let Ok(d) = det.detect(&ecg)
        {
            prop_assert!(d.peaks.indices().iter().all(|&p| p < x.len()));
        }
        let mut s = det.stream(fs).unwrap();
        for c in x.chunks(chunk) {
            let seen = s.samples_seen();
            match s.push(c) {
                Ok(p) => prop_assert!(p.iter().all(|&i| i < seen + c.len())),
                Err(Error::NonFinite { index }) => {
                    prop_assert!(index >= seen && !c[index - seen].is_finite());
                    prop_assert_eq!(s.samples_seen(), seen);
                }
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
        let _ = s.finish();
    }
}

#[test]
fn delays_are_documented_values() {
    // The delays in the table of docs/signal-rpeaks.md (360 Hz, rounded to 10 ms), and the
    // delay `detect` reports is the stream's.
    let fs = Hz::new(360.0).unwrap();
    let ecg = noisy(360.0, 1, 10.0);
    for (name, documented) in DETECTOR_NAMES.into_iter().zip([2.53, 2.45, 1.06, 2.71]) {
        let det = by_name(name).unwrap();
        let d = det.stream(fs).unwrap().delay_s();
        println!("{name}: {d:.4} s");
        assert!(
            (d - documented).abs() <= 0.005,
            "{name}: {d} s, documented {documented} s"
        );
        assert_eq!(det.detect(&ecg).unwrap().delay_s, Some(d), "{name}");
    }
}

/// An engine that breaks every rule of the `QrsEngine` contract: positions out of order,
/// repeated, beyond the samples seen (up to `usize::MAX`), and a look-ahead of 0.
struct Liar;

impl QrsEngine for Liar {
    fn process(&mut self, n0: usize, xs: &[f64], out: &mut Vec<usize>) {
        let end = n0 + xs.len();
        out.extend([end + 5, n0, n0, end - 1, n0 / 2, usize::MAX]);
    }
    fn finish(&mut self, n: usize, out: &mut Vec<usize>) {
        out.extend([n, n.saturating_sub(1), 0]);
    }
    fn lookahead(&self) -> usize {
        0
    }
}

#[test]
fn a_faulty_engine_cannot_break_the_stream() {
    // Oracle: the stream's own guarantees (increasing peaks inside the signal, no panic).
    let ecg = noisy(250.0, 3, 10.0);
    for chunk in [1, 7, 600] {
        let mut s = RPeakStream::new(Liar, ecg.fs(), 0.05).unwrap();
        let mut peaks = Vec::new();
        for c in ecg.samples().chunks(chunk) {
            peaks.extend(s.push(c).unwrap());
        }
        peaks.extend(s.finish().peaks);
        assert!(peaks.windows(2).all(|w| w[0] < w[1]), "chunks of {chunk}");
        assert!(peaks.iter().all(|&p| p < ecg.len()), "chunks of {chunk}");
    }
    // The seam checks what it is given.
    let fs = Hz::new(250.0).unwrap();
    assert!(matches!(
        RPeakStream::new(Liar, Hz::new(20.0).unwrap(), 0.05),
        Err(Error::InvalidParameter { name: "fs", .. })
    ));
    assert!(matches!(
        RPeakStream::new(Liar, fs, 0.0),
        Err(Error::InvalidParameter {
            name: "refine_window_s",
            ..
        })
    ));
}

#[test]
fn consensus_takes_any_members() {
    // Oracle: a one-member consensus needing one vote keeps every peak of its member (grouping
    // and the median are the identity), so its peaks are the member's up to the refinement.
    let ecg = noisy(360.0, 4, 20.0);
    let alone = PanTompkins::default().detect(&ecg).unwrap().peaks;
    let one = Consensus {
        min_votes: 1,
        ..Consensus::new(vec![Box::new(PanTompkins::default())])
    };
    let voted = one.detect(&ecg).unwrap().peaks;
    assert_eq!(voted.indices(), alone.indices());
    // The default is the documented three-member majority vote.
    let d = Consensus::default();
    let names: Vec<&str> = d.members.iter().map(|m| m.name()).collect();
    assert_eq!(
        (names, d.min_votes),
        (vec!["hamilton", "pantompkins", "neurokit"], 2)
    );
    // Votes are checked against the number of members.
    for (members, votes) in [(0, 1), (2, 3), (2, 0)] {
        let c = Consensus {
            min_votes: votes,
            ..Consensus::new(
                (0..members)
                    .map(|_| Box::new(Hamilton::default()) as Box<dyn StreamingDetector>)
                    .collect(),
            )
        };
        assert!(
            matches!(c.stream(ecg.fs()), Err(Error::InvalidParameter { .. })),
            "{members} members, {votes} votes"
        );
    }
}
