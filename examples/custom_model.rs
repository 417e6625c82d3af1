//! A network that is not EXGnet, written outside exg-model, trained through the same seams.
//!
//! `PlainConvNet` stacks two plain `conv → BN → ReLU → max-pool` stages (from
//! `exg::model::layers`, built from an ordinary `VarBuilder`) and a global-average-pooling +
//! linear head. It implements [`Classifier`], so everything written against the trait works on
//! it unchanged:
//!
//! * the train-only [`FeatureHead`] joins quantitative features to its embedding (sized by a
//!   [`FeatureHeadConfig`] built from the model's `embed_dim` and `num_classes`);
//! * a trainer optimises `trainable_vars()` of both with AdamW on synthetic records whose class
//!   sets the dominant frequency; the loss falls, and the signal-only head classifies a held-out
//!   batch;
//! * Grad-CAM reads `activations_t` and `head_weight`, and the closed form agrees with the
//!   general path (backpropagating a class score to a leaf copy of the activations).
//!
//! ```sh
//! cargo run --release --example custom_model
//! cargo test --release --example custom_model   # the same checks, as tests (also run by `cargo test`)
//! ```

use anyhow::{Result, ensure};
use candle::{D, DType, Device, ModuleT, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder};
use exg::model::init::{SeededVarMap, SplitMix64};
use exg::model::layers::{ConvBn, Linear, NamedTensors};
use exg::model::ops::{Conv1dGeometry, max_pool1d};
use exg::model::{Classifier, FeatureHead, FeatureHeadConfig};

/// Samples per record.
const LEN: usize = 64;
/// Classes: the record's dominant frequency (cycles per record).
const CYCLES: [f64; 3] = [2.0, 6.0, 14.0];
/// Quantitative features per record for the feature head.
const N_FEATURES: usize = 3;

/// Two `conv(k = 7, "same") → BN → ReLU → max-pool 2` stages, then GAP and one linear layer.
struct PlainConvNet {
    stages: Vec<ConvBn>,
    head: Linear,
    tensors: NamedTensors,
}

impl PlainConvNet {
    fn new(channels: [usize; 2], n_classes: usize, vb: VarBuilder) -> candle::Result<Self> {
        let vb = vb.pp("plain");
        let mut tensors = NamedTensors::default();
        let mut stages = Vec::new();
        let mut cin = 1;
        for (i, &c) in channels.iter().enumerate() {
            let g = Conv1dGeometry::same(7, 1);
            let stage = ConvBn::new(cin, c, 7, g, 1e-5, 0.1, vb.pp("stages").pp(i))?;
            tensors.extend(stage.tensors());
            stages.push(stage);
            cin = c;
        }
        let head = Linear::new(cin, n_classes, vb.pp("head"))?;
        tensors.extend(head.tensors());
        Ok(Self {
            stages,
            head,
            tensors,
        })
    }
}

impl ModuleT for PlainConvNet {
    fn forward_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor> {
        Ok(self.forward_all_t(xs, train)?.logits)
    }
}

impl Classifier for PlainConvNet {
    fn num_classes(&self) -> usize {
        self.head.weight().dim(0).unwrap_or(0)
    }

    fn embed_dim(&self) -> usize {
        self.head.weight().dim(1).unwrap_or(0)
    }

    fn activations_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor> {
        let mut h = xs.clone();
        for s in &self.stages {
            h = max_pool1d(&s.forward(&h, None, true, train)?, 2)?;
        }
        Ok(h)
    }

    fn head_t(&self, a: &Tensor, _train: bool) -> candle::Result<(Tensor, Tensor)> {
        let embedding = a.mean(D::Minus1)?;
        let logits = self.head.forward(&embedding)?;
        Ok((embedding, logits))
    }

    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.tensors.all()
    }

    fn trainable_vars(&self) -> Vec<Var> {
        self.tensors.trainable_vars()
    }

    fn head_weight(&self) -> Option<&Tensor> {
        Some(self.head.weight())
    }
}

/// A batch of `n` synthetic records (noisy sines, class = frequency), their features (a noisy
/// copy of the one-hot class) and labels, from a seeded generator.
fn batch(n: usize, seed: u64, dev: &Device) -> Result<(Tensor, Tensor, Tensor)> {
    let mut rng = SplitMix64::new(seed);
    let (mut xs, mut feats, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let class = i % CYCLES.len();
        let phase = std::f64::consts::TAU * rng.next_f64();
        for t in 0..LEN {
            let arg = std::f64::consts::TAU * CYCLES[class] * t as f64 / LEN as f64 + phase;
            xs.push((arg.sin() + 0.3 * rng.next_normal()) as f32);
        }
        for k in 0..N_FEATURES {
            let hot = if k == class { 1.0 } else { 0.0 };
            feats.push((hot + 0.5 * rng.next_normal()) as f32);
        }
        labels.push(class as u32);
    }
    Ok((
        Tensor::from_vec(xs, (n, 1, LEN), dev)?,
        Tensor::from_vec(feats, (n, N_FEATURES), dev)?,
        Tensor::new(labels, dev)?,
    ))
}

