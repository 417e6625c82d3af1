//! NCC and the XAI loss: finite-difference gradients, properties, flat maps, masks and errors.

mod common;

use candle::{DType, Device, Tensor, Var};
use common::{check_gradient, noise};
use exg_xai::{Error, ncc, ncc_loss};
use proptest::prelude::*;

const EPS: f64 = exg_xai::ncc::DEFAULT_EPS;

fn row(v: &[f64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), (1, v.len()), &Device::Cpu).unwrap()
}

fn ncc1(a: &[f64], b: &[f64]) -> f64 {
    ncc(&row(a), &row(b), EPS)
        .unwrap()
        .to_vec1::<f64>()
        .unwrap()[0]
}

/// Central finite differences (f64, h = 1e-6, batch 3 with one record masked out) of the loss
/// with respect to every map and target value; the masked record gets zero gradient.
#[test]
fn loss_gradient_matches_finite_differences() {
    let m0 = noise(1, &[3, 9], DType::F64);
    let g0 = noise(2, &[3, 9], DType::F64);
    let mask = [true, false, true];
    let loss = |m: &Tensor, g: &Tensor| ncc_loss(m, g, Some(&mask), EPS).unwrap().loss;
    let (m, g) = (
        Var::from_tensor(&m0).unwrap(),
        Var::from_tensor(&g0).unwrap(),
    );
    let grads = loss(m.as_tensor(), g.as_tensor()).backward().unwrap();
    let scalar = |t: Tensor| t.to_scalar::<f64>().unwrap();
    let gm = grads.get(m.as_tensor()).unwrap();
    check_gradient(&m0, gm, 1, 1e-7, |x| scalar(loss(x, &g0)));
    let gg = grads.get(g.as_tensor()).unwrap();
    check_gradient(&g0, gg, 1, 1e-7, |x| scalar(loss(&m0, x)));
    for grad in [gm, gg] {
        let masked = grad.get(1).unwrap().abs().unwrap().max_all().unwrap();
        assert_eq!(masked.to_scalar::<f64>().unwrap(), 0.0);
    }
}

/// Defined value: a flat map (or target) gives NCC 0 and a zero, finite gradient, in f32 and
/// f64, including constants whose mean is not exact in floating point.
#[test]
fn flat_maps_give_zero_and_no_nan() {
    for dtype in [DType::F32, DType::F64] {
        let flat = Tensor::new(&[[0.0f64; 7], [0.1; 7]], &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap();
        let g = noise(5, &[2, 7], dtype);
        let m = Var::from_tensor(&flat).unwrap();
        let l = ncc_loss(m.as_tensor(), &g, None, EPS).unwrap();
        let r = l
            .ncc
            .to_dtype(DType::F64)
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        assert_eq!(r, vec![0.0, 0.0]);
        let grad = l.loss.backward().unwrap();
        let grad = grad.get(m.as_tensor()).unwrap();
        let grad = grad.to_dtype(DType::F64).unwrap().flatten_all().unwrap();
        assert!(grad.to_vec1::<f64>().unwrap().iter().all(|v| *v == 0.0));
        // The other way round: a flat target.
        let r = ncc(&g, &flat, EPS).unwrap();
        let r = r.to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
        assert_eq!(r, vec![0.0, 0.0]);
    }
    // T = 1: every map is flat.
    assert_eq!(ncc1(&[3.0], &[1.0]), 0.0);
}

/// Constructed cases: records without a target are left out (even when their rows hold NaN)
/// and counted; with no target at all the loss is a constant 0.
#[test]
fn records_without_target_are_left_out_and_counted() {
    let m = Tensor::new(&[[0f64, 1., 0.], [1., 2., 3.], [5., 1., 0.]], &Device::Cpu).unwrap();
    let g = Tensor::new(
        &[[0f64, 1., 0.], [f64::NAN, 0., 0.], [0., 1., 5.]],
        &Device::Cpu,
    )
    .unwrap();
    let l = ncc_loss(&m, &g, Some(&[true, false, true]), EPS).unwrap();
    assert_eq!((l.used.clone(), l.skipped), (vec![0, 2], 1));
    let r = l.ncc.to_vec1::<f64>().unwrap();
    // Closed form: record 0 matches exactly (1); record 2 is its target reversed: centred
    // values (3,-1,-2) and (-2,-1,3) give (-6+1-6)/14 = -11/14 (ε = 1e-8 moves both by ~1e-8).
    assert!((r[0] - 1.0).abs() < 1e-7);
    assert!((r[1] + 11.0 / 14.0).abs() < 1e-7);
    let loss = l.loss.to_scalar::<f64>().unwrap();
    assert!((loss - (1.0 - (1.0 - 11.0 / 14.0) / 2.0)).abs() < 1e-7);
    let none = ncc_loss(&m, &g, Some(&[false; 3]), EPS).unwrap();
    assert_eq!((none.used.len(), none.skipped), (0, 3));
    assert_eq!(none.loss.to_scalar::<f64>().unwrap(), 0.0);
}

/// Shape mismatches, empty batches, bad masks and bad epsilons are typed input errors.
#[test]
fn bad_input_is_a_typed_error() {
    let a = noise(1, &[2, 5], DType::F32);
    let b = noise(2, &[2, 6], DType::F32);
    let empty = Tensor::zeros((0, 5), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(ncc(&a, &b, EPS), Err(Error::Input(_))));
    assert!(matches!(ncc(&empty, &empty, EPS), Err(Error::Input(_))));
    assert!(matches!(ncc(&a, &a, 0.0), Err(Error::Input(_))));
    assert!(matches!(ncc(&a, &a, f64::NAN), Err(Error::Input(_))));
    assert!(matches!(
        ncc_loss(&a, &a, Some(&[true]), EPS),
        Err(Error::Input(_))
    ));
    let a3 = noise(1, &[2, 1, 5], DType::F32);
    assert!(matches!(ncc(&a3, &a3, EPS), Err(Error::Input(_))));
}

fn non_flat() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-10.0f64..10.0, 2..40).prop_filter("not flat", |v| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        hi - lo > 1e-3
    })
}

