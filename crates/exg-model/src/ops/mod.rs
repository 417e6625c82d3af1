//! The crate's own CPU kernels, wrapped as candle custom ops with hand-written backward passes.
//!
//! candle 0.11.1's CPU conv1d computes wrong kernel gradients for batch > 1 and wrong input
//! gradients with padding 0 (see `docs/model.md`), and its element-wise ops are single-threaded
//! passes over memory. The hot layers of the network therefore run here:
//!
//! * [`conv1d`]: im2col into a per-thread, cache-sized tile and one GEMM per tile, parallel over
//!   the batch (forward, input gradient via GEMM + col2im, weight gradient via GEMM over im2col).
//! * [`batch_norm`]: batch normalisation fused with an optional residual add and ReLU, in one
//!   pass forward and two passes backward.
//! * [`max_pool1d`]: non-overlapping max pooling.
//! * [`concat3`]: channel concatenation whose backward returns contiguous gradients.
//!
//! Every op works for `f32` (training, inference) and `f64` (the finite-difference tests). On a
//! non-CPU device each op falls back to candle's own operations, so a CUDA build keeps working.
//!
//! Every op refuses a tensor with a zero-sized dimension (batch, channels, time, kernel) with
//! [`candle::Error::EmptyTensor`] naming the op, before any kernel runs: an empty batch or a
//! zero-length signal has no meaningful statistics or output, and the parallel kernels split
//! their work by those sizes.

mod batch_norm;
mod concat;
mod conv1d;
mod gemm;
mod pool;

pub use batch_norm::{BatchNormStats, Normalize, batch_norm};
pub use concat::concat3;
pub use conv1d::{Conv1dGeometry, conv1d};
pub use pool::max_pool1d;

use std::borrow::Cow;

use candle::{CpuStorage, Layout, Storage, Tensor, WithDType};

/// `Err(EmptyTensor { op })` when any of `dims` is 0.
pub(crate) fn non_empty(op: &'static str, dims: &[usize]) -> candle::Result<()> {
    if dims.contains(&0) {
        Err(candle::Error::EmptyTensor { op })
    } else {
        Ok(())
    }
}

/// The float types the kernels are written for.
pub(crate) trait Float: WithDType {
    const ZERO: Self;
    const ONE: Self;
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// The elements of a CPU storage in logical (row-major) order: borrowed when the layout is
/// contiguous, gathered otherwise.
pub(crate) fn cpu_slice<'a, T: Float>(
    s: &'a CpuStorage,
    l: &Layout,
) -> candle::Result<Cow<'a, [T]>> {
    let data = s.as_slice::<T>()?;
    Ok(match l.contiguous_offsets() {
        Some((a, b)) => Cow::Borrowed(&data[a..b]),
        None => Cow::Owned(gather(data, l)),
    })
}

/// Copies a strided view into a contiguous vector (row-major order).
fn gather<T: Copy>(data: &[T], l: &Layout) -> Vec<T> {
    let dims = l.dims();
    let strides = l.stride();
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; dims.len()];
    for _ in 0..n {
        let off: usize =
            l.start_offset() + idx.iter().zip(strides).map(|(i, s)| i * s).sum::<usize>();
        out.push(data[off]);
        for d in (0..dims.len()).rev() {
            idx[d] += 1;
            if idx[d] < dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

/// Runs `f` on the contiguous CPU data of `t` (copying only when `t` is not contiguous).
pub(crate) fn with_slice<T: Float, R>(
    t: &Tensor,
    f: impl FnOnce(&[T]) -> candle::Result<R>,
) -> candle::Result<R> {
    let (st, l) = t.storage_and_layout();
    match &*st {
        Storage::Cpu(cpu) => {
            let s = cpu_slice::<T>(cpu, l)?;
            f(&s)
        }
        _ => candle::bail!("exg-model kernel called on a non-CPU tensor"),
    }
}

/// Dispatches a generic kernel on the dtype of `dtype` (`f32` or `f64`).
macro_rules! dispatch_float {
    ($dtype:expr, $f:ident :: < T > ( $($arg:expr),* $(,)? )) => {
        match $dtype {
            candle::DType::F32 => $f::<f32>($($arg),*),
            candle::DType::F64 => $f::<f64>($($arg),*),
            dt => candle::bail!("exg-model kernels support f32 and f64, got {dt:?}"),
        }
    };
}
pub(crate) use dispatch_float;

/// Wraps a `Vec<T>` as CPU storage.
pub(crate) fn storage<T: Float>(v: Vec<T>) -> CpuStorage {
    T::to_cpu_storage_owned(v)
}

/// True when `t` lives on the CPU (our kernels) rather than an accelerator (candle's ops).
pub(crate) fn on_cpu(t: &Tensor) -> bool {
    t.device().is_cpu()
}
