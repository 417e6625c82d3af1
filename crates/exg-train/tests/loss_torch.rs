//! Cross-entropy against PyTorch (`tools/train_loss_torch_oracle.py` writes
//! `tests/fixtures/loss_torch.json`: `torch.nn.functional.cross_entropy` value and logits
//! gradient in f64 for six (class weights, label smoothing) cases) and against central finite
//! differences of our own loss (f64, batch 6).

use candle::{DType, Device, Tensor, Var};
use exg_train::loss::{ClassWeights, cross_entropy};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/loss_torch.json")).unwrap()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn inputs(f: &Value) -> (Tensor, Tensor) {
    let dev = Device::Cpu;
    let z = Tensor::new(matrix(&f["logits"]), &dev).unwrap();
    let y: Vec<u32> = f["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect();
    (z, Tensor::new(y, &dev).unwrap())
}

fn weights(case: &Value) -> Option<Tensor> {
    case["weights"].as_array().map(|w| {
        let w: Vec<f64> = w.iter().map(|x| x.as_f64().unwrap()).collect();
        Tensor::new(w, &Device::Cpu).unwrap()
    })
}

#[test]
fn value_and_gradient_match_pytorch() {
    let f = fixture();
    let (z, y) = inputs(&f);
    for case in f["cases"].as_array().unwrap() {
        let v = Var::from_tensor(&z).unwrap();
        let w = weights(case);
        let eps = case["smoothing"].as_f64().unwrap();
        let loss = cross_entropy(v.as_tensor(), &y, w.as_ref(), eps).unwrap();
        let got = loss.to_scalar::<f64>().unwrap();
        let want = case["loss"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-12, "{case}: {got} vs {want}");
        let grad = loss.backward().unwrap();
        let g = grad.get(v.as_tensor()).unwrap().to_vec2::<f64>().unwrap();
        for (gr, wr) in g.iter().zip(matrix(&case["grad"])) {
            for (a, b) in gr.iter().zip(wr) {
                assert!((a - b).abs() < 1e-12, "{case}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn gradient_matches_central_finite_differences() {
    let f = fixture();
    let (z, y) = inputs(&f);
    let w = Tensor::new(&[0.5f64, 2.0, 1.0, 3.0], &Device::Cpu).unwrap();
    let loss_at = |z: &Tensor| {
        cross_entropy(z, &y, Some(&w), 0.2)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    let v = Var::from_tensor(&z).unwrap();
    let g = cross_entropy(v.as_tensor(), &y, Some(&w), 0.2)
        .unwrap()
        .backward()
        .unwrap()
        .get(v.as_tensor())
        .unwrap()
        .to_vec2::<f64>()
        .unwrap();
    let base = z.to_vec2::<f64>().unwrap();
    let h = 1e-6;
    for i in 0..base.len() {
        for j in 0..base[0].len() {
            let shifted = |d: f64| {
                let mut m = base.clone();
                m[i][j] += d;
                Tensor::new(m, &Device::Cpu).unwrap()
            };
            let fd = (loss_at(&shifted(h)) - loss_at(&shifted(-h))) / (2.0 * h);
            assert!(
                (fd - g[i][j]).abs() < 1e-8,
                "({i},{j}): fd {fd} vs {}",
                g[i][j]
            );
        }
    }
}

#[test]
fn f32_and_bad_input() {
    let dev = Device::Cpu;
    let z = Tensor::new(&[[1f32, 2.0, 3.0], [0.0, 0.0, 0.0]], &dev).unwrap();
    let y = Tensor::new(&[2u32, 0], &dev).unwrap();
    assert_eq!(
        cross_entropy(&z, &y, None, 0.0).unwrap().dtype(),
        DType::F32
    );
    let y3 = Tensor::new(&[2u32, 0, 1], &dev).unwrap();
    assert!(cross_entropy(&z, &y3, None, 0.0).is_err());
    assert!(cross_entropy(&z, &y, None, 1.0).is_err());
    let w2 = Tensor::new(&[1f32, 1.0], &dev).unwrap();
    assert!(cross_entropy(&z, &y, Some(&w2), 0.0).is_err());
}

#[test]
fn class_weight_rules() {
    // scikit-learn: compute_class_weight("balanced", ...) for counts (6, 3, 1): n / (K n_k).
    let b = ClassWeights::Balanced.weights(&[6, 3, 1]);
    let want = [10.0 / 18.0, 10.0 / 9.0, 10.0 / 3.0];
    assert!(
        b.iter().zip(want).all(|(a, w)| (a - w).abs() < 1e-12),
        "{b:?}"
    );
    assert_eq!(ClassWeights::None.weights(&[6, 0, 1]), [1.0, 0.0, 1.0]);
    let l = ClassWeights::LogFrequency.weights(&[90, 10]);
    assert!(
        (l[0] - 1.0).abs() < 1e-12 && (l[1] - 10f64.ln()).abs() < 1e-12,
        "{l:?}"
    );
}
