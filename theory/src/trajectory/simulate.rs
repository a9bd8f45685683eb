//! The simulation: the same learner trained by explicit gradient descent on `n` sampled points
//! (label noise included), recorded at log-spaced steps and measured on fresh clean test points
//! through the information layer.
//!
//! With `Phi` the `n x p` training features (all Hermite products of total degree `<= K` over all
//! `d` coordinates, scaled by `sqrt(lambda_deg)`) and `y` the observed `+-1` labels, each step is
//! `theta <- theta + lr (1/n) Phi^T (y - Phi theta)`, computed as
//! `theta + lr (b - Sigma theta)` with `Sigma = Phi^T Phi / n` and `b = Phi^T y / n` formed once
//! (the same iterate, at `p^2` instead of `n p` operations per step). Time is `t = lr * step`.

use super::curves::{count, log_grid, spread, substream, tables, TrajectoryCurves, CHUNK};
use super::model::{check_model, HermiteBasis, TrajectoryModel};
use super::predict::{check_grid, Coefficients};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sgdc_core::data::synthetic::flip_labels;
use sgdc_core::info::Table3;
use sgdc_core::rng::{stream, Stream};
use sgdc_core::{Error, Result};
use std::time::Instant;

/// Settings of the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Training points.
    pub n: usize,
    /// Fresh test points (clean labels).
    pub n_test: usize,
    /// Learning rate (time per step); must be below `2 / lambda_max(Sigma)`.
    pub lr: f64,
    /// First positive recorded time.
    pub t_min: f64,
    /// Last recorded time.
    pub t_max: f64,
    /// Recorded times per decade (steps rounded, duplicates dropped; step 0 is recorded too).
    pub per_decade: usize,
    /// Bootstrap resamples of every test table.
    pub bootstrap: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            n: 20_000,
            n_test: 50_000,
            lr: 0.1,
            t_min: 0.1,
            t_max: 1e4,
            per_decade: 10,
            bootstrap: 200,
        }
    }
}

impl SimConfig {
    /// Validate; errors name the field.
    pub fn check(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::param(
                "simulation.n",
                0,
                "need at least one training point",
            ));
        }
        if self.n_test == 0 {
            return Err(Error::param(
                "simulation.n_test",
                0,
                "need at least one test point",
            ));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(Error::param("simulation.lr", self.lr, "must be positive"));
        }
        check_grid("simulation", self.t_min, self.t_max, self.per_decade)?;
        if self.t_max / self.lr > 1e8 {
            return Err(Error::param(
                "simulation.t_max",
                self.t_max,
                format!(
                    "needs {:.0} steps at lr = {}; at most 1e8",
                    self.t_max / self.lr,
                    self.lr
                ),
            ));
        }
        if self.bootstrap < 2 {
            return Err(Error::param(
                "simulation.bootstrap",
                self.bootstrap,
                "need at least 2 resamples",
            ));
        }
        Ok(())
    }

    /// The recorded steps: 0, then `round(t / lr)` over the log grid, without duplicates.
    pub fn steps(&self) -> Vec<u64> {
        let mut s: Vec<u64> = log_grid(self.t_min, self.t_max, self.per_decade)
            .iter()
            .map(|t| (t / self.lr).round() as u64)
            .collect();
        s.dedup();
        s
    }
}

/// What the simulation measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// Recorded steps.
    pub steps: Vec<u64>,
    /// The curves on the test sample (times `lr * step`).
    pub curves: TrajectoryCurves,
    /// 95 % bootstrap band of `I(F_t;Y)` per record.
    pub band_i_fy: Vec<(f64, f64)>,
    /// 95 % bootstrap band of `mu(F_t;C_k)` per reference, per record.
    pub band_mu: Vec<Vec<(f64, f64)>>,
    /// Bootstrap standard deviation of `I(F_t;Y)` per record.
    pub sd_i_fy: Vec<f64>,
    /// Bootstrap standard deviation of `mu(F_t;C_k)` per reference, per record.
    pub sd_mu: Vec<Vec<f64>>,
    /// Bootstrap standard deviation of the gap per reference, per record.
    pub sd_gap: Vec<Vec<f64>>,
    /// Simulated departure index per reference (`C1`: T0).
    pub departure_index: Vec<Option<usize>>,
    /// Simulated departure time per reference.
    pub departures: Vec<Option<f64>>,
    /// Number of features `p`.
    pub features: usize,
    /// Largest eigenvalue of `Sigma` (power iteration).
    pub lambda_max: f64,
    /// Realised fraction of flipped training labels.
    pub noise_realised: f64,
    /// Training error of the last iterate on the observed labels.
    pub train_err_final: f64,
    /// Wall-clock seconds: features and `Sigma`, gradient descent, test and bootstrap.
    pub seconds: [f64; 3],
}

