//! The fixed linear classifier L of the paper: binary logistic regression with an L2 penalty on
//! the weights, fitted by deterministic full-batch L-BFGS (memory 10, Armijo backtracking).
//!
//! The objective `mean(softplus(z) - y z) + l2/2 |w|^2` with `z = x.w + b` is strictly convex in
//! `w`, so the fit is a well-defined function of the data; the iteration count and final gradient
//! norm are reported so that "trained to convergence" can be checked.

use super::config::LinearConfig;
use crate::error::{Error, Result};
use crate::model::check_torch;

fn c<T>(r: std::result::Result<T, tch::TchError>) -> Result<T> {
    check_torch("linear fit", r)
}
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use tch::{Kind, Tensor};

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    /// Weights, one per input coordinate.
    pub w: Vec<f64>,
    /// Bias.
    pub b: f64,
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// Final objective value.
    pub loss: f64,
    /// Final gradient norm (Euclidean, weights and bias).
    pub grad_norm: f64,
    /// Whether the gradient norm fell below the tolerance.
    pub converged: bool,
}

struct Problem<'a> {
    x: &'a Tensor,
    y: Tensor,
    n: f64,
    l2: f64,
}

impl Problem<'_> {
    /// Objective and gradient at `theta = [w..., b]`.
    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>)> {
        let d = theta.len() - 1;
        let w32: Vec<f32> = theta[..d].iter().map(|&v| v as f32).collect();
        let w = c(Tensor::from_slice(&w32).f_to_device(self.x.device()))?;
        let z = c(self.x.f_mv(&w))? + theta[d];
        // softplus(z) - y z, summed in double precision.
        let terms = c(z.f_softplus())? - &z * &self.y;
        let data_loss = c(c(terms.f_sum(Kind::Double))?.f_double_value(&[]))? / self.n;
        let r = c(z.f_sigmoid())? - &self.y;
        let gw = c(self.x.f_tr().and_then(|xt| xt.f_mv(&r)))?;
        let gw = c(gw
            .f_to_kind(Kind::Double)
            .and_then(|t| t.f_to_device(tch::Device::Cpu)))?;
        let mut g = vec![0f64; d];
        c(gw.f_copy_data(&mut g, d))?;
        let gb = c(c(r.f_sum(Kind::Double))?.f_double_value(&[]))? / self.n;
        let mut reg = 0.0;
        for (gi, &wi) in g.iter_mut().zip(&theta[..d]) {
            *gi = *gi / self.n + self.l2 * wi;
            reg += wi * wi;
        }
        g.push(gb);
        Ok((data_loss + 0.5 * self.l2 * reg, g))
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fit L on inputs `x` (`[n, ...]`, float32, any device) with binary targets `y`.
pub fn fit(x: &Tensor, y: &[u8], cfg: &LinearConfig) -> Result<LinearFit> {
    let n = y.len();
    if n == 0 {
        return Err(Error::Empty("linear classifier training set".into()));
    }
    if let Some((i, &v)) = y.iter().enumerate().find(|(_, &v)| v > 1) {
        return Err(Error::LabelOutOfRange {
            what: "linear classifier targets".into(),
            value: v as i64,
            index: i,
            size: 2,
        });
    }
    let x = check_torch("linear fit", x.f_reshape([n as i64, -1]))?;
    let d = x.size()[1] as usize;
    let yf: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let yt = check_torch(
        "linear fit",
        Tensor::from_slice(&yf).f_to_device(x.device()),
    )?;
    let p = Problem {
        x: &x,
        y: yt,
        n: n as f64,
        l2: cfg.l2,
    };
    let mut theta = vec![0f64; d + 1];
    let (mut f, mut g) = p.eval(&theta)?;
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut iterations = 0;
    let mut gnorm = dot(&g, &g).sqrt();
    while iterations < cfg.max_iter && gnorm > cfg.tol {
        // Two-loop recursion: dir = -H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(hist.len());
        for (s, yv, rho) in hist.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = match hist.back() {
            Some((s, yv, _)) => dot(s, yv) / dot(yv, yv),
            None => 1.0 / gnorm.max(1.0),
        };
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, yv, rho), a) in hist.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(yv, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &dir);
        let dir = if slope >= 0.0 {
            // Not a descent direction (numerical trouble): fall back to steepest descent.
            hist.clear();
            slope = -dot(&g, &g);
            g.iter().map(|v| -v).collect()
        } else {
            dir
        };
        // Armijo backtracking.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let cand: Vec<f64> = theta.iter().zip(&dir).map(|(t, d)| t + step * d).collect();
            let (fc, gc) = p.eval(&cand)?;
            if fc.is_finite() && fc <= f + 1e-4 * step * slope {
                accepted = Some((cand, fc, gc));
                break;
            }
            step *= 0.5;
        }
        iterations += 1;
        let Some((cand, fc, gc)) = accepted else {
            break; // no decrease representable in float32: as converged as it gets
        };
        let s: Vec<f64> = cand.iter().zip(&theta).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gc.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        if sy > 1e-12 {
            if hist.len() == 10 {
                hist.pop_front();
            }
            hist.push_back((s, yv, 1.0 / sy));
        }
        theta = cand;
        f = fc;
        g = gc;
        gnorm = dot(&g, &g).sqrt();
    }
    let b = theta.pop().unwrap_or(0.0);
    Ok(LinearFit {
        w: theta,
        b,
        iterations,
        loss: f,
        grad_norm: gnorm,
        converged: gnorm <= cfg.tol,
    })
}

impl LinearFit {
    /// Hard predictions (1 where `x.w + b > 0`) for inputs `x` (`[n, ...]`, float32).
    pub fn predict(&self, x: &Tensor) -> Result<Vec<u8>> {
        let n = x.size().first().copied().unwrap_or(0);
        let x = c(x.f_reshape([n, -1]))?;
        if x.size()[1] as usize != self.w.len() {
            return Err(Error::LengthMismatch {
                what: "linear classifier input".into(),
                got: x.size()[1] as usize,
                expected: self.w.len(),
            });
        }
        let w32: Vec<f32> = self.w.iter().map(|&v| v as f32).collect();
        let w = c(Tensor::from_slice(&w32).f_to_device(x.device()))?;
        let z = c(x.f_mv(&w))? + self.b;
        super::eval::to_u8(&c(z.f_gt(0.0))?)
    }
}
