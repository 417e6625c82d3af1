//! EDF / EDF+C / EDF+D reader vs the independent writer and reader pyedflib 0.1.42 (EDFlib).
//!
//! Fixtures and expected values: `tools/data_make_edf_fixtures.py` wrote
//! `tests/fixtures/formats/edf*.edf` with pyedflib and stored in `edf_fixtures.json` what
//! pyedflib reads back (physical values, labels, rates, annotations). pyedflib cannot read
//! EDF+D, so for that file the expectation is the EDF+C original it was patched from plus
//! the patched record onsets (0, 1, 3 s: a 1 s gap).

mod formats_support;

use exg_data::format::{self, edf};
use formats_support::fixture;
use serde_json::Value;

fn oracle() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("edf_fixtures.json")).unwrap()).unwrap()
}

fn check_signals(rec: &exg_data::Record, want: &Value) {
    let labels = want["labels"].as_array().unwrap();
    assert_eq!(rec.channels.len(), labels.len());
    for (i, ch) in rec.channels.iter().enumerate() {
        assert_eq!(ch.name, labels[i].as_str().unwrap());
        assert_eq!(ch.units, want["units"][i].as_str().unwrap());
        assert_eq!(rec.fs.get(), want["fs"][i].as_f64().unwrap());
        let dd =
            want["digital_max"][i].as_f64().unwrap() - want["digital_min"][i].as_f64().unwrap();
        let pd =
            want["physical_max"][i].as_f64().unwrap() - want["physical_min"][i].as_f64().unwrap();
        assert!((ch.gain.unwrap() - dd / pd).abs() < 1e-9);
    }
}

#[test]
fn plain_edf_matches_pyedflib() {
    let want = &oracle()["edf_plain.edf"];
    let rec = edf::read_edf(fixture("edf_plain.edf")).unwrap();
    check_signals(&rec, want);
    for (i, ch) in rec.channels.iter().enumerate() {
        let w: Vec<f64> = want["signals"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(ch.samples.len(), w.len());
        for (a, b) in ch.samples.iter().zip(&w) {
            assert!((a - b).abs() <= 1e-9, "{a} vs {b}");
        }
    }
    assert!(rec.annotations.is_empty());
    assert_eq!(rec.metadata.fields["edf_type"], "EDF");
}

#[test]
fn edfplus_c_signals_and_annotations_match_pyedflib() {
    let want = &oracle()["edfplus_c.edf"];
    let rec = format::open(fixture("edfplus_c.edf")).unwrap();
    assert_eq!(rec.format, "edf");
    check_signals(&rec, want);
    for (i, ch) in rec.channels.iter().enumerate() {
        let w = want["signals"][i].as_array().unwrap();
        assert_eq!(ch.samples.len(), w.len());
        for (a, b) in ch.samples.iter().zip(w) {
            assert!((a - b.as_f64().unwrap()).abs() <= 1e-9);
        }
    }
    let anns = want["annotations"].as_array().unwrap();
    assert_eq!(rec.annotations.len(), anns.len());
    for (a, w) in rec.annotations.iter().zip(anns) {
        assert_eq!(a.label, w["text"].as_str().unwrap());
        let onset = w["onset"].as_f64().unwrap();
        assert_eq!(a.sample, (onset * 250.0).round() as usize);
        let d = w["duration"].as_f64().unwrap();
        assert_eq!(a.duration_s, (d > 0.0).then_some(d));
    }
    assert_eq!(rec.metadata.fields["edf_type"], "EDF+C");
}

#[test]
fn edfplus_d_gap_is_nan_and_onsets_are_respected() {
    let want = &oracle()["edfplus_d.edf"];
    let rec = edf::read_edf(fixture("edfplus_d.edf")).unwrap();
    assert_eq!(rec.metadata.fields["edf_type"], "EDF+D");
    check_signals(&rec, want);
    let w: Vec<f64> = want["signals"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let x = &rec.channels[0].samples;
    // Records at 0, 1 and 3 s of 50 samples each: 0..100 data, 100..150 NaN gap, 150..200 data.
    assert_eq!(x.len(), 200);
    for i in 0..100 {
        assert!((x[i] - w[i]).abs() <= 1e-9);
    }
    assert!(x[100..150].iter().all(|v| v.is_nan()));
    for i in 0..50 {
        assert!((x[150 + i] - w[100 + i]).abs() <= 1e-9);
    }
    assert_eq!(rec.annotations.len(), 1);
    assert_eq!(
        (rec.annotations[0].label.as_str(), rec.annotations[0].sample),
        ("V", 175)
    );
}

#[test]
fn channel_selection() {
    let rec = edf::read_edf_channels(fixture("edfplus_c.edf"), &["V5"]).unwrap();
    assert_eq!(rec.channels.len(), 1);
    assert_eq!(rec.channels[0].units, "uV");
    assert!(matches!(
        edf::read_edf_channels(fixture("edfplus_c.edf"), &["Pleth"]),
        Err(exg_data::Error::NoSuchChannel(_))
    ));
}

/// `EdfReader` hands out the file one data record at a time; its blocks put together are what
/// `read_edf` reads (checked against pyedflib above), gaps of EDF+D included, bit for bit.
#[test]
fn streamed_blocks_are_the_whole_read() {
    for name in ["edf_plain.edf", "edfplus_c.edf", "edfplus_d.edf"] {
        let whole = edf::read_edf(fixture(name)).unwrap();
        let mut reader = edf::EdfReader::open(fixture(name), None).unwrap();
        assert_eq!(reader.fs(), whole.fs, "{name}");
        let names: Vec<String> = whole.channels.iter().map(|c| c.name.clone()).collect();
        assert_eq!(reader.channel_names(), names, "{name}");
        let mut joined = vec![Vec::new(); names.len()];
        let mut blocks = 0;
        while let Some(block) = reader.next_block().unwrap() {
            for (out, b) in joined.iter_mut().zip(block) {
                out.extend(b);
            }
            blocks += 1;
        }
        assert!(blocks > 1, "{name}: one block per data record");
        assert!(reader.declared_frames() <= joined[0].len(), "{name}");
        for (ch, j) in whole.channels.iter().zip(&joined) {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&ch.samples), bits(j), "{name} {}", ch.name);
        }
        assert!(
            reader.next_block().unwrap().is_none(),
            "{name}: stays at the end"
        );
    }
}