fn pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (2usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(-10.0f64..10.0, n),
            prop::collection::vec(-10.0f64..10.0, n),
        )
    })
}

proptest! {
    /// Closed form: NCC(a, ±k·a + c) = ±P / (P + eps) with P = k·‖a − ā‖² (the centred norms
    /// multiply to P and the numerator is ±P), which is ±1 up to eps. The eps term matters when
    /// `a` barely varies and k is small (spread 0.004, k = 0.01: 0.91), so the expected value
    /// keeps it rather than comparing with 1.
    #[test]
    fn affine_copies_correlate_perfectly(a in non_flat(), k in 0.01f64..100.0, c in -50.0f64..50.0) {
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        let p = k * a.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        let expected = p / (p + EPS);
        let b: Vec<f64> = a.iter().map(|x| k * x + c).collect();
        prop_assert!((ncc1(&a, &b) - expected).abs() < 1e-6);
        let neg: Vec<f64> = a.iter().map(|x| -k * x + c).collect();
        prop_assert!((ncc1(&a, &neg) + expected).abs() < 1e-6);
    }

    /// Symmetric, within [−1, 1], never NaN (Cauchy–Schwarz bounds the closed form).
    #[test]
    fn symmetric_and_bounded((a, b) in pair()) {
        let (ab, ba) = (ncc1(&a, &b), ncc1(&b, &a));
        prop_assert!(ab.is_finite());
        prop_assert!((ab - ba).abs() < 1e-12);
        prop_assert!((-1.0..=1.0).contains(&ab));
    }
}

/// A constant target batch (not a variable, as in training) gets no gradient entry, and the
/// map's gradient is the same as when the target is a variable.
#[test]
fn constant_targets_get_no_gradient() {
    let m0 = noise(3, &[2, 11], DType::F64);
    let g0 = noise(4, &[2, 11], DType::F64);
    let m = Var::from_tensor(&m0).unwrap();
    let grads = ncc_loss(m.as_tensor(), &g0, None, EPS)
        .unwrap()
        .loss
        .backward()
        .unwrap();
    assert!(
        grads.get(&g0).is_none(),
        "a constant target has no gradient"
    );
    let g = Var::from_tensor(&g0).unwrap();
    let both = ncc_loss(m.as_tensor(), g.as_tensor(), None, EPS)
        .unwrap()
        .loss
        .backward()
        .unwrap();
    assert!(both.get(g.as_tensor()).is_some());
    let (a, b) = (
        grads.get(m.as_tensor()).unwrap(),
        both.get(m.as_tensor()).unwrap(),
    );
    let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap();
    assert_eq!(diff.to_scalar::<f64>().unwrap(), 0.0);
}
