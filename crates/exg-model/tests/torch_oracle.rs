//! Cross-check of the whole network against PyTorch on shared weights.
//!
//! Expected values: `tools/model_torch_oracle.py` (run with torch 2.15.0 on CPU; the version and
//! command are recorded in `tests/fixtures/torch_oracle/oracle.json`). It builds the PyTorch twin
//! `benches/torch/exgnet.py` (same layers and parameter names) on a small configuration with even
//! kernels, dilation and pooling of lengths that do not divide, sets seeded weights with
//! non-trivial batch-norm affine parameters and running statistics, and evaluates in float64:
//!
//! * eval mode: activations `(B, C, T')` (the Grad-CAM map), embedding, logits;
//! * train mode (batch statistics): activations, embedding, logits, joint logits of the feature
//!   branch, the loss `CE(logits) + CE(joint logits)`;
//! * the gradient of that loss w.r.t. every parameter (`net.*` and `aux.*`) and the input;
//! * every running mean / variance after that one train-mode forward (PyTorch's convention:
//!   `new = (1 - momentum) old + momentum batch`, unbiased batch variance).
//!
//! exg runs the same computations in f32 (the training and inference dtype) and in f64 (which
//! isolates algorithmic differences from f32 rounding). Errors are `max |got - expected|` over
//! `max |expected|`, per tensor. The fixtures are committed; a missing fixture is a failure.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle::{DType, Device, Tensor, Var};
use exg_model::init::SeededVarMap;
use exg_model::{Classifier, ExgNet, ExgNetConfig, FeatureHead};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/torch_oracle");

/// f32 tolerances (relative to max |expected|): the larger of a base value and 10x PyTorch's own
/// float32-vs-float64 error on the same tensor (recorded by the script in `oracle.json`), capped
/// so a regenerated fixture can never loosen them past 1e-4 (forward) / 1e-3 (gradients).
///
/// PyTorch's own f32 error is <= 3e-7 on every forward quantity and <= 2e-6 on every gradient
/// except `grad.net.blocks.0.shortcut.conv.weight` (4e-5): a 1x1 convolution from one channel
/// followed by batch norm is scale invariant up to `eps`, so that gradient is a difference of
/// nearly equal terms and loses digits in any f32 implementation (exg's f64 run matches it to
/// 5e-13, so nothing is wrong with the formula).
const F32_FORWARD: f64 = 5e-6;
const F32_GRAD: f64 = 2e-5;
const F32_FORWARD_CAP: f64 = 1e-4;
const F32_GRAD_CAP: f64 = 1e-3;
/// f64: summation order only (worst measured 5e-13).
const F64_ALL: f64 = 1e-11;

/// Tolerances of one run.
#[derive(Clone, Copy)]
struct Tol {
    forward: f64,
    grad: f64,
    /// Multiple of PyTorch's own f32 error allowed (0: fixed tolerances).
    floor_factor: f64,
}

struct Fixture {
    cfg: ExgNetConfig,
    labels: Vec<u32>,
    weights: HashMap<String, Tensor>,
    input: Tensor,
    features: Tensor,
    expected: HashMap<String, Tensor>,
    /// PyTorch's own float32 error per expected tensor (relative to max |expected|).
    torch_f32_error: HashMap<String, f64>,
}

impl Fixture {
    fn expected(&self, name: &str) -> &Tensor {
        self.expected
            .get(name)
            .unwrap_or_else(|| panic!("expected.safetensors has no {name}"))
    }

    /// Tolerance for `name`: `base`, or `factor` times PyTorch's own f32 error when that is
    /// larger, never above `cap`.
    fn tol(&self, name: &str, base: f64, factor: f64, cap: f64) -> f64 {
        let floor = self.torch_f32_error.get(name).copied().unwrap_or(0.0);
        let tol = base.max(factor * floor);
        assert!(
            tol <= cap,
            "{name}: PyTorch's own f32 error {floor:.1e} would need tolerance {tol:.1e} > {cap:.0e}"
        );
        tol
    }
}

fn safetensors(name: &str) -> HashMap<String, Tensor> {
    let path = Path::new(DIR).join(name);
    candle::safetensors::load(&path, &Device::Cpu).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (regenerate with tools/model_torch_oracle.py)",
            path.display()
        )
    })
}

