//! The L-BFGS iteration behind every fit of L, independent of where the objective is evaluated.

use super::LinearFit;
use crate::Result;
use std::collections::VecDeque;

/// A smooth objective over `theta = [w..., b]`: its value and gradient, in float64.
pub trait Objective {
    /// The objective and its gradient at `theta`.
    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>)>;
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimise `p` over `dim` weights plus a bias from zero: full-batch L-BFGS (memory 10, Armijo
/// backtracking, steepest descent where the direction is not one of descent) until the gradient
/// norm is at most `tol` or `max_iter` iterations have run. The last coordinate is the bias.
pub fn minimize(p: &impl Objective, dim: usize, tol: f64, max_iter: usize) -> Result<LinearFit> {
    let mut theta = vec![0f64; dim + 1];
    let (mut f, mut g) = p.eval(&theta)?;
    let mut evaluations = 1;
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut iterations = 0;
    let mut gnorm = dot(&g, &g).sqrt();
    while iterations < max_iter && gnorm > tol {
        let dir = lbfgs_direction(&hist, &g, gnorm);
        let mut slope = dot(&g, &dir);
        let dir = if slope >= 0.0 {
            // Not a descent direction (numerical trouble): fall back to steepest descent.
            hist.clear();
            slope = -dot(&g, &g);
            g.iter().map(|v| -v).collect()
        } else {
            dir
        };
        let accepted = armijo(p, &theta, &dir, f, slope, &mut evaluations)?;
        iterations += 1;
        let Some((cand, fc, gc)) = accepted else {
            break; // no representable decrease: as converged as it gets
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
        evaluations,
        loss: f,
        grad_norm: gnorm,
        converged: gnorm <= tol,
    })
}

/// The L-BFGS direction `-H g` by the two-loop recursion over the stored pairs `(s, y, 1 / s.y)`
/// (before any pair: the gradient scaled by `1 / max(|g|, 1)`).
fn lbfgs_direction(hist: &VecDeque<(Vec<f64>, Vec<f64>, f64)>, g: &[f64], gnorm: f64) -> Vec<f64> {
    let mut q = g.to_vec();
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
    q.iter().map(|v| -v).collect()
}

/// Armijo backtracking from `theta` along `dir` (objective `f`, directional slope `slope`):
/// the first of 40 halvings of the step that decreases the objective enough, with its value
/// and gradient, or `None`.
#[allow(clippy::type_complexity)]
fn armijo(
    p: &impl Objective,
    theta: &[f64],
    dir: &[f64],
    f: f64,
    slope: f64,
    evaluations: &mut usize,
) -> Result<Option<(Vec<f64>, f64, Vec<f64>)>> {
    let mut step = 1.0;
    for _ in 0..40 {
        let cand: Vec<f64> = theta.iter().zip(dir).map(|(t, d)| t + step * d).collect();
        let (fc, gc) = p.eval(&cand)?;
        *evaluations += 1;
        if fc.is_finite() && fc <= f + 1e-4 * step * slope {
            return Ok(Some((cand, fc, gc)));
        }
        step *= 0.5;
    }
    Ok(None)
}
