//! The timed loops behind `exg bench train` and `exg bench infer`: a full training step and a
//! single-record inference, on synthetic data, for any configuration.
//!
//! The PyTorch twin `benches/torch/exgnet.py` reads the same JSON ([`BenchConfig`]) and builds
//! the identical network, so the two reports can be compared side by side. This is a benchmark
//! of one step, not a trainer: it trains nothing to convergence.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use candle::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use exg_model::init::SeededVarMap;
use exg_model::{Classifier, ExgNet, ExgNetConfig, FeatureHead};
use exg_signal::rng::SplitMix64;
use exg_xai::GradCam;
use exg_xai::saliency::{PostProcess, Resolution};
use serde::{Deserialize, Serialize};

/// What to benchmark (the JSON file shared with the PyTorch twin).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchConfig {
    /// The network.
    pub model: ExgNetConfig,
    /// Records per training step.
    pub batch: usize,
    /// AdamW learning rate.
    pub lr: f64,
    /// AdamW weight decay (decoupled).
    pub weight_decay: f64,
    /// Steps run before timing starts.
    #[serde(default = "two")]
    pub warmup: usize,
    /// Include the train-only feature branch (joint head loss added to the signal loss).
    #[serde(default)]
    pub use_aux: bool,
    /// Seed of the weights and the synthetic batch.
    #[serde(default)]
    pub seed: u64,
    /// Weight of the joint-head cross-entropy (used when `use_aux`), as in the trainer; 0
    /// leaves the feature head out of the graph (the trainer's rule).
    #[serde(default = "one")]
    pub lambda_features: f64,
    /// Weight of the XAI term `1 − NCC(Grad-CAM, target)` (0: off). Grad-CAM is the
    /// differentiable map of the GAP → linear head for the true labels at the input length, the
    /// targets a fixed synthetic batch (the trainer caches them, so they are not timed).
    #[serde(default)]
    pub lambda_xai: f64,
}

fn one() -> f64 {
    1.0
}

fn two() -> usize {
    2
}

impl BenchConfig {
    /// Reads a JSON file.
    ///
    /// # Errors
    /// Unreadable or invalid JSON, or an invalid model configuration.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let cfg: Self = serde_json::from_str(&text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the configuration (after any override of its fields).
    ///
    /// # Errors
    /// An invalid model, batch 0, `use_aux` without `model.aux`, or a negative or non-finite
    /// lambda.
    pub fn validate(&self) -> Result<()> {
        let cfg = self;
        cfg.model.validate()?;
        ensure!(cfg.batch >= 1, "batch must be >= 1");
        ensure!(
            !cfg.use_aux || cfg.model.aux.is_some(),
            "use_aux needs model.aux"
        );
        ensure!(
            cfg.lambda_features >= 0.0
                && cfg.lambda_xai >= 0.0
                && cfg.lambda_features.is_finite()
                && cfg.lambda_xai.is_finite(),
            "lambda_features and lambda_xai must be finite and >= 0"
        );
        Ok(())
    }
}

/// Timings of a benchmark run (milliseconds).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchReport {
    /// Which benchmark: `train` or `infer`.
    pub bench: String,
    /// Mean time per step (train) or per record (infer) over the timed iterations.
    pub ms_per_step: f64,
    /// Fastest iteration.
    pub ms_min: f64,
    /// Median iteration.
    pub ms_median: f64,
    /// Mean forward time (including the loss for `train`).
    pub ms_forward: f64,
    /// Mean backward time (`train` only).
    pub ms_backward: f64,
    /// Mean optimiser time (`train` only).
    pub ms_optimizer: f64,
    /// Timed iterations.
    pub steps: usize,
    /// Batch size.
    pub batch: usize,
    /// Worker threads.
    pub threads: usize,
    /// Trainable parameters of the signal path.
    pub params: usize,
    /// Trainable parameters of the feature branch (0 when not used).
    pub aux_params: usize,
    /// Forward FLOPs per record (conv and linear layers).
    pub flops_per_record: u64,
    /// Implementation.
    pub framework: String,
    /// Weight of the joint-head cross-entropy in the timed step (0: feature head not run).
    #[serde(default)]
    pub lambda_features: f64,
    /// Weight of the XAI term in the timed step (0: not computed).
    #[serde(default)]
    pub lambda_xai: f64,
}

fn run_in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<(T, usize)> {
    match threads {
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .context("thread pool")?;
            Ok((pool.install(f), t))
        }
        None => Ok((f(), rayon::current_num_threads())),
    }
}

fn normal_tensor(
    rng: &mut SplitMix64,
    shape: (usize, usize, usize),
    dev: &Device,
) -> Result<Tensor> {
    let n = shape.0 * shape.1 * shape.2;
    let v: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
    Ok(Tensor::from_vec(v, shape, dev)?)
}

