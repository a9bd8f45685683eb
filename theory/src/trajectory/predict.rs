//! The closed form: the population gradient flow of the linear learner over the spectral
//! feature map, and the law of `(F_t, C_k, Y)` it implies.
//!
//! With features `phi_j = sqrt(lambda_deg(j)) H_j` orthonormal up to the scale (`E[phi phi^T] =
//! diag(lambda)`), gradient flow on `0.5 E[(f - y)^2]` from zero gives
//! `f_t(x) = sum_j (1 - exp(-lambda_deg(j) t)) yhat_j H_j(x)`, `yhat_j = E[y H_j(x)]`, with
//! `y = +-1`. Only Hermite functions of the relevant coordinates have `yhat_j != 0`, so `f_t` is
//! a sum of the label's degree parts `P_k y` weighted by `1 - exp(-lambda_k t)`. Label noise
//! multiplies every `yhat_j` by `1 - 2 rho`, which changes no sign: the population `F_t` is the
//! same with or without it.
//!
//! The reference classifiers are `C_k = [P_{<=k} y > 0]`, the thresholded least-squares
//! predictor of degree `<= k` (the `t -> infinity` limit of the same flow restricted to degree
//! `<= k`); `L = C_1`. They are the least-squares classifiers of their class, not the 0-1-loss
//! optimal ones.
//!
//! Numerically, `yhat` is a Monte Carlo mean over `coef_points` Gaussian points (its error is
//! estimated from two independent halves), and the law of `(F_t, C_k, Y)` at every time is the
//! table of counts over a fixed reference sample of `reference_points` further points (the same
//! points at every time, so the curves are smooth in `t`); each cell probability has standard
//! error at most `0.5 / sqrt(reference_points)`, and the gap's standard error at a departure is
//! measured by resampling the table.

use super::curves::{
    count, log_grid, spread, substream, tables, TableSpread, TrajectoryCurves, CHUNK,
};
use super::model::{check_model, HermiteBasis, TrajectoryModel};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sgdc_core::rng::{stream, Stream};
use sgdc_core::{Error, Result};
use std::time::Instant;

/// Settings of the closed form's numerical evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheoryConfig {
    /// Points of the sample that estimates the Hermite coefficients of the label.
    pub coef_points: usize,
    /// Points of the fixed reference sample on which the law of `(F_t, C_k, Y)` is counted.
    pub reference_points: usize,
    /// First positive time of the grid.
    pub t_min: f64,
    /// Last time of the grid.
    pub t_max: f64,
    /// Grid times per decade.
    pub per_decade: usize,
    /// Bootstrap resamples of the reference table at each predicted departure.
    pub bootstrap: usize,
}

impl Default for TheoryConfig {
    fn default() -> Self {
        Self {
            coef_points: 2_000_000,
            reference_points: 1_000_000,
            t_min: 0.01,
            t_max: 1e4,
            per_decade: 20,
            bootstrap: 200,
        }
    }
}

impl TheoryConfig {
    /// Validate; errors name the field.
    pub fn check(&self) -> Result<()> {
        if self.coef_points < 2 * CHUNK {
            return Err(Error::param(
                "theory.coef_points",
                self.coef_points,
                format!(
                    "need at least {} (two chunks, for the error estimate)",
                    2 * CHUNK
                ),
            ));
        }
        if self.reference_points == 0 {
            return Err(Error::param(
                "theory.reference_points",
                0,
                "need at least one point",
            ));
        }
        check_grid("theory", self.t_min, self.t_max, self.per_decade)?;
        if self.bootstrap < 2 {
            return Err(Error::param(
                "theory.bootstrap",
                self.bootstrap,
                "need at least 2 resamples",
            ));
        }
        Ok(())
    }
}

/// Validate a log grid's settings under the section name `what`.
pub(crate) fn check_grid(what: &str, t_min: f64, t_max: f64, per_decade: usize) -> Result<()> {
    if !(t_min > 0.0 && t_min.is_finite()) {
        return Err(Error::param(
            format!("{what}.t_min"),
            t_min,
            "must be positive",
        ));
    }
    if !(t_max > t_min && t_max.is_finite()) {
        return Err(Error::param(
            format!("{what}.t_max"),
            t_max,
            format!("must be finite and above t_min = {t_min}"),
        ));
    }
    if per_decade == 0 || per_decade > 1000 {
        return Err(Error::param(
            format!("{what}.per_decade"),
            per_decade,
            "must lie in 1..=1000",
        ));
    }
    Ok(())
}

