//! The EXGnet classifier ([`ExgNet`]), its train-only feature head ([`FeatureHead`]), the
//! [`Classifier`] seam and persistence.

use std::collections::HashMap;
use std::path::Path;

use candle::{D, DType, Device, Tensor, Var};
use candle_nn::VarBuilder;

use crate::config::{BlockKind, ExgNetConfig, FeatureHeadConfig};
use crate::layers::{Block, Linear, MultiResBlock, NamedTensors, PlainBlock};
use crate::{Error, Result};

/// Everything one forward pass exposes. The tensors stay in the autograd graph.
#[derive(Clone, Debug)]
pub struct Forward {
    /// `(B, C, T')`: the feature map Grad-CAM reads (output of the last block).
    pub activations: Tensor,
    /// `(B, C)`: global average of `activations` (input to the heads).
    pub embedding: Tensor,
    /// `(B, K)`: the deployed signal head.
    pub logits: Tensor,
}

/// A single-lead classifier with a visible trunk/head split: the seam a trainer, the feature
/// head ([`FeatureHead`]) and explanation methods build on.
///
/// What each consumer uses:
///
/// * a trainer: [`forward_all_t`](Classifier::forward_all_t) (logits for the loss, the
///   embedding for a [`FeatureHead`]) and [`trainable_vars`](Classifier::trainable_vars) for the
///   optimiser; [`named_tensors`](Classifier::named_tensors) to checkpoint.
/// * Grad-CAM: the last conv stage's activations `A (B, C, T')` from
///   [`activations_t`](Classifier::activations_t) and the head as a separate function of them,
///   [`head_t`](Classifier::head_t). candle's backward keeps gradients of variables only, so the
///   general path re-runs the head on a leaf copy of the activations
///   (`Var::from_tensor(&a.detach())`) and backpropagates a class score to it. When the head is
///   global average pooling then one linear layer, [`head_weight`](Classifier::head_weight)
///   returns `W (K, C)` and the map is `ReLU(sum_k W[c, k] / T' * A_k)` in closed form (and
///   differentiable with respect to the trunk's parameters).
///
/// The trait is object safe: `Box<dyn Classifier>` works.
///
/// # Errors
/// The tensor-level methods return [`candle::Result`], like candle-nn's `Module`/`ModuleT`;
/// `?` converts into [`crate::Error`].
///
/// # Examples
/// A trainer step written against the trait only:
/// ```
/// # fn main() -> exg_model::Result<()> {
/// use candle::{DType, Device, Tensor};
/// use candle_nn::{Optimizer, SGD};
/// use exg_model::{Classifier, ExgNet, ExgNetConfig, init::SeededVarMap};
/// fn step(model: &dyn Classifier, opt: &mut SGD, x: &Tensor, y: &Tensor) -> candle::Result<f32> {
///     let out = model.forward_all_t(x, true)?;
///     let loss = candle_nn::loss::cross_entropy(&out.logits, y)?;
///     opt.backward_step(&loss)?;
///     loss.to_scalar::<f32>()
/// }
/// let cfg = ExgNetConfig::tiny();
/// let net = ExgNet::new(&cfg, SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu))?;
/// let mut opt = SGD::new(net.trainable_vars(), 0.05)?;
/// let x = Tensor::randn(0f32, 1., (4, 1, cfg.input_len), &Device::Cpu)?;
/// let y = Tensor::new(&[0u32, 1, 2, 0], &Device::Cpu)?;
/// let first = step(&net, &mut opt, &x, &y)?;
/// for _ in 0..20 {
///     step(&net, &mut opt, &x, &y)?;
/// }
/// assert!(step(&net, &mut opt, &x, &y)? < first);
/// # Ok(()) }
/// ```
pub trait Classifier: candle::ModuleT + Send + Sync {
    /// Number of classes `K`.
    fn num_classes(&self) -> usize;
    /// Embedding size `D` (= channels `C` of the activation map).
    fn embed_dim(&self) -> usize;
    /// Trunk.
    ///
    /// # Shapes
    /// `xs (B, 1, T)` → activations `(B, C, T')`.
    fn activations_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor>;
    /// Head; depends on the input only through `a`.
    ///
    /// # Shapes
    /// `a (B, C, T')` → `(embedding (B, D), logits (B, K))`.
    fn head_t(&self, a: &Tensor, train: bool) -> candle::Result<(Tensor, Tensor)>;
    /// Trunk then head, returned together.
    fn forward_all_t(&self, xs: &Tensor, train: bool) -> candle::Result<Forward> {
        let activations = self.activations_t(xs, train)?;
        let (embedding, logits) = self.head_t(&activations, train)?;
        Ok(Forward {
            activations,
            embedding,
            logits,
        })
    }
    /// Every tensor that defines the model, by full name: parameters, then saved state that is
    /// not trained (batch-norm running statistics). What a checkpoint holds.
    fn named_tensors(&self) -> Vec<(String, Tensor)>;
    /// The parameters an optimiser updates (no running statistics). Empty for a model built
    /// from constant tensors (loaded for inference).
    fn trainable_vars(&self) -> Vec<Var>;
    /// `W (K, C)` when [`head_t`](Classifier::head_t) is exactly global average pooling over
    /// time followed by one linear layer (`logits = mean_t(A) W^T + b`), so Grad-CAM's channel
    /// weights for class `c` are `W[c, :] / T'`. `None` (the default): any other head; use the
    /// general path (backpropagate to a leaf copy of the activations).
    fn head_weight(&self) -> Option<&Tensor> {
        None
    }
    /// The input length `T` the model was built for, when it has one. `None` (the default): any
    /// length the trunk accepts. Explanation methods (`exg-xai`) refuse inputs of another length,
    /// as [`ExgNet::predict_proba`] does.
    fn input_len(&self) -> Option<usize> {
        None
    }
}