fn summarize(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.sort_by(f64::total_cmp);
    (mean, v[0], v[v.len() / 2])
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Times `steps` full training steps (forward, cross-entropy, backward, AdamW) after
/// `cfg.warmup` untimed ones, on a fixed synthetic batch.
///
/// `threads`: run in a pool of that many threads (default: rayon's global pool, which honours
/// `RAYON_NUM_THREADS`).
///
/// # Errors
/// Invalid configuration or a tensor error.
pub fn train_bench(cfg: &BenchConfig, steps: usize, threads: Option<usize>) -> Result<BenchReport> {
    let (r, t) = run_in_pool(threads, || train_bench_inner(cfg, steps))?;
    let mut r = r?;
    r.threads = t;
    Ok(r)
}

fn train_bench_inner(cfg: &BenchConfig, steps: usize) -> Result<BenchReport> {
    let dev = Device::Cpu;
    let m = &cfg.model;
    let vars = SeededVarMap::new(cfg.seed);
    let vb = vars.var_builder(DType::F32, &dev);
    let net = ExgNet::new(m, vb.clone())?;
    let aux = if cfg.use_aux && cfg.lambda_features > 0.0 {
        Some(FeatureHead::new(&m.feature_head()?, vb)?)
    } else {
        None
    };
    let mut params = net.trainable_vars();
    if let Some(a) = &aux {
        params.extend(a.trainable_vars());
    }
    let mut opt = AdamW::new(
        params,
        ParamsAdamW {
            lr: cfg.lr,
            weight_decay: cfg.weight_decay,
            ..Default::default()
        },
    )?;
    let mut rng = SplitMix64::new(cfg.seed ^ 0xda7a);
    let xs = normal_tensor(&mut rng, (cfg.batch, 1, m.input_len), &dev)?;
    let labels: Vec<u32> = (0..cfg.batch)
        .map(|_| (rng.next_u64() % m.n_classes as u64) as u32)
        .collect();
    let labels = Tensor::new(labels, &dev)?;
    let feats = match &m.aux {
        Some(a) => Some(normal_tensor(&mut rng, (cfg.batch, a.n_features, 1), &dev)?.squeeze(2)?),
        None => None,
    };
    let xai_targets = normal_tensor(&mut rng, (cfg.batch, 1, m.input_len), &dev)?
        .squeeze(1)?
        .abs()?;
    let label_idx: Vec<usize> = labels
        .to_vec1::<u32>()?
        .iter()
        .map(|&l| l as usize)
        .collect();
    let cam = GradCam::new(PostProcess::TRAINING);
    let head_weight = net
        .head_weight()
        .context("the XAI term needs a GAP -> linear head")?;
    let (mut tot, mut fw, mut bw, mut op) = (vec![], vec![], vec![], vec![]);
    for i in 0..cfg.warmup + steps {
        let t0 = Instant::now();
        let out = net.forward_all_t(&xs, true)?;
        let mut loss = candle_nn::loss::cross_entropy(&out.logits, &labels)?;
        if let (Some(a), Some(f)) = (&aux, &feats) {
            let joint = a.forward(&out.embedding, f)?;
            let l = candle_nn::loss::cross_entropy(&joint, &labels)?;
            loss = (loss + (l * cfg.lambda_features)?)?;
        }
        if cfg.lambda_xai > 0.0 {
            let res = Resolution::Length(m.input_len);
            let maps = cam.differentiable(&out, head_weight, &label_idx, res)?;
            let xai = exg_xai::ncc_loss(&maps, &xai_targets, None, exg_xai::ncc::DEFAULT_EPS)?;
            loss = (loss + (xai.loss * cfg.lambda_xai)?)?;
        }
        let _ = loss.to_scalar::<f32>()?;
        let t1 = Instant::now();
        let grads = loss.backward()?;
        let t2 = Instant::now();
        opt.step(&grads)?;
        let t3 = Instant::now();
        if i >= cfg.warmup {
            let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
            tot.push(ms(t0, t3));
            fw.push(ms(t0, t1));
            bw.push(ms(t1, t2));
            op.push(ms(t2, t3));
        }
    }
    let (mean_ms, min_ms, med_ms) = summarize(tot);
    let cost = m.cost()?;
    Ok(BenchReport {
        bench: "train".into(),
        ms_per_step: mean_ms,
        ms_min: min_ms,
        ms_median: med_ms,
        ms_forward: mean(&fw),
        ms_backward: mean(&bw),
        ms_optimizer: mean(&op),
        steps,
        batch: cfg.batch,
        threads: 0,
        params: net.num_params(),
        aux_params: if cfg.use_aux { cost.aux_params } else { 0 },
        flops_per_record: cost.flops,
        framework: "exg (candle 0.11.1 + exg-model kernels)".into(),
        lambda_features: if aux.is_some() {
            cfg.lambda_features
        } else {
            0.0
        },
        lambda_xai: cfg.lambda_xai,
    })
}

/// Times inference of one record (batch 1, eval mode) `steps` times after `cfg.warmup`
/// untimed runs.
///
/// # Errors
/// Invalid configuration or a tensor error.
pub fn infer_bench(cfg: &BenchConfig, steps: usize, threads: Option<usize>) -> Result<BenchReport> {
    let (r, t) = run_in_pool(threads, || -> Result<BenchReport> {
        let dev = Device::Cpu;
        let m = &cfg.model;
        let vars = SeededVarMap::new(cfg.seed);
        let net = ExgNet::new(m, vars.var_builder(DType::F32, &dev))?;
        let mut rng = SplitMix64::new(cfg.seed ^ 0xda7a);
        let x = normal_tensor(&mut rng, (1, 1, m.input_len), &dev)?;
        let mut tot = vec![];
        for i in 0..cfg.warmup + steps {
            let t0 = Instant::now();
            let logits = candle::ModuleT::forward_t(&net, &x, false)?;
            let _ = logits.to_vec2::<f32>()?;
            if i >= cfg.warmup {
                tot.push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        let (mean_ms, min_ms, med_ms) = summarize(tot);
        Ok(BenchReport {
            bench: "infer".into(),
            ms_per_step: mean_ms,
            ms_min: min_ms,
            ms_median: med_ms,
            ms_forward: mean_ms,
            ms_backward: 0.0,
            ms_optimizer: 0.0,
            steps,
            batch: 1,
            threads: 0,
            params: net.num_params(),
            aux_params: 0,
            flops_per_record: m.cost()?.flops,
            framework: "exg (candle 0.11.1 + exg-model kernels)".into(),
            lambda_features: 0.0,
            lambda_xai: 0.0,
        })
    })?;
    let mut r = r?;
    r.threads = t;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel)
    }

    #[test]
    fn bench_json_is_the_paper_preset() {
        // Oracle: the preset constructor (the JSON is what both exg and the PyTorch twin read).
        let cfg = BenchConfig::from_file(&repo_file("benches/exgnet-bench.json")).unwrap();
        assert_eq!(cfg.model, ExgNetConfig::paper());
        assert_eq!(cfg.batch, 32);
        assert!(cfg.use_aux);
        // The full EXGnet step at the trainer's default weights (compare.sh also times the
        // plain step by overriding both to 0).
        assert_eq!((cfg.lambda_features, cfg.lambda_xai), (1.0, 0.5));
    }

    #[test]
    fn lambda_features_zero_leaves_the_feature_head_out() {
        let mut cfg = BenchConfig {
            model: ExgNetConfig::tiny(),
            batch: 2,
            lr: 1e-3,
            weight_decay: 0.0,
            warmup: 0,
            use_aux: true,
            seed: 1,
            lambda_features: 0.0,
            lambda_xai: 0.0,
        };
        let r = train_bench(&cfg, 1, Some(1)).unwrap();
        assert_eq!((r.lambda_features, r.lambda_xai), (0.0, 0.0));
        assert_eq!(r.aux_params, cfg.model.cost().unwrap().aux_params);
        cfg.lambda_xai = f64::NAN;
        assert!(cfg.validate().is_err());
        cfg.lambda_xai = -1.0;
        assert!(cfg.validate().is_err());
    }

    #[test]
    fn one_step_of_each_bench_reports_the_model_size() {
        // Oracle: ExgNetConfig::cost (itself pinned against PyTorch's parameter count).
        let cfg = BenchConfig {
            model: ExgNetConfig::tiny(),
            batch: 4,
            lr: 1e-3,
            weight_decay: 0.01,
            warmup: 1,
            use_aux: true,
            seed: 3,
            lambda_features: 1.0,
            lambda_xai: 0.5,
        };
        let cost = cfg.model.cost().unwrap();
        let train = train_bench(&cfg, 2, Some(1)).unwrap();
        assert_eq!(
            (train.params, train.aux_params),
            (cost.params, cost.aux_params)
        );
        assert_eq!((train.steps, train.threads), (2, 1));
        assert!(train.ms_per_step > 0.0 && train.ms_min <= train.ms_median);
        let infer = infer_bench(&cfg, 2, None).unwrap();
        assert_eq!((infer.bench.as_str(), infer.batch), ("infer", 1));
        assert!(infer.ms_per_step.is_finite());
        assert_eq!((train.lambda_features, train.lambda_xai), (1.0, 0.5));
    }
}
