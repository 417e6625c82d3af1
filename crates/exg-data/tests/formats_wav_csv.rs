//! WAV (via hound) and CSV readers.
//!
//! Expected values: `tests/fixtures/formats/wav_csv_fixtures.json`, written by
//! `tools/data_make_wav_csv_fixtures.py`: the WAV fixtures were written and read back by
//! SciPy's `wavfile` (an independent implementation); the Chapman CSV sums come from
//! `numpy.loadtxt` on ../shared/data/chapman/ECGDataDenoised.

mod formats_support;

use exg_data::format::{self, csv, wav};
use exg_signal::Hz;
use formats_support::{data_dir, fixture};
use serde_json::Value;

fn oracle() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("wav_csv_fixtures.json")).unwrap())
        .unwrap()
}

#[test]
fn wav_files_match_scipy() {
    let o = oracle();
    for (name, want) in o["wav"].as_object().unwrap() {
        let rec = wav::read_wav(fixture(name)).unwrap();
        assert_eq!(rec.format, "wav");
        assert_eq!(rec.fs.get(), want["fs"].as_f64().unwrap(), "{name}");
        let chans = want["channels"].as_array().unwrap();
        assert_eq!(rec.channels.len(), chans.len(), "{name}");
        for (i, (ch, w)) in rec.channels.iter().zip(chans).enumerate() {
            assert_eq!(ch.name, format!("ch{i}"));
            assert_eq!(ch.gain, None);
            let w: Vec<f64> = w
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            // serde_json's float parsing may be 1 ulp off the value SciPy wrote.
            assert_eq!(ch.samples.len(), w.len(), "{name}");
            for (a, b) in ch.samples.iter().zip(&w) {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "{name}: {a} vs {b}"
                );
            }
        }
        // The generic opener recognises WAV by extension and by content.
        assert_eq!(format::open(fixture(name)).unwrap(), rec);
    }
}

#[test]
fn wav_detected_by_content_without_extension() {
    let dir = formats_support::scratch("wav-noext");
    let p = dir.join("recording");
    std::fs::copy(fixture("wav_int16_2ch.wav"), &p).unwrap();
    assert_eq!(format::detect(&p).unwrap(), format::Format::Wav);
    assert_eq!(format::open(&p).unwrap().channels.len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

const LEADS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

#[test]
fn chapman_denoised_csvs_match_numpy() {
    let Some(dir) = data_dir("chapman/ECGDataDenoised") else {
        return;
    };
    let o = oracle();
    let files = o["chapman"].as_object().unwrap();
    assert_eq!(files.len(), 35);
    let fs = Hz::new(500.0).unwrap();
    let opts = csv::CsvOptions::named(&LEADS, "uV");
    for (name, want) in files {
        let rec = csv::read_csv(dir.join(name), fs, &opts).unwrap();
        assert_eq!((rec.n_samples(), rec.channels.len()), (5000, 12), "{name}");
        assert_eq!(rec.channels[1].name, "II");
        assert_eq!(rec.channels[1].units, "uV");
        for (c, ch) in rec.channels.iter().enumerate() {
            let (mut s, mut q, mut ws) = (0.0, 0.0, 0.0);
            for (i, v) in ch.samples.iter().enumerate() {
                s += v;
                q += v * v;
                ws += v * (i + 1) as f64;
            }
            for (got, key) in [(s, "sum"), (q, "sum_sq"), (ws, "wsum")] {
                let w = want[key][c].as_f64().unwrap();
                assert!(
                    (got - w).abs() <= 1e-9 * w.abs().max(1.0),
                    "{name} {key} lead {c}: {got} vs {w}"
                );
            }
        }
        // Auto-detection agrees (no header row: every field is a number).
        let auto = csv::read_csv(dir.join(name), fs, &csv::CsvOptions::default()).unwrap();
        assert_eq!(auto.channels[5].samples, rec.channels[5].samples);
        assert_eq!(auto.channels[5].name, "ch5");
    }
}

#[test]
fn csv_with_header_row_names_leads() {
    let dir = formats_support::scratch("csv-header");
    let p = dir.join("rec.csv");
    std::fs::write(&p, "time,MLII,V5\n0,0.1,0.2\n1,0.3,-0.4\n").unwrap();
    let rec = format::open_with(
        &p,
        &format::OpenOptions {
            fs: Some(Hz::new(360.0).unwrap()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(rec.lead("II").unwrap().samples(), &[0.1, 0.3]);
    assert_eq!(rec.channels[2].samples, vec![0.2, -0.4]);
    // Without a rate the generic opener refuses rather than guessing one.
    assert!(matches!(
        format::open(&p),
        Err(exg_data::Error::MissingSamplingRate { .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}
