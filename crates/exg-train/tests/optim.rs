//! exg-train's AdamW against candle-nn's `AdamW` (an independent implementation of the same
//! update, PyTorch's formula): same variables, same gradients, several steps with weight
//! decay, including a variable that gets no gradient. Clipping against its definition
//! (PyTorch's `clip_grad_norm_`: scale = max_norm / (norm + 1e-6) when norm > max_norm).

use candle::{Device, Tensor, Var};
use candle_nn::{Optimizer, ParamsAdamW};
use exg_train::optim::{AdamW, AdamWConfig};

fn vars(dev: &Device) -> Vec<Var> {
    vec![
        Var::new(&[[0.5f32, -1.0, 2.0], [0.1, 0.0, -0.3]], dev).unwrap(),
        Var::new(&[1.5f32, -0.25], dev).unwrap(),
        Var::new(&[3.0f32], dev).unwrap(), // unused by the loss: no gradient
    ]
}

/// A variable's values, flattened.
fn values(v: &Var) -> Vec<f32> {
    v.as_tensor()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

fn loss(v: &[Var], x: &Tensor) -> Tensor {
    // A smooth non-quadratic loss touching the first two variables.
    let a = v[0].as_tensor().matmul(x).unwrap().tanh().unwrap();
    let b = v[1].as_tensor().sqr().unwrap().sum_all().unwrap();
    (a.sqr().unwrap().sum_all().unwrap() + b).unwrap()
}

#[test]
fn matches_candle_nn_adamw() {
    let dev = Device::Cpu;
    let x = Tensor::new(&[[1f32], [0.5], [-2.0]], &dev).unwrap();
    let cfg = AdamWConfig {
        lr: 0.05,
        weight_decay: 0.01,
        ..AdamWConfig::default()
    };
    let (ours, theirs) = (vars(&dev), vars(&dev));
    let mut a = AdamW::new(ours.clone(), cfg).unwrap();
    let mut b = candle_nn::AdamW::new(
        theirs.clone(),
        ParamsAdamW {
            lr: cfg.lr,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            eps: cfg.eps,
            weight_decay: cfg.weight_decay,
        },
    )
    .unwrap();
    for _ in 0..25 {
        a.step(&loss(&ours, &x).backward().unwrap(), None).unwrap();
        b.step(&loss(&theirs, &x).backward().unwrap()).unwrap();
    }
    for (p, q) in ours.iter().zip(&theirs) {
        let p = values(p);
        let q = values(q);
        for (u, w) in p.iter().zip(&q) {
            assert!((u - w).abs() <= 1e-5 * (1.0 + w.abs()), "{p:?} vs {q:?}");
        }
    }
    // The unused variable did not move (candle-nn's too).
    assert_eq!(ours[2].as_tensor().to_vec1::<f32>().unwrap(), [3.0]);
    assert_eq!(a.state().step, 25);
}

#[test]
fn clipping_scales_to_the_max_norm() {
    let dev = Device::Cpu;
    // Gradient of sum(w^2) is 2w = (6, 8): norm 10.
    let w = Var::new(&[3f32, 4.0], &dev).unwrap();
    let cfg = AdamWConfig {
        lr: 0.1,
        weight_decay: 0.0,
        ..AdamWConfig::default()
    };
    let mut opt = AdamW::new(vec![w.clone()], cfg).unwrap();
    let grads = w
        .as_tensor()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let norm = opt.step(&grads, Some(1.0)).unwrap();
    assert!((norm - 10.0).abs() < 1e-6);
    // First moment after one step: (1 - beta1) * g * scale, scale = 1 / (10 + 1e-6).
    let m = &opt.state().m[0];
    let scale = 1.0 / (10.0 + 1e-6);
    assert!((f64::from(m[0]) - 0.1 * 6.0 * scale).abs() < 1e-7, "{m:?}");
    assert!((f64::from(m[1]) - 0.1 * 8.0 * scale).abs() < 1e-7, "{m:?}");
}

#[test]
fn state_round_trips_and_resumes_the_same_trajectory() {
    let dev = Device::Cpu;
    let x = Tensor::new(&[[1f32], [0.5], [-2.0]], &dev).unwrap();
    let cfg = AdamWConfig::default();
    // Uninterrupted: 10 steps.
    let full = vars(&dev);
    let mut a = AdamW::new(full.clone(), cfg).unwrap();
    for _ in 0..10 {
        a.step(&loss(&full, &x).backward().unwrap(), Some(1.0))
            .unwrap();
    }
    // Interrupted after 4: state through JSON, parameters copied, 6 more steps.
    let part = vars(&dev);
    let mut b = AdamW::new(part.clone(), cfg).unwrap();
    for _ in 0..4 {
        b.step(&loss(&part, &x).backward().unwrap(), Some(1.0))
            .unwrap();
    }
    let saved = serde_json::to_string(b.state()).unwrap();
    let resumed = vars(&dev);
    for (r, p) in resumed.iter().zip(&part) {
        r.set(p.as_tensor()).unwrap();
    }
    let mut c = AdamW::new(resumed.clone(), cfg).unwrap();
    c.load_state(serde_json::from_str(&saved).unwrap()).unwrap();
    for _ in 0..6 {
        c.step(&loss(&resumed, &x).backward().unwrap(), Some(1.0))
            .unwrap();
    }
    for (p, q) in full.iter().zip(&resumed) {
        let p = values(p);
        let q = values(q);
        assert_eq!(p, q, "bit-identical after resuming");
    }
}

#[test]
fn bad_input_is_an_error() {
    let dev = Device::Cpu;
    let f64_var = Var::new(&[1f64], &dev).unwrap();
    assert!(AdamW::new(vec![f64_var], AdamWConfig::default()).is_err());
    let bad = AdamWConfig {
        beta1: 1.0,
        ..AdamWConfig::default()
    };
    assert!(AdamW::new(vars(&dev), bad).is_err());
    let mut opt = AdamW::new(vars(&dev), AdamWConfig::default()).unwrap();
    let wrong = exg_train::optim::AdamWState {
        step: 1,
        m: vec![vec![0.0; 2]],
        v: vec![vec![0.0; 2]],
    };
    assert!(opt.load_state(wrong).is_err());
    // A NaN gradient: an error, and the variables do not move.
    let w = Var::new(&[1f32], &dev).unwrap();
    let mut opt = AdamW::new(vec![w.clone()], AdamWConfig::default()).unwrap();
    let nan = (w.as_tensor() * f64::NAN).unwrap().sum_all().unwrap();
    assert!(opt.step(&nan.backward().unwrap(), None).is_err());
    assert_eq!(w.as_tensor().to_vec1::<f32>().unwrap(), [1.0]);
    assert_eq!(opt.state().step, 0);
}