/// Trains the model and the feature head jointly for `steps` AdamW steps on one synthetic
/// batch; returns the training loss before each step and the deployable (signal-only) head's
/// accuracy on a held-out batch, in eval mode.
fn train(steps: usize) -> Result<(Vec<f32>, f64)> {
    let dev = Device::Cpu;
    let vars = SeededVarMap::new(1);
    let vb = vars.var_builder(DType::F32, &dev);
    let model = PlainConvNet::new([8, 12], CYCLES.len(), vb.clone())?;
    let head_cfg = FeatureHeadConfig {
        n_features: N_FEATURES,
        hidden: vec![8],
        embed_dim: model.embed_dim(),
        n_classes: model.num_classes(),
    };
    let aux = FeatureHead::new(&head_cfg, vb)?;
    let mut params = model.trainable_vars();
    params.extend(aux.trainable_vars());
    let mut opt = AdamW::new(
        params,
        ParamsAdamW {
            lr: 0.02,
            ..Default::default()
        },
    )?;
    let (xs, feats, labels) = batch(24, 7, &dev)?;
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        let out = model.forward_all_t(&xs, true)?;
        let joint = aux.forward(&out.embedding, &feats)?;
        let loss = (candle_nn::loss::cross_entropy(&out.logits, &labels)?
            + candle_nn::loss::cross_entropy(&joint, &labels)?)?;
        losses.push(loss.to_scalar::<f32>()?);
        opt.backward_step(&loss)?;
    }
    let (xs, _, labels) = batch(30, 8, &dev)?;
    let predicted = model.forward_t(&xs, false)?.argmax(D::Minus1)?;
    let correct = predicted.eq(&labels)?.to_dtype(DType::F64)?.mean_all()?;
    Ok((losses, correct.to_scalar::<f64>()?))
}

/// Grad-CAM maps `(B, T')` for `class`, in closed form from `head_weight` and by the general
/// path; returns the largest difference.
fn grad_cam_paths_agree(class: usize) -> Result<f64> {
    let dev = Device::Cpu;
    let model = PlainConvNet::new(
        [4, 6],
        CYCLES.len(),
        SeededVarMap::new(2).var_builder(DType::F64, &dev),
    )?;
    let (xs, _, _) = batch(3, 9, &dev)?;
    let a = model.activations_t(&xs.to_dtype(DType::F64)?, false)?;
    let t = a.dim(2)? as f64;
    // Closed form: ReLU(sum_k W[c, k] / T' * A_k).
    let w = model
        .head_weight()
        .ok_or_else(|| anyhow::anyhow!("GAP + linear head has a weight"))?;
    let wc = (w.narrow(0, class, 1)? / t)?.unsqueeze(2)?; // (1, C, 1)
    let closed = a.broadcast_mul(&wc)?.sum(1)?.relu()?;
    // General path: gradient of the class score w.r.t. a leaf copy of the activations, averaged
    // over time, weights the channels.
    let leaf = Var::from_tensor(&a.detach())?;
    let (_, logits) = model.head_t(leaf.as_tensor(), false)?;
    let grads = logits.narrow(1, class, 1)?.sum_all()?.backward()?;
    let da = grads
        .get(leaf.as_tensor())
        .ok_or_else(|| anyhow::anyhow!("no gradient reached the activations"))?;
    let alpha = da.mean_keepdim(2)?; // (B, C, 1)
    let general = a.broadcast_mul(&alpha)?.sum(1)?.relu()?;
    let diff = (closed - general)?.abs()?.max_all()?.to_scalar::<f64>()?;
    Ok(diff)
}

#[cfg_attr(test, allow(dead_code))]
fn main() -> Result<()> {
    let (losses, accuracy) = train(40)?;
    for (i, l) in losses.iter().enumerate().step_by(5) {
        println!("step {i:>2}: loss {l:.4}");
    }
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    ensure!(last < 0.5 * first, "loss did not fall: {first} -> {last}");
    println!("loss {first:.4} -> {last:.4}; held-out accuracy {accuracy:.2} (chance 0.33)");
    println!(
        "Grad-CAM closed form vs general path: max diff {:.1e}",
        grad_cam_paths_agree(1)?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_external_classifier_trains_with_the_feature_head() {
        let (losses, accuracy) = train(40).unwrap();
        let (first, last) = (losses[0], losses[losses.len() - 1]);
        assert!(last.is_finite() && last < 0.5 * first, "{losses:?}");
        assert!(accuracy >= 0.9, "held-out accuracy {accuracy} (chance 1/3)");
    }

    #[test]
    fn grad_cam_closed_form_matches_the_general_path() {
        for class in 0..CYCLES.len() {
            let diff = grad_cam_paths_agree(class).unwrap();
            assert!(diff < 1e-12, "class {class}: {diff}");
        }
    }

    #[test]
    fn the_model_lists_its_tensors_under_its_own_prefix() {
        let vb = SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
        let model = PlainConvNet::new([4, 6], 3, vb).unwrap();
        let names: Vec<String> = model.named_tensors().into_iter().map(|(n, _)| n).collect();
        assert!(names.iter().all(|n| n.starts_with("plain.")), "{names:?}");
        assert!(names.iter().any(|n| n.ends_with("running_var")));
        // Running statistics are saved but not trained.
        assert_eq!(model.trainable_vars().len(), names.len() - 4);
    }
}
