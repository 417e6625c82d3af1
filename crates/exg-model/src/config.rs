//! Network configuration (serde, JSON), the shipped presets, and cost accounting.

use serde::{Deserialize, Serialize};

use crate::Error;

/// One multiresolution block of the trunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockConfig {
    /// Output channels `W` of the block (the three cascaded convs split it ~1/6, 1/3, 1/2).
    pub width: usize,
    /// Kernel length of the three cascaded convolutions (16 in the reference notebook).
    pub kernel: usize,
    /// Dilation of the cascaded convolutions.
    #[serde(default = "one")]
    pub dilation: usize,
    /// Non-overlapping max-pool factor applied after the block (1 = no pooling).
    #[serde(default = "one")]
    pub pool: usize,
    /// What the block is: EXGnet's multiresolution block (default) or one plain convolution
    /// (the architecture ablation, see [`ExgNetConfig::plain_at_budget`]).
    #[serde(default)]
    pub kind: BlockKind,
}

/// The kind of a trunk block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// Three cascaded `conv → BN → ReLU` (widths ~W/6, W/3, W/2, receptive fields `k`, `2k−1`,
    /// `3k−2`) concatenated, plus a 1×1 shortcut ([`MultiResBlock`](crate::layers::MultiResBlock)).
    #[default]
    Multiresolution,
    /// One `conv(k) → BN → ReLU` of `width` channels, no shortcut
    /// ([`PlainBlock`](crate::layers::PlainBlock)).
    Plain,
}

fn one() -> usize {
    1
}

/// The train-only feature branch: MLP from the quantitative features to an embedding, then a
/// joint head on `[signal embedding ‖ feature embedding]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuxConfig {
    /// Number of input features (17 HRV time-domain features in the released data).
    pub n_features: usize,
    /// Widths of the MLP's layers (each Linear + ReLU); the last one is the feature embedding
    /// (128 in the reference notebook).
    pub hidden: Vec<usize>,
}

impl Default for AuxConfig {
    fn default() -> Self {
        Self {
            n_features: 17,
            hidden: vec![64, 128],
        }
    }
}

/// What a [`FeatureHead`](crate::FeatureHead) needs: its own sizes and two numbers of the
/// classifier it is trained with. Build it by hand for any [`Classifier`](crate::Classifier)
/// (`embed_dim: model.embed_dim(), n_classes: model.num_classes()`), or from an EXGnet
/// configuration with [`ExgNetConfig::feature_head`].
///
/// # Examples
/// ```
/// use exg_model::{ExgNetConfig, FeatureHeadConfig};
/// let h = ExgNetConfig::paper().feature_head().unwrap();
/// assert_eq!(h, FeatureHeadConfig { n_features: 17, hidden: vec![64, 128], embed_dim: 32, n_classes: 5 });
/// assert_eq!(h.num_params(), 10_277);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureHeadConfig {
    /// Number of input features.
    pub n_features: usize,
    /// Widths of the MLP's layers (each Linear + ReLU); the last one is the feature embedding.
    pub hidden: Vec<usize>,
    /// Size `D` of the classifier's embedding ([`Classifier::embed_dim`](crate::Classifier::embed_dim)).
    pub embed_dim: usize,
    /// Number of classes `K`.
    pub n_classes: usize,
}

impl FeatureHeadConfig {
    /// Checks every size is at least 1 (2 classes).
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad size.
    pub fn validate(&self) -> Result<(), Error> {
        if self.n_features == 0 || self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(Error::Config(
                "aux: n_features and hidden widths must be >= 1".into(),
            ));
        }
        if self.embed_dim == 0 || self.n_classes < 2 {
            return Err(Error::Config(format!(
                "feature head: embed_dim must be >= 1 and n_classes >= 2, got {} and {}",
                self.embed_dim, self.n_classes
            )));
        }
        Ok(())
    }

    /// Number of parameters of the branch.
    pub fn num_params(&self) -> usize {
        let mut p = 0;
        let mut i = self.n_features;
        for &h in &self.hidden {
            p += i * h + h;
            i = h;
        }
        p + (self.embed_dim + i) * self.n_classes + self.n_classes
    }
}

/// The whole network.
///
/// # Examples
/// ```
/// let cfg = exg_model::ExgNetConfig::paper();
/// assert_eq!(cfg.input_len, 5000);
/// let json = serde_json::to_string(&cfg).unwrap();
/// let back: exg_model::ExgNetConfig = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, cfg);
/// assert_eq!(cfg.activation_len().unwrap(), 625);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExgNetConfig {
    /// Sampling rate the model expects, in Hz (the data pipeline resamples to it).
    pub sample_rate_hz: f64,
    /// Input length in samples (one lead).
    pub input_len: usize,
    /// Number of classes of the deployed head.
    pub n_classes: usize,
    /// The trunk, in order.
    pub blocks: Vec<BlockConfig>,
    /// Channel split of the three cascaded convs (fractions of `width`; the last conv gets the
    /// remainder). MultiResUNet: 1/6, 1/3, 1/2.
    #[serde(default = "default_split")]
    pub split: [f64; 2],
    /// Batch-norm epsilon.
    #[serde(default = "default_eps")]
    pub bn_eps: f64,
    /// Batch-norm running-statistics momentum (PyTorch convention: weight of the new batch).
    #[serde(default = "default_momentum")]
    pub bn_momentum: f64,
    /// The train-only feature branch (`None`: no branch).
    #[serde(default)]
    pub aux: Option<AuxConfig>,
}

