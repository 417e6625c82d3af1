//! # exg-model
//!
//! The EXGnet network on candle.

pub mod ops;