/// Features of `rows` points, drawn chunk by chunk from sub-stream `base + chunk`: per chunk the
/// row-major scaled features, the clean labels and the relevant coordinates.
fn sample_rows(
    m: &dyn TrajectoryModel,
    basis: &HermiteBasis,
    scale: &[f64],
    rows: usize,
    seed: u64,
    base: u64,
) -> Vec<(Vec<f64>, Vec<u8>, Vec<f64>)> {
    (0..rows.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| sample_chunk(m, basis, scale, rows, seed, base, c))
        .collect()
}

/// The training sample and the quantities gradient descent needs: features `Phi`, observed labels
/// (noise included), `Sigma = Phi^T Phi / n`, `b = Phi^T y / n` and `lambda_max(Sigma)`.
struct TrainingSystem {
    phi: Mat<f64>,
    y: Vec<u8>,
    flipped: usize,
    sigma: Mat<f64>,
    b: Mat<f64>,
    lambda_max: f64,
}

/// Sample the training points, flip their labels and form `Sigma` and `b`; errors when `lr` is
/// too large for gradient descent on this `Sigma`.
fn training_system(
    m: &dyn TrajectoryModel,
    basis: &HermiteBasis,
    scale: &[f64],
    cfg: &SimConfig,
    seed: u64,
) -> Result<TrainingSystem> {
    let (n, p) = (cfg.n, basis.len());
    let chunks = sample_rows(m, basis, scale, n, seed, substream::TRAIN);
    let phi = Mat::<f64>::from_fn(n, p, |i, j| chunks[i / CHUNK].0[(i % CHUNK) * p + j]);
    let clean: Vec<u8> = chunks.iter().flat_map(|c| c.1.iter().copied()).collect();
    drop(chunks);
    let mut y = clean.clone();
    let flipped = flip_labels(
        &mut y,
        m.noise_rate(),
        &mut stream(seed, Stream::LabelNoise, substream::LABEL_NOISE),
    );
    let ypm = Mat::<f64>::from_fn(n, 1, |i, _| if y[i] == 1 { 1.0 } else { -1.0 });
    let mut sigma = Mat::<f64>::zeros(p, p);
    matmul(
        sigma.as_mut(),
        Accum::Replace,
        phi.transpose(),
        phi.as_ref(),
        1.0 / n as f64,
        Par::Seq,
    );
    let mut b = Mat::<f64>::zeros(p, 1);
    matmul(
        b.as_mut(),
        Accum::Replace,
        phi.transpose(),
        ypm.as_ref(),
        1.0 / n as f64,
        Par::Seq,
    );
    let lambda_max = crate::linalg::lambda_max(&sigma, 200);
    if cfg.lr * lambda_max >= 1.9 {
        return Err(Error::param(
            "simulation.lr",
            cfg.lr,
            format!("gradient descent needs lr < 2 / lambda_max = {:.4} (with a margin: lr * lambda_max < 1.9)", 2.0 / lambda_max),
        ));
    }
    Ok(TrainingSystem {
        phi,
        y,
        flipped: flipped.len(),
        sigma,
        b,
        lambda_max,
    })
}

