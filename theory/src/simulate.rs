//! One simulation: draw a training set from a [`LinearSignal`] model, fit L (phase 1), fit the
//! residual with the minimum-norm correction (phase 2), predict the law of `(F, L, Y)` in closed
//! form, then measure it on a fresh test sample.

use super::linalg::{self, Design, GdReport};
use super::predict::{apriori_pr_disagree, predict, Prediction};
use super::stats::{bootstrap_mu, wilson, Interval};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sgdc_core::data::linear_signal::{LinearSignal, SignalLaw};
use sgdc_core::data::synthetic::flip_labels;
use sgdc_core::info::{Estimator, Measures, Table3, Unit};
use sgdc_core::rng::{stream, Stream};
use sgdc_core::{Error, Result};
use std::time::Instant;

/// Sub-stream of [`Stream::Synthetic`] where test row `j` is drawn (`TEST_SUBSTREAM_BASE + j`);
/// training row `i` uses sub-stream `i`.
pub const TEST_SUBSTREAM_BASE: u64 = 1 << 40;

/// Settings of one simulation (the model carries `d`, `D`, `eta` and `tau`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Training points `n` (more than the signal dimension).
    pub n: usize,
    /// Fresh test points on which F and L are measured.
    pub n_test: usize,
    /// Master seed of the data, label-noise and bootstrap streams.
    pub seed: u64,
    /// Run explicit gradient descent and compare it with the closed form.
    pub gd_check: bool,
    /// Gradient-descent step budget.
    pub gd_max_steps: usize,
    /// Gradient-descent stopping tolerance on the relative gradient norm.
    pub gd_tol: f64,
    /// Bootstrap resamples for the intervals of `mu` and `I(L;Y)`.
    pub bootstrap: usize,
    /// Confidence level of the per-simulation intervals.
    pub level: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            n: 200,
            n_test: 10_000,
            seed: 0,
            gd_check: false,
            gd_max_steps: 50_000,
            gd_tol: 1e-10,
            bootstrap: 200,
            level: 0.95,
        }
    }
}

impl SimConfig {
    /// Validate against a model of signal dimension `signal_dim`; errors name the parameter.
    pub fn check(&self, signal_dim: usize) -> Result<()> {
        if self.n == 0 {
            return Err(Error::param("n", 0, "need at least one training point"));
        }
        if self.n <= signal_dim {
            return Err(Error::param(
                "n",
                self.n,
                format!(
                    "phase 1 needs more training points than the signal dimension d = {signal_dim}"
                ),
            ));
        }
        if self.n_test == 0 {
            return Err(Error::param("n_test", 0, "need at least one test point"));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::param("level", self.level, "must lie in (0, 1)"));
        }
        if !(self.gd_tol > 0.0 && self.gd_tol.is_finite()) {
            return Err(Error::param(
                "gd_tol",
                self.gd_tol,
                "must be a positive number",
            ));
        }
        Ok(())
    }
}

/// Everything one simulation measured and predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// Model name.
    pub model: String,
    /// Training points.
    pub n: usize,
    /// Total input dimension `D`.
    pub dim: usize,
    /// Signal dimension `d`.
    pub signal_dim: usize,
    /// Label-noise rate.
    pub eta: f64,
    /// Master seed.
    pub seed: u64,
    /// Test points.
    pub n_test: usize,
    /// Whether phase 2 interpolates (`D >= n`); otherwise it is the minimum-norm least-squares fit.
    pub interpolates: bool,
    /// Training error of L on the (noisy) training labels.
    pub train_err_l: f64,
    /// Training error of F on the (noisy) training labels.
    pub train_err_f: f64,
    /// Test accuracy of L (clean labels), with interval.
    pub acc_l: Interval,
    /// Test accuracy of F (clean labels), with interval.
    pub acc_f: Interval,
    /// `Pr[F != L]` on the test sample, with interval.
    pub pr_disagree: Interval,
    /// `mu_Y(F;L)` (plug-in, bits) with bootstrap interval.
    pub mu: Interval,
    /// `I(L;Y)` (plug-in, bits) with bootstrap interval.
    pub i_ly: Interval,
    /// All plug-in measures of the test table.
    pub measures: Measures,
    /// The closed-form prediction conditional on the training set.
    pub theory: Prediction,
    /// The a-priori large-`D` approximation of `Pr[F != L]` (Gaussian model only).
    pub apriori_pr_disagree: Option<f64>,
    /// `||Delta||`.
    pub delta_norm: f64,
    /// Standard deviation of the correction's extra part on a fresh point.
    pub sigma_extra: f64,
    /// Whether the model's extra coordinates are Gaussian (then the closed form's step for them is
    /// exact).
    pub gaussian_extras: bool,
    /// `max_j |Delta_z[j]| / ||Delta_z||`: small values make the central limit step accurate for
    /// non-Gaussian extra coordinates.
    pub delta_z_max_share: f64,
    /// Explicit gradient descent against the closed form, when run.
    pub gd: Option<GdReport>,
    /// Wall-clock seconds: sampling the training set, phase 2, the test sample.
    pub seconds: [f64; 3],
}