/// The Hermite coefficients `yhat_alpha = E[y H_alpha]` of the clean `+-1` label over the
/// relevant coordinates, up to the feature map's degree.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficients {
    /// The basis over the relevant coordinates.
    pub basis: HermiteBasis,
    /// `yhat` per basis function.
    pub yhat: Vec<f64>,
    /// Estimated standard error of each coefficient: the largest half-difference of the two
    /// independent halves' estimates.
    pub error: f64,
    /// Points behind the estimate.
    pub points: usize,
    /// `lambda_k`, `k = 0..=K`.
    pub spectrum: Vec<f64>,
}

impl Coefficients {
    /// The degree parts `P_k y(x)`, `k = 0..=K`, at relevant coordinates `x`.
    pub fn degree_parts(
        &self,
        x: &[f64],
        scratch: &mut Vec<f64>,
        h: &mut [f64],
        parts: &mut [f64],
    ) {
        self.basis.eval(x, scratch, h);
        parts.iter_mut().for_each(|p| *p = 0.0);
        for ((&v, &c), &d) in h.iter().zip(&self.yhat).zip(&self.basis.degrees) {
            parts[d] += c * v;
        }
    }

    /// The reference bits `C_k = [P_{<=k} y > 0]`, `k = 1..=K`, from the degree parts.
    pub fn references(parts: &[f64], out: &mut [bool]) {
        let mut s = parts[0];
        for (k, o) in out.iter_mut().enumerate() {
            s += parts[k + 1];
            *o = s > 0.0;
        }
    }

    /// The flow's weights `1 - exp(-lambda_k t)` per degree at time `t`.
    pub fn weights(&self, t: f64) -> Vec<f64> {
        self.spectrum.iter().map(|&l| -(-l * t).exp_m1()).collect()
    }

    /// The coefficients as (multi-index, value) pairs, for reports.
    pub fn listed(&self) -> Vec<(Vec<u8>, f64)> {
        self.basis
            .alphas
            .iter()
            .cloned()
            .zip(self.yhat.iter().copied())
            .collect()
    }
}

/// Estimate the coefficients from `points` draws of the model's sampler
/// ([`substream::COEFFICIENTS`] of `seed`).
pub fn estimate_coefficients(
    m: &dyn TrajectoryModel,
    points: usize,
    seed: u64,
) -> Result<Coefficients> {
    check_model(m)?;
    let (d, r, k) = (m.dim(), m.relevant_dim(), m.max_degree());
    let basis = HermiteBasis::new(r, k);
    let p = basis.len();
    let chunks = points.div_ceil(CHUNK);
    // Each chunk's sum, drawn in parallel and collected in chunk order; then the sums over the
    // even and the odd chunks, added in that order, so that the result does not depend on how
    // the threads split the work (a parallel reduce adds in a varying order: other last bits).
    let partial: Vec<(Vec<f64>, usize)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = stream(seed, Stream::Synthetic, substream::COEFFICIENTS + c as u64);
            let (mut x, mut h, mut s) = (vec![0.0; d], vec![0.0; p], Vec::new());
            let mut acc = vec![0.0; p];
            let len = CHUNK.min(points - c * CHUNK);
            for _ in 0..len {
                m.sample_input(&mut rng, &mut x);
                let y = if m.clean_label(&x) == 1 { 1.0 } else { -1.0 };
                basis.eval(&x[..r], &mut s, &mut h);
                for (a, v) in acc.iter_mut().zip(&h) {
                    *a += y * v;
                }
            }
            (acc, len)
        })
        .collect();
    let (mut sums, mut ns) = (vec![0.0; 2 * p], [0usize; 2]);
    for (c, (acc, len)) in partial.iter().enumerate() {
        let half = c % 2;
        for (a, v) in sums[half * p..(half + 1) * p].iter_mut().zip(acc) {
            *a += v;
        }
        ns[half] += len;
    }
    let (n0, n1) = (ns[0].max(1) as f64, ns[1].max(1) as f64);
    let yhat: Vec<f64> = (0..p)
        .map(|j| (sums[j] + sums[p + j]) / points as f64)
        .collect();
    let error = (0..p)
        .map(|j| (sums[j] / n0 - sums[p + j] / n1).abs() / 2.0)
        .fold(0.0, f64::max);
    Ok(Coefficients {
        basis,
        yhat,
        error,
        points,
        spectrum: m.spectrum(),
    })
}

