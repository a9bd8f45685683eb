//! The trajectory model: Gaussian inputs, a target with parts of increasing Hermite degree, and
//! a feature map whose eigenvalues fall with the degree.
//!
//! A [`TrajectoryModel`] is the extension point: it names the target (a score on the first few
//! coordinates whose sign is the label), the spectrum by degree and the label noise. The closed
//! form ([`super::predict`](mod@super::predict)) and the simulation
//! ([`super::simulate`](mod@super::simulate)) only use this trait.

use rand::RngExt;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sgdc_core::{Error, Result};

/// The normalised probabilists' Hermite polynomials `h_k = He_k / sqrt(k!)`, `k = 0..=out.len()-1`,
/// at `x`, by the three-term recurrence `He_{k+1} = x He_k - k He_{k-1}`. They are orthonormal
/// under the standard Gaussian.
pub fn hermite_normalised(x: f64, out: &mut [f64]) {
    let mut prev = 0.0; // He_{k-1}
    let mut cur = 1.0; // He_k
    let mut fact = 1.0; // k!
    for (k, o) in out.iter_mut().enumerate() {
        if k > 0 {
            fact *= k as f64;
        }
        *o = cur / fact.sqrt();
        let next = x * cur - k as f64 * prev;
        prev = cur;
        cur = next;
    }
}

/// The multivariate Hermite basis: all products `H_alpha(x) = prod_i h_{alpha_i}(x_i)` over
/// `dim` coordinates with total degree `|alpha| <= max_degree`, in graded order (degree 0 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HermiteBasis {
    /// Number of coordinates.
    pub dim: usize,
    /// Largest total degree `K`.
    pub max_degree: usize,
    /// The multi-indices, in graded order.
    pub alphas: Vec<Vec<u8>>,
    /// Total degree of each multi-index.
    pub degrees: Vec<usize>,
}

impl HermiteBasis {
    /// The basis of total degree `<= max_degree` over `dim` coordinates (`C(dim + K, K)` functions).
    pub fn new(dim: usize, max_degree: usize) -> Self {
        let mut alphas = Vec::new();
        for deg in 0..=max_degree {
            let mut cur = vec![0u8; dim];
            compositions(deg, 0, &mut cur, &mut alphas);
        }
        let degrees = alphas
            .iter()
            .map(|a| a.iter().map(|&v| usize::from(v)).sum())
            .collect();
        Self {
            dim,
            max_degree,
            alphas,
            degrees,
        }
    }

    /// Number of basis functions.
    pub fn len(&self) -> usize {
        self.alphas.len()
    }

    /// Whether the basis is empty (never, for a valid model).
    pub fn is_empty(&self) -> bool {
        self.alphas.is_empty()
    }

    /// Evaluate every basis function at `x` (length `dim`) into `out` (length [`Self::len`]);
    /// `scratch` holds `dim * (max_degree + 1)` values.
    pub fn eval(&self, x: &[f64], scratch: &mut Vec<f64>, out: &mut [f64]) {
        let k1 = self.max_degree + 1;
        scratch.resize(self.dim * k1, 0.0);
        for (i, &xi) in x.iter().take(self.dim).enumerate() {
            hermite_normalised(xi, &mut scratch[i * k1..(i + 1) * k1]);
        }
        for (o, a) in out.iter_mut().zip(&self.alphas) {
            let mut v = 1.0;
            for (i, &ai) in a.iter().enumerate() {
                if ai > 0 {
                    v *= scratch[i * k1 + usize::from(ai)];
                }
            }
            *o = v;
        }
    }
}

/// Append every `alpha` with `sum(alpha[pos..]) = left` (earlier positions fixed in `cur`).
fn compositions(left: usize, pos: usize, cur: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
    if pos == cur.len() {
        if left == 0 {
            out.push(cur.clone());
        }
        return;
    }
    if pos + 1 == cur.len() {
        cur[pos] = left as u8;
        out.push(cur.clone());
        cur[pos] = 0;
        return;
    }
    for v in (0..=left).rev() {
        cur[pos] = v as u8;
        compositions(left - v, pos + 1, cur, out);
    }
    cur[pos] = 0;
}

