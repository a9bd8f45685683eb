//! The theory simulator's hot path: the kernel `X X^T`, the Cholesky solve, gradient descent on a
//! small design, and one whole simulation at a small size.

use criterion::{BenchmarkId, Criterion, Throughput};
use sgd_complexity::data::gaussian_linear::GaussianLinear;
use sgd_complexity::data::linear_signal::LinearSignalShape;
use sgd_complexity::data::synthetic::SyntheticModel;
use sgd_complexity::rng::{stream, Stream};
use sgd_complexity::theory::linalg::{gradient_descent, min_norm_correction, Design};
use sgd_complexity::theory::{simulate, SimConfig};

fn design(n: usize, dim: usize) -> anyhow::Result<(GaussianLinear, Design)> {
    let shape = LinearSignalShape {
        signal_dim: 5,
        dim,
        tau: 1.0,
        eta: 0.1,
    };
    let model = GaussianLinear::new(shape, 0)?;
    let mut x = vec![0f32; n * dim];
    for (i, row) in x.chunks_mut(dim).enumerate() {
        model.sample_input(&mut stream(0, Stream::Synthetic, i as u64), row);
    }
    Ok((model, Design { x, n, dim }))
}

/// Register the theory benchmarks.
pub fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("theory");
    g.sample_size(10);
    for &(n, dim) in &[(200usize, 20_000usize), (500, 20_000)] {
        let Ok((_, x)) = design(n, dim) else { return };
        g.throughput(Throughput::Elements((n * n * dim) as u64));
        g.bench_with_input(
            BenchmarkId::new("kernel", format!("{n}x{dim}")),
            &x,
            |b, x| b.iter(|| x.kernel()),
        );
        let r: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { 1.0 } else { -0.5 })
            .collect();
        g.bench_with_input(
            BenchmarkId::new("min_norm_correction", format!("{n}x{dim}")),
            &x,
            |b, x| b.iter(|| min_norm_correction(x, &r, false)),
        );
    }
    // Gradient descent at the size of the default sweep's negative control (n = 200, D = n + d):
    // two small products per step, 1000 steps (the tolerance is never reached).
    if let Ok((_, x)) = design(200, 205) {
        let r: Vec<f64> = (0..200)
            .map(|i| if i % 3 == 0 { 1.0 } else { -0.5 })
            .collect();
        let lambda_max = x.frobenius().powi(2);
        g.throughput(Throughput::Elements((2 * 1000 * 200 * 205) as u64));
        g.bench_function("gradient_descent/200x205-1000-steps", |b| {
            b.iter(|| gradient_descent(&x, &r, lambda_max, 0.0, 1000))
        });
    }
    let Ok((model, _)) = design(1, 10_000) else {
        return;
    };
    let cfg = SimConfig {
        n: 200,
        n_test: 2_000,
        bootstrap: 50,
        ..SimConfig::default()
    };
    g.throughput(Throughput::Elements(((cfg.n + cfg.n_test) * 10_000) as u64));
    g.bench_function("simulate/n200-D10000-test2000", |b| {
        b.iter(|| simulate(&model, &cfg))
    });
    g.finish();
}
