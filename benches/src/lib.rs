//! Benchmarks live in benches/; see ../README.md for the figures and how to run them.
