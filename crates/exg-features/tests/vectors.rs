//! Schemas, concatenation, JSON wire form, the fold-safe standardizer and provided features.
//! Expected values are worked by hand in the comments (no external oracle needed).

use std::collections::HashMap;
use std::sync::Arc;

use exg_features::{
    CHAPMAN_DIAGNOSTICS, Concat, Error, Extract, Feature, FeatureExtractor, FeatureSpec,
    FeatureVector, HrvTime, Invalid, ProvidedFeatures, Schema, Standardizer,
};
use exg_signal::{Ecg, Hz, RPeaks};

fn schema2() -> Arc<Schema> {
    Arc::new(
        Schema::new(vec![
            FeatureSpec::new("a", "ms", 0, 0.0),
            FeatureSpec::new("b", "1", 0, 0.0),
        ])
        .unwrap(),
    )
}

fn vec2(a: Option<f64>, b: Option<f64>) -> FeatureVector {
    let f = |v: Option<f64>| {
        v.map(Feature::from_value)
            .unwrap_or(Feature::invalid(Invalid::Missing))
    };
    FeatureVector::new(schema2(), vec![f(a), f(b)]).unwrap()
}

#[test]
fn standardizer_uses_training_fold_only_and_valid_values_only() {
    // a: valid 1, 3 (invalid third ignored) -> mean 2, population SD 1.
    // b: valid 5, 5, 5 -> SD 0 -> 1.
    let train = [
        vec2(Some(1.0), Some(5.0)),
        vec2(Some(3.0), Some(5.0)),
        vec2(None, Some(5.0)),
    ];
    let s = Standardizer::fit(&train).unwrap();
    assert_eq!(s.means(), &[2.0, 5.0]);
    assert_eq!(s.stds(), &[1.0, 1.0]);
    assert_eq!(s.n_valid(), &[2, 3]);
    // Test-fold value far outside the training range is scaled, not refitted.
    assert_eq!(
        s.transform_row(&vec2(Some(12.0), None)).unwrap(),
        vec![10.0, 0.0]
    );
    let t = s.transform(&vec2(Some(12.0), None)).unwrap();
    assert!(!t.features()[1].is_valid());
}

