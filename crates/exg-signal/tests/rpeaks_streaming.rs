//! Streaming API, property-tested: chunk-invariance (== batch) for random chunkings and "never
//! panics" on arbitrary input. Oracle: the batch API itself (equality). The fixed cases (the
//! constant-delay contract, NaN chunks, chosen chunk sizes) are in the conformance battery
//! (`rpeaks_conformance.rs`).

use exg_data::conformance::noisy_record;
use exg_signal::rpeaks::{
    DETECTOR_NAMES, RPeakDetector, StreamingDetector, by_name, detect_streamed,
};
use exg_signal::{Ecg, Error, Hz};
use proptest::prelude::*;

fn noisy(fs: f64, seed: u64, secs: f64) -> Ecg {
    noisy_record(Hz::new(fs).unwrap(), seed, secs).unwrap()
}

fn stream_all(det: &dyn StreamingDetector, ecg: &Ecg, sizes: &[usize]) -> Vec<usize> {
    let mut s = det.stream(ecg.fs()).unwrap();
    let mut out = Vec::new();
    let x = ecg.samples();
    let (mut i, mut k) = (0, 0);
    while i < x.len() {
        let n = sizes[k % sizes.len()].max(1).min(x.len() - i);
        out.extend(s.push(&x[i..i + n]).unwrap());
        i += n;
        k += 1;
    }
    out.extend(s.finish().peaks);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_batch_for_any_chunking(
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
        let streamed = stream_all(&det, &ecg, &sizes);
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
    // The delays printed in docs/signal-rpeaks.md (360 Hz).
    let fs = Hz::new(360.0).unwrap();
    for name in DETECTOR_NAMES {
        let d = by_name(name).unwrap().stream(fs).unwrap().delay_s();
        assert!(d > 0.0 && d < 3.5, "{name}: {d}");
        println!("{name}: {d:.3} s");
    }
    let _ = by_name("pantompkins").unwrap().name();
}
