//! Kernels on Gaussian inputs projected on the Hermite features by degree, and the closed-form
//! tangent kernel of a ReLU MLP (the arc-cosine recursion), to set beside a network's measured
//! one (`sgd_complexity::ntk`).
//!
//! The degree-`k` eigenvalue of a kernel `K` is read as the mean over `|alpha| = k` of the
//! Rayleigh quotient `E_{x, x'}[H_alpha(x) K(x, x') H_alpha(x')]`, `x, x'` independent standard
//! normal: on two disjoint halves `A`, `B` of a sample it is estimated by
//! `h_A^T K_AB h_B / (|A| |B|)`, unbiased (no diagonal terms), over independent groups for the
//! standard error: the estimator of the measured spectrum, with the kernel in closed form.

use super::model::HermiteBasis;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sgdc_core::{Error, Result};
use std::f64::consts::PI;

/// A kernel's eigenvalues by Hermite degree, with their sampling error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelSpectrum {
    /// `lambda_k`, `k = 0..=K`: the mean over groups.
    pub lambda: Vec<f64>,
    /// Standard error of each (the groups' standard deviation over `sqrt(groups)`).
    pub se: Vec<f64>,
    /// `lambda_k` of each group.
    pub group_lambda: Vec<Vec<f64>>,
    /// Hermite products of each degree.
    pub features: Vec<usize>,
    /// Sample points in all.
    pub points: usize,
    /// Independent groups.
    pub groups: usize,
}

impl KernelSpectrum {
    /// The spectrum of `group_lambda` (one `lambda_0..lambda_K` per independent group): their
    /// mean, and its standard error from their spread.
    pub fn from_groups(group_lambda: Vec<Vec<f64>>, features: Vec<usize>, points: usize) -> Self {
        let g = group_lambda.len() as f64;
        let k1 = features.len();
        let lambda: Vec<f64> = (0..k1)
            .map(|k| group_lambda.iter().map(|l| l[k]).sum::<f64>() / g)
            .collect();
        let se = (0..k1)
            .map(|k| {
                let var = group_lambda
                    .iter()
                    .map(|l| (l[k] - lambda[k]).powi(2))
                    .sum::<f64>()
                    / (g - 1.0).max(1.0);
                (var / g).sqrt()
            })
            .collect();
        KernelSpectrum {
            lambda,
            se,
            groups: group_lambda.len(),
            group_lambda,
            features,
            points,
        }
    }
}

/// The degree spectrum (degrees `0..=max_degree`) of `kernel` on the points `x` (row-major,
/// `dim` coordinates each), split into `groups` groups of two halves, in order (the layout of
/// `sgd_complexity::ntk::degree_spectrum`, so that both read the same sample).
pub fn kernel_degree_spectrum(
    kernel: &(dyn Fn(&[f64], &[f64]) -> f64 + Sync),
    x: &[f64],
    dim: usize,
    max_degree: usize,
    groups: usize,
) -> Result<KernelSpectrum> {
    if dim == 0 || !x.len().is_multiple_of(dim) {
        return Err(Error::param(
            "points",
            x.len(),
            format!("must be rows of dim = {dim} coordinates"),
        ));
    }
    let n = x.len() / dim;
    if groups < 2 || n < 4 * groups {
        return Err(Error::param(
            "groups",
            groups,
            format!("need at least 2 groups of at least 4 points ({n} points)"),
        ));
    }
    let basis = HermiteBasis::new(dim, max_degree);
    let p = basis.len();
    let per_group = n / groups;
    let half = per_group / 2;
    let feats: Vec<f64> = x
        .par_chunks_exact(dim)
        .flat_map_iter(|row| {
            let (mut scratch, mut out) = (Vec::new(), vec![0f64; p]);
            basis.eval(row, &mut scratch, &mut out);
            out
        })
        .collect();
    let mut features = vec![0usize; max_degree + 1];
    for &d in &basis.degrees {
        features[d] += 1;
    }
    let group_lambda: Vec<Vec<f64>> = (0..groups)
        .map(|g| {
            let a0 = g * per_group;
            let b0 = a0 + half;
            // K h_B for every feature at once: rows of A, each a sum over B (row order fixed,
            // rows in parallel: the same sums on any thread count).
            let khb: Vec<f64> = (0..half)
                .into_par_iter()
                .flat_map_iter(|i| {
                    let xi = &x[(a0 + i) * dim..(a0 + i + 1) * dim];
                    let mut acc = vec![0f64; p];
                    for j in 0..half {
                        let xj = &x[(b0 + j) * dim..(b0 + j + 1) * dim];
                        let k = kernel(xi, xj);
                        let hj = &feats[(b0 + j) * p..(b0 + j + 1) * p];
                        for (a, h) in acc.iter_mut().zip(hj) {
                            *a += k * h;
                        }
                    }
                    acc
                })
                .collect();
            let mut sums = vec![0f64; max_degree + 1];
            for i in 0..half {
                let ha = &feats[(a0 + i) * p..(a0 + i + 1) * p];
                for (f, (&h, &kh)) in ha.iter().zip(&khb[i * p..(i + 1) * p]).enumerate() {
                    sums[basis.degrees[f]] += h * kh;
                }
            }
            let norm = (half * half) as f64;
            sums.iter()
                .zip(&features)
                .map(|(s, &c)| s / norm / c as f64)
                .collect()
        })
        .collect();
    Ok(KernelSpectrum::from_groups(
        group_lambda,
        features,
        per_group * groups,
    ))
}