/// Explicit gradient descent from zero: `theta` at every recorded step (one column each) and the
/// last iterate.
fn descend(sys: &TrainingSystem, steps: &[u64], lr: f64) -> (Mat<f64>, Mat<f64>) {
    let p = sys.b.nrows();
    let mut thetas = Mat::<f64>::zeros(p, steps.len());
    let mut theta = Mat::<f64>::zeros(p, 1);
    let mut tmp = Mat::<f64>::zeros(p, 1);
    let mut step = 0u64;
    for (col, &target) in steps.iter().enumerate() {
        while step < target {
            matmul(
                tmp.as_mut(),
                Accum::Replace,
                sys.sigma.as_ref(),
                theta.as_ref(),
                1.0,
                Par::Seq,
            );
            for j in 0..p {
                theta[(j, 0)] += lr * (sys.b[(j, 0)] - tmp[(j, 0)]);
            }
            step += 1;
        }
        for j in 0..p {
            thetas[(j, col)] = theta[(j, 0)];
        }
    }
    (thetas, theta)
}

/// Training error of `theta` on the observed labels.
fn train_error(sys: &TrainingSystem, theta: &Mat<f64>) -> f64 {
    let n = sys.y.len();
    let mut fit = Mat::<f64>::zeros(n, 1);
    matmul(
        fit.as_mut(),
        Accum::Replace,
        sys.phi.as_ref(),
        theta.as_ref(),
        1.0,
        Par::Seq,
    );
    (0..n)
        .filter(|&i| (fit[(i, 0)] > 0.0) != (sys.y[i] == 1))
        .count() as f64
        / n as f64
}

