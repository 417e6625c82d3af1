//! Invariants on arbitrary shapes, zero-sized dimensions included: the ops never panic (forward
//! or backward); they return an error or an output of the documented shape, and a tensor with a
//! zero-sized dimension gives `candle::Error::EmptyTensor`.

use candle::{DType, Device, Tensor, Var};
use exg_model::ops::{Conv1dGeometry, Normalize, batch_norm, concat3, conv1d, max_pool1d};
use proptest::prelude::*;

fn ones(dims: (usize, usize, usize)) -> Var {
    Var::ones(dims, DType::F32, &Device::Cpu).unwrap()
}

/// True when the error is the documented refusal of a zero-sized dimension.
fn is_empty_err<T>(r: &candle::Result<T>) -> bool {
    matches!(r, Err(candle::Error::EmptyTensor { .. }))
}

/// Runs the backward pass of `y` (sum of all outputs) and checks it does not fail.
fn backward_ok(y: &Tensor) -> Result<(), TestCaseError> {
    let g = y.sum_all().unwrap().backward();
    prop_assert!(g.is_ok(), "backward failed: {:?}", g.err());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn conv1d_never_panics_and_has_documented_shape(
        b in 0usize..3, cin in 0usize..4, l in 0usize..40, cout in 0usize..4, k in 0usize..8,
        stride in 0usize..4, dilation in 0usize..3, pl in 0usize..5, pr in 0usize..5,
    ) {
        let x = ones((b, cin, l));
        let w = ones((cout, cin, k));
        let g = Conv1dGeometry { stride, dilation, pad_left: pl, pad_right: pr };
        let r = conv1d(&x, &w, g);
        let empty = [b, cin, l, cout, k].contains(&0);
        match (r, g.out_len(l, k)) {
            (r, _) if empty => prop_assert!(is_empty_err(&r), "{:?}", r.map(|t| t.dims().to_vec())),
            (Ok(y), Some(lo)) => {
                prop_assert_eq!(y.dims(), &[b, cout, lo]);
                backward_ok(&y)?;
            }
            (Err(_), None) => {}
            (r, lo) => prop_assert!(false, "result {:?} but out_len {:?}", r.map(|t| t.dims().to_vec()), lo),
        }
    }

    #[test]
    fn conv1d_overflowing_geometry_is_an_error(stride in 1usize..4, k in 2usize..4, big in (usize::MAX / 2)..=usize::MAX) {
        let x = ones((1, 1, 4));
        let w = ones((1, 1, k));
        for g in [
            // dilation * (k - 1) overflows
            Conv1dGeometry { stride, dilation: big, pad_left: 0, pad_right: 0 },
            // len + padding overflows
            Conv1dGeometry { stride, dilation: 1, pad_left: big, pad_right: big },
        ] {
            prop_assert!(conv1d(&x, &w, g).is_err(), "{:?}", g);
            prop_assert_eq!(g.out_len(4, k), None);
        }
    }

    #[test]
    fn max_pool_never_panics(b in 0usize..3, c in 0usize..3, l in 0usize..20, k in 0usize..6) {
        let x = ones((b, c, l));
        let r = max_pool1d(&x, k);
        if [b, c, l].contains(&0) {
            prop_assert!(is_empty_err(&r));
        } else {
            match r {
                Ok(y) => {
                    prop_assert_eq!(y.dims(), &[b, c, l / k]);
                    backward_ok(&y)?;
                }
                Err(_) => prop_assert!(k == 0 || l < k),
            }
        }
    }

    #[test]
    fn batch_norm_never_panics(
        b in 0usize..3, c in 0usize..3, l in 0usize..6,
        running in any::<bool>(), residual in any::<bool>(), relu in any::<bool>(),
    ) {
        let x = ones((b, c, l));
        let gamma = Var::ones(c, DType::F32, &Device::Cpu).unwrap();
        let beta = Var::zeros(c, DType::F32, &Device::Cpu).unwrap();
        let r = ones((b, c, l));
        let (mean, var) = (vec![0.5; c], vec![2.0; c]);
        let norm = if running {
            Normalize::Running { mean: &mean, var: &var }
        } else {
            Normalize::Batch
        };
        let out = batch_norm(&x, &gamma, &beta, residual.then_some(r.as_tensor()), relu, 1e-5, norm);
        if [b, c, l].contains(&0) {
            prop_assert!(is_empty_err(&out), "{:?}", out.map(|t| t.0.dims().to_vec()));
        } else {
            match out {
                Ok((y, stats)) => {
                    prop_assert_eq!(y.dims(), &[b, c, l]);
                    prop_assert_eq!(stats.is_some(), !running);
                    backward_ok(&y)?;
                }
                // Batch statistics need two values per channel.
                Err(_) => prop_assert!(!running && b * l < 2),
            }
        }
    }

    #[test]
    fn concat3_never_panics(
        b in 0usize..3, l in 0usize..5, ca in 0usize..3, cb in 0usize..3, cc in 0usize..3,
    ) {
        let (x, y, z) = (ones((b, ca, l)), ones((b, cb, l)), ones((b, cc, l)));
        let r = concat3(&x, &y, &z);
        if [b, l, ca, cb, cc].contains(&0) {
            prop_assert!(is_empty_err(&r));
        } else {
            let t = r.unwrap();
            prop_assert_eq!(t.dims(), &[b, ca + cb + cc, l]);
            backward_ok(&t)?;
        }
    }
}

/// The known gap of issue 12: running-statistics batch norm over a time length of 0 used to
/// reach `par_chunks_mut(0)` and panic.
#[test]
fn batch_norm_running_with_zero_length_is_a_typed_error() {
    let x = Tensor::zeros((2, 3, 0), DType::F32, &Device::Cpu).unwrap();
    let gamma = Tensor::ones(3, DType::F32, &Device::Cpu).unwrap();
    let beta = Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap();
    let (m, v) = ([0.0; 3], [1.0; 3]);
    let r = batch_norm(
        &x,
        &gamma,
        &beta,
        None,
        true,
        1e-5,
        Normalize::Running { mean: &m, var: &v },
    );
    assert!(
        matches!(r, Err(candle::Error::EmptyTensor { op: "batch_norm" })),
        "{:?}",
        r.map(|t| t.0.dims().to_vec())
    );
}