/// The deployable EXGnet: a trunk of multiresolution blocks, global average pooling and one
/// linear layer. Parameters live under `net.*`.
///
/// With this head the Grad-CAM channel weights for class `c` are exactly `W[c, :] / T'`.
///
/// # Examples
/// ```
/// # fn main() -> exg_model::Result<()> {
/// use candle::{DType, Device, Tensor};
/// use exg_model::{Classifier, ExgNet, ExgNetConfig, init::SeededVarMap};
/// let cfg = ExgNetConfig::tiny();
/// let vars = SeededVarMap::new(1);
/// let net = ExgNet::new(&cfg, vars.var_builder(DType::F32, &Device::Cpu))?;
/// let x = Tensor::zeros((2, 1, cfg.input_len), DType::F32, &Device::Cpu)?;
/// let out = net.forward_all_t(&x, false)?;
/// assert_eq!(out.logits.dims(), &[2, cfg.n_classes]);
/// assert_eq!(out.activations.dims(), &[2, cfg.embed_dim(), cfg.activation_len()?]);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ExgNet {
    cfg: ExgNetConfig,
    blocks: Vec<Block>,
    head: Linear,
    tensors: NamedTensors,
}

impl ExgNet {
    /// Builds the network from `vb` (root; the network adds the `net` prefix).
    ///
    /// # Errors
    /// An invalid configuration, or tensors of the wrong shape in `vb`.
    pub fn new(cfg: &ExgNetConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let vb = vb.pp("net");
        let mut tensors = NamedTensors::default();
        let mut blocks = Vec::with_capacity(cfg.blocks.len());
        let mut cin = 1;
        for (i, b) in cfg.blocks.iter().enumerate() {
            let vbi = vb.pp("blocks").pp(i);
            let (eps, m) = (cfg.bn_eps, cfg.bn_momentum);
            blocks.push(match b.kind {
                BlockKind::Multiresolution => Block::MultiRes(Box::new(MultiResBlock::new(
                    cin,
                    cfg.widths(b.width),
                    b.kernel,
                    b.dilation,
                    b.pool,
                    eps,
                    m,
                    vbi,
                )?)),
                BlockKind::Plain => Block::Plain(PlainBlock::new(
                    cin, b.width, b.kernel, b.dilation, b.pool, eps, m, vbi,
                )?),
            });
            tensors.extend(blocks[i].tensors());
            cin = b.width;
        }
        let head = Linear::new(cin, cfg.n_classes, vb.pp("head"))?;
        tensors.extend(head.tensors());
        Ok(Self {
            cfg: cfg.clone(),
            blocks,
            head,
            tensors,
        })
    }

