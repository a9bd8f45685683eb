//! The fixed linear classifier L of the paper: binary logistic regression with an L2 penalty on
//! the weights, `mean(softplus(z) - y z) + l2/2 |w|^2` with `z = x.w + b`, fitted by
//! deterministic full-batch L-BFGS (memory 10, Armijo backtracking) in float64.
//!
//! The driver ([`minimize`]) is shared: the trainer evaluates the objective with libtorch on its
//! tensors (CPU or CUDA), and [`dense`] evaluates it in plain Rust over a row-major float32
//! matrix, for callers without libtorch (the Python package). Both run the same iteration, from
//! the same start, to the same tolerance; the objective is strictly convex in `w`, so both reach
//! the same optimum (to the tolerance, not to the bit: their float64 sums run in other orders).

pub mod dense;
mod lbfgs;

pub use dense::{fit_dense, Rows};
pub use lbfgs::{minimize, Objective};

use serde::{Deserialize, Serialize};

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    /// Weights, one per input coordinate.
    pub w: Vec<f64>,
    /// Bias.
    pub b: f64,
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// Objective and gradient evaluations (iterations plus line-search trials).
    #[serde(default)]
    pub evaluations: usize,
    /// Final objective value.
    pub loss: f64,
    /// Final gradient norm (Euclidean, weights and bias).
    pub grad_norm: f64,
    /// Whether the gradient norm fell below the tolerance.
    pub converged: bool,
}

/// Check that L's training targets are binary (0 or 1) and not empty, naming the first other.
pub fn check_targets(y: &[u8]) -> crate::Result<()> {
    if y.is_empty() {
        return Err(crate::Error::Empty("linear classifier training set".into()));
    }
    match y.iter().enumerate().find(|(_, &v)| v > 1) {
        Some((i, &v)) => Err(crate::Error::LabelOutOfRange {
            what: "linear classifier targets".into(),
            value: v as i64,
            index: i,
            size: 2,
        }),
        None => Ok(()),
    }
}

/// How far to fit: the penalty and the stopping rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSettings {
    /// L2 penalty on the weights (not the bias); makes the optimum unique.
    pub l2: f64,
    /// Stop when the gradient norm falls below this.
    pub tol: f64,
    /// Maximum number of L-BFGS iterations.
    pub max_iter: usize,
}

impl Default for FitSettings {
    /// The trainer's defaults (`[linear]` in a training file): l2 1e-4, tol 1e-5, 2000 iterations.
    fn default() -> Self {
        FitSettings {
            l2: 1e-4,
            tol: 1e-5,
            max_iter: 2000,
        }
    }
}

impl FitSettings {
    /// Check the settings, naming the bad one.
    pub fn check(&self) -> crate::Result<()> {
        use crate::Error;
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::param("l2", self.l2, "must be a finite number >= 0"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::param("tol", self.tol, "must be a finite number > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", 0, "must be at least 1"));
        }
        Ok(())
    }
}