/// Run one simulation of `model` under `cfg`.
pub fn simulate(model: &dyn LinearSignal, cfg: &SimConfig) -> Result<SimResult> {
    let d = model.signal_dim();
    cfg.check(d)?;
    let dim = model.dim();
    if dim < d {
        return Err(Error::param(
            "dim",
            dim,
            format!("must be at least signal_dim = {d}"),
        ));
    }
    let (n, seed) = (cfg.n, cfg.seed);
    let t0 = Instant::now();
    let (design, y, y_pm) = sample_training(model, n, seed);
    let t_sample = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let fit = fit_phases(&design, d, &y, &y_pm, cfg)?;
    let t_fit = t1.elapsed().as_secs_f64();
    // Closed-form prediction, before any test point is drawn.
    let (theory, sigma2, delta_z_max_share) = closed_form(model, &fit);
    let apriori = match model.signal_law() {
        SignalLaw::StandardGaussian if dim >= n => {
            apriori_pr_disagree(n, dim, d, model.noise_rate())
        }
        _ => None,
    };
    let t2 = Instant::now();
    let test = measure_test_sample(model, cfg, &fit)?;
    let t_test = t2.elapsed().as_secs_f64();
    Ok(SimResult {
        model: model.name(),
        n,
        dim,
        signal_dim: d,
        eta: model.noise_rate(),
        seed,
        n_test: cfg.n_test,
        interpolates: dim >= n,
        train_err_l: fit.train_err_l,
        train_err_f: fit.train_err_f,
        acc_l: test.acc_l,
        acc_f: test.acc_f,
        pr_disagree: test.pr_disagree,
        mu: test.mu,
        i_ly: test.i_ly,
        measures: test.measures,
        theory,
        apriori_pr_disagree: apriori,
        delta_norm: linalg::norm(&fit.delta),
        sigma_extra: sigma2.sqrt(),
        gaussian_extras: model.gaussian_extras(),
        delta_z_max_share,
        gd: fit.gd,
        seconds: [t_sample, t_fit, t_test],
    })
}

/// The training set: row `i` from its own sub-stream (so rows are drawn in parallel), labels
/// with noise; returns the design, the labels and the labels as +-1.
fn sample_training(model: &dyn LinearSignal, n: usize, seed: u64) -> (Design, Vec<u8>, Vec<f64>) {
    let dim = model.dim();
    let mut x = vec![0f32; n * dim];
    x.par_chunks_mut(dim.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            model.sample_input(&mut stream(seed, Stream::Synthetic, i as u64), row);
        });
    let design = Design { x, n, dim };
    let mut y: Vec<u8> = (0..n).map(|i| model.clean_label(design.row(i))).collect();
    flip_labels(
        &mut y,
        model.noise_rate(),
        &mut stream(seed, Stream::LabelNoise, 0),
    );
    let y_pm: Vec<f64> = y.iter().map(|&v| if v == 1 { 1.0 } else { -1.0 }).collect();
    (design, y, y_pm)
}

/// Phases 1 and 2 fitted on the training set.
struct Fit {
    /// Phase 1: L's weights on the signal coordinates.
    w_l: Vec<f64>,
    /// Phase 2: the minimum-norm correction over all coordinates.
    delta: Vec<f64>,
    /// The gradient-descent check of `delta`, when made.
    gd: Option<GdReport>,
    train_err_l: f64,
    train_err_f: f64,
}

/// Phase 1 (least squares on the signal coordinates), phase 2 (the minimum-norm correction of
/// L's residual, optionally checked by gradient descent), and both training errors.
fn fit_phases(design: &Design, d: usize, y: &[u8], y_pm: &[f64], cfg: &SimConfig) -> Result<Fit> {
    let n = design.n;
    let w_l = least_squares_signal(design, d, y_pm)?;
    let score_l: Vec<f64> = (0..n)
        .map(|i| linalg::dot32(&design.row(i)[..d], &w_l))
        .collect();
    let r: Vec<f64> = y_pm.iter().zip(&score_l).map(|(a, b)| a - b).collect();
    let (delta, lam_max) = linalg::min_norm_correction(design, &r, cfg.gd_check)?;
    let gd = lam_max.map(|lam_max| gd_check(design, &r, &delta, lam_max, cfg));
    let corr_train = design.mul(&delta);
    let errs = |scores: &mut dyn Iterator<Item = f64>| {
        scores
            .zip(y)
            .filter(|(s, &yi)| u8::from(*s > 0.0) != yi)
            .count() as f64
            / n as f64
    };
    Ok(Fit {
        train_err_l: errs(&mut score_l.iter().copied()),
        train_err_f: errs(&mut score_l.iter().zip(&corr_train).map(|(a, b)| a + b)),
        w_l,
        delta,
        gd,
    })
}