    /// Loads a deployable model saved by [`ExgNet::save`] (`net.*` tensors only; extra tensors
    /// such as a feature branch are ignored).
    ///
    /// # Errors
    /// Unreadable file, missing tensors or shapes that do not match `cfg`.
    pub fn load(cfg: &ExgNetConfig, path: &Path, dev: &Device) -> Result<Self> {
        let tensors = candle::safetensors::load(path, dev).map_err(|e| match e {
            candle::Error::Io(source) => Error::Io {
                path: path.to_path_buf(),
                source,
            },
            e => Error::Candle(e),
        })?;
        let dtype = tensors.values().next().map_or(DType::F32, |t| t.dtype());
        Self::new(cfg, VarBuilder::from_tensors(tensors, dtype, dev))
    }

    /// Saves the deployable model (`net.*` parameters and batch-norm statistics, nothing of the
    /// train-only branch) as safetensors; written to a temporary file, then renamed.
    ///
    /// # Errors
    /// I/O errors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let map: HashMap<String, Tensor> = self.named_tensors().into_iter().collect();
        save_tensors(&map, path)
    }

    /// The configuration.
    pub fn config(&self) -> &ExgNetConfig {
        &self.cfg
    }

    /// Number of parameters of the signal path (also for a model loaded for inference).
    pub fn num_params(&self) -> usize {
        self.tensors.num_params()
    }

    /// Class probabilities for a batch of records, in inference mode.
    ///
    /// # Shapes
    /// `xs (B, 1, T)` → `(B, K)`.
    pub fn predict_proba(&self, xs: &Tensor) -> Result<Tensor> {
        self.check_input(xs)?;
        let logits = candle::ModuleT::forward_t(self, xs, false)?;
        Ok(candle_nn::ops::softmax(&logits, D::Minus1)?)
    }

    /// Checks `xs` is `(B, 1, input_len)` with `B >= 1` and every value finite (a NaN would
    /// otherwise propagate silently into every logit).
    pub fn check_input(&self, xs: &Tensor) -> Result<()> {
        match xs.dims() {
            [b, 1, t] if *b > 0 && *t == self.cfg.input_len => {}
            d => {
                return Err(Error::Input(format!(
                    "expected (B, 1, {}) input, got {d:?}",
                    self.cfg.input_len
                )));
            }
        }
        let energy = xs
            .to_dtype(DType::F64)?
            .sqr()?
            .sum_all()?
            .to_scalar::<f64>()?;
        if !energy.is_finite() {
            return Err(Error::Input("input contains NaN or infinite values".into()));
        }
        Ok(())
    }
}

/// Writes safetensors atomically (temporary file in the same folder, then rename).
pub(crate) fn save_tensors(map: &HashMap<String, Tensor>, path: &Path) -> Result<()> {
    let bytes = safetensors::serialize(map, None)
        .map_err(|e| Error::Candle(candle::Error::Msg(e.to_string())))?;
    crate::described::write_atomic(path, &bytes)
}

impl candle::ModuleT for ExgNet {
    fn forward_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor> {
        Ok(self.forward_all_t(xs, train)?.logits)
    }
}

impl Classifier for ExgNet {
    fn num_classes(&self) -> usize {
        self.cfg.n_classes
    }

    fn embed_dim(&self) -> usize {
        self.cfg.embed_dim()
    }

    fn activations_t(&self, xs: &Tensor, train: bool) -> candle::Result<Tensor> {
        let mut h = xs.clone();
        for b in &self.blocks {
            h = b.forward(&h, train)?;
        }
        Ok(h)
    }

