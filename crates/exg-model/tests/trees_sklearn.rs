//! `exg_model::trees::BoostedTrees` against scikit-learn's `HistGradientBoostingClassifier`
//! (the oracle: `tools/model_trees_sklearn_oracle.py` wrote `fixtures/trees_sklearn.json`).
//!
//! Same data, same hyper-parameters, same binning (fewer distinct values than bins), so the
//! trees are the same and the probabilities differ only by float rounding (scikit-learn sums
//! gradients in f32, exg in f64), hence the 1e-4 tolerance
//! (measured: 6e-8). Thresholds are the f64 midpoints rounded down to f32, so an f32 input
//! falls on the same side as in scikit-learn.

use exg_model::trees::{BoostConfig, BoostedTrees};
use serde_json::Value;

fn rows(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().map_or(f32::NAN, |x| x as f32))
                .collect()
        })
        .collect()
}

#[test]
fn probabilities_match_scikit_learn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/trees_sklearn.json"
    ))
    .unwrap();
    let f: Value = serde_json::from_str(&text).unwrap();
    let c = &f["config"];
    let cfg = BoostConfig {
        iterations: c["max_iter"].as_u64().unwrap() as usize,
        learning_rate: c["learning_rate"].as_f64().unwrap(),
        max_leaves: c["max_leaf_nodes"].as_u64().unwrap() as usize,
        min_samples_leaf: c["min_samples_leaf"].as_u64().unwrap() as usize,
        l2: c["l2_regularization"].as_f64().unwrap(),
        max_bins: c["max_bins"].as_u64().unwrap() as usize,
        class_balanced: true,
    };
    let y: Vec<usize> = f["y_train"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let model = BoostedTrees::fit(&rows(&f["x_train"]), &y, 3, &cfg).unwrap();
    let expected = rows(&f["proba"]);
    let mut worst = 0.0f32;
    for (row, want) in rows(&f["x_test"]).iter().zip(&expected) {
        let got = model.predict_proba(row).unwrap();
        worst = got
            .iter()
            .zip(want)
            .map(|(g, w)| (g - w).abs())
            .fold(worst, f32::max);
    }
    println!("largest probability difference to scikit-learn: {worst:.2e}");
    assert!(worst < 1e-4, "largest probability difference {worst}");
}
