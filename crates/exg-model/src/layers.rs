//! Layers: convolution + batch norm, the multiresolution block, linear.
//!
//! Every layer is built from a plain [`VarBuilder`] (its tensors are named under the builder's
//! prefix, PyTorch style) and records the tensors it owns, by full name, in a [`NamedTensors`]
//! ([`Linear::tensors`], ...). A model built from these layers lists, saves and optimises its own
//! parameters from them without reaching into a `VarMap`.
//!
//! ```
//! # fn main() -> candle::Result<()> {
//! use candle::{DType, Device, Tensor};
//! use exg_model::init::SeededVarMap;
//! use exg_model::layers::MultiResBlock;
//! let vb = SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
//! let block = MultiResBlock::new(1, [2, 4, 6], 5, 1, 2, 1e-5, 0.1, vb.pp("block"))?;
//! let y = block.forward(&Tensor::ones((3, 1, 20), DType::F32, &Device::Cpu)?, true)?;
//! assert_eq!(y.dims(), &[3, 12, 10]);
//! let names: Vec<&str> = block.tensors().parameters().iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(names[0], "block.a.conv.weight");
//! assert_eq!(block.tensors().trainable_vars().len(), names.len());
//! # Ok(()) }
//! ```

use candle::{DType, Tensor, Var};
use candle_nn::{Init, VarBuilder};

use crate::ops::{self, Conv1dGeometry, Normalize};

/// The tensors a layer or model owns, by full name (`vb` prefix + local name), in construction
/// order: trainable parameters, and state that is saved but never trained (batch-norm running
/// statistics).
#[derive(Clone, Debug, Default)]
pub struct NamedTensors {
    params: Vec<(String, Tensor)>,
    buffers: Vec<(String, Tensor)>,
}

impl NamedTensors {
    /// Trainable parameters.
    pub fn parameters(&self) -> &[(String, Tensor)] {
        &self.params
    }

    /// Saved, never trained state (batch-norm running statistics).
    pub fn buffers(&self) -> &[(String, Tensor)] {
        &self.buffers
    }

    /// Parameters, then buffers (what a checkpoint holds).
    pub fn all(&self) -> Vec<(String, Tensor)> {
        self.params.iter().chain(&self.buffers).cloned().collect()
    }

    /// The parameters that are variables (for an optimiser); empty when the layer was built
    /// from constant tensors (e.g. loaded from a file for inference).
    pub fn trainable_vars(&self) -> Vec<Var> {
        self.params
            .iter()
            .filter(|(_, t)| t.is_variable())
            .filter_map(|(_, t)| Var::from_tensor(t).ok())
            .collect()
    }

    /// Number of parameter elements.
    pub fn num_params(&self) -> usize {
        self.params.iter().map(|(_, t)| t.elem_count()).sum()
    }

    /// Appends `other`'s tensors (to collect a composite model's tensors from its layers).
    pub fn extend(&mut self, other: &NamedTensors) {
        self.params.extend(other.params.iter().cloned());
        self.buffers.extend(other.buffers.iter().cloned());
    }
}

fn full(vb: &VarBuilder, name: &str) -> String {
    let p = vb.prefix();
    if p.is_empty() {
        name.to_string()
    } else {
        format!("{p}.{name}")
    }
}

fn param(
    vb: &VarBuilder,
    reg: &mut NamedTensors,
    shape: &[usize],
    name: &str,
    init: Init,
) -> candle::Result<Tensor> {
    let t = vb.get_with_hints(shape, name, init)?;
    reg.params.push((full(vb, name), t.clone()));
    Ok(t)
}

/// PyTorch's default init for conv and linear weights and biases (Kaiming-uniform, a = sqrt(5)):
/// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
fn torch_uniform(fan_in: usize) -> Init {
    let b = 1.0 / (fan_in.max(1) as f64).sqrt();
    Init::Uniform { lo: -b, up: b }
}

