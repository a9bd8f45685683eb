//! The fixed linear classifier L of the paper on libtorch tensors: binary logistic regression
//! with an L2 penalty on the weights, fitted by the deterministic full-batch L-BFGS of
//! [`sgdc_core::linear`] (memory 10, Armijo backtracking), the objective evaluated by libtorch
//! (CPU or CUDA).
//!
//! The objective `mean(softplus(z) - y z) + l2/2 |w|^2` with `z = x.w + b` is strictly convex in
//! `w`, so the fit is a well-defined function of the data; the iteration count and final gradient
//! norm are reported so that "trained to convergence" can be checked. Scores, objective and
//! gradient are computed in float64 (the inputs stay float32 in memory where a float64 copy
//! would be large): in float32 the objective is resolved only to ~1e-8, the line search near the
//! optimum could not see its decrease, and on binary MNIST (60000 images) the fit stopped after
//! 538 iterations and 7809 evaluations (about 400 s) at gradient norm 2.2e-5, short of the 1e-5
//! tolerance; in float64 it converges.

use super::config::LinearConfig;
use crate::error::{Error, Result};
use crate::model::check_torch;

fn c<T>(r: std::result::Result<T, tch::TchError>) -> Result<T> {
    check_torch("linear fit", r)
}
use tch::{Kind, Tensor};

pub use sgdc_core::linear::LinearFit;
use sgdc_core::linear::{minimize, Objective};

/// Elements per row block of the inputs (32 MB in float64).
const BLOCK_ELEMENTS: usize = 1 << 22;

/// Training sets whose float64 copy fits in this many bytes are converted once (MNIST: 376 MB);
/// larger ones (binary CIFAR-10: 1.2 GB) are converted block by block at every evaluation, about
/// 1.8x slower per evaluation on MNIST but never holding more than one block in float64.
const F64_COPY_BYTES: i64 = 1 << 30;

/// How the fit holds its inputs: rows per block from `block_elements`, and whether they are
/// converted to float64 once (at most `f64_copy_bytes`) or at every evaluation.
#[derive(Debug, Clone, Copy)]
struct Layout {
    block_elements: usize,
    f64_copy_bytes: i64,
}

const LAYOUT: Layout = Layout {
    block_elements: BLOCK_ELEMENTS,
    f64_copy_bytes: F64_COPY_BYTES,
};

/// The objective over the training set, evaluated in float64 block by block.
struct Problem {
    /// Row blocks of the inputs (float64, or float32 views converted at each evaluation) and
    /// their targets (float64).
    blocks: Vec<(Tensor, Tensor)>,
    /// Where the inputs live.
    device: tch::Device,
    n: f64,
    l2: f64,
}

impl Problem {
    fn new(x: &Tensor, y: &Tensor, l2: f64, layout: Layout) -> Result<Self> {
        let size = x.size();
        let (n, d) = (size[0], size[1].max(1));
        let rows = ((layout.block_elements as i64) / d).max(1);
        let convert_once = n.saturating_mul(d).saturating_mul(8) <= layout.f64_copy_bytes;
        let mut blocks = Vec::new();
        let mut start = 0;
        while start < n {
            let len = rows.min(n - start);
            let mut xb = c(x.f_narrow(0, start, len))?;
            if convert_once {
                xb = c(xb.f_to_kind(Kind::Double))?;
            }
            blocks.push((xb, c(y.f_narrow(0, start, len))?));
            start += len;
        }
        Ok(Problem {
            blocks,
            device: x.device(),
            n: n as f64,
            l2,
        })
    }
}

impl Objective for Problem {
    /// Objective and gradient at `theta = [w..., b]`, all in float64: with float32 scores the
    /// objective is only resolved to ~1e-8, below the decrease a line search near the optimum
    /// must see, and the fit stopped short of the gradient tolerance.
    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>)> {
        let d = theta.len() - 1;
        let device = self.device;
        let w = c(Tensor::from_slice(&theta[..d]).f_to_device(device))?;
        let mut gw = c(Tensor::f_zeros([d as i64], (Kind::Double, device)))?;
        let mut loss = c(Tensor::f_zeros([], (Kind::Double, device)))?;
        let mut rsum = c(Tensor::f_zeros([], (Kind::Double, device)))?;
        for (xb, yb) in &self.blocks {
            let xb = c(xb.f_to_kind(Kind::Double))?;
            let z = c(xb.f_mv(&w))? + theta[d];
            // softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(exp(-|z|)) (exact for
            // every z; torch's softplus switches to z above a threshold).
            let tail = c(c(c(z.f_abs())?.f_neg())?.f_exp())?;
            let softplus = c(z.f_relu())? + c(tail.f_log1p())?;
            loss += c((softplus - &z * yb).f_sum(Kind::Double))?;
            let r = c(z.f_sigmoid())? - yb;
            rsum += c(r.f_sum(Kind::Double))?;
            gw += c(xb.f_tr().and_then(|xt| xt.f_mv(&r)))?;
        }
        let data_loss = c(loss.f_double_value(&[]))? / self.n;
        let gb = c(rsum.f_double_value(&[]))? / self.n;
        let gw = c(gw.f_to_device(tch::Device::Cpu))?;
        let mut g = vec![0f64; d];
        c(gw.f_copy_data(&mut g, d))?;
        let mut reg = 0.0;
        for (gi, &wi) in g.iter_mut().zip(&theta[..d]) {
            *gi = *gi / self.n + self.l2 * wi;
            reg += wi * wi;
        }
        g.push(gb);
        Ok((data_loss + 0.5 * self.l2 * reg, g))
    }
}