/// Gradient descent from zero on the residual `r`, compared with the closed-form `delta`.
fn gd_check(design: &Design, r: &[f64], delta: &[f64], lam_max: f64, cfg: &SimConfig) -> GdReport {
    let (dg, steps, rel_grad, converged) =
        linalg::gradient_descent(design, r, lam_max, cfg.gd_tol, cfg.gd_max_steps);
    let diff: Vec<f64> = dg.iter().zip(delta).map(|(a, b)| a - b).collect();
    let floor = 1e-9 * linalg::norm(r) / lam_max.sqrt().max(f64::MIN_POSITIVE);
    let base = linalg::norm(delta).max(floor);
    let rel_diff = if base > 0.0 {
        linalg::norm(&diff) / base
    } else {
        0.0
    };
    GdReport {
        steps,
        rel_grad,
        rel_diff,
        converged,
    }
}

/// The closed-form law of `(F, L, Y)` given the fit, the variance of the correction's extra part
/// on a fresh point, and the largest share of one extra coordinate in it.
fn closed_form(model: &dyn LinearSignal, fit: &Fit) -> (Prediction, f64, f64) {
    let (delta_s, delta_z) = fit.delta.split_at(model.signal_dim());
    let dz2: f64 = delta_z.iter().map(|v| v * v).sum();
    let sigma2 = model.extra_variance() * dz2;
    let theory = predict(
        &fit.w_l,
        delta_s,
        model.true_direction(),
        sigma2,
        model.signal_law(),
    );
    let delta_z_max_share = if dz2 > 0.0 {
        delta_z.iter().fold(0.0f64, |m, v| m.max(v.abs())) / dz2.sqrt()
    } else {
        0.0
    };
    (theory, sigma2, delta_z_max_share)
}

/// What the fresh test sample measures, with intervals.
struct TestSample {
    measures: Measures,
    pr_disagree: Interval,
    acc_l: Interval,
    acc_f: Interval,
    mu: Interval,
    i_ly: Interval,
}

/// A fresh test sample (point `j` from its own sub-stream), measured with the crate's
/// information measures: Wilson intervals for the rates, bootstrap intervals for mu and I(L;Y).
fn measure_test_sample(model: &dyn LinearSignal, cfg: &SimConfig, fit: &Fit) -> Result<TestSample> {
    let (d, dim, seed, m) = (model.signal_dim(), model.dim(), cfg.seed, cfg.n_test);
    let preds: Vec<(u8, u8, u8)> = (0..m)
        .into_par_iter()
        .map_init(
            || vec![0f32; dim],
            |buf, j| {
                let mut rng = stream(seed, Stream::Synthetic, TEST_SUBSTREAM_BASE + j as u64);
                model.sample_input(&mut rng, buf);
                let yl = model.clean_label(buf);
                let sl = linalg::dot32(&buf[..d], &fit.w_l);
                let sf = sl + linalg::dot32(buf, &fit.delta);
                (u8::from(sf > 0.0), u8::from(sl > 0.0), yl)
            },
        )
        .collect();
    let f: Vec<u8> = preds.iter().map(|p| p.0).collect();
    let l: Vec<u8> = preds.iter().map(|p| p.1).collect();
    let yt: Vec<u8> = preds.iter().map(|p| p.2).collect();
    let table = Table3::from_labels(&f, &l, &yt, [2, 2, 2], ["F", "L", "Y"])?;
    let count = |pred: &dyn Fn(usize, usize, usize) -> bool| -> u64 {
        let mut c = 0;
        for a in 0..2 {
            for b in 0..2 {
                for v in 0..2 {
                    if pred(a, b, v) {
                        c += table.get(a, b, v);
                    }
                }
            }
        }
        c
    };
    let m64 = m as u64;
    let (mu, i_ly) = bootstrap_mu(&table, cfg.bootstrap, cfg.level, seed)?;
    Ok(TestSample {
        measures: Measures::from_table(&table, Estimator::Plugin, Unit::Bits),
        pr_disagree: wilson(count(&|a, b, _| a != b), m64, cfg.level),
        acc_l: wilson(count(&|_, b, v| b == v), m64, cfg.level),
        acc_f: wilson(count(&|a, _, v| a == v), m64, cfg.level),
        mu,
        i_ly,
    })
}

/// Least squares `argmin_w ||S w - y||` over the first `d` columns (normal equations, Cholesky).
fn least_squares_signal(x: &Design, d: usize, y: &[f64]) -> Result<Vec<f64>> {
    let mut g = faer::Mat::<f64>::zeros(d, d);
    let mut b = vec![0.0; d];
    for (i, &yi) in y.iter().enumerate() {
        let s = &x.row(i)[..d];
        for a in 0..d {
            let sa = f64::from(s[a]);
            b[a] += sa * yi;
            for c in 0..=a {
                g[(a, c)] += sa * f64::from(s[c]);
            }
        }
    }
    for a in 0..d {
        for c in 0..a {
            g[(c, a)] = g[(a, c)];
        }
    }
    linalg::spd_solve(&g, &b, "the signal Gram matrix S^T S").map_err(|_| {
        Error::param(
            "n",
            x.n,
            "the signal coordinates of the training set are rank-deficient; use more points",
        )
    })
}