/// A synthetic model whose gradient-descent trajectory has a closed form.
///
/// Inputs are `x ~ N(0, I_dim)`; the clean label is `[score(x_1..x_r) > 0]` for the first
/// `r = relevant_dim()` coordinates; training labels are flipped with probability
/// `noise_rate()`, test labels are clean. The learner is linear over the features
/// `sqrt(lambda_deg(j)) H_j(x)`, `H_j` the orthonormal Hermite products of total degree
/// `<= max_degree()` over all `dim` coordinates, with `lambda_k = spectrum()[k]`.
///
/// Implement it to add a model with a non-linear part; the closed form and the simulation need
/// nothing else. What the closed form relies on: the features are orthonormal under the input
/// law, which is why the inputs are Gaussian and [`Self::sample_input`] should keep its default
/// (override it only with a law under which every `H_j` stays orthonormal, or the prediction is
/// no longer the population gradient flow of the simulated learner).
pub trait TrajectoryModel: Sync {
    /// Short, file-name-safe name.
    fn name(&self) -> String;
    /// Input dimension `d`.
    fn dim(&self) -> usize;
    /// Number of leading coordinates the target depends on (`1..=dim`).
    fn relevant_dim(&self) -> usize;
    /// The target score on the relevant coordinates (`x.len() == relevant_dim()`); the clean
    /// label is `[score > 0]`.
    fn score(&self, x: &[f64]) -> f64;
    /// The eigenvalue `lambda_k` of the features of total degree `k`, for `k = 0..=K`
    /// (`K = spectrum().len() - 1` is the largest degree of the feature map).
    fn spectrum(&self) -> Vec<f64>;
    /// Probability with which a training label is flipped, in `[0, 0.5)`.
    fn noise_rate(&self) -> f64;
    /// Draw one input into `x` (length `dim()`); default: independent standard Gaussians.
    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f64]) {
        for v in x {
            *v = rng.sample(rand_distr::StandardNormal);
        }
    }

    /// Largest degree `K` of the feature map.
    fn max_degree(&self) -> usize {
        self.spectrum().len().saturating_sub(1)
    }

    /// The clean label of a full input.
    fn clean_label(&self, x: &[f64]) -> u8 {
        u8::from(self.score(&x[..self.relevant_dim().min(x.len())]) > 0.0)
    }
}

/// Validate what every trajectory model must satisfy; errors name the quantity and the model.
pub fn check_model(m: &dyn TrajectoryModel) -> Result<()> {
    let name = m.name();
    let field = |f: &str| format!("{f} (model {name})");
    if m.dim() == 0 {
        return Err(Error::param(
            field("dim"),
            0,
            "need at least one coordinate",
        ));
    }
    if m.relevant_dim() == 0 || m.relevant_dim() > m.dim() {
        return Err(Error::param(
            field("relevant_dim"),
            m.relevant_dim(),
            format!("must lie in 1..={}", m.dim()),
        ));
    }
    let s = m.spectrum();
    if s.len() < 3 {
        return Err(Error::param(
            field("spectrum"),
            format!("{s:?}"),
            "need eigenvalues for degrees 0, 1 and at least 2",
        ));
    }
    if s.len() > 9 {
        return Err(Error::param(
            field("spectrum"),
            format!("{s:?}"),
            "degrees above 8 are not supported",
        ));
    }
    if s.iter().any(|&l| !(l > 0.0 && l.is_finite())) {
        return Err(Error::param(
            field("spectrum"),
            format!("{s:?}"),
            "every eigenvalue must be positive and finite",
        ));
    }
    if s.windows(2).skip(1).any(|w| w[1] >= w[0]) {
        return Err(Error::param(
            field("spectrum"),
            format!("{s:?}"),
            "eigenvalues must fall strictly with the degree from degree 1 on (the model's premise)",
        ));
    }
    let rho = m.noise_rate();
    if !(0.0..0.5).contains(&rho) {
        return Err(Error::param(field("noise"), rho, "must lie in [0, 0.5)"));
    }
    Ok(())
}

/// The built-in model: `g(x) = a_1 h_1(x_1) + a_2 h_2(x_2) + a_3 h_3(x_3)` (more weights add
/// `a_k h_k(x_k)` along further coordinates), label `[g > 0]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HermiteTarget {
    /// Input dimension `d`.
    pub dim: usize,
    /// `a_k`, the weight of `h_k(x_k)`, `k = 1..=weights.len()`.
    pub weights: Vec<f64>,
    /// `lambda_0 ..= lambda_K`.
    pub spectrum: Vec<f64>,
    /// Training label-flip probability.
    pub noise: f64,
}