#[test]
fn standardizer_round_trips_through_json_file() {
    let s = Standardizer::fit(&[vec2(Some(1.0), Some(2.0)), vec2(Some(4.0), Some(8.0))]).unwrap();
    let dir = std::env::temp_dir().join(format!("exg-features-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("std.json");
    s.save(&path).unwrap();
    assert!(!dir.join("std.json.tmp").exists());
    assert_eq!(Standardizer::load(&path).unwrap(), s);
    std::fs::write(&path, "{not json").unwrap();
    assert!(Standardizer::load(&path).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hand-edited or corrupt file is refused by `load` rather than giving silent garbage later:
/// duplicate column names, counts per column that do not match, a zero or negative standard
/// deviation (JSON has no non-finite numbers; `load` refuses those too).
#[test]
fn standardizer_load_refuses_inconsistent_files() {
    let s = Standardizer::fit(&[vec2(Some(1.0), Some(2.0)), vec2(Some(4.0), Some(8.0))]).unwrap();
    let good: serde_json::Value = serde_json::to_value(&s).unwrap();
    let dir = std::env::temp_dir().join(format!("exg-features-bad-std-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("std.json");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        std::fs::write(&path, v.to_string()).unwrap();
        Standardizer::load(&path)
    };
    assert!(edit(&|_| {}).is_ok());
    let dup = edit(&|v| {
        let first = v["schema"]["specs"][0].clone();
        v["schema"]["specs"][1] = first;
    });
    assert!(matches!(dup, Err(Error::Json(_))), "{dup:?}");
    for bad in [
        serde_json::json!({"n_valid": [1]}),
        serde_json::json!({"mean": [0.0]}),
        serde_json::json!({"std": [1.0, 0.0]}),
        serde_json::json!({"std": [1.0, -2.0]}),
    ] {
        let r = edit(&|v| {
            for (k, x) in bad.as_object().unwrap() {
                v[k] = x.clone();
            }
        });
        assert!(
            matches!(r, Err(Error::SchemaMismatch(_) | Error::Json(_))),
            "{bad}: {r:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standardizer_rejects_other_schemas() {
    let s = Standardizer::fit(&[vec2(Some(1.0), Some(2.0))]).unwrap();
    let other = HrvTime::exgnet17()
        .compute(&RPeaks::new(vec![1, 300, 600], Hz::new(250.0).unwrap(), 700).unwrap());
    assert!(s.transform(&other).is_err());
    assert!(Standardizer::fit(&[]).is_err());
}

#[test]
fn feature_json_has_value_unit_valid_and_reason() {
    let peaks = RPeaks::new(vec![10, 260, 520], Hz::new(250.0).unwrap(), 600).unwrap();
    let j = HrvTime::exgnet17().compute(&peaks).to_json();
    assert_eq!(j["MeanNN"]["value"], 1020.0); // (250 + 260) / 2 samples * 4 ms
    assert_eq!(j["MeanNN"]["unit"], "ms");
    assert_eq!(j["MeanNN"]["valid"], true);
    assert_eq!(j["SDSD"]["valid"], false);
    assert!(j["SDSD"]["value"].is_null());
    assert_eq!(j["SDSD"]["reason"]["kind"], "too_few_beats");
    // Round trip of one feature.
    let f = Feature::flagged(
        3.0,
        Invalid::TooShort {
            have_s: 10.0,
            need_s: 50.0,
        },
    );
    let back: Feature = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn concat_joins_schemas_and_rejects_duplicates() {
    assert!(
        Concat::new(vec![
            Box::new(HrvTime::exgnet17()),
            Box::new(HrvTime::exgnet17())
        ])
        .is_err()
    );
    let keys = vec!["r1".to_string()];
    let mut cols = HashMap::new();
    for s in &CHAPMAN_DIAGNOSTICS {
        cols.insert(s.name.to_string(), vec![Some(1.0)]);
    }
    cols.insert("QRSDuration".into(), vec![Some(96.0)]);
    let table = ProvidedFeatures::from_columns(CHAPMAN_DIAGNOSTICS.to_vec(), &keys, &cols).unwrap();
    let both = Concat::new(vec![
        Box::new(HrvTime::exgnet17()),
        Box::new(table.for_record("r1").unwrap()),
    ])
    .unwrap();
    assert_eq!(both.schema().len(), 17 + 11);
    let fs = Hz::new(500.0).unwrap();
    let ecg = Ecg::new(vec![0.0; 5000], fs).unwrap();
    let v = both
        .extract(
            &ecg,
            &RPeaks::new(vec![100, 500, 900, 1300], fs, 5000).unwrap(),
        )
        .unwrap();
    assert_eq!(v.value("QRSDuration"), Some(96.0));
    assert_eq!(v.value("MeanNN"), Some(800.0));
    assert!(table.row("unknown").is_err());
    cols.remove("TAxis");
    assert!(ProvidedFeatures::from_columns(CHAPMAN_DIAGNOSTICS.to_vec(), &keys, &cols).is_err());
}

/// An extractor that ignores its input and returns a fixed vector (as a dataset-provided row
/// does), optionally of the wrong schema.
struct Fixed(FeatureVector, Arc<Schema>);

impl FeatureExtractor for Fixed {
    fn schema(&self) -> Arc<Schema> {
        self.1.clone()
    }
    fn features(&self, _input: exg_features::Input<'_>) -> exg_features::Result<FeatureVector> {
        Ok(self.0.clone())
    }
}

#[test]
fn every_extractor_gets_the_input_and_output_checks() {
    // Oracle: the contract of `Extract` — peaks of another record are refused and a vector of
    // another schema is refused, whatever the implementor does (provided rows included, which
    // used to skip the pairing check by overriding `extract`).
    let fs = Hz::new(500.0).unwrap();
    let ecg = Ecg::new(vec![0.0; 5000], fs).unwrap();
    let peaks_elsewhere = RPeaks::new(vec![100, 500, 900], fs, 4000).unwrap();
    let keys = vec!["r1".to_string()];
    let cols: HashMap<String, Vec<Option<f64>>> = CHAPMAN_DIAGNOSTICS
        .iter()
        .map(|s| (s.name.to_string(), vec![Some(1.0)]))
        .collect();
    let row = ProvidedFeatures::from_columns(CHAPMAN_DIAGNOSTICS.to_vec(), &keys, &cols)
        .unwrap()
        .for_record("r1")
        .unwrap();
    let own = Fixed(vec2(Some(1.0), None), schema2());
    for ex in [&row as &dyn FeatureExtractor, &own] {
        assert!(matches!(
            ex.extract(&ecg, &peaks_elsewhere),
            Err(exg_features::Error::PeaksMismatch(_))
        ));
        assert!(ex.extract_peaks(&peaks_elsewhere).is_ok());
    }
    let other_schema = Arc::new(Schema::new(vec![FeatureSpec::new("c", "1", 0, 0.0)]).unwrap());
    let liar = Fixed(vec2(Some(1.0), None), other_schema);
    assert!(matches!(
        liar.extract_peaks(&peaks_elsewhere),
        Err(exg_features::Error::SchemaMismatch(_))
    ));
    // Inside a Concat too.
    let both = Concat::new(vec![Box::new(HrvTime::exgnet17()), Box::new(liar)]).unwrap();
    assert!(both.extract_peaks(&peaks_elsewhere).is_err());
}