/// Batch normalisation over `(batch, time)`, with running statistics for inference.
#[derive(Clone, Debug)]
pub struct BatchNorm1d {
    gamma: Tensor,
    beta: Tensor,
    running_mean: Var,
    running_var: Var,
    eps: f64,
    momentum: f64,
    tensors: NamedTensors,
}

impl BatchNorm1d {
    /// `weight`, `bias`, `running_mean`, `running_var` under `vb` (PyTorch names).
    pub fn new(c: usize, eps: f64, momentum: f64, vb: VarBuilder) -> candle::Result<Self> {
        let mut reg = NamedTensors::default();
        let gamma = param(&vb, &mut reg, &[c], "weight", Init::Const(1.0))?;
        let beta = param(&vb, &mut reg, &[c], "bias", Init::Const(0.0))?;
        let rm = Var::from_tensor(&vb.get_with_hints(c, "running_mean", Init::Const(0.0))?)?;
        let rv = Var::from_tensor(&vb.get_with_hints(c, "running_var", Init::Const(1.0))?)?;
        reg.buffers
            .push((full(&vb, "running_mean"), rm.as_tensor().clone()));
        reg.buffers
            .push((full(&vb, "running_var"), rv.as_tensor().clone()));
        Ok(Self {
            gamma,
            beta,
            running_mean: rm,
            running_var: rv,
            eps,
            momentum,
            tensors: reg,
        })
    }

    /// The layer's tensors (`weight`, `bias`; buffers `running_mean`, `running_var`).
    pub fn tensors(&self) -> &NamedTensors {
        &self.tensors
    }

    /// `act(bn(x) [+ residual])`; in training mode normalises with the batch statistics and
    /// updates the running ones (PyTorch: unbiased variance, `momentum` weight on the new batch).
    ///
    /// # Shapes
    /// `(B, C, L)` → `(B, C, L)`.
    pub fn forward(
        &self,
        x: &Tensor,
        residual: Option<&Tensor>,
        relu: bool,
        train: bool,
    ) -> candle::Result<Tensor> {
        if train {
            let (y, stats) = ops::batch_norm(
                x,
                &self.gamma,
                &self.beta,
                residual,
                relu,
                self.eps,
                Normalize::Batch,
            )?;
            if let Some(s) = stats {
                let m = self.momentum;
                let n = s.count as f64;
                let old_m = self
                    .running_mean
                    .as_tensor()
                    .to_dtype(DType::F64)?
                    .to_vec1::<f64>()?;
                let old_v = self
                    .running_var
                    .as_tensor()
                    .to_dtype(DType::F64)?
                    .to_vec1::<f64>()?;
                let new_m: Vec<f64> = old_m
                    .iter()
                    .zip(&s.mean)
                    .map(|(o, b)| (1.0 - m) * o + m * b)
                    .collect();
                let new_v: Vec<f64> = old_v
                    .iter()
                    .zip(&s.var)
                    .map(|(o, b)| (1.0 - m) * o + m * b * n / (n - 1.0))
                    .collect();
                let dt = self.running_mean.dtype();
                let dev = x.device();
                self.running_mean
                    .set(&Tensor::from_vec(new_m, s.mean.len(), dev)?.to_dtype(dt)?)?;
                self.running_var
                    .set(&Tensor::from_vec(new_v, s.mean.len(), dev)?.to_dtype(dt)?)?;
            }
            Ok(y)
        } else {
            let mean = self
                .running_mean
                .as_tensor()
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
            let var = self
                .running_var
                .as_tensor()
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?;
            let norm = Normalize::Running {
                mean: &mean,
                var: &var,
            };
            Ok(ops::batch_norm(x, &self.gamma, &self.beta, residual, relu, self.eps, norm)?.0)
        }
    }
}

/// Convolution without bias, followed by batch norm (+ residual) (+ ReLU).
#[derive(Clone, Debug)]
pub struct ConvBn {
    weight: Tensor,
    geometry: Conv1dGeometry,
    bn: BatchNorm1d,
    tensors: NamedTensors,
}

