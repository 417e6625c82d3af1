//! Cross-validation folds: oracle, golden and property tests.
//!
//! Expected values come from `tools/data_datasets_split_oracle.py`
//! (`tests/fixtures/datasets/split_oracle.json`): NumPy's legacy `RandomState.permutation`,
//! scikit-learn's `KFold(k, shuffle=True, random_state=seed)`, and an independent Python
//! implementation of the documented stratified procedure (the golden fold assignment).

use exg_data::split::{Fold, KFold, Mt19937, Shuffle, StratifiedKFold, fold_of_each};
use exg_signal::rng::SplitMix64;
use proptest::prelude::*;
use serde_json::Value;

fn oracle() -> Value {
    let text = include_str!("fixtures/datasets/split_oracle.json");
    serde_json::from_str(text).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn splitmix64_matches_python() {
    let o = oracle();
    let mut g = SplitMix64::new(0);
    for want in o["splitmix64_seed0_first5"].as_array().unwrap() {
        assert_eq!(g.next_u64().to_string(), want.as_str().unwrap());
    }
}

#[test]
fn mt19937_shuffle_matches_numpy_permutation() {
    for case in oracle()["numpy_permutation"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let seed = case["seed"].as_u64().unwrap() as u32;
        let mut v: Vec<usize> = (0..n).collect();
        Mt19937::new(seed).shuffle_like_numpy(&mut v);
        assert_eq!(v, usizes(&case["perm"]), "n={n} seed={seed}");
    }
}

#[test]
fn kfold_matches_sklearn() {
    for case in oracle()["sklearn_kfold"].as_array().unwrap() {
        let (n, k) = (
            case["n"].as_u64().unwrap() as usize,
            case["k"].as_u64().unwrap() as usize,
        );
        let seed = case["seed"].as_u64().unwrap() as u32;
        let folds = KFold {
            k,
            shuffle: Shuffle::Sklearn(seed),
        }
        .split(n)
        .unwrap();
        assert_eq!(
            fold_of_each(&folds, n),
            usizes(&case["fold"]),
            "n={n} k={k} seed={seed}"
        );
    }
}

#[test]
fn stratified_matches_golden_assignment() {
    for case in oracle()["stratified"].as_array().unwrap() {
        let labels = usizes(&case["labels"]);
        let k = case["k"].as_u64().unwrap() as usize;
        let seed: u64 = case["seed"].as_str().unwrap().parse().unwrap();
        let shuffle = case["shuffle"].as_bool().unwrap();
        let folds = StratifiedKFold { k, seed, shuffle }.split(&labels).unwrap();
        assert_eq!(
            fold_of_each(&folds, labels.len()),
            usizes(&case["fold"]),
            "k={k} seed={seed}"
        );
    }
}

#[test]
fn unshuffled_kfold_is_contiguous() {
    let folds = KFold {
        k: 3,
        shuffle: Shuffle::None,
    }
    .split(8)
    .unwrap();
    let tests: Vec<_> = folds.iter().map(|f| f.test.clone()).collect();
    assert_eq!(tests, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]]);
}

/// Checks that folds partition `0..n`, with disjoint test sets and train = complement.
fn check_partition(folds: &[Fold], n: usize) {
    let mut seen = vec![0u32; n];
    for f in folds {
        assert!(f.test.windows(2).all(|w| w[0] < w[1]));
        assert!(f.train.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(f.train.len() + f.test.len(), n);
        let mut in_test = vec![false; n];
        for &i in &f.test {
            seen[i] += 1;
            in_test[i] = true;
        }
        assert!(f.train.iter().all(|&i| !in_test[i]));
    }
    assert!(
        seen.iter().all(|&c| c == 1),
        "every index in exactly one test set"
    );
}

proptest! {
    #[test]
    fn stratified_folds_partition_and_balance(
        labels in prop::collection::vec(0u8..6, 2..300),
        k in 2usize..8,
        seed in any::<u64>(),
        shuffle in any::<bool>(),
    ) {
        prop_assume!(k <= labels.len());
        let s = StratifiedKFold { k, seed, shuffle };
        let folds = s.split(&labels).unwrap();
        prop_assert_eq!(folds.len(), k);
        check_partition(&folds, labels.len());
        // Per class and fold: floor or ceil of n_c / k (within 1 of the ideal n_c / k).
        for c in 0u8..6 {
            let n_c = labels.iter().filter(|&&l| l == c).count();
            for f in &folds {
                let got = f.test.iter().filter(|&&i| labels[i] == c).count();
                prop_assert!(got == n_c / k || got == n_c.div_ceil(k), "class {} fold got {} of {}", c, got, n_c);
            }
        }
        let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
        prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        // Deterministic for a seed.
        prop_assert_eq!(folds, s.split(&labels).unwrap());
    }

    #[test]
    fn kfold_partitions(n in 2usize..500, k in 2usize..12, seed in any::<u64>(), np_seed in any::<u32>()) {
        prop_assume!(k <= n);
        for shuffle in [Shuffle::None, Shuffle::Seeded(seed), Shuffle::Sklearn(np_seed)] {
            let folds = KFold { k, shuffle }.split(n).unwrap();
            check_partition(&folds, n);
            let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
            prop_assert_eq!(&folds, &KFold { k, shuffle }.split(n).unwrap());
        }
    }

    #[test]
    fn below_stays_in_range(seed in any::<u64>(), n in 1u64..u64::MAX) {
        let mut g = SplitMix64::new(seed);
        for _ in 0..8 {
            prop_assert!(g.below(n) < n);
        }
    }
}
