//! Interaction events as stored for training: the formats live in `roomwright_core::interactions`
//! (the orders route writes order events too).

pub use roomwright_core::interactions::*;
