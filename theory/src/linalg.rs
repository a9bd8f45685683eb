//! The dense linear algebra of phase 2: the kernel `X X^T` (or Gram `X^T X`) as a blocked GEMM,
//! a Cholesky solve, the minimum-norm correction, and explicit gradient descent to check it.
//!
//! The design matrix `X` is stored row-major in `f32` (`n` rows of `dim` values: exactly the
//! sampled inputs); every product accumulates in `f64`.

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::prelude::*;
use faer::{Accum, Mat, Side};
use rayon::prelude::*;
use sgdc_core::{Error, Result};

/// Columns converted to `f64` per GEMM block (bounds the temporary to `n * BLOCK` values).
const BLOCK: usize = 2048;

/// Matrices with fewer entries than this are multiplied on the calling thread. Gradient descent
/// (`gradient_descent`) makes two products per step, up to 60,000 steps, on matrices as small as
/// 200 x 205; handing each to the thread pool and waiting for it cost more than the product
/// itself (the default theory sweep spent a third of its time in the kernel's scheduler).
const PARALLEL_MIN_ENTRIES: usize = 1 << 20;

/// A row-major `n x dim` design matrix.
#[derive(Debug, Clone)]
pub struct Design {
    /// Values, `n * dim`.
    pub x: Vec<f32>,
    /// Rows.
    pub n: usize,
    /// Columns.
    pub dim: usize,
}

impl Design {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// Whether a product with this matrix is worth splitting across threads: below
    /// [`PARALLEL_MIN_ENTRIES`] entries one thread finishes it in less time than handing it to the
    /// pool costs (see there).
    fn parallel(&self) -> bool {
        self.n * self.dim >= PARALLEL_MIN_ENTRIES
    }

    /// `X v` for `v` of length `dim`.
    pub fn mul(&self, v: &[f64]) -> Vec<f64> {
        let row = |i: usize| dot32(self.row(i), v);
        if self.parallel() {
            (0..self.n).into_par_iter().map(row).collect()
        } else {
            (0..self.n).map(row).collect()
        }
    }

    /// `X^T a` for `a` of length `n`. Each output element sums over the rows in the same order
    /// on every path, so the result does not depend on the thread count.
    pub fn mul_t(&self, a: &[f64]) -> Vec<f64> {
        let chunk = 4096.max(self.dim.div_ceil(rayon::current_num_threads().max(1)));
        let mut out = vec![0.0; self.dim];
        let columns = |(c, part): (usize, &mut [f64])| {
            let c0 = c * chunk;
            for (i, &ai) in a.iter().enumerate() {
                if ai == 0.0 {
                    continue;
                }
                let row = &self.row(i)[c0..c0 + part.len()];
                for (o, &x) in part.iter_mut().zip(row) {
                    *o += ai * f64::from(x);
                }
            }
        };
        if self.parallel() {
            out.par_chunks_mut(chunk).enumerate().for_each(columns);
        } else {
            out.chunks_mut(chunk).enumerate().for_each(columns);
        }
        out
    }

    /// Frobenius norm `||X||_F`, an upper bound on the largest singular value.
    pub fn frobenius(&self) -> f64 {
        self.x
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt()
    }

    /// The level below which `||X^T r||` is rounding noise: `1e-11 ||X||_F ||r||`, since
    /// `||X^T r|| <= ||X||_F ||r||`. At `D = d` phase 1 leaves `r` orthogonal to every column of
    /// `X`, and `X^T r` is exactly this kind of noise.
    pub fn rounding_level(&self, r: &[f64]) -> f64 {
        1e-11 * self.frobenius() * norm(r)
    }

    /// The `n x n` kernel `X X^T` (lower triangle filled, then mirrored), as a blocked GEMM over
    /// column blocks converted to `f64`.
    pub fn kernel(&self) -> Mat<f64> {
        let (n, dim) = (self.n, self.dim);
        let mut k = Mat::<f64>::zeros(n, n);
        let mut c0 = 0;
        while c0 < dim {
            let w = BLOCK.min(dim - c0);
            // The block transposed (w x n, column-major): column i is row i's slice, so it is
            // filled with contiguous reads and writes.
            let mut xbt = Mat::<f64>::zeros(w, n);
            for i in 0..n {
                let src = &self.x[i * dim + c0..i * dim + c0 + w];
                for (j, &v) in src.iter().enumerate() {
                    xbt[(j, i)] = f64::from(v);
                }
            }
            matmul(
                k.as_mut(),
                BlockStructure::TriangularLower,
                Accum::Add,
                xbt.transpose(),
                BlockStructure::Rectangular,
                xbt.as_ref(),
                BlockStructure::Rectangular,
                1.0,
                Par::rayon(0),
            );
            c0 += w;
        }
        for j in 0..n {
            for i in 0..j {
                k[(i, j)] = k[(j, i)];
            }
        }
        k
    }

    /// The `dim x dim` Gram matrix `X^T X`.
    pub fn gram(&self) -> Mat<f64> {
        let xm = Mat::<f64>::from_fn(self.n, self.dim, |i, j| f64::from(self.x[i * self.dim + j]));
        let mut g = Mat::<f64>::zeros(self.dim, self.dim);
        faer::linalg::matmul::matmul(
            g.as_mut(),
            Accum::Replace,
            xm.transpose(),
            xm.as_ref(),
            1.0,
            Par::rayon(0),
        );
        g
    }
}