/// Fit L on inputs `x` (`[n, ...]`, float32, any device) with binary targets `y`.
pub fn fit(x: &Tensor, y: &[u8], cfg: &LinearConfig) -> Result<LinearFit> {
    fit_with(x, y, cfg, LAYOUT)
}

fn fit_with(x: &Tensor, y: &[u8], cfg: &LinearConfig, layout: Layout) -> Result<LinearFit> {
    let n = y.len();
    sgdc_core::linear::check_targets(y)?;
    let x = check_torch("linear fit", x.f_reshape([n as i64, -1]))?;
    let d = x.size().get(1).map_or(0, |&d| d as usize);
    let yf: Vec<f64> = y.iter().map(|&v| v as f64).collect();
    let yt = check_torch(
        "linear fit",
        Tensor::f_from_slice(&yf).and_then(|t| t.f_to_device(x.device())),
    )?;
    let p = Problem::new(&x, &yt, cfg.l2, layout)?;
    minimize(&p, d, cfg.tol, cfg.max_iter)
}

/// Hard predictions of `fit` (1 where `x.w + b > 0`, in float32) for inputs `x` (`[n, ...]`,
/// float32, any device).
pub fn predict(fit: &LinearFit, x: &Tensor) -> Result<Vec<u8>> {
    let n = x.size().first().copied().unwrap_or(0);
    let x = c(x.f_reshape([n, -1]))?;
    if x.size()[1] as usize != fit.w.len() {
        return Err(Error::LengthMismatch {
            what: "linear classifier input".into(),
            got: x.size()[1] as usize,
            expected: fit.w.len(),
        });
    }
    let w32: Vec<f32> = fit.w.iter().map(|&v| v as f32).collect();
    let w = c(Tensor::from_slice(&w32).f_to_device(x.device()))?;
    let z = c(x.f_mv(&w))? + fit.b;
    super::eval::to_u8(&c(z.f_gt(0.0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// The penalised logistic-regression optimum by Newton's method in plain f64 (an independent
    /// solver: dense Hessian, Gaussian elimination), for `theta = [w..., b]`.
    fn newton(x: &[Vec<f64>], y: &[f64], l2: f64) -> Vec<f64> {
        let (n, d) = (x.len(), x[0].len());
        let mut theta = vec![0.0; d + 1];
        for _ in 0..50 {
            let mut g = vec![0.0; d + 1];
            let mut h = vec![vec![0.0; d + 1]; d + 1];
            for (xi, &yi) in x.iter().zip(y) {
                let row: Vec<f64> = xi.iter().copied().chain([1.0]).collect();
                let z: f64 = row.iter().zip(&theta).map(|(a, t)| a * t).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                for j in 0..=d {
                    g[j] += (p - yi) * row[j] / n as f64;
                    for k in 0..=d {
                        h[j][k] += p * (1.0 - p) * row[j] * row[k] / n as f64;
                    }
                }
            }
            for j in 0..d {
                g[j] += l2 * theta[j];
                h[j][j] += l2;
            }
            // Solve h * step = g by Gaussian elimination with partial pivoting.
            let m = d + 1;
            let mut a: Vec<Vec<f64>> = h
                .into_iter()
                .zip(&g)
                .map(|(mut r, &gi)| {
                    r.push(gi);
                    r
                })
                .collect();
            for col in 0..m {
                let piv = (col..m)
                    .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                    .unwrap_or(col);
                a.swap(col, piv);
                let pivot_row = a[col].clone();
                for row in a.iter_mut().skip(col + 1) {
                    let f = row[col] / pivot_row[col];
                    row.iter_mut()
                        .zip(&pivot_row)
                        .skip(col)
                        .for_each(|(v, p)| *v -= f * p);
                }
            }
            let mut step = vec![0.0; m];
            for r in (0..m).rev() {
                let s: f64 = (r + 1..m).map(|k| a[r][k] * step[k]).sum();
                step[r] = (a[r][m] - s) / a[r][r];
            }
            theta.iter_mut().zip(&step).for_each(|(t, s)| *t -= s);
        }
        theta
    }

    /// Ill-conditioned, noisy logistic data: inputs (float64 rows) and labels.
    fn noisy_logistic(seed: u64) -> (Vec<Vec<f64>>, Vec<u8>) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (n, d) = (400, 5);
        let truth = [1.5, -2.0, 0.5, 0.0, 3.0];
        let mut x = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            // Coordinates on very different scales make the problem ill-conditioned.
            let xi: Vec<f64> = (0..d)
                .map(|j| (rng.random::<f64>() * 2.0 - 1.0) * 10f64.powi(j - 2))
                .collect();
            let z: f64 = xi
                .iter()
                .zip(&truth)
                .map(|(a, t)| a * t * 10.0)
                .sum::<f64>()
                + 0.3;
            y.push(u8::from(rng.random::<f64>() < 1.0 / (1.0 + (-z).exp())));
            x.push(xi);
        }
        (x, y)
    }

    fn as_tensor(x: &[Vec<f64>]) -> Tensor {
        let flat: Vec<f32> = x.iter().flatten().map(|&v| v as f32).collect();
        Tensor::from_slice(&flat).reshape([x.len() as i64, x[0].len() as i64])
    }

    /// `[w..., b]` of a fit.
    fn theta(f: &LinearFit) -> Vec<f64> {
        f.w.iter().copied().chain([f.b]).collect()
    }

    fn tight() -> LinearConfig {
        LinearConfig {
            l2: 1e-3,
            tol: 1e-9,
            max_iter: 5000,
            ..LinearConfig::default()
        }
    }

    #[test]
    fn fit_matches_newton_on_noisy_logistic_data() {
        let (x, y) = noisy_logistic(11);
        let xt = as_tensor(&x);
        let cfg = tight();
        let fit = fit(&xt, &y, &cfg).expect("fit");
        assert!(fit.converged, "not converged: {fit:?}");
        // Newton on the same float32-rounded inputs.
        let x32: Vec<Vec<f64>> = x
            .iter()
            .map(|r| r.iter().map(|&v| v as f32 as f64).collect())
            .collect();
        let yf: Vec<f64> = y.iter().map(|&v| v as f64).collect();
        let reference = newton(&x32, &yf, cfg.l2);
        for (j, (a, b)) in theta(&fit).iter().zip(&reference).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "theta[{j}]: L-BFGS {a}, Newton {b}"
            );
        }
    }

    /// Many small blocks converted at every evaluation reach the same optimum as one block
    /// converted once (the layout only changes the order of float64 sums).
    #[test]
    fn block_layout_does_not_change_the_fit() {
        let (x, y) = noisy_logistic(12);
        let xt = as_tensor(&x);
        let cfg = tight();
        let once = fit(&xt, &y, &cfg).expect("fit");
        let blocks = Layout {
            block_elements: 64,
            f64_copy_bytes: 0,
        };
        let streamed = fit_with(&xt, &y, &cfg, blocks).expect("fit");
        assert!(once.converged && streamed.converged);
        for (a, b) in theta(&once).iter().zip(&theta(&streamed)) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{a} vs {b}");
        }
    }

    /// The plain-Rust fit of `sgdc_core::linear` (the Python package's) reaches the optimum of
    /// this one: same objective, start, iteration and tolerance, float64 sums in other orders.
    #[test]
    fn dense_fit_reaches_the_same_optimum() {
        let (x, y) = noisy_logistic(13);
        let cfg = tight();
        let torch = fit(&as_tensor(&x), &y, &cfg).expect("fit");
        let flat: Vec<f32> = x.iter().flatten().map(|&v| v as f32).collect();
        let rows = sgdc_core::linear::Rows::new(&flat, x.len(), x[0].len(), "x").expect("rows");
        let settings = sgdc_core::linear::FitSettings {
            l2: cfg.l2,
            tol: cfg.tol,
            max_iter: cfg.max_iter,
        };
        let dense = sgdc_core::linear::fit_dense(rows, &y, &settings).expect("fit");
        assert!(torch.converged && dense.converged);
        for (j, (a, b)) in theta(&torch).iter().zip(&theta(&dense)).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                "theta[{j}]: {a} vs {b}"
            );
        }
        assert_eq!(
            predict(&torch, &as_tensor(&x)).expect("predict"),
            dense.predict_rows(rows).expect("predict")
        );
    }
}
