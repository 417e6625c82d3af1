//! Gradient checks of every layer against central finite differences (f64), and forward checks
//! against independent oracles.
//!
//! Oracles:
//! * conv1d forward: a naive direct convolution (`naive_conv`, four nested loops, written from
//!   the definition `y[b,o,t] = sum_{c,k} w[o,c,k] x[b,c,t*s + k*d - pad_left]`);
//! * every gradient: central finite differences `(L(p+h) - L(p-h)) / 2h`, h = 1e-6, of the scalar
//!   `L = sum(out * R)` with a fixed random `R`, evaluated in f64 on every element;
//! * batch norm forward: the textbook formula with two-pass mean and variance (`naive_bn`), and
//!   candle's own ops (the accelerator fallback path).

use candle::{DType, Device, Tensor, Var};
use exg_model::ops::{Conv1dGeometry, Normalize, batch_norm, conv1d, max_pool1d};

mod common;
use common::{check_against_fd, rnd};

fn var(shape: &[usize], seed: u64) -> Var {
    let n = shape.iter().product();
    Var::from_tensor(&Tensor::from_vec(rnd(n, seed), shape, &Device::Cpu).unwrap()).unwrap()
}

/// Checks d(sum(f(vars) * R))/d(var) against central differences for every element of every var.
fn check_grads(vars: &[Var], f: &dyn Fn() -> Tensor, tol: f64, what: &str) {
    let out = f();
    let r = Tensor::from_vec(rnd(out.elem_count(), 999), out.shape(), &Device::Cpu).unwrap();
    let loss_of = || -> f64 {
        (f() * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    let grads = (out * &r).unwrap().sum_all().unwrap().backward().unwrap();
    check_against_fd(vars, &loss_of, &grads, |_| 1, tol, what);
}

/// Oracle: direct convolution from the definition.
fn naive_conv(
    x: &[f64],
    w: &[f64],
    (b, cin, l): (usize, usize, usize),
    (cout, k): (usize, usize),
    g: Conv1dGeometry,
) -> Vec<f64> {
    let lout = g.out_len(l, k).unwrap();
    let mut y = vec![0.0; b * cout * lout];
    for bi in 0..b {
        for o in 0..cout {
            for t in 0..lout {
                let mut acc = 0.0;
                for c in 0..cin {
                    for kk in 0..k {
                        let idx = (t * g.stride + kk * g.dilation) as isize - g.pad_left as isize;
                        if idx >= 0 && (idx as usize) < l {
                            acc += w[(o * cin + c) * k + kk] * x[(bi * cin + c) * l + idx as usize];
                        }
                    }
                }
                y[(bi * cout + o) * lout + t] = acc;
            }
        }
    }
    y
}

/// The geometries every conv test runs: strides 1 and 2, dilations 1 and 2, padding 0, "same"
/// (asymmetric for even kernels) and an arbitrary asymmetric one; odd and even lengths.
fn cases() -> Vec<(usize, usize, usize, usize, usize, Conv1dGeometry)> {
    // (b, cin, l, cout, k, geometry)
    vec![
        (2, 1, 13, 3, 4, Conv1dGeometry::valid(1, 1)),
        (2, 3, 17, 4, 5, Conv1dGeometry::valid(2, 1)),
        (3, 2, 16, 3, 3, Conv1dGeometry::valid(1, 2)),
        (2, 2, 19, 2, 4, Conv1dGeometry::valid(2, 2)),
        (2, 3, 15, 4, 4, Conv1dGeometry::same(4, 1)),
        (2, 2, 11, 3, 5, Conv1dGeometry::same(5, 2)),
        (
            2,
            2,
            12,
            3,
            3,
            Conv1dGeometry {
                stride: 2,
                dilation: 1,
                pad_left: 1,
                pad_right: 2,
            },
        ),
        (2, 4, 9, 5, 1, Conv1dGeometry::valid(1, 1)),
        (
            2,
            2,
            7,
            2,
            3,
            Conv1dGeometry {
                stride: 3,
                dilation: 2,
                pad_left: 4,
                pad_right: 0,
            },
        ),
    ]
}

#[test]
fn conv1d_forward_matches_direct_convolution() {
    // Oracle: naive_conv (definition of cross-correlation, PyTorch semantics).
    for (i, &(b, cin, l, cout, k, g)) in cases().iter().enumerate() {
        let x = rnd(b * cin * l, i as u64);
        let w = rnd(cout * cin * k, 100 + i as u64);
        let xt = Tensor::from_vec(x.clone(), (b, cin, l), &Device::Cpu).unwrap();
        let wt = Tensor::from_vec(w.clone(), (cout, cin, k), &Device::Cpu).unwrap();
        let y = conv1d(&xt, &wt, g)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let want = naive_conv(&x, &w, (b, cin, l), (cout, k), g);
        assert_eq!(y.len(), want.len(), "case {i}");
        for (a, e) in y.iter().zip(&want) {
            assert!((a - e).abs() < 1e-12, "case {i}: {a} vs {e}");
        }
        // f32 agrees with the f64 oracle to f32 precision.
        let y32 = conv1d(
            &xt.to_dtype(DType::F32).unwrap(),
            &wt.to_dtype(DType::F32).unwrap(),
            g,
        )
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
        for (a, e) in y32.iter().zip(&want) {
            assert!((f64::from(*a) - e).abs() < 1e-5, "case {i} f32: {a} vs {e}");
        }
    }
}

#[test]
fn conv1d_long_input_spans_several_tiles() {
    // Oracle: naive_conv. Long enough (and with enough channels) that the im2col tiling splits
    // the output into several tiles, with a ragged last one.
    let (b, cin, l, cout, k) = (2, 9, 1337, 3, 16);
    let g = Conv1dGeometry::same(k, 1);
    let x = rnd(b * cin * l, 1);
    let w = rnd(cout * cin * k, 2);
    let xt = Tensor::from_vec(x.clone(), (b, cin, l), &Device::Cpu).unwrap();
    let wt = Tensor::from_vec(w.clone(), (cout, cin, k), &Device::Cpu).unwrap();
    let y = conv1d(&xt, &wt, g)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let want = naive_conv(&x, &w, (b, cin, l), (cout, k), g);
    let max = y
        .iter()
        .zip(&want)
        .map(|(a, e)| (a - e).abs())
        .fold(0.0, f64::max);
    assert!(max < 1e-11, "max diff {max}");
}

#[test]
fn conv1d_gradients_match_finite_differences() {
    // Oracle: central finite differences (f64) on every element of x and w.
    for (i, &(b, cin, l, cout, k, g)) in cases().iter().enumerate() {
        let x = var(&[b, cin, l], 10 + i as u64);
        let w = var(&[cout, cin, k], 20 + i as u64);
        let f = || conv1d(x.as_tensor(), w.as_tensor(), g).unwrap();
        check_grads(
            &[x.clone(), w.clone()],
            &f,
            1e-7,
            &format!("conv1d case {i} {g:?}"),
        );
    }
}

#[test]
fn conv1d_skips_gradients_of_untracked_arguments() {
    // A constant input (the network's data batch) gets no gradient entry, and the weight
    // gradient is bit-identical to the one computed with the input as a variable; the same the
    // other way round (frozen weights, variable input: the saliency case).
    let (b, cin, l, cout, k, g) = cases()[1];
    let x = var(&[b, cin, l], 41);
    let w = var(&[cout, cin, k], 42);
    let r = Tensor::from_vec(rnd(b * cout * l, 43), (b, cout, l), &Device::Cpu).unwrap();
    let loss = |x: &Tensor, w: &Tensor| {
        let y = conv1d(x, w, g).unwrap();
        let r = r.narrow(2, 0, y.dim(2).unwrap()).unwrap();
        (y * r).unwrap().sum_all().unwrap().backward().unwrap()
    };
    let both = loss(x.as_tensor(), w.as_tensor());
    let same = |a: &Tensor, b: &Tensor| {
        let d = (a - b).unwrap().abs().unwrap().max_all().unwrap();
        assert_eq!(d.to_scalar::<f64>().unwrap(), 0.0);
    };
    let x_const = x.as_tensor().detach();
    let only_w = loss(&x_const, w.as_tensor());
    assert!(only_w.get(&x_const).is_none());
    same(
        only_w.get(w.as_tensor()).unwrap(),
        both.get(w.as_tensor()).unwrap(),
    );
    let w_const = w.as_tensor().detach();
    let only_x = loss(x.as_tensor(), &w_const);
    assert!(only_x.get(&w_const).is_none());
    same(
        only_x.get(x.as_tensor()).unwrap(),
        both.get(x.as_tensor()).unwrap(),
    );
}

#[test]
fn conv1d_accepts_non_contiguous_inputs() {
    // Oracle: the same op on contiguous copies (candle 0.11.1's own conv1d is wrong here).
    let x = Tensor::from_vec(rnd(2 * 5 * 3, 5), (2, 5, 3), &Device::Cpu).unwrap();
    let xt = x.transpose(1, 2).unwrap(); // (2, 3, 5), non-contiguous
    let w = Tensor::from_vec(rnd(4 * 3 * 2, 6), (4, 2, 3), &Device::Cpu).unwrap();
    let wt = w.transpose(1, 2).unwrap(); // (4, 3, 2)
    let g = Conv1dGeometry::same(2, 1);
    let a = conv1d(&xt, &wt, g)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let b = conv1d(&xt.contiguous().unwrap(), &wt.contiguous().unwrap(), g)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn conv1d_rejects_bad_shapes() {
    let x = Tensor::zeros((2, 3, 4), DType::F32, &Device::Cpu).unwrap();
    let w = Tensor::zeros((2, 2, 3), DType::F32, &Device::Cpu).unwrap();
    assert!(conv1d(&x, &w, Conv1dGeometry::default()).is_err()); // channel mismatch
    let w = Tensor::zeros((2, 3, 9), DType::F32, &Device::Cpu).unwrap();
    assert!(conv1d(&x, &w, Conv1dGeometry::default()).is_err()); // kernel longer than input
    let x = Tensor::zeros((2, 3, 4), DType::U32, &Device::Cpu).unwrap();
    let w = Tensor::zeros((2, 3, 2), DType::U32, &Device::Cpu).unwrap();
    assert!(conv1d(&x, &w, Conv1dGeometry::default()).is_err()); // dtype
}

/// Oracle for batch norm: two-pass mean and biased variance per channel, then the formula.
fn naive_bn(
    x: &[f64],
    (b, c, l): (usize, usize, usize),
    gamma: &[f64],
    beta: &[f64],
    eps: f64,
) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for ci in 0..c {
        let vals: Vec<f64> = (0..b)
            .flat_map(|bi| x[(bi * c + ci) * l..(bi * c + ci + 1) * l].to_vec())
            .collect();
        let n = vals.len() as f64;
        let m = vals.iter().sum::<f64>() / n;
        let v = vals.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        for bi in 0..b {
            for t in 0..l {
                let i = (bi * c + ci) * l + t;
                y[i] = gamma[ci] * (x[i] - m) / (v + eps).sqrt() + beta[ci];
            }
        }
    }
    y
}

#[test]
fn batch_norm_forward_matches_formula_and_candle_ops() {
    // Oracles: naive_bn (textbook two-pass formula) and candle's own ops (fallback path,
    // exercised on CPU by moving the residual-free case through `Tensor` arithmetic).
    let (b, c, l) = (3, 4, 7);
    let x: Vec<f64> = rnd(b * c * l, 1).iter().map(|v| 5.0 + 3.0 * v).collect();
    let gamma = rnd(c, 2);
    let beta = rnd(c, 3);
    let xt = Tensor::from_vec(x.clone(), (b, c, l), &Device::Cpu).unwrap();
    let gt = Tensor::new(gamma.as_slice(), &Device::Cpu).unwrap();
    let bt = Tensor::new(beta.as_slice(), &Device::Cpu).unwrap();
    let (y, stats) = batch_norm(&xt, &gt, &bt, None, false, 1e-5, Normalize::Batch).unwrap();
    let y = y.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let want = naive_bn(&x, (b, c, l), &gamma, &beta, 1e-5);
    for (a, e) in y.iter().zip(&want) {
        assert!((a - e).abs() < 1e-12, "{a} vs {e}");
    }
    let stats = stats.unwrap();
    assert_eq!(stats.count, b * l);
    // candle ops: mean over (0, 2).
    let m = xt
        .mean_keepdim(2)
        .unwrap()
        .mean_keepdim(0)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    for (a, e) in stats.mean.iter().zip(&m) {
        assert!((a - e).abs() < 1e-12);
    }
    // Residual + ReLU = relu(bn(x) + r).
    let r = rnd(b * c * l, 4);
    let rt = Tensor::from_vec(r.clone(), (b, c, l), &Device::Cpu).unwrap();
    let (y2, _) = batch_norm(&xt, &gt, &bt, Some(&rt), true, 1e-5, Normalize::Batch).unwrap();
    let y2 = y2.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    for i in 0..y2.len() {
        assert!((y2[i] - (want[i] + r[i]).max(0.0)).abs() < 1e-12);
    }
    // Running mode: (x - mean) / sqrt(var + eps) * gamma + beta with the given statistics.
    let (rm, rv) = (
        rnd(c, 5),
        rnd(c, 6).iter().map(|v| 1.5 + v).collect::<Vec<_>>(),
    );
    let norm = Normalize::Running {
        mean: &rm,
        var: &rv,
    };
    let (y3, s3) = batch_norm(&xt, &gt, &bt, None, false, 1e-5, norm).unwrap();
    assert!(s3.is_none());
    let y3 = y3.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    for (i, v) in y3.iter().enumerate() {
        let ci = (i / l) % c;
        let e = (x[i] - rm[ci]) / (rv[ci] + 1e-5).sqrt() * gamma[ci] + beta[ci];
        assert!((v - e).abs() < 1e-12);
    }
}

#[test]
fn batch_norm_gradients_match_finite_differences() {
    // Oracle: central finite differences on x, gamma, beta and the residual.
    let (b, c, l) = (2, 3, 5);
    for relu in [false, true] {
        for with_res in [false, true] {
            for train in [true, false] {
                let x = var(&[b, c, l], 30);
                let gm = var(&[c], 31);
                let bt = var(&[c], 32);
                let r = var(&[b, c, l], 33);
                let rm = rnd(c, 34);
                let rv: Vec<f64> = rnd(c, 35).iter().map(|v| 1.2 + v).collect();
                let f = || {
                    let norm = if train {
                        Normalize::Batch
                    } else {
                        Normalize::Running {
                            mean: &rm,
                            var: &rv,
                        }
                    };
                    let res = with_res.then(|| r.as_tensor());
                    batch_norm(
                        x.as_tensor(),
                        gm.as_tensor(),
                        bt.as_tensor(),
                        res,
                        relu,
                        1e-5,
                        norm,
                    )
                    .unwrap()
                    .0
                };
                let mut vars = vec![x.clone(), gm.clone(), bt.clone()];
                if with_res {
                    vars.push(r.clone());
                }
                check_grads(
                    &vars,
                    &f,
                    1e-6,
                    &format!("batch_norm relu={relu} res={with_res} train={train}"),
                );
            }
        }
    }
}

#[test]
fn max_pool_forward_and_gradients() {
    // Oracles: the definition (max of each window) and central finite differences.
    let (b, c, l) = (2, 3, 11);
    let x = var(&[b, c, l], 40);
    for k in [2, 3, 4] {
        let y = max_pool1d(x.as_tensor(), k).unwrap();
        let xv = x
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let yv = y.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let lo = l / k;
        for row in 0..b * c {
            for t in 0..lo {
                let m = xv[row * l + t * k..row * l + (t + 1) * k]
                    .iter()
                    .cloned()
                    .fold(f64::MIN, f64::max);
                assert_eq!(yv[row * lo + t], m);
            }
        }
        let f = || max_pool1d(x.as_tensor(), k).unwrap();
        check_grads(
            std::slice::from_ref(&x),
            &f,
            1e-7,
            &format!("max_pool k={k}"),
        );
    }
}

#[test]
fn linear_and_head_gradients_match_finite_differences() {
    // Oracle: central finite differences; the head is GAP over time then Linear (the same path
    // as ExgNet's head), fed a transposed (non-contiguous) activation.
    use exg_model::init::SeededVarMap;
    use exg_model::layers::Linear;
    let vars = SeededVarMap::new(3);
    let lin = Linear::new(4, 3, vars.var_builder(DType::F64, &Device::Cpu)).unwrap();
    let a = var(&[2, 6, 4], 50); // (B, T, C), transposed below to (B, C, T)
    let f = || {
        let emb = a.as_tensor().transpose(1, 2).unwrap().mean(2).unwrap();
        lin.forward(&emb).unwrap()
    };
    let mut all: Vec<Var> = vars.var_map().all_vars();
    all.push(a.clone());
    check_grads(&all, &f, 1e-7, "linear head");
}

#[test]
fn concat3_matches_candle_cat_and_finite_differences() {
    // Oracles: candle's Tensor::cat (forward) and central finite differences (gradients).
    let a = var(&[2, 1, 5], 60);
    let b = var(&[2, 3, 5], 61);
    let c = var(&[2, 2, 5], 62);
    let y = exg_model::ops::concat3(a.as_tensor(), b.as_tensor(), c.as_tensor()).unwrap();
    let want = Tensor::cat(&[a.as_tensor(), b.as_tensor(), c.as_tensor()], 1).unwrap();
    assert_eq!(y.to_vec3::<f64>().unwrap(), want.to_vec3::<f64>().unwrap());
    let f = || exg_model::ops::concat3(a.as_tensor(), b.as_tensor(), c.as_tensor()).unwrap();
    check_grads(&[a.clone(), b.clone(), c.clone()], &f, 1e-7, "concat3");
}