/// `<x, v>` with `x` in `f32`, accumulated in `f64` over four lanes.
pub fn dot32(x: &[f32], v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let xc = x.chunks_exact(4);
    let vc = v.chunks_exact(4);
    let (xr, vr) = (xc.remainder(), vc.remainder());
    for (a, b) in xc.zip(vc) {
        for k in 0..4 {
            acc[k] += f64::from(a[k]) * b[k];
        }
    }
    let mut s = acc[0] + acc[1] + acc[2] + acc[3];
    for (a, b) in xr.iter().zip(vr) {
        s += f64::from(*a) * b;
    }
    s
}

/// Solve `A x = b` for symmetric positive definite `A` by Cholesky; `what` names the matrix in
/// the error when it is not numerically positive definite.
pub fn spd_solve(a: &Mat<f64>, b: &[f64], what: &str) -> Result<Vec<f64>> {
    let llt = a.llt(Side::Lower).map_err(|_| {
        Error::param(
            "dim",
            a.nrows(),
            format!("{what} is numerically singular (Cholesky failed)"),
        )
    })?;
    let mut rhs = Mat::<f64>::from_fn(b.len(), 1, |i, _| b[i]);
    llt.solve_in_place(rhs.as_mut());
    Ok((0..b.len()).map(|i| rhs[(i, 0)]).collect())
}

/// Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration.
pub fn lambda_max(a: &Mat<f64>, iters: usize) -> f64 {
    let n = a.nrows();
    if n == 0 {
        return 0.0;
    }
    let mut v = Mat::<f64>::from_fn(n, 1, |i, _| 1.0 + (i % 7) as f64 * 0.1);
    let mut lam = 0.0;
    for _ in 0..iters {
        let w = a * &v;
        let norm = (0..n).map(|i| w[(i, 0)] * w[(i, 0)]).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        lam = norm / (0..n).map(|i| v[(i, 0)] * v[(i, 0)]).sum::<f64>().sqrt();
        v = Mat::from_fn(n, 1, |i, _| w[(i, 0)] / norm);
    }
    lam
}

/// The minimum-norm least-squares correction `Delta` with `X Delta ~ r`: the interpolating
/// `X^T (X X^T)^{-1} r` when `dim >= n`, else `(X^T X)^{-1} X^T r`. With `want_lambda`, also the
/// largest eigenvalue of the matrix that was factorised (for the gradient-descent step size).
///
/// When `D < n` and `X^T r` is at rounding level ([`Design::rounding_level`]), `r` is orthogonal
/// to the column space of `X`, the correction is zero, and it is returned as exactly zero rather
/// than as the solve's amplified rounding noise.
pub fn min_norm_correction(
    x: &Design,
    r: &[f64],
    want_lambda: bool,
) -> Result<(Vec<f64>, Option<f64>)> {
    if x.dim >= x.n {
        let k = x.kernel();
        let alpha = spd_solve(&k, r, "the kernel X X^T")?;
        return Ok((x.mul_t(&alpha), want_lambda.then(|| lambda_max(&k, 100))));
    }
    let g = x.gram();
    let lam = want_lambda.then(|| lambda_max(&g, 100));
    let b = x.mul_t(r);
    if norm(&b) <= x.rounding_level(r) {
        return Ok((vec![0.0; x.dim], lam));
    }
    let delta = spd_solve(&g, &b, "the Gram matrix X^T X")?;
    Ok((delta, lam))
}

/// What explicit gradient descent reached.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GdReport {
    /// Steps taken.
    pub steps: usize,
    /// Final relative gradient norm `||X^T (X Delta - r)|| / ||X^T r||`.
    pub rel_grad: f64,
    /// `||Delta_gd - Delta_closed|| / max(||Delta_closed||, 1e-9 ||r|| / sqrt(lambda_max))` (the
    /// floor keeps a vanishing correction, as at `D = d`, from dividing by rounding noise).
    pub rel_diff: f64,
    /// Whether the tolerance was reached within the step budget.
    pub converged: bool,
}

/// Gradient descent on `0.5 ||X Delta - r||^2` from `Delta = 0` with step `1 / lambda_max`, until
/// the relative gradient norm falls below `tol` (or the gradient reaches rounding level, reported
/// as converged) or `max_steps` is reached. It stays in the row
/// space of `X` and so converges to the minimum-norm solution.
pub fn gradient_descent(
    x: &Design,
    r: &[f64],
    lambda_max: f64,
    tol: f64,
    max_steps: usize,
) -> (Vec<f64>, usize, f64, bool) {
    let mut delta = vec![0.0; x.dim];
    if lambda_max <= 0.0 {
        return (delta, 0, 0.0, true);
    }
    // A gradient at rounding level (e.g. D = d, where r is orthogonal to the columns of X) counts
    // as converged; the same level makes `min_norm_correction` return zero.
    let noise = x.rounding_level(r);
    let g0n = norm(&x.mul_t(r)).max(noise);
    if g0n <= noise {
        return (delta, 0, 0.0, true);
    }
    let lr = 1.0 / lambda_max;
    let mut rel = 1.0;
    for step in 0..max_steps {
        let resid: Vec<f64> = x.mul(&delta).iter().zip(r).map(|(a, b)| a - b).collect();
        let g = x.mul_t(&resid);
        let gn = norm(&g);
        rel = gn / g0n;
        if rel < tol || gn <= noise {
            return (delta, step, rel, true);
        }
        delta.iter_mut().zip(&g).for_each(|(d, gi)| *d -= lr * gi);
    }
    (delta, max_steps, rel, false)
}

/// Euclidean norm.
pub fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}
