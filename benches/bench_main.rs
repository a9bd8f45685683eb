//! Criterion benchmarks (one entry, a module per area).
use criterion::{criterion_group, criterion_main, Criterion};

mod theory;

fn placeholder(_c: &mut Criterion) {}

criterion_group!(benches, placeholder, theory::benches);
criterion_main!(benches);