/// A ReLU MLP as the harness builds it: `dim` inputs, hidden layers of `widths`, two outputs,
/// weights Kaiming-uniform for ReLU (variance `2 / fan_in`, libtorch's default for a linear
/// layer) and biases uniform in `+-1/sqrt(fan_in)` (variance `1 / (3 fan_in)`), output
/// `u = z_1 - z_0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReluMlp {
    /// Input dimension.
    pub dim: usize,
    /// Hidden layer widths.
    pub widths: Vec<usize>,
}

/// `E[relu(a) relu(b)]` and `E[relu'(a) relu'(b)]` for centred Gaussians with variances `s`,
/// `t` and covariance `c` (the arc-cosine kernels of order 1 and 0).
fn arccos(s: f64, t: f64, c: f64) -> (f64, f64) {
    let norm = (s * t).sqrt();
    if norm <= 0.0 {
        return (0.0, 0.25);
    }
    let cos = (c / norm).clamp(-1.0, 1.0);
    let theta = cos.acos();
    let e = norm / (2.0 * PI) * (theta.sin() + (PI - theta) * cos);
    let d = (PI - theta) / (2.0 * PI);
    (e, d)
}

impl ReluMlp {
    /// The infinite-width tangent kernel of `u` at initialisation, in the network's own
    /// (standard) parametrisation at these widths: `Theta = sum_l P_l (A_{l-1} + 1)` over the
    /// layers, `A_{l-1}` the inner product of the layer's inputs (`x . x'` for the first, `n E`
    /// for a hidden layer of width `n`, `E` the order-1 arc-cosine kernel of its
    /// pre-activations' covariance) and `P_l` that of the backpropagated signals (2 at the
    /// output, whose two rows carry `+-a`; `4 Edot` for the last hidden layer; `2 P_{l+1} Edot`
    /// below, `Edot` the order-0 kernel).
    pub fn ntk(&self, x: &[f64], y: &[f64]) -> f64 {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        let d = self.dim as f64;
        // Pre-activation covariances of layer 1: weight variance 2/d, bias 1/(3d).
        let bias = 1.0 / (3.0 * d);
        let (mut sxx, mut syy, mut sxy) = (
            2.0 * dot(x, x) / d + bias,
            2.0 * dot(y, y) / d + bias,
            2.0 * dot(x, y) / d + bias,
        );
        // Inner products of each layer's inputs (A) and the order-0 kernels (Edot) per hidden layer.
        let mut a = vec![dot(x, y)];
        let mut edot = Vec::with_capacity(self.widths.len());
        for (l, &n) in self.widths.iter().enumerate() {
            let (exy, dxy) = arccos(sxx, syy, sxy);
            let (exx, _) = arccos(sxx, sxx, sxx);
            let (eyy, _) = arccos(syy, syy, syy);
            edot.push(dxy);
            a.push(n as f64 * exy);
            if l + 1 < self.widths.len() {
                let b = 1.0 / (3.0 * n as f64);
                sxx = 2.0 * exx + b;
                syy = 2.0 * eyy + b;
                sxy = 2.0 * exy + b;
            }
        }
        let h = self.widths.len();
        let mut theta = 2.0 * (a[h] + 1.0);
        let mut p = 0.0;
        for l in (0..h).rev() {
            p = if l + 1 == h {
                4.0 * edot[l]
            } else {
                2.0 * p * edot[l]
            };
            theta += p * (a[l] + 1.0);
        }
        theta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn points(n: usize, dim: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        (0..n * dim)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect()
    }

    /// The kernel `sum_k lambda_k sum_{|alpha| = k} H_alpha(x) H_alpha(x')` has the degree
    /// spectrum `lambda`.
    #[test]
    fn a_kernel_with_a_known_spectrum_is_projected_right() {
        let (dim, lambda) = (3, [2.0, 1.0, 0.5, 0.25]);
        let basis = HermiteBasis::new(dim, 3);
        let k = |x: &[f64], y: &[f64]| {
            let (mut s, mut hx, mut hy) =
                (Vec::new(), vec![0.0; basis.len()], vec![0.0; basis.len()]);
            basis.eval(x, &mut s, &mut hx);
            basis.eval(y, &mut s, &mut hy);
            hx.iter()
                .zip(&hy)
                .zip(&basis.degrees)
                .map(|((a, b), &d)| lambda[d] * a * b)
                .sum()
        };
        let x = points(16384, dim, 1);
        let s = kernel_degree_spectrum(&k, &x, dim, 3, 4).expect("spectrum");
        for (kdeg, ((&got, &se), &truth)) in s.lambda.iter().zip(&s.se).zip(&lambda).enumerate() {
            assert!(se < 0.1 * truth, "degree {kdeg}: SE {se}");
            assert!(
                (got - truth).abs() <= 4.0 * se,
                "degree {kdeg}: {got} +- {se} vs {truth}"
            );
        }
    }

    /// The recursion against a Monte Carlo average over finite networks drawn with the same
    /// laws (wide layers, so that the finite-width fluctuations are small).
    #[test]
    fn relu_ntk_matches_wide_random_networks() {
        use rand::RngExt;
        let dim = 3;
        let net = ReluMlp {
            dim,
            widths: vec![2048, 2048],
        };
        let x = [0.3, -1.2, 0.8];
        let y = [1.1, 0.4, -0.5];
        let want = net.ntk(&x, &y);
        // One wide network: the empirical NTK by explicit backpropagation.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let mut uni = |fan: usize, gain2: f64| {
            let bound = (3.0 * gain2 / fan as f64).sqrt();
            rng.random::<f64>() * 2.0 * bound - bound
        };
        let widths = [dim, 2048, 2048];
        let mut w = Vec::new();
        let mut b = Vec::new();
        for l in 1..3 {
            let (fi, fo) = (widths[l - 1], widths[l]);
            w.push((0..fo * fi).map(|_| uni(fi, 2.0)).collect::<Vec<f64>>());
            b.push((0..fo).map(|_| uni(fi, 1.0 / 3.0)).collect::<Vec<f64>>());
        }
        let wo: Vec<f64> = (0..2 * 2048).map(|_| uni(2048, 2.0)).collect();
        // Forward and backward for one input: per-layer (inputs, signals).
        let grads = |inp: &[f64]| -> Vec<(Vec<f64>, Vec<f64>)> {
            let mut acts = vec![inp.to_vec()];
            let mut pre = Vec::new();
            for l in 0..2 {
                let (fi, fo) = (widths[l], widths[l + 1]);
                let z: Vec<f64> = (0..fo)
                    .map(|o| b[l][o] + (0..fi).map(|i| w[l][o * fi + i] * acts[l][i]).sum::<f64>())
                    .collect();
                acts.push(z.iter().map(|v| v.max(0.0)).collect());
                pre.push(z);
            }
            let diff: Vec<f64> = (0..2048).map(|j| wo[2048 + j] - wo[j]).collect();
            let mut delta: Vec<f64> = (0..2048)
                .map(|j| if pre[1][j] > 0.0 { diff[j] } else { 0.0 })
                .collect();
            let mut out = vec![(acts[2].clone(), vec![1.0, -1.0])];
            for l in (0..2).rev() {
                out.push((acts[l].clone(), delta.clone()));
                if l > 0 {
                    let (fi, fo) = (widths[l], widths[l + 1]);
                    delta = (0..fi)
                        .map(|i| {
                            let s: f64 = (0..fo).map(|o| w[l][o * fi + i] * delta[o]).sum();
                            if pre[l - 1][i] > 0.0 {
                                s
                            } else {
                                0.0
                            }
                        })
                        .collect();
                }
            }
            out
        };
        let (gx, gy) = (grads(&x), grads(&y));
        let dot = |a: &[f64], c: &[f64]| a.iter().zip(c).map(|(u, v)| u * v).sum::<f64>();
        let got: f64 = gx
            .iter()
            .zip(&gy)
            .map(|((ax, dx), (ay, dy))| dot(dx, dy) * (dot(ax, ay) + 1.0))
            .sum();
        assert!(
            (got - want).abs() <= 0.1 * want.abs(),
            "empirical {got}, closed form {want}"
        );
    }
}