fn default_split() -> [f64; 2] {
    [1.0 / 6.0, 1.0 / 3.0]
}
fn default_eps() -> f64 {
    1e-5
}
fn default_momentum() -> f64 {
    0.1
}

/// Parameter and FLOP counts of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Parameters of the deployable signal path (`net.*`), trainable ones only.
    pub params: usize,
    /// Parameters of the train-only branch (`aux.*`).
    pub aux_params: usize,
    /// Batch-norm running statistics (saved, not trained).
    pub buffers: usize,
    /// Forward FLOPs for one record through the signal path (multiply-add = 2 FLOPs; conv and
    /// linear layers only, elementwise ops excluded).
    pub flops: u64,
}

impl ExgNetConfig {
    /// The `paper` preset: 500 Hz, 10 s, 5 classes; four 32-channel multiresolution blocks with
    /// kernel 16 (the reference notebook's 32-channel trunk) and max-pool 2 after the first three,
    /// so the Grad-CAM map has `T' = 625` samples (16 ms each). With the feature branch 17 → 64 →
    /// 128. See `docs/model.md` for what is from the paper and what is inferred.
    pub fn paper() -> Self {
        let b = |pool| BlockConfig {
            width: 32,
            kernel: 16,
            dilation: 1,
            pool,
            kind: BlockKind::Multiresolution,
        };
        Self {
            sample_rate_hz: 500.0,
            input_len: 5000,
            n_classes: 5,
            blocks: vec![b(2), b(2), b(2), b(1)],
            split: default_split(),
            bn_eps: default_eps(),
            bn_momentum: default_momentum(),
            aux: Some(AuxConfig::default()),
        }
    }

    /// The `edge` preset: three 16-channel blocks, kernel 16, pooling 4 after the first two
    /// (`T' = 312`); about 6x fewer FLOPs than `paper`.
    pub fn edge() -> Self {
        let b = |pool| BlockConfig {
            width: 16,
            kernel: 16,
            dilation: 1,
            pool,
            kind: BlockKind::Multiresolution,
        };
        Self {
            blocks: vec![b(4), b(4), b(1)],
            ..Self::paper()
        }
    }

    /// A tiny network for tests (short input, 2 blocks of 6 channels, kernel 5).
    pub fn tiny() -> Self {
        Self {
            sample_rate_hz: 100.0,
            input_len: 40,
            n_classes: 3,
            blocks: vec![
                BlockConfig {
                    width: 6,
                    kernel: 5,
                    dilation: 1,
                    pool: 2,
                    kind: BlockKind::Multiresolution,
                },
                BlockConfig {
                    width: 6,
                    kernel: 3,
                    dilation: 2,
                    pool: 1,
                    kind: BlockKind::Multiresolution,
                },
            ],
            split: default_split(),
            bn_eps: 1e-5,
            bn_momentum: 0.1,
            aux: Some(AuxConfig {
                n_features: 4,
                hidden: vec![5],
            }),
        }
    }