/// Counts of `(F_t, C_k, Y)` on fresh clean test points, for every record `t` (a column of
/// `thetas`) and reference `k`: 8 cells per `(t, k)`.
fn test_counts(
    m: &dyn TrajectoryModel,
    basis: &HermiteBasis,
    scale: &[f64],
    coefs: &Coefficients,
    thetas: &Mat<f64>,
    n_test: usize,
    seed: u64,
) -> Vec<u64> {
    let (r, kmax, p) = (m.relevant_dim(), m.max_degree(), basis.len());
    let rec = thetas.ncols();
    let size = rec * kmax * 8;
    (0..n_test.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut acc = vec![0u64; size];
            let (feats, ys, rel) = sample_chunk(m, basis, scale, n_test, seed, substream::TEST, c);
            let len = ys.len();
            let fm = Mat::<f64>::from_fn(len, p, |i, j| feats[i * p + j]);
            let mut scores = Mat::<f64>::zeros(len, rec);
            matmul(
                scores.as_mut(),
                Accum::Replace,
                fm.as_ref(),
                thetas.as_ref(),
                1.0,
                Par::Seq,
            );
            let (mut s, mut h) = (Vec::new(), vec![0.0; coefs.basis.len()]);
            let (mut parts, mut refs) = (vec![0.0; kmax + 1], vec![false; kmax]);
            for i in 0..len {
                coefs.degree_parts(&rel[i * r..(i + 1) * r], &mut s, &mut h, &mut parts);
                Coefficients::references(&parts, &mut refs);
                let yv = ys[i] == 1;
                for t in 0..rec {
                    let f = scores[(i, t)] > 0.0;
                    for (k, &ck) in refs.iter().enumerate() {
                        count(&mut acc, (t * kmax + k) * 8, f, ck, yv);
                    }
                }
            }
            acc
        })
        .reduce(
            || vec![0u64; size],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// Bootstrap bands and standard deviations of every test table.
struct Spreads {
    band_i_fy: Vec<(f64, f64)>,
    sd_i_fy: Vec<f64>,
    band_mu: Vec<Vec<(f64, f64)>>,
    sd_mu: Vec<Vec<f64>>,
    sd_gap: Vec<Vec<f64>>,
}

/// Bootstrap every table `tabs[t][k]` (`reps` resamples, sub-streams from `BOOTSTRAP_SIM`).
fn spreads(tabs: &[Vec<Table3>], kmax: usize, reps: usize, seed: u64) -> Result<Spreads> {
    let rec = tabs.len();
    let mut out = Spreads {
        band_i_fy: Vec::with_capacity(rec),
        sd_i_fy: Vec::with_capacity(rec),
        band_mu: vec![Vec::with_capacity(rec); kmax],
        sd_mu: vec![Vec::with_capacity(rec); kmax],
        sd_gap: vec![Vec::with_capacity(rec); kmax],
    };
    for (t, row) in tabs.iter().enumerate() {
        for (k, tab) in row.iter().enumerate() {
            let sp = spread(
                tab,
                reps,
                seed,
                substream::BOOTSTRAP_SIM + (t * kmax + k) as u64,
            )?;
            if k == 0 {
                out.band_i_fy.push(sp.band_i_fy);
                out.sd_i_fy.push(sp.sd_i_fy);
            }
            out.band_mu[k].push(sp.band_mu);
            out.sd_mu[k].push(sp.sd_mu);
            out.sd_gap[k].push(sp.sd_gap);
        }
    }
    Ok(out)
}

/// Run the simulation of `m`; `coefs` gives the reference classifiers `C_k` measured against.
///
/// Stages: the training system (features, labels, `Sigma`, `b`), gradient descent recording `theta`, the test
/// counts of every record against `C_1..C_K` and `Y`, their tables and bootstrap spreads.
pub fn simulate(
    m: &dyn TrajectoryModel,
    coefs: &Coefficients,
    cfg: &SimConfig,
    seed: u64,
) -> Result<Simulation> {
    check_model(m)?;
    cfg.check()?;
    let kmax = m.max_degree();
    let basis = HermiteBasis::new(m.dim(), kmax);
    let spectrum = m.spectrum();
    let scale: Vec<f64> = basis.degrees.iter().map(|&k| spectrum[k].sqrt()).collect();

    let t0 = Instant::now();
    let sys = training_system(m, &basis, &scale, cfg, seed)?;
    let t_fit = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let steps = cfg.steps();
    let (thetas, theta) = descend(&sys, &steps, cfg.lr);
    let train_err_final = train_error(&sys, &theta);
    let (n, flipped, lambda_max) = (sys.y.len(), sys.flipped, sys.lambda_max);
    drop(sys);
    let t_gd = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    let counts = test_counts(m, &basis, &scale, coefs, &thetas, cfg.n_test, seed);
    let tabs = tables(&counts, steps.len(), kmax)?;
    let times: Vec<f64> = steps.iter().map(|&s| s as f64 * cfg.lr).collect();
    let curves = TrajectoryCurves::from_tables(&times, &tabs);
    let sp = spreads(&tabs, kmax, cfg.bootstrap, seed)?;
    let departure_index = curves.departures();
    Ok(Simulation {
        steps,
        departures: departure_index
            .iter()
            .map(|d| d.map(|i| times[i]))
            .collect(),
        departure_index,
        curves,
        band_i_fy: sp.band_i_fy,
        band_mu: sp.band_mu,
        sd_i_fy: sp.sd_i_fy,
        sd_mu: sp.sd_mu,
        sd_gap: sp.sd_gap,
        features: basis.len(),
        lambda_max,
        noise_realised: flipped as f64 / n as f64,
        train_err_final,
        seconds: [t_fit, t_gd, t2.elapsed().as_secs_f64()],
    })
}

/// Chunk `c` of a sample of `rows` points (sub-stream `base + c`).
fn sample_chunk(
    m: &dyn TrajectoryModel,
    basis: &HermiteBasis,
    scale: &[f64],
    rows: usize,
    seed: u64,
    base: u64,
    c: usize,
) -> (Vec<f64>, Vec<u8>, Vec<f64>) {
    let (d, r, p) = (m.dim(), m.relevant_dim(), basis.len());
    let mut rng = stream(seed, Stream::Synthetic, base + c as u64);
    let len = CHUNK.min(rows - c * CHUNK);
    let (mut feats, mut ys, mut rel) = (vec![0.0; len * p], vec![0u8; len], vec![0.0; len * r]);
    let (mut x, mut s) = (vec![0.0; d], Vec::new());
    for i in 0..len {
        m.sample_input(&mut rng, &mut x);
        ys[i] = m.clean_label(&x);
        rel[i * r..(i + 1) * r].copy_from_slice(&x[..r]);
        let row = &mut feats[i * p..(i + 1) * p];
        basis.eval(&x, &mut s, row);
        row.iter_mut().zip(scale).for_each(|(v, sc)| *v *= sc);
    }
    (feats, ys, rel)
}
