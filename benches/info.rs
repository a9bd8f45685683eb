//! Information measures: binary mu at n = 1e4 .. 1e7 against the read floor (reading the three
//! arrays once), every binary kernel at 1e7, a 200 x 1e4 curve, and 10-class tables.
//!
//! n = 1e8 (300 MB of inputs) runs only with `SGDC_BENCH_1E8=1`.

use criterion::{BenchmarkId, Criterion, Throughput};
use rand::RngExt;
use sgd_complexity::info::{
    binary_cells_with, curve, read_floor, BinaryKernel, Estimator, Measures, Table3, Unit,
};
use sgd_complexity::rng::{stream, Stream};
use std::hint::black_box;

/// Binary (F, L, Y): Y a fair bit, F and L right 80% of the time, independently.
fn binary(n: usize, seed: u64) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut rng = stream(seed, Stream::Synthetic, 0);
    let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..2u8)).collect();
    let mut noisy = |y: &[u8]| -> Vec<u8> {
        y.iter()
            .map(|&v| if rng.random::<f64>() < 0.8 { v } else { 1 - v })
            .collect()
    };
    let f = noisy(&y);
    let l = noisy(&y);
    (f, l, y)
}

fn mu_binary(f: &[u8], l: &[u8], y: &[u8]) -> f64 {
    let t = Table3::from_u8(f, l, y, [2; 3], ["F", "L", "Y"]).expect("binary table");
    Measures::from_table(&t, Estimator::Plugin, Unit::Bits).mu
}

fn binary_mu(c: &mut Criterion) {
    let mut sizes = vec![10_000usize, 1_000_000, 10_000_000];
    if std::env::var_os("SGDC_BENCH_1E8").is_some() {
        sizes.push(100_000_000);
    }
    let mut g = c.benchmark_group("info/binary_mu");
    for &n in &sizes {
        let (f, l, y) = binary(n, 1);
        // Bytes of the three input arrays.
        g.throughput(Throughput::Bytes(3 * n as u64));
        if n >= 10_000_000 {
            g.sample_size(20);
        }
        g.bench_with_input(BenchmarkId::new("read_floor", n), &n, |b, _| {
            b.iter(|| read_floor(black_box(&f), black_box(&l), black_box(&y)))
        });
        g.bench_with_input(BenchmarkId::new("mu", n), &n, |b, _| {
            b.iter(|| mu_binary(black_box(&f), black_box(&l), black_box(&y)))
        });
        if n == 10_000_000 {
            for k in BinaryKernel::ALL.into_iter().filter(|k| k.is_available()) {
                g.bench_with_input(BenchmarkId::new(format!("kernel_{k:?}"), n), &n, |b, _| {
                    b.iter(|| binary_cells_with(k, black_box(&f), black_box(&l), black_box(&y)))
                });
            }
        }
    }
    g.finish();
}

fn curves(c: &mut Criterion) {
    let (t, n) = (200usize, 10_000usize);
    let (_, l, y) = binary(n, 2);
    let mut f = Vec::with_capacity(t * n);
    for k in 0..t {
        f.extend(binary(n, 100 + k as u64).0);
    }
    let mut g = c.benchmark_group("info/curve");
    g.throughput(Throughput::Elements((t * n) as u64));
    g.bench_function("binary_200x1e4", |b| {
        b.iter(|| {
            curve(
                black_box(&f),
                t,
                &l,
                &y,
                [2; 3],
                Estimator::Plugin,
                Unit::Bits,
            )
        })
    });
    let mut rng = stream(3, Stream::Synthetic, 0);
    let f10: Vec<u8> = (0..t * n).map(|_| rng.random_range(0..10u8)).collect();
    let l10: Vec<u8> = (0..n).map(|_| rng.random_range(0..10u8)).collect();
    let y10: Vec<u8> = (0..n).map(|_| rng.random_range(0..10u8)).collect();
    g.bench_function("10class_200x1e4", |b| {
        b.iter(|| {
            curve(
                black_box(&f10),
                t,
                &l10,
                &y10,
                [10; 3],
                Estimator::Plugin,
                Unit::Bits,
            )
        })
    });
    g.finish();
}

fn ten_class(c: &mut Criterion) {
    let mut g = c.benchmark_group("info/10class");
    for &n in &[10_000usize, 1_000_000] {
        let mut rng = stream(4, Stream::Synthetic, n as u64);
        let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..10u8)).collect();
        let mut noisy = |y: &[u8]| -> Vec<u8> {
            y.iter()
                .map(|&v| {
                    if rng.random::<f64>() < 0.7 {
                        v
                    } else {
                        rng.random_range(0..10u8)
                    }
                })
                .collect()
        };
        let (f, l) = (noisy(&y), noisy(&y));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("count_and_measure", n), &n, |b, _| {
            b.iter(|| {
                let t = Table3::from_u8(black_box(&f), &l, &y, [10; 3], ["F", "L", "Y"])
                    .expect("table");
                Measures::from_table(&t, Estimator::MillerMadow, Unit::Bits).mu
            })
        });
    }
    // Measures from a ready 10 x 10 x 10 table (the cost per bootstrap or null replicate).
    let t = Table3::from_counts([10; 3], (0..1000).map(|i| (i * 37 % 11) as u64).collect())
        .expect("table");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("measures_from_table_1000_cells", |b| {
        b.iter(|| Measures::from_table(black_box(&t), Estimator::Plugin, Unit::Bits).mu)
    });
    g.finish();
}

/// Every information benchmark.
pub fn benches(c: &mut Criterion) {
    binary_mu(c);
    curves(c);
    ten_class(c);
}
