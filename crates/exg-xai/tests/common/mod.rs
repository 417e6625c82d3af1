//! Test models: a tiny EXGnet, and a toy classifier whose scores are a known linear function of
//! the input, so every map and curve has a closed form.
#![allow(dead_code)]

use candle::{D, DType, Device, Tensor};
use exg_model::{Classifier, ExgNet, ExgNetConfig, init::SeededVarMap};

/// A tiny EXGnet (2 blocks, 3 classes, T = 40, T' = 20) with seeded weights; the `SeededVarMap`
/// is returned too, so its variables stay trainable.
pub fn tiny_net(seed: u64, dtype: DType) -> (ExgNet, SeededVarMap) {
    let cfg = ExgNetConfig::tiny();
    let vars = SeededVarMap::new(seed);
    let net = ExgNet::new(&cfg, vars.var_builder(dtype, &Device::Cpu)).unwrap();
    (net, vars)
}

/// Deterministic pseudo-random values in `[-1, 1)` (SplitMix64), as a tensor of `shape`.
pub fn noise(seed: u64, shape: &[usize], dtype: DType) -> Tensor {
    let mut g = exg_signal::rng::SplitMix64::new(seed);
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| 2.0 * g.uniform() - 1.0).collect();
    Tensor::from_vec(v, shape, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

/// `logits[b, k] = Σ_t V[k, t] · x[b, t]`: the "activations" are the input itself
/// `(B, 1, T)` and the head weighs every time step separately (not a GAP head).
pub struct TimeLinear {
    /// `(K, T)`.
    pub v: Tensor,
}

impl candle::ModuleT for TimeLinear {
    fn forward_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor> {
        Ok(self.forward_all_t(xs, train)?.logits)
    }
}

impl Classifier for TimeLinear {
    fn num_classes(&self) -> usize {
        self.v.dim(0).unwrap()
    }

    fn embed_dim(&self) -> usize {
        1
    }

    fn activations_t(&self, xs: &Tensor, _train: bool) -> candle::Result<Tensor> {
        Ok(xs.clone())
    }

    fn head_t(&self, a: &Tensor, _train: bool) -> candle::Result<(Tensor, Tensor)> {
        let emb = a.mean(D::Minus1)?;
        let logits = a.squeeze(1)?.matmul(&self.v.t()?.contiguous()?)?;
        Ok((emb, logits))
    }

    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        vec![("v".into(), self.v.clone())]
    }

    fn trainable_vars(&self) -> Vec<candle::Var> {
        Vec::new()
    }
}

/// Largest absolute difference between two tensors.
pub fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.to_dtype(DType::F64).unwrap() - b.to_dtype(DType::F64).unwrap())
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f64>()
        .unwrap()
}

/// Central finite differences `(f(x + h·e_i) − f(x − h·e_i)) / 2h` (h = 1e-6) at every
/// `stride`-th entry of `x0` (f64), checked against the analytic gradient `grad` (same shape):
/// `|fd − grad| <= tol · max(|fd|, 1)`.
pub fn check_gradient(
    x0: &Tensor,
    grad: &Tensor,
    stride: usize,
    tol: f64,
    f: impl Fn(&Tensor) -> f64,
) {
    let h = 1e-6;
    let flat = x0.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let g = grad.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    assert_eq!(flat.len(), g.len());
    for i in (0..flat.len()).step_by(stride) {
        let at = |d: f64| {
            let mut v = flat.clone();
            v[i] += d;
            f(&Tensor::from_vec(v, x0.shape(), &Device::Cpu).unwrap())
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        assert!(
            (fd - g[i]).abs() <= tol * fd.abs().max(1.0),
            "entry {i}: fd {fd} vs {}",
            g[i]
        );
    }
}