/// The population law of `(F_t, C_k, Y)` at each of `times`, for `k = 1..=K`, counted over the
/// reference sample: `tables[time][k - 1]`.
pub fn population_tables(
    m: &dyn TrajectoryModel,
    coefs: &Coefficients,
    times: &[f64],
    points: usize,
    seed: u64,
) -> Result<Vec<Vec<sgdc_core::info::Table3>>> {
    let (d, r) = (m.dim(), m.relevant_dim());
    let kmax = coefs.spectrum.len() - 1;
    let p = coefs.basis.len();
    let w: Vec<Vec<f64>> = times.iter().map(|&t| coefs.weights(t)).collect();
    let chunks = points.div_ceil(CHUNK);
    let size = times.len() * kmax * 8;
    let counts = (0..chunks)
        .into_par_iter()
        .fold(
            || vec![0u64; size],
            |mut acc, c| {
                let mut rng = stream(seed, Stream::Synthetic, substream::REFERENCE + c as u64);
                let (mut x, mut h, mut s) = (vec![0.0; d], vec![0.0; p], Vec::new());
                let mut parts = vec![0.0; kmax + 1];
                let mut refs = vec![false; kmax];
                for _ in 0..CHUNK.min(points - c * CHUNK) {
                    m.sample_input(&mut rng, &mut x);
                    let y = m.clean_label(&x) == 1;
                    coefs.degree_parts(&x[..r], &mut s, &mut h, &mut parts);
                    Coefficients::references(&parts, &mut refs);
                    for (ti, wt) in w.iter().enumerate() {
                        let f = wt.iter().zip(&parts).map(|(a, b)| a * b).sum::<f64>() > 0.0;
                        for (k, &ck) in refs.iter().enumerate() {
                            count(&mut acc, (ti * kmax + k) * 8, f, ck, y);
                        }
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0u64; size],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    tables(&counts, times.len(), kmax)
}

/// The closed form's prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The curves on the fine grid.
    pub curves: TrajectoryCurves,
    /// The curves at the extra times asked for (the simulation's records).
    pub at: TrajectoryCurves,
    /// Predicted departure time from each reference (`C1`: T0), `None` if it never departs.
    pub departures: Vec<Option<f64>>,
    /// Their indices in `curves`.
    pub departure_index: Vec<Option<usize>>,
    /// Slope of the predicted gap at each departure, bits per unit of `ln t` (central
    /// difference on the grid).
    pub slope: Vec<Option<f64>>,
    /// Bootstrap spread of the reference table at each departure (the reference sample's own
    /// Monte Carlo error).
    pub spread: Vec<Option<TableSpread>>,
    /// Largest standard error of a cell probability, `sqrt(p (1 - p) / points)`, over every
    /// table.
    pub cell_se_max: f64,
    /// Estimated standard error of the Hermite coefficients.
    pub coef_error: f64,
    /// Points of the coefficient sample and of the reference sample.
    pub points: (usize, usize),
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Evaluate the closed form on the grid of `cfg` and at the times `at`.
pub fn predict(
    m: &dyn TrajectoryModel,
    coefs: &Coefficients,
    cfg: &TheoryConfig,
    seed: u64,
    at: &[f64],
) -> Result<Prediction> {
    cfg.check()?;
    let t0 = Instant::now();
    let grid = log_grid(cfg.t_min, cfg.t_max, cfg.per_decade);
    let mut all = grid.clone();
    all.extend_from_slice(at);
    let tabs = population_tables(m, coefs, &all, cfg.reference_points, seed)?;
    let cell_se_max = tabs
        .iter()
        .flatten()
        .flat_map(|t| {
            let n = t.n().max(1) as f64;
            t.counts().iter().map(move |&c| {
                let p = c as f64 / n;
                (p * (1.0 - p) / n).sqrt()
            })
        })
        .fold(0.0, f64::max);
    let (fine, extra) = tabs.split_at(grid.len());
    let curves = TrajectoryCurves::from_tables(&grid, fine);
    let at_curves = TrajectoryCurves::from_tables(at, extra);
    let departure_index = curves.departures();
    let mut slope = Vec::new();
    let mut spreads = Vec::new();
    for (k, dep) in departure_index.iter().enumerate() {
        let gap = curves.gap(k);
        slope.push(dep.and_then(|i| gap_slope(&grid, &gap, i)));
        spreads.push(match dep {
            Some(i) => Some(spread(
                &fine[*i][k],
                cfg.bootstrap,
                seed,
                substream::BOOTSTRAP_THEORY + k as u64,
            )?),
            None => None,
        });
    }
    Ok(Prediction {
        departures: departure_index.iter().map(|d| d.map(|i| grid[i])).collect(),
        departure_index,
        slope,
        spread: spreads,
        cell_se_max,
        coef_error: coefs.error,
        points: (coefs.points, cfg.reference_points),
        curves,
        at: at_curves,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Slope of `gap` against `ln t` at index `i`: central difference over the neighbours with
/// positive times (one-sided at an end).
pub fn gap_slope(t: &[f64], gap: &[f64], i: usize) -> Option<f64> {
    let lo = if i >= 1 && t[i - 1] > 0.0 { i - 1 } else { i };
    let hi = if i + 1 < t.len() { i + 1 } else { i };
    if hi == lo || t[lo] <= 0.0 {
        return None;
    }
    Some((gap[hi] - gap[lo]) / (t[hi] / t[lo]).ln())
}
