//! # exg-model
//!
//! The EXGnet network on candle.