impl ConvBn {
    /// Conv weight at `<vb>.conv.weight`, batch norm at `<vb>.bn.*`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cin: usize,
        cout: usize,
        kernel: usize,
        geometry: Conv1dGeometry,
        eps: f64,
        momentum: f64,
        vb: VarBuilder,
    ) -> candle::Result<Self> {
        let mut reg = NamedTensors::default();
        let weight = param(
            &vb.pp("conv"),
            &mut reg,
            &[cout, cin, kernel],
            "weight",
            torch_uniform(cin * kernel),
        )?;
        let bn = BatchNorm1d::new(cout, eps, momentum, vb.pp("bn"))?;
        reg.extend(bn.tensors());
        Ok(Self {
            weight,
            geometry,
            bn,
            tensors: reg,
        })
    }

    /// The layer's tensors (`conv.weight`, then the batch norm's).
    pub fn tensors(&self) -> &NamedTensors {
        &self.tensors
    }

    /// `act(bn(conv(x)) [+ residual])`.
    ///
    /// # Shapes
    /// `(B, C_in, L)` → `(B, C_out, L_out)`.
    pub fn forward(
        &self,
        x: &Tensor,
        residual: Option<&Tensor>,
        relu: bool,
        train: bool,
    ) -> candle::Result<Tensor> {
        let y = ops::conv1d(x, &self.weight, self.geometry)?;
        self.bn.forward(&y, residual, relu, train)
    }
}

/// The multiresolution block (MultiResUNet's MultiRes block in 1-D): three cascaded
/// `conv → BN → ReLU` of widths ~W/6, W/3, W/2 with "same" padding, concatenated to `W`
/// channels, plus a `1x1 conv → BN` shortcut, summed and passed through ReLU; then max pooling.
///
/// Receptive field of the three outputs with kernel `k`, dilation `d`: `d(k-1)+1`,
/// `2d(k-1)+1`, `3d(k-1)+1` samples (16, 31, 46 at k = 16: 32, 62, 92 ms at 500 Hz).
#[derive(Clone, Debug)]
pub struct MultiResBlock {
    convs: [ConvBn; 3],
    shortcut: ConvBn,
    pool: usize,
    tensors: NamedTensors,
}

impl MultiResBlock {
    /// A block from `cin` channels to `widths.iter().sum()` channels.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cin: usize,
        widths: [usize; 3],
        kernel: usize,
        dilation: usize,
        pool: usize,
        eps: f64,
        momentum: f64,
        vb: VarBuilder,
    ) -> candle::Result<Self> {
        let g = Conv1dGeometry::same(kernel, dilation);
        let a = ConvBn::new(cin, widths[0], kernel, g, eps, momentum, vb.pp("a"))?;
        let b = ConvBn::new(widths[0], widths[1], kernel, g, eps, momentum, vb.pp("b"))?;
        let c = ConvBn::new(widths[1], widths[2], kernel, g, eps, momentum, vb.pp("c"))?;
        let width = widths.iter().sum();
        let shortcut = ConvBn::new(
            cin,
            width,
            1,
            Conv1dGeometry::valid(1, 1),
            eps,
            momentum,
            vb.pp("shortcut"),
        )?;
        let mut tensors = NamedTensors::default();
        for l in [&a, &b, &c, &shortcut] {
            tensors.extend(l.tensors());
        }
        Ok(Self {
            convs: [a, b, c],
            shortcut,
            pool,
            tensors,
        })
    }

    /// The block's tensors (`a.*`, `b.*`, `c.*`, `shortcut.*`).
    pub fn tensors(&self) -> &NamedTensors {
        &self.tensors
    }

    /// # Shapes
    /// `(B, C_in, L)` → `(B, W, L / pool)`.
    pub fn forward(&self, x: &Tensor, train: bool) -> candle::Result<Tensor> {
        let ya = self.convs[0].forward(x, None, true, train)?;
        let yb = self.convs[1].forward(&ya, None, true, train)?;
        let yc = self.convs[2].forward(&yb, None, true, train)?;
        let cat = ops::concat3(&ya, &yb, &yc)?;
        let y = self.shortcut.forward(x, Some(&cat), true, train)?;
        ops::max_pool1d(&y, self.pool)
    }
}