fn fixture() -> Fixture {
    let path = Path::new(DIR).join("oracle.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the fixtures are committed (regenerate with tools/model_torch_oracle.py)",
            path.display()
        )
    });
    let meta: serde_json::Value = serde_json::from_str(&text).expect("oracle.json parses");
    let cfg: ExgNetConfig =
        serde_json::from_value(meta["config"].clone()).expect("config is an ExgNetConfig");
    let labels = meta["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_u64().expect("label") as u32)
        .collect();
    let torch_f32_error = meta["torch_f32_rel_error"]
        .as_object()
        .expect("torch_f32_rel_error")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().expect("number")))
        .collect();
    let mut inputs = safetensors("inputs.safetensors");
    Fixture {
        cfg,
        labels,
        weights: safetensors("weights.safetensors"),
        input: inputs.remove("input").expect("input"),
        features: inputs.remove("features").expect("features"),
        expected: safetensors("expected.safetensors"),
        torch_f32_error,
    }
}

/// Worst errors per quantity; asserts all of them at the end, after printing every one.
#[derive(Default)]
struct Report {
    rows: BTreeMap<String, (f64, f64)>,
}

impl Report {
    /// `max |got - expected| / max |expected|`, checked against `tol`.
    fn check(&mut self, what: &str, got: &Tensor, expected: &Tensor, tol: f64) {
        assert_eq!(got.dims(), expected.dims(), "{what}: shape");
        let g = flat(got);
        let e = flat(expected);
        let scale = e.iter().fold(0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0, "{what}: expected values are all zero");
        // `f64::max` skips NaN, so a non-finite output is reported as an infinite error.
        let diff = g.iter().zip(&e).fold(0f64, |m, (a, b)| {
            let d = (a - b).abs();
            if d.is_finite() {
                m.max(d)
            } else {
                f64::INFINITY
            }
        });
        self.rows.insert(what.to_string(), (diff / scale, tol));
    }

    fn finish(self, title: &str) {
        println!("{title}: max |got - expected| / max |expected|");
        for (what, (err, tol)) in &self.rows {
            println!("  {what:<45} {err:.2e}  (tol {tol:.0e})");
        }
        let bad: Vec<_> = self
            .rows
            .iter()
            .filter(|(_, (err, tol))| err > tol)
            .map(|(w, (err, tol))| format!("{w}: {err:.2e} > {tol:.0e}"))
            .collect();
        assert!(bad.is_empty(), "{title}: {bad:?}");
    }
}

fn flat(t: &Tensor) -> Vec<f64> {
    t.flatten_all()
        .and_then(|t| t.to_dtype(DType::F64))
        .and_then(|t| t.to_vec1::<f64>())
        .expect("tensor to f64")
}

/// The network and its feature branch with every tensor taken from the fixture, as variables (so
/// gradients and running-statistic updates reach them). Nothing may be drawn by the seeded
/// initialiser: that would mean a name of the Rust model is missing from the PyTorch state dict.
fn build(fx: &Fixture, dtype: DType) -> (ExgNet, FeatureHead) {
    let vars = SeededVarMap::new(0);
    {
        let mut data = vars.var_map().data().lock().expect("var map lock");
        for (name, t) in &fx.weights {
            let v = Var::from_tensor(&t.to_dtype(dtype).expect("cast")).expect("var");
            data.insert(name.clone(), v);
        }
    }
    let vb = vars.var_builder(dtype, &Device::Cpu);
    let net = ExgNet::new(&fx.cfg, vb.clone()).expect("network builds from the fixture");
    let head = fx
        .cfg
        .feature_head()
        .expect("the fixture has a feature branch");
    let aux = FeatureHead::new(&head, vb).expect("feature branch builds");
    let now = vars.var_map().all_vars().len();
    assert_eq!(
        now,
        fx.weights.len(),
        "the Rust model created tensors the PyTorch state dict does not have"
    );
    (net, aux)
}

