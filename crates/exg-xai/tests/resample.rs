//! Resampling's own backward against central finite differences.

mod common;

use candle::{DType, Tensor, Var};
use common::{check_gradient, noise};
use exg_xai::resample;

/// Central finite differences (f64, h = 1e-6, batch 2) of `L = Σ R(x) ⊙ r` against the op's
/// backward, for up- and downsampling (integer and non-integer factors) and a non-contiguous
/// input.
#[test]
fn gradient_matches_finite_differences() {
    for (n, m) in [(6, 17), (17, 6), (9, 27), (20, 40), (1, 5)] {
        let x0 = noise(n as u64, &[2, n], DType::F64);
        let r = noise(100 + m as u64, &[2, m], DType::F64);
        let loss = |x: &Tensor| (resample(x, m).unwrap() * &r).unwrap().sum_all().unwrap();
        let x = Var::from_tensor(&x0).unwrap();
        let grads = loss(x.as_tensor()).backward().unwrap();
        check_gradient(&x0, grads.get(x.as_tensor()).unwrap(), 1, 1e-7, |x| {
            loss(x).to_scalar::<f64>().unwrap()
        });
    }
    // A transposed (non-contiguous) input: finite differences on the untransposed variable.
    let x0 = noise(7, &[5, 2], DType::F64);
    let r = noise(8, &[2, 11], DType::F64);
    let loss = |x: &Tensor| {
        let y = resample(&x.t().unwrap(), 11).unwrap();
        (y * &r).unwrap().sum_all().unwrap()
    };
    let x = Var::from_tensor(&x0).unwrap();
    let grads = loss(x.as_tensor()).backward().unwrap();
    check_gradient(&x0, grads.get(x.as_tensor()).unwrap(), 1, 1e-7, |x| {
        loss(x).to_scalar::<f64>().unwrap()
    });
}
