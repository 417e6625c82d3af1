//! Helpers shared by the integration tests: seeded inputs and the finite-difference check.
#![allow(dead_code)]

use candle::backprop::GradStore;
use candle::{Device, Tensor, Var};

/// Deterministic pseudo-random values in [-1, 1) (the workspace's SplitMix64).
pub fn rnd(n: usize, seed: u64) -> Vec<f64> {
    let mut g = exg_signal::rng::SplitMix64::new(seed);
    (0..n).map(|_| 2.0 * g.uniform() - 1.0).collect()
}

/// Checks the analytic gradients `grads` of the scalar `loss` against central finite
/// differences `(L(p + h) - L(p - h)) / 2h`, h = 1e-6, for every `step(len)`-th element of each
/// variable (f64): `|fd - analytic| <= tol (1 + |fd|)`. Returns how many elements were checked.
pub fn check_against_fd(
    vars: &[Var],
    loss: &dyn Fn() -> f64,
    grads: &GradStore,
    step: fn(usize) -> usize,
    tol: f64,
    what: &str,
) -> usize {
    const H: f64 = 1e-6;
    let mut checked = 0;
    for (vi, v) in vars.iter().enumerate() {
        let g = grads
            .get(v.as_tensor())
            .unwrap_or_else(|| panic!("{what}: no gradient for input {vi}"))
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let base = v
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let shape = v.shape().clone();
        let set = |p: Vec<f64>| {
            v.set(&Tensor::from_vec(p, &shape, &Device::Cpu).unwrap())
                .unwrap()
        };
        for i in (0..base.len()).step_by(step(base.len()).max(1)) {
            let mut p = base.clone();
            p[i] += H;
            set(p.clone());
            let lp = loss();
            p[i] -= 2.0 * H;
            set(p);
            let lm = loss();
            set(base.clone());
            let fd = (lp - lm) / (2.0 * H);
            assert!(
                (fd - g[i]).abs() <= tol * (1.0 + fd.abs()),
                "{what}: input {vi} ({shape:?}) element {i}: analytic {} vs finite difference {fd}",
                g[i]
            );
            checked += 1;
        }
    }
    checked
}