    fn head_t(&self, a: &Tensor, _train: bool) -> candle::Result<(Tensor, Tensor)> {
        let emb = a.mean(D::Minus1)?;
        let logits = self.head.forward(&emb)?;
        Ok((emb, logits))
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

    fn input_len(&self) -> Option<usize> {
        Some(self.cfg.input_len)
    }
}

/// The train-only joint head: an MLP embeds the quantitative features, which are concatenated
/// with a classifier's signal embedding and classified by one linear layer. Parameters live
/// under `aux.*`, so the deployable model never sees them.
///
/// It depends on the classifier only through the embedding size and the number of classes
/// ([`FeatureHeadConfig`]), so any [`Classifier`] can be trained with it.
///
/// # Examples
/// ```
/// # fn main() -> exg_model::Result<()> {
/// use candle::{DType, Device, Tensor};
/// use exg_model::{Classifier, ExgNet, ExgNetConfig, FeatureHead, FeatureHeadConfig};
/// use exg_model::init::SeededVarMap;
/// let cfg = ExgNetConfig::tiny();
/// let vb = SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let net = ExgNet::new(&cfg, vb.clone())?;
/// let head = FeatureHead::new(
///     &FeatureHeadConfig { n_features: 4, hidden: vec![8], embed_dim: net.embed_dim(), n_classes: net.num_classes() },
///     vb,
/// )?;
/// let x = Tensor::randn(0f32, 1., (2, 1, cfg.input_len), &Device::Cpu)?;
/// let features = Tensor::randn(0f32, 1., (2, 4), &Device::Cpu)?;
/// let joint = head.forward(&net.forward_all_t(&x, true)?.embedding, &features)?;
/// assert_eq!(joint.dims(), &[2, cfg.n_classes]);
/// assert!(head.named_tensors().iter().all(|(name, _)| name.starts_with("aux.")));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FeatureHead {
    mlp: Vec<Linear>,
    head: Linear,
    n_features: usize,
    tensors: NamedTensors,
}

impl FeatureHead {
    /// Builds the branch (root `vb`; the branch adds the `aux` prefix). For EXGnet's branch use
    /// [`ExgNetConfig::feature_head`].
    ///
    /// # Errors
    /// An invalid configuration, or tensors of the wrong shape in `vb`.
    pub fn new(cfg: &FeatureHeadConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()?;
        let vb = vb.pp("aux");
        let mut tensors = NamedTensors::default();
        let mut mlp = Vec::new();
        let mut din = cfg.n_features;
        for (i, &h) in cfg.hidden.iter().enumerate() {
            let layer = Linear::new(din, h, vb.pp("mlp").pp(i))?;
            tensors.extend(layer.tensors());
            mlp.push(layer);
            din = h;
        }
        let head = Linear::new(cfg.embed_dim + din, cfg.n_classes, vb.pp("head"))?;
        tensors.extend(head.tensors());
        Ok(Self {
            mlp,
            head,
            n_features: cfg.n_features,
            tensors,
        })
    }

    /// Number of features `F` the branch takes.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Joint logits.
    ///
    /// # Shapes
    /// `embedding (B, D)`, `features (B, F)` → `(B, K)`.
    pub fn forward(&self, embedding: &Tensor, features: &Tensor) -> candle::Result<Tensor> {
        let (b, f) = features.dims2()?;
        if f != self.n_features || embedding.dim(0)? != b {
            candle::bail!(
                "feature head: expected ({}, {}) features, got ({b}, {f})",
                embedding.dim(0)?,
                self.n_features
            );
        }
        let mut h = features.clone();
        for l in &self.mlp {
            h = l.forward(&h)?.relu()?;
        }
        self.head.forward(&Tensor::cat(&[embedding, &h], 1)?)
    }

    /// The trainable variables.
    pub fn trainable_vars(&self) -> Vec<Var> {
        self.tensors.trainable_vars()
    }

    /// Number of parameters.
    pub fn num_params(&self) -> usize {
        self.tensors.num_params()
    }

    /// Every tensor of the branch by full name.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.tensors.all()
    }
}