    /// A preset by name: `paper`, `edge` or `tiny`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "paper" => Some(Self::paper()),
            "edge" => Some(Self::edge()),
            "tiny" => Some(Self::tiny()),
            _ => None,
        }
    }

    /// Checks the configuration is buildable: positive sizes, widths of at least 3 channels,
    /// and an input long enough for every block.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Config(m));
        if !(self.sample_rate_hz.is_finite() && self.sample_rate_hz > 0.0) {
            return bad(format!(
                "sample_rate_hz must be > 0, got {}",
                self.sample_rate_hz
            ));
        }
        if self.n_classes < 2 {
            return bad(format!("n_classes must be >= 2, got {}", self.n_classes));
        }
        if self.blocks.is_empty() {
            return bad("at least one block is required".into());
        }
        let [a, b] = self.split;
        if !(a > 0.0 && b > 0.0 && a + b < 1.0) {
            return bad(format!(
                "split {:?} must be positive and sum below 1",
                self.split
            ));
        }
        if !(self.bn_eps > 0.0 && (0.0..=1.0).contains(&self.bn_momentum)) {
            return bad("bn_eps must be > 0 and bn_momentum in [0, 1]".into());
        }
        for (i, blk) in self.blocks.iter().enumerate() {
            if blk.kernel == 0 || blk.dilation == 0 || blk.pool == 0 {
                return bad(format!("block {i}: kernel, dilation and pool must be >= 1"));
            }
            let w = self.widths(blk.width);
            if blk.kind == BlockKind::Multiresolution && w.contains(&0) {
                return bad(format!(
                    "block {i}: width {} too small to split in three",
                    blk.width
                ));
            }
        }
        if let Some(head) = self.aux_head() {
            head.validate()?;
        }
        self.activation_len().map(|_| ())
    }

    /// The configuration of EXGnet's feature branch (`aux` sized for this network).
    ///
    /// # Errors
    /// The configuration has no `aux` branch, or is invalid.
    pub fn feature_head(&self) -> Result<FeatureHeadConfig, Error> {
        self.validate()?;
        self.aux_head()
            .ok_or_else(|| Error::Config("the configuration has no aux branch".into()))
    }

    fn aux_head(&self) -> Option<FeatureHeadConfig> {
        self.aux.as_ref().map(|a| FeatureHeadConfig {
            n_features: a.n_features,
            hidden: a.hidden.clone(),
            embed_dim: self.embed_dim(),
            n_classes: self.n_classes,
        })
    }

    /// Widths of the three cascaded convolutions of a block of `width` channels.
    pub fn widths(&self, width: usize) -> [usize; 3] {
        let a = (width as f64 * self.split[0]).round() as usize;
        let b = (width as f64 * self.split[1]).round() as usize;
        [a, b, width.saturating_sub(a + b)]
    }

    /// Channels `C` of the activation map (= embedding size).
    pub fn embed_dim(&self) -> usize {
        self.blocks.last().map_or(0, |b| b.width)
    }

    /// Length `T'` of the activation map (the Grad-CAM resolution).
    pub fn activation_len(&self) -> Result<usize, Error> {
        let mut len = self.input_len;
        for (i, b) in self.blocks.iter().enumerate() {
            if len == 0 || len < b.pool {
                return Err(Error::Config(format!(
                    "input_len {} too short: block {i} gets {len} samples",
                    self.input_len
                )));
            }
            len /= b.pool;
        }
        Ok(len)
    }

    /// Parameter count and forward FLOPs per record.
    pub fn cost(&self) -> Result<Cost, Error> {
        self.validate()?;
        let (mut params, mut buffers, mut flops) = (0usize, 0usize, 0u64);
        let mut cin = 1;
        let mut len = self.input_len;
        for b in &self.blocks {
            let convs: Vec<usize> = match b.kind {
                BlockKind::Multiresolution => self.widths(b.width).to_vec(),
                BlockKind::Plain => vec![b.width],
            };
            let mut c = cin;
            for wi in convs {
                params += c * wi * b.kernel + 2 * wi;
                buffers += 2 * wi;
                flops += 2 * (c * wi * b.kernel * len) as u64;
                c = wi;
            }
            if b.kind == BlockKind::Multiresolution {
                params += cin * b.width + 2 * b.width; // 1x1 shortcut + its batch norm
                buffers += 2 * b.width;
                flops += 2 * (cin * b.width * len) as u64;
            }
            cin = b.width;
            len /= b.pool;
        }
        params += cin * self.n_classes + self.n_classes;
        flops += 2 * (cin * self.n_classes) as u64;
        let aux_params = self.aux_head().map_or(0, |h| h.num_params());
        Ok(Cost {
            params,
            aux_params,
            buffers,
            flops,
        })
    }

    /// The architecture ablation: every block replaced by a [`BlockKind::Plain`] convolution of
    /// the same kernel, dilation and pooling (so the same activation length `T'` and Grad-CAM
    /// resolution), all widths scaled by one factor chosen so that the signal path's parameter
    /// count is as close as possible to this configuration's (within ±10 % for the presets; the
    /// test checks it). The feature branch is kept.
    ///
    /// ```
    /// let edge = exg_model::ExgNetConfig::edge();
    /// let plain = edge.plain_at_budget().unwrap();
    /// let (a, b) = (edge.cost().unwrap().params as f64, plain.cost().unwrap().params as f64);
    /// assert!((b / a - 1.0).abs() <= 0.10);
    /// ```
    ///
    /// # Errors
    /// This configuration is invalid.
    pub fn plain_at_budget(&self) -> Result<Self, Error> {
        let target = self.cost()?.params as f64;
        let mut best: Option<(f64, Self)> = None;
        // Scale factors 1/64 ... 4 in steps of 1/64.
        for step in 1..=(4 * 64) {
            let scale = step as f64 / 64.0;
            let mut cfg = self.clone();
            for b in &mut cfg.blocks {
                b.kind = BlockKind::Plain;
                b.width = ((b.width as f64 * scale).round() as usize).max(1);
            }
            let Ok(cost) = cfg.cost() else { continue };
            let gap = (cost.params as f64 / target - 1.0).abs();
            if best.as_ref().is_none_or(|(g, _)| gap < *g) {
                best = Some((gap, cfg));
            }
        }
        best.map(|(_, c)| c)
            .ok_or_else(|| Error::Config("no plain configuration is valid".into()))
    }
}
