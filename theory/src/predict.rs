//! The closed-form prediction of the joint law of `(F(X), L(X), Y)` on a fresh point, given the
//! training set (see `theory/README.md` for the derivation).
//!
//! With `v = w_L`, `u = w_L + Delta_s` and `sigma^2 = extra_variance * ||Delta_z||^2`, a fresh point
//! has `score_L = <v, s>`, `score_F = <u, s> + g` with `g ~ N(0, sigma^2)` independent of `s`
//! (exactly, when the extra coordinates are Gaussian), and `Y = [<w*, s> > 0]`.

use serde::{Deserialize, Serialize};
use sgdc_core::data::linear_signal::SignalLaw;
use sgdc_core::info::{Measures, Unit};
use std::f64::consts::PI;

/// Signal dimension up to which the hypercube law is summed exactly over all `2^d` vertices.
pub const MAX_ENUMERATED_SIGNAL_DIM: usize = 20;

/// The predicted population quantities of `(F, L, Y)` (information in bits).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Joint probabilities, cell `(f, l, y)` at index `f * 4 + l * 2 + y`.
    pub joint: [f64; 8],
    /// `Pr[F != L]`.
    pub pr_disagree: f64,
    /// Test accuracy of L against the clean label.
    pub acc_l: f64,
    /// Test accuracy of F against the clean label.
    pub acc_f: f64,
    /// `I(L;Y)`.
    pub i_ly: f64,
    /// `I(F;Y)`.
    pub i_fy: f64,
    /// `mu_Y(F;L)`.
    pub mu: f64,
    /// Whether the signal part was handled exactly (Gaussian, or hypercube enumerated); when
    /// false the signal part is replaced by a Gaussian with the same covariance.
    pub exact_signal: bool,
}

/// The standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal quantile, by bisection on [`normal_cdf`] (to 1e-12).
pub fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn corr(cov: f64, va: f64, vb: f64) -> f64 {
    let d = (va * vb).sqrt();
    if d == 0.0 {
        0.0
    } else {
        (cov / d).clamp(-1.0, 1.0)
    }
}

/// Orthant probabilities of a zero-mean trivariate Gaussian `(A, B, C)` given its covariance:
/// `Pr[sign A = a, sign B = b, sign C = c] = 1/8 + (ab asin r_AB + ac asin r_AC + bc asin r_BC) / (4 pi)`.
/// Returned over `(f, l, y) = ([B > 0], [A > 0], [C > 0])`.
fn gaussian_orthants(var: [f64; 3], cov_ab: f64, cov_ac: f64, cov_bc: f64) -> [f64; 8] {
    let [va, vb, vc] = var;
    let (rab, rac, rbc) = (
        corr(cov_ab, va, vb).asin(),
        corr(cov_ac, va, vc).asin(),
        corr(cov_bc, vb, vc).asin(),
    );
    let mut p = [0.0; 8];
    for f in 0..2 {
        for l in 0..2 {
            for y in 0..2 {
                let (a, b, c) = (pm(l), pm(f), pm(y));
                let v = 0.125 + (a * b * rab + a * c * rac + b * c * rbc) / (4.0 * PI);
                p[f * 4 + l * 2 + y] = v.max(0.0);
            }
        }
    }
    p
}

fn pm(bit: usize) -> f64 {
    if bit == 1 {
        1.0
    } else {
        -1.0
    }
}

/// Predict the law of `(F, L, Y)` on a fresh point.
///
/// `w_l`: phase-1 weights on the signal; `delta_s`: the correction's signal part; `w_star`: the
/// true direction; `sigma2`: variance of the correction's extra part on a fresh point.
pub fn predict(
    w_l: &[f64],
    delta_s: &[f64],
    w_star: &[f64],
    sigma2: f64,
    law: SignalLaw,
) -> Prediction {
    let u: Vec<f64> = w_l.iter().zip(delta_s).map(|(a, b)| a + b).collect();
    let d = w_l.len();
    let (joint, exact) = match law {
        SignalLaw::Rademacher if d <= MAX_ENUMERATED_SIGNAL_DIM => {
            (hypercube_joint(w_l, &u, w_star, sigma2), true)
        }
        _ => {
            let var = [dot(w_l, w_l), dot(&u, &u) + sigma2, dot(w_star, w_star)];
            let j = gaussian_orthants(var, dot(w_l, &u), dot(w_l, w_star), dot(&u, w_star));
            (j, law == SignalLaw::StandardGaussian)
        }
    };
    from_joint(joint, exact)
}

/// Exact sum over the `2^d` hypercube vertices, the extra part Gaussian.
fn hypercube_joint(v: &[f64], u: &[f64], w: &[f64], sigma2: f64) -> [f64; 8] {
    let d = v.len();
    let sigma = sigma2.sqrt();
    let weight = 0.5f64.powi(d as i32);
    let mut p = [0.0; 8];
    for mask in 0u64..(1u64 << d) {
        let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
        for k in 0..d {
            let s = if (mask >> k) & 1 == 1 { 1.0 } else { -1.0 };
            a += v[k] * s;
            b += u[k] * s;
            c += w[k] * s;
        }
        let l = usize::from(a > 0.0);
        let y = usize::from(c > 0.0);
        let pf1 = if sigma > 0.0 {
            normal_cdf(b / sigma)
        } else if b > 0.0 {
            1.0
        } else {
            0.0
        };
        p[4 + l * 2 + y] += weight * pf1;
        p[l * 2 + y] += weight * (1.0 - pf1);
    }
    p
}

/// The derived quantities of a joint law over `(F, L, Y)`.
pub fn from_joint(joint: [f64; 8], exact_signal: bool) -> Prediction {
    let at = |f: usize, l: usize, y: usize| joint[f * 4 + l * 2 + y];
    let mut pr_disagree = 0.0;
    let (mut acc_l, mut acc_f) = (0.0, 0.0);
    for f in 0..2 {
        for l in 0..2 {
            for y in 0..2 {
                if f != l {
                    pr_disagree += at(f, l, y);
                }
                if l == y {
                    acc_l += at(f, l, y);
                }
                if f == y {
                    acc_f += at(f, l, y);
                }
            }
        }
    }
    let mi = Measures::of_binary_law(&joint, Unit::Bits);
    Prediction {
        joint,
        pr_disagree,
        acc_l,
        acc_f,
        i_ly: mi.i_ly,
        i_fy: mi.i_fy,
        mu: mi.mu,
        exact_signal,
    }
}

/// The a-priori large-dimension approximation of `Pr[F != L]` for the Gaussian model, before any
/// data is drawn (see `theory/README.md`): `atan(sqrt(n (1 - c^2) / (c^2 (D - d - n - 1)))) / pi`
/// with `c^2 = (1 - 2 eta)^2 * 2 / pi`. `None` when `D - d <= n + 1`, where it does not apply.
pub fn apriori_pr_disagree(n: usize, dim: usize, signal_dim: usize, eta: f64) -> Option<f64> {
    let extra = dim.checked_sub(signal_dim)? as f64;
    let dof = extra - n as f64 - 1.0;
    if dof <= 0.0 {
        return None;
    }
    let c2 = (1.0 - 2.0 * eta).powi(2) * 2.0 / PI;
    if c2 <= 0.0 {
        return None;
    }
    Some((n as f64 * (1.0 - c2) / (c2 * dof)).sqrt().atan() / PI)
}
