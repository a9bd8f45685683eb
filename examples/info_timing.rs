//! Time binary mu on label arrays read from three 1-D `.npy` files, excluding file I/O: used by
//! `scripts/compare_info.py` (`just compare-info`) to put the Rust numbers beside Python's.
//!
//! Usage: `info_timing F.npy L.npy Y.npy REPEATS`. Prints one JSON object with the median seconds
//! of the read floor (reading the three arrays once) and of counting + measuring, and the values.

use anyhow::{bail, Context, Result};
use sgd_complexity::info::{
    input::read_labels, read_floor, to_symbols, BinaryKernel, Estimator, Measures, Table3, Unit,
};
use std::hint::black_box;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 {
        bail!("usage: info_timing F.npy L.npy Y.npy REPEATS");
    }
    let repeats: usize = args[3].parse().context("REPEATS")?;
    let mut arrays = Vec::new();
    for p in &args[..3] {
        let a = read_labels(p)?;
        arrays.push(to_symbols(&a.values, 2, p)?);
    }
    let (f, l, y) = (&arrays[0], &arrays[1], &arrays[2]);
    let mut floor = Vec::new();
    let mut mu = Vec::new();
    let mut m = None;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        black_box(read_floor(black_box(f), black_box(l), black_box(y)));
        floor.push(t0.elapsed().as_secs_f64());
        let t0 = Instant::now();
        let t = Table3::from_u8(
            black_box(f),
            black_box(l),
            black_box(y),
            [2; 3],
            ["F", "L", "Y"],
        )?;
        m = Some(black_box(Measures::from_table(
            &t,
            Estimator::Plugin,
            Unit::Bits,
        )));
        mu.push(t0.elapsed().as_secs_f64());
    }
    let m = m.context("no repeat ran")?;
    let out = serde_json::json!({
        "n": f.len(),
        "kernel": format!("{:?}", BinaryKernel::best()),
        "floor_s": median(floor),
        "mu_s": median(mu),
        "i_fy": m.i_fy, "i_ly": m.i_ly, "i_fl": m.i_fl,
        "i_fy_given_l": m.i_fy_given_l, "i_ly_given_f": m.i_ly_given_f, "mu": m.mu,
    });
    println!("{out}");
    Ok(())
}
