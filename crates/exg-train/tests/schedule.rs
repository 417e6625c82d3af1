//! The warm-up + cosine schedule against its closed form (PyTorch's `CosineAnnealingLR`
//! formula, eta_min + (eta_max - eta_min)(1 + cos(pi t / T)) / 2) and its invariants.

use exg_train::schedule::WarmupCosine;
use proptest::prelude::*;

#[test]
fn closed_form_values() {
    let s = WarmupCosine::new(0.01, 4, 9, 0.001).unwrap();
    // Warm-up: 0.01 * (k + 1) / 4.
    for (k, want) in [0.0025, 0.005, 0.0075, 0.01].into_iter().enumerate() {
        assert!((s.lr(k) - want).abs() < 1e-15);
    }
    // Cosine over steps 4..=8 (T = 4): t = 0, 1, 2, 3, 4.
    for t in 0..=4 {
        let want = 0.001 + 0.009 * (1.0 + (std::f64::consts::PI * t as f64 / 4.0).cos()) / 2.0;
        assert!((s.lr(4 + t) - want).abs() < 1e-15, "t = {t}");
    }
    assert_eq!(s.lr(100), 0.001);
}

#[test]
fn bad_parameters_are_errors() {
    assert!(WarmupCosine::new(0.0, 0, 10, 0.0).is_err());
    assert!(WarmupCosine::new(f64::NAN, 0, 10, 0.0).is_err());
    assert!(WarmupCosine::new(1e-3, 10, 10, 0.0).is_err());
    assert!(WarmupCosine::new(1e-3, 0, 0, 0.0).is_err());
    assert!(WarmupCosine::new(1e-3, 0, 10, 2e-3).is_err());
}

proptest! {
    #[test]
    fn rises_then_falls_within_bounds(
        base in 1e-5f64..1.0, frac in 0.0f64..1.0, warm in 0usize..50, extra in 1usize..500,
    ) {
        let min = base * frac;
        let total = warm + extra;
        let s = WarmupCosine::new(base, warm, total, min).unwrap();
        let lrs: Vec<f64> = (0..total).map(|k| s.lr(k)).collect();
        prop_assert!(lrs.iter().all(|&l| l > 0.0 || min == 0.0));
        prop_assert!(lrs.iter().all(|&l| l <= base * (1.0 + 1e-12)));
        prop_assert!(lrs[..warm].windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(lrs[warm..].windows(2).all(|w| w[0] >= w[1] - 1e-15));
        prop_assert!((lrs[warm] - base).abs() <= 1e-12 * base);
        if extra > 1 {
            prop_assert!((lrs[total - 1] - min).abs() <= 1e-12 * base);
        }
    }
}
