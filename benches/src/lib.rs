//! Benchmarks live in benches/; see ../README.md for the figures and how to run them. This library
//! holds what a criterion benchmark and its callgrind counterpart (examples/) share.

pub mod keyless;
pub mod legacy_keyless;
pub mod notation;