/// A plain convolution block, the architecture ablation of [`MultiResBlock`]:
/// `conv(k) → BN → ReLU` of `width` channels with "same" padding, then max pooling.
#[derive(Clone, Debug)]
pub struct PlainBlock {
    conv: ConvBn,
    pool: usize,
}

impl PlainBlock {
    /// A block from `cin` to `width` channels (conv at `<vb>.conv.*`, batch norm at `<vb>.bn.*`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cin: usize,
        width: usize,
        kernel: usize,
        dilation: usize,
        pool: usize,
        eps: f64,
        momentum: f64,
        vb: VarBuilder,
    ) -> candle::Result<Self> {
        let g = Conv1dGeometry::same(kernel, dilation);
        let conv = ConvBn::new(cin, width, kernel, g, eps, momentum, vb)?;
        Ok(Self { conv, pool })
    }

    /// The block's tensors.
    pub fn tensors(&self) -> &NamedTensors {
        self.conv.tensors()
    }

    /// # Shapes
    /// `(B, C_in, L)` → `(B, width, L / pool)`.
    pub fn forward(&self, x: &Tensor, train: bool) -> candle::Result<Tensor> {
        let y = self.conv.forward(x, None, true, train)?;
        ops::max_pool1d(&y, self.pool)
    }
}

/// One block of the trunk, of either kind ([`BlockKind`](crate::BlockKind)).
#[derive(Clone, Debug)]
pub enum Block {
    /// EXGnet's multiresolution block.
    MultiRes(Box<MultiResBlock>),
    /// A plain convolution.
    Plain(PlainBlock),
}

impl Block {
    /// The block's tensors.
    pub fn tensors(&self) -> &NamedTensors {
        match self {
            Block::MultiRes(b) => b.tensors(),
            Block::Plain(b) => b.tensors(),
        }
    }

    /// # Shapes
    /// `(B, C_in, L)` → `(B, W, L / pool)`.
    pub fn forward(&self, x: &Tensor, train: bool) -> candle::Result<Tensor> {
        match self {
            Block::MultiRes(b) => b.forward(x, train),
            Block::Plain(b) => b.forward(x, train),
        }
    }
}

/// Fully connected layer `y = x W^T + b` on 2-D input (made contiguous first: candle 0.11.1's
/// batched matmul is wrong on some transposed layouts).
#[derive(Clone, Debug)]
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
    tensors: NamedTensors,
}

impl Linear {
    /// `weight (out, in)` and `bias (out)` under `vb`, PyTorch's default init.
    pub fn new(din: usize, dout: usize, vb: VarBuilder) -> candle::Result<Self> {
        let mut tensors = NamedTensors::default();
        let weight = param(
            &vb,
            &mut tensors,
            &[dout, din],
            "weight",
            torch_uniform(din),
        )?;
        let bias = param(&vb, &mut tensors, &[dout], "bias", torch_uniform(din))?;
        Ok(Self {
            weight,
            bias,
            tensors,
        })
    }

    /// The layer's tensors (`weight`, `bias`).
    pub fn tensors(&self) -> &NamedTensors {
        &self.tensors
    }

    /// The weight matrix `(out, in)` (Grad-CAM's channel weights for a GAP + linear head).
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// # Shapes
    /// `(B, in)` → `(B, out)`.
    pub fn forward(&self, x: &Tensor) -> candle::Result<Tensor> {
        x.contiguous()?
            .matmul(&self.weight.t()?)?
            .broadcast_add(&self.bias)
    }
}