impl Default for HermiteTarget {
    fn default() -> Self {
        Self {
            dim: 6,
            weights: vec![1.0, 1.0, 1.0],
            spectrum: vec![1.0, 1.0, 0.1, 0.01, 0.001],
            noise: 0.1,
        }
    }
}

impl HermiteTarget {
    /// Validate; errors name the field and value.
    pub fn check(&self) -> Result<()> {
        if self.weights.is_empty() {
            return Err(Error::param("model.weights", "[]", "need at least a_1"));
        }
        if self.weights.len() > self.dim {
            return Err(Error::param(
                "model.weights",
                format!("{:?}", self.weights),
                format!(
                    "one weight per coordinate: {} weights need dim >= {}, got dim = {}",
                    self.weights.len(),
                    self.weights.len(),
                    self.dim
                ),
            ));
        }
        if self.weights.len() >= self.spectrum.len() {
            return Err(Error::param(
                "model.spectrum",
                format!("{:?}", self.spectrum),
                format!(
                    "the feature map must reach degree {} (the target's highest), so that the reference classes can be departed from; give lambda_0..lambda_K with K > {}",
                    self.weights.len(),
                    self.weights.len() - 1
                ),
            ));
        }
        if self.weights.iter().any(|w| !w.is_finite()) || self.weights[0] == 0.0 {
            return Err(Error::param(
                "model.weights",
                format!("{:?}", self.weights),
                "weights must be finite and a_1 non-zero (the linear part)",
            ));
        }
        check_model(self)
    }
}

impl TrajectoryModel for HermiteTarget {
    fn name(&self) -> String {
        "hermite-target".into()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn relevant_dim(&self) -> usize {
        self.weights.len()
    }
    fn score(&self, x: &[f64]) -> f64 {
        let mut h = [0.0; 10];
        let mut g = 0.0;
        for (k, (&a, &xk)) in self.weights.iter().zip(x).enumerate() {
            let deg = k + 1;
            if deg < h.len() {
                hermite_normalised(xk, &mut h[..=deg]);
                g += a * h[deg];
            }
        }
        g
    }
    fn spectrum(&self) -> Vec<f64> {
        self.spectrum.clone()
    }
    fn noise_rate(&self) -> f64 {
        self.noise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hermite_values_and_basis_size() {
        let mut h = [0.0; 5];
        hermite_normalised(2.0, &mut h);
        let want = [
            1.0,
            2.0,
            3.0 / 2f64.sqrt(),
            2.0 / 6f64.sqrt(),
            -5.0 / 24f64.sqrt(),
        ];
        for (a, b) in h.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{h:?}");
        }
        let b = HermiteBasis::new(6, 4);
        assert_eq!(b.len(), 210);
        assert_eq!(HermiteBasis::new(3, 4).len(), 35);
        assert_eq!(b.degrees[0], 0);
        assert!(b.degrees.windows(2).all(|w| w[0] <= w[1]));
        let mut out = vec![0.0; 35];
        let mut s = Vec::new();
        let b3 = HermiteBasis::new(3, 4);
        b3.eval(&[0.5, -1.0, 2.0], &mut s, &mut out);
        let i = b3.alphas.iter().position(|a| a == &vec![1, 0, 2]).unwrap();
        assert!((out[i] - 0.5 * 3.0 / 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn bad_configs_name_the_field() {
        let m = HermiteTarget {
            spectrum: vec![1.0, 1.0, 0.1],
            ..HermiteTarget::default()
        };
        assert!(m
            .check()
            .unwrap_err()
            .to_string()
            .contains("model.spectrum"));
        let m = HermiteTarget {
            noise: 0.5,
            ..HermiteTarget::default()
        };
        assert!(m.check().unwrap_err().to_string().contains("noise"));
        let m = HermiteTarget {
            dim: 2,
            ..HermiteTarget::default()
        };
        assert!(m.check().unwrap_err().to_string().contains("model.weights"));
        HermiteTarget::default().check().unwrap();
    }
}
