//! Invariants on arbitrary shapes: the ops never panic; they return an error or an output of the
//! documented shape.

use candle::{DType, Device, Tensor};
use exg_model::ops::{Conv1dGeometry, conv1d, max_pool1d};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn conv1d_never_panics_and_has_documented_shape(
        b in 1usize..3, cin in 1usize..4, l in 0usize..40, cout in 1usize..4, k in 1usize..8,
        stride in 0usize..4, dilation in 0usize..3, pl in 0usize..5, pr in 0usize..5,
    ) {
        let x = Tensor::ones((b, cin, l), DType::F32, &Device::Cpu).unwrap();
        let w = Tensor::ones((cout, cin, k), DType::F32, &Device::Cpu).unwrap();
        let g = Conv1dGeometry { stride, dilation, pad_left: pl, pad_right: pr };
        match (conv1d(&x, &w, g), g.out_len(l, k)) {
            (Ok(y), Some(lo)) => prop_assert_eq!(y.dims(), &[b, cout, lo]),
            (Err(_), None) => {}
            (r, lo) => prop_assert!(false, "result {:?} but out_len {:?}", r.map(|t| t.dims().to_vec()), lo),
        }
    }

    #[test]
    fn max_pool_never_panics(b in 1usize..3, c in 1usize..3, l in 0usize..20, k in 0usize..6) {
        let x = Tensor::ones((b, c, l), DType::F32, &Device::Cpu).unwrap();
        match max_pool1d(&x, k) {
            Ok(y) => prop_assert_eq!(y.dims(), &[b, c, l / k]),
            Err(_) => prop_assert!(k == 0 || l < k),
        }
    }
}
