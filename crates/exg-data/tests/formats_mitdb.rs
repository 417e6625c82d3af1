//! All 48 MIT-BIH Arrhythmia records read with `format::wfdb`: header fields, sample counts,
//! annotation and beat counts. Expected values: `mitdb/index.csv` of ../shared/data (computed
//! by the data provider with wfdb-python; beats = the 19 WFDB beat symbols).

mod formats_support;

use exg_data::format::wfdb::{SignalReader, read_annotations, read_header, read_record};
use exg_signal::score::is_beat_symbol;
use formats_support::{data_dir, read_csv_rows};

#[test]
fn all_48_records_headers_signals_annotations() {
    let Some(dir) = data_dir("mitdb") else { return };
    let rows = read_csv_rows(&dir.join("index.csv"));
    assert_eq!(rows.len(), 48);
    let mut total_beats = 0;
    for row in &rows {
        let name = &row["record"];
        let path = dir.join(name);
        let h = read_header(dir.join(format!("{name}.hea"))).unwrap();
        assert_eq!(h.record, *name);
        assert_eq!(h.fs.get(), row["fs"].parse::<f64>().unwrap(), "{name}");
        assert_eq!(
            h.n_samples,
            Some(row["n_samples"].parse().unwrap()),
            "{name}"
        );
        assert_eq!(h.signals.len(), 2);
        assert_eq!(h.signals[0].description, row["sig0"], "{name}");
        assert_eq!(h.signals[1].description, row["sig1"], "{name}");
        for s in &h.signals {
            assert_eq!(s.format.code().to_string(), row["fmt"]);
            assert_eq!(
                (s.gain, s.adc_zero, s.baseline, s.adc_resolution),
                (200.0, 1024, 1024, 11)
            );
            assert_eq!(s.units, "mV");
        }
        // Whole-record read (verifies both header checksums).
        let rec = read_record(&path).unwrap();
        assert_eq!(rec.n_samples(), h.n_samples.unwrap());
        assert_eq!(rec.channels[0].name, row["sig0"]);
        assert!(
            rec.channels
                .iter()
                .all(|c| c.samples.iter().all(|v| v.is_finite()))
        );

        let ann = read_annotations(&path, "atr").unwrap();
        assert_eq!(
            ann.len(),
            row["n_annotations"].parse::<usize>().unwrap(),
            "{name}"
        );
        let beats = ann.iter().filter(|a| is_beat_symbol(&a.label)).count();
        assert_eq!(beats, row["n_beats"].parse::<usize>().unwrap(), "{name}");
        assert!(ann.windows(2).all(|w| w[0].sample <= w[1].sample), "{name}");
        assert!(ann.iter().all(|a| a.sample < rec.n_samples()));
        total_beats += beats;
    }
    // PROVENANCE.md: 109,494 beat annotations in all.
    assert_eq!(total_beats, 109_494);
}

#[test]
fn chunked_reader_equals_whole_read() {
    let Some(dir) = data_dir("mitdb") else { return };
    for name in ["100", "207", "232"] {
        let whole = read_record(dir.join(name)).unwrap();
        // An odd chunk length exercises the 212 half-pair carried between chunks.
        let mut parts: Vec<Vec<f64>> = vec![Vec::new(); 2];
        for chunk in SignalReader::open(dir.join(name)).unwrap().chunks(10_001) {
            let chunk = chunk.unwrap();
            assert_eq!(chunk.start, parts[0].len());
            for (p, c) in parts.iter_mut().zip(chunk.channels) {
                p.extend(c);
            }
        }
        for (p, c) in parts.iter().zip(&whole.channels) {
            assert_eq!(p, &c.samples, "{name}");
        }
    }
}

#[test]
fn lead_selection_on_mitdb() {
    let Some(dir) = data_dir("mitdb") else { return };
    // PROVENANCE.md: 114 has V5 first, MLII second; "II" finds MLII.
    let rec = read_record(dir.join("114.hea")).unwrap();
    assert_eq!(rec.channel_index("II"), Some(1));
    let ecg = rec.lead("MLII").unwrap();
    assert_eq!(ecg.fs().get(), 360.0);
}
