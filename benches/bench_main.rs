//! Criterion benchmarks: one entry, a module per area. Add an area by adding its module and its
//! group function to `criterion_group!` below.
use criterion::{criterion_group, criterion_main};

mod info;
mod theory;

criterion_group!(benches, info::benches, theory::benches);
criterion_main!(benches);