/// Eval forward, then train forward + backward, then the running statistics, at `dtype`.
fn check_everything(dtype: DType, tol: Tol) {
    let fx = fixture();
    let (net, aux) = build(&fx, dtype);
    let dev = Device::Cpu;
    let x = Var::from_tensor(&fx.input.to_dtype(dtype).unwrap()).unwrap();
    let feats = fx.features.to_dtype(dtype).unwrap();
    let labels = Tensor::new(fx.labels.as_slice(), &dev).unwrap();
    let mut r = Report::default();
    let forward = |r: &mut Report, name: &str, got: &Tensor| {
        let t = fx.tol(name, tol.forward, tol.floor_factor, F32_FORWARD_CAP);
        r.check(name, got, fx.expected(name), t);
    };

    // Eval mode first: the train-mode forward below updates the running statistics.
    let out = net.forward_all_t(x.as_tensor(), false).unwrap();
    forward(&mut r, "eval.activations", &out.activations);
    forward(&mut r, "eval.embedding", &out.embedding);
    forward(&mut r, "eval.logits", &out.logits);

    let out = net.forward_all_t(x.as_tensor(), true).unwrap();
    let joint = aux.forward(&out.embedding, &feats).unwrap();
    let loss = (candle_nn::loss::cross_entropy(&out.logits, &labels).unwrap()
        + candle_nn::loss::cross_entropy(&joint, &labels).unwrap())
    .unwrap();
    forward(&mut r, "train.activations", &out.activations);
    forward(&mut r, "train.embedding", &out.embedding);
    forward(&mut r, "train.logits", &out.logits);
    forward(&mut r, "train.joint_logits", &joint);
    forward(&mut r, "train.loss", &loss.reshape(1).unwrap());

    let grads = loss.backward().unwrap();
    let mut params: Vec<(String, Tensor)> = net
        .named_tensors()
        .into_iter()
        .filter(|(n, _)| !n.contains("running_"))
        .collect();
    params.extend(aux.named_tensors());
    let gradient = |r: &mut Report, name: &str, got: &Tensor| {
        let t = fx.tol(name, tol.grad, tol.floor_factor, F32_GRAD_CAP);
        r.check(name, got, fx.expected(name), t);
    };
    // Every gradient PyTorch computed is compared, and every Rust parameter has one.
    let mut torch_grads: Vec<String> = fx
        .expected
        .keys()
        .filter(|k| k.starts_with("grad.") && *k != "grad.input")
        .cloned()
        .collect();
    torch_grads.sort();
    let mut ours: Vec<String> = params.iter().map(|(n, _)| format!("grad.{n}")).collect();
    ours.sort();
    assert_eq!(ours, torch_grads, "parameter sets differ");
    for (name, t) in &params {
        let g = grads
            .get(t)
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        gradient(&mut r, &format!("grad.{name}"), g);
    }
    let gx = grads.get(x.as_tensor()).expect("input gradient");
    gradient(&mut r, "grad.input", gx);

    let mut n_running = 0;
    for (name, t) in net.named_tensors() {
        if name.contains("running_") {
            forward(&mut r, &format!("running.{name}"), &t);
            n_running += 1;
        }
    }
    let torch_running = fx
        .expected
        .keys()
        .filter(|k| k.starts_with("running."))
        .count();
    assert_eq!(n_running, torch_running, "running statistics differ");
    r.finish(&format!("exg-model {dtype:?} vs PyTorch float64"));
}

#[test]
fn f32_outputs_gradients_and_running_stats_match_pytorch() {
    let tol = Tol {
        forward: F32_FORWARD,
        grad: F32_GRAD,
        floor_factor: 10.0,
    };
    check_everything(DType::F32, tol);
}

#[test]
fn f64_outputs_gradients_and_running_stats_match_pytorch() {
    let tol = Tol {
        forward: F64_ALL,
        grad: F64_ALL,
        floor_factor: 0.0,
    };
    check_everything(DType::F64, tol);
}

#[test]
fn weights_saved_by_pytorch_load_through_exgnet_load() {
    // The deployment path: `ExgNet::load` reads the twin's safetensors (it holds `aux.*` too,
    // which must be ignored) and reproduces PyTorch's eval-mode outputs.
    let fx = fixture();
    let net = ExgNet::load(
        &fx.cfg,
        &Path::new(DIR).join("weights.safetensors"),
        &Device::Cpu,
    )
    .expect("ExgNet::load reads the PyTorch state dict");
    let cost = fx.cfg.cost().unwrap();
    assert_eq!(net.num_params(), cost.params);
    let aux_params: usize = fx
        .weights
        .iter()
        .filter(|(n, _)| n.starts_with("aux."))
        .map(|(_, t)| t.elem_count())
        .sum();
    assert_eq!(aux_params, cost.aux_params, "feature branch size");
    let out = net.forward_all_t(&fx.input, false).unwrap();
    let mut r = Report::default();
    for (name, got) in [
        ("eval.activations", &out.activations),
        ("eval.embedding", &out.embedding),
        ("eval.logits", &out.logits),
    ] {
        let t = fx.tol(name, F32_FORWARD, 10.0, F32_FORWARD_CAP);
        r.check(name, got, fx.expected(name), t);
    }
    r.finish("ExgNet::load (f32) vs PyTorch float64");
}
