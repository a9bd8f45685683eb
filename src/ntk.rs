//! A network's tangent kernel, projected on the multivariate Hermite features by degree: the
//! spectrum that the trajectory model's closed form takes as its premise, measured on the
//! network that was trained instead of assumed.
//!
//! For a network with scalar output `u(x)` (for two classes, the logit difference
//! `z_1 - z_0`) and parameters `theta`, the empirical neural tangent kernel is
//! `Theta(x, x') = grad u(x) . grad u(x')`. Its Rayleigh quotient on the orthonormal Hermite
//! product `H_alpha` under the Gaussian input law is
//!
//! ```text
//! lambda_alpha = E_{x, x'}[H_alpha(x) Theta(x, x') H_alpha(x')] = | E_x[H_alpha(x) grad u(x)] |^2,
//! ```
//!
//! the eigenvalue of `H_alpha` when the kernel is diagonal in the Hermite basis, as the model
//! assumes (for a kernel that is not, the quotient is the kernel's mean over that direction).
//! It is estimated without the kernel matrix and without its diagonal bias: on two disjoint
//! halves `A`, `B` of a sample of Gaussian points, `a = (1/|A|) sum_A H_alpha(x) grad u(x)` and
//! `b` likewise are each one backward pass, and `a . b` is unbiased for `lambda_alpha`. The
//! degree-`k` eigenvalue is the mean of `lambda_alpha` over `|alpha| = k`. The sample is split
//! into `groups` independent groups; the spectrum is the mean over groups and its standard
//! error the groups' standard deviation over `sqrt(groups)`.
//!
//! Memory: one gradient vector at a time per half (the parameter count, in float32), so a
//! network of millions of parameters fits a 2-core machine; time: `2 * groups * C(d + K, K)`
//! backward passes over half a group each.

use crate::error::{Error, Result};
use crate::model::check_torch;
use crate::rng::{stream, Stream};
use crate::theory::trajectory::kernel::KernelSpectrum;
use crate::theory::trajectory::model::HermiteBasis;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tch::{Kind, Tensor};

fn c<T>(r: std::result::Result<T, tch::TchError>) -> Result<T> {
    check_torch("tangent-kernel spectrum", r)
}

/// How the spectrum is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumOptions {
    /// Gaussian sample points in all (split into `groups` groups, each into two halves).
    pub points: usize,
    /// Independent groups (at least 2: their spread is the standard error).
    pub groups: usize,
    /// Largest Hermite degree `K`.
    pub max_degree: usize,
    /// Master seed of the sample (stream [`Stream::Spectrum`]).
    pub seed: u64,
}

impl Default for SpectrumOptions {
    /// 16384 points in 8 groups, degrees 0..=4 (the trajectory model's), seed 0. The quotients
    /// of high degrees are heavy-tailed (products of degree up to `2K` polynomials): on a linear
    /// model with `lambda_4 = 0.008` (tested), 16384 points in 4 groups measured 0.0050 +- 0.0005,
    /// the groups' spread understating the error; 65536 in 8 groups 0.0073 +- 0.0004.
    fn default() -> Self {
        SpectrumOptions {
            points: 16384,
            groups: 8,
            max_degree: 4,
            seed: 0,
        }
    }
}

impl SpectrumOptions {
    /// Check the options, naming the bad one.
    pub fn check(&self) -> Result<()> {
        if self.groups < 2 {
            return Err(Error::param(
                "spectrum.groups",
                self.groups,
                "need at least 2 (their spread is the standard error)",
            ));
        }
        if self.points < 4 * self.groups {
            return Err(Error::param(
                "spectrum.points",
                self.points,
                format!("need at least 4 per group ({} groups)", self.groups),
            ));
        }
        if self.max_degree == 0 || self.max_degree > 8 {
            return Err(Error::param(
                "spectrum.max_degree",
                self.max_degree,
                "must lie in 1..=8",
            ));
        }
        Ok(())
    }
}

/// A kernel's eigenvalues by Hermite degree, with their sampling error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DegreeSpectrum {
    /// `lambda_k`, degree `k = 0..=K`: the mean over groups.
    pub lambda: Vec<f64>,
    /// Standard error of each `lambda_k` (the groups' standard deviation over `sqrt(groups)`).
    pub se: Vec<f64>,
    /// `lambda_k` of each group.
    pub group_lambda: Vec<Vec<f64>>,
    /// Hermite products of each degree (`C(d + k - 1, k)`).
    pub features: Vec<usize>,
    /// The options it was measured with.
    pub options: SpectrumOptions,
    /// Input dimension.
    pub dim: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl DegreeSpectrum {
    /// A kernel spectrum with the options and input dimension it was taken with, timed from
    /// `start`.
    pub fn from_kernel(
        k: KernelSpectrum,
        opts: &SpectrumOptions,
        dim: usize,
        start: Instant,
    ) -> Self {
        DegreeSpectrum {
            lambda: k.lambda,
            se: k.se,
            group_lambda: k.group_lambda,
            features: k.features,
            options: *opts,
            dim,
            seconds: start.elapsed().as_secs_f64(),
        }
    }

    /// The spectrum divided by `lambda_1`: what a trajectory model's `spectrum` takes (the
    /// closed form depends on `lambda_k t` only, so the scale moves into the time unit). Points
    /// the theory at a network: `HermiteTarget { spectrum: s.normalised()?, .. }`.
    pub fn normalised(&self) -> Result<Vec<f64>> {
        let l1 = self.lambda.get(1).copied().unwrap_or(f64::NAN);
        if !(l1 > 0.0 && l1.is_finite()) {
            return Err(Error::param(
                "spectrum",
                format!("{:?}", self.lambda),
                "lambda_1 must be positive (the linear part must be learned at all)",
            ));
        }
        Ok(self.lambda.iter().map(|l| l / l1).collect())
    }
}

/// The sample: `points x dim` standard normal inputs from stream [`Stream::Spectrum`] of `seed`,
/// rounded to float32 (what a network is fed), and as float64.
pub fn gaussian_points(points: usize, dim: usize, seed: u64) -> (Vec<f32>, Vec<f64>) {
    let mut rng = stream(seed, Stream::Spectrum, 0);
    let x32: Vec<f32> = (0..points * dim)
        .map(|_| {
            let v: f64 = StandardNormal.sample(&mut rng);
            v as f32
        })
        .collect();
    let x64 = x32.iter().map(|&v| f64::from(v)).collect();
    (x32, x64)
}

/// The dot product `a . b` of two gradients, given as one tensor per parameter, in float64.
fn dot(a: &[Tensor], b: &[Tensor]) -> Result<f64> {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = c(c(x.f_to_kind(Kind::Double))?.f_mul(&c(y.f_to_kind(Kind::Double))?))?;
        s += c(c(d.f_sum(Kind::Double))?.f_double_value(&[]))?;
    }
    Ok(s)
}

/// The degree spectrum of the tangent kernel of `output` (inputs `[n, dim]` float32 to scalar
/// outputs `[n]`) with respect to `params`, on Gaussian inputs of dimension `dim`.
pub fn degree_spectrum(
    output: &dyn Fn(&Tensor) -> Result<Tensor>,
    params: &[Tensor],
    dim: usize,
    opts: &SpectrumOptions,
) -> Result<DegreeSpectrum> {
    let start = Instant::now();
    opts.check()?;
    if dim == 0 {
        return Err(Error::param("dim", 0, "need at least one input coordinate"));
    }
    if params.is_empty() {
        return Err(Error::param("params", 0, "the network has no parameters"));
    }
    let basis = HermiteBasis::new(dim, opts.max_degree);
    let p = basis.len();
    let per_group = opts.points / opts.groups;
    let half = per_group / 2;
    let (x32, x64) = gaussian_points(per_group * opts.groups, dim, opts.seed);
    let mut feats = vec![0f64; x64.len() / dim * p];
    let mut scratch = Vec::new();
    for (row, out) in x64.chunks_exact(dim).zip(feats.chunks_exact_mut(p)) {
        basis.eval(row, &mut scratch, out);
    }
    let mut features = vec![0usize; opts.max_degree + 1];
    for &d in &basis.degrees {
        features[d] += 1;
    }
    let mut group_lambda = Vec::with_capacity(opts.groups);
    for g in 0..opts.groups {
        let rows = |h: usize| {
            let first = g * per_group + h * half;
            first..first + half
        };
        // One forward pass per half, kept for every feature's backward pass.
        let halves: Vec<(Tensor, std::ops::Range<usize>)> = (0..2)
            .map(|h| {
                let r = rows(h);
                let xs = c(Tensor::f_from_slice(&x32[r.start * dim..r.end * dim]))?;
                let xs = c(xs.f_reshape([half as i64, dim as i64]))?;
                let u = output(&xs)?;
                if u.size() != [half as i64] {
                    return Err(Error::param(
                        "network output",
                        format!("{:?}", u.size()),
                        format!("expected one value per input ([{half}])"),
                    ));
                }
                Ok((u, r))
            })
            .collect::<Result<_>>()?;
        let mut sums = vec![0f64; opts.max_degree + 1];
        for j in 0..p {
            let mut grads = Vec::with_capacity(2);
            for (u, r) in &halves {
                let w: Vec<f32> = r
                    .clone()
                    .map(|i| (feats[i * p + j] / half as f64) as f32)
                    .collect();
                let w = c(Tensor::f_from_slice(&w))?;
                let z = c(c(u.f_mul(&w))?.f_sum(Kind::Float))?;
                grads.push(c(Tensor::f_run_backward(&[z], params, true, false))?);
            }
            sums[basis.degrees[j]] += dot(&grads[0], &grads[1])?;
        }
        group_lambda.push(
            sums.iter()
                .zip(&features)
                .map(|(s, &n)| s / n as f64)
                .collect::<Vec<f64>>(),
        );
    }
    let k = KernelSpectrum::from_groups(group_lambda, features, per_group * opts.groups);
    Ok(DegreeSpectrum::from_kernel(k, opts, dim, start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::trajectory::model::HermiteTarget;
    use crate::theory::trajectory::predict::{estimate_coefficients, predict, TheoryConfig};

    /// A linear model over the Hermite features scaled by `sqrt(lambda_deg)`: its tangent
    /// kernel is `sum_alpha lambda_|alpha| H_alpha(x) H_alpha(x')`, whose degree spectrum is
    /// `lambda` exactly. Returns the spectrum measured on it.
    fn linear_model_spectrum(lambda: &[f64], dim: usize, opts: &SpectrumOptions) -> DegreeSpectrum {
        let basis = HermiteBasis::new(dim, lambda.len() - 1);
        let p = basis.len();
        let scale: Vec<f64> = basis.degrees.iter().map(|&d| lambda[d].sqrt()).collect();
        let w = Tensor::ones([p as i64], (Kind::Float, tch::Device::Cpu)).set_requires_grad(true);
        let output = |xs: &Tensor| -> Result<Tensor> {
            let n = xs.size()[0] as usize;
            let mut x = vec![0f32; n * dim];
            xs.copy_data(&mut x, n * dim);
            let mut phi = vec![0f32; n * p];
            let (mut scratch, mut h) = (Vec::new(), vec![0f64; p]);
            for (row, out) in x.chunks_exact(dim).zip(phi.chunks_exact_mut(p)) {
                let row: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
                basis.eval(&row, &mut scratch, &mut h);
                for ((o, hv), s) in out.iter_mut().zip(&h).zip(&scale) {
                    *o = (hv * s) as f32;
                }
            }
            let phi = Tensor::from_slice(&phi).reshape([n as i64, p as i64]);
            Ok(phi.mv(&w))
        };
        degree_spectrum(&output, std::slice::from_ref(&w), dim, opts).expect("spectrum")
    }

    #[test]
    fn a_kernel_with_a_known_spectrum_is_projected_right() {
        let lambda = [1.0, 0.5, 0.25, 0.125];
        let opts = SpectrumOptions {
            points: 16384,
            groups: 4,
            max_degree: 3,
            seed: 3,
        };
        let s = linear_model_spectrum(&lambda, 3, &opts);
        assert_eq!(s.features, vec![1, 3, 6, 10]);
        for (k, ((&got, &se), &truth)) in s.lambda.iter().zip(&s.se).zip(&lambda).enumerate() {
            assert!(se < 0.1 * truth, "degree {k}: SE {se} too large to test");
            assert!(
                (got - truth).abs() <= 4.0 * se + 1e-3 * truth,
                "degree {k}: measured {got} +- {se}, true {truth}"
            );
        }
    }

    /// The closed form fed the spectrum measured on the linear model departs where the closed
    /// form with the model's own spectrum does (to two points of its time grid).
    #[test]
    fn for_a_linear_model_the_forecast_is_the_closed_form() {
        let lambda = vec![1.0, 1.0, 0.2, 0.04, 0.008];
        let opts = SpectrumOptions {
            points: 65536,
            groups: 8,
            max_degree: 4,
            seed: 5,
        };
        let s = linear_model_spectrum(&lambda, 3, &opts);
        let theory = TheoryConfig {
            coef_points: 200_000,
            reference_points: 100_000,
            ..TheoryConfig::default()
        };
        let model = |spectrum: Vec<f64>| HermiteTarget {
            dim: 3,
            weights: vec![1.0, 1.0, 1.0],
            noise: 0.1,
            spectrum,
        };
        let truth = model(lambda.clone());
        let coefs = estimate_coefficients(&truth, theory.coef_points, 0).expect("coefficients");
        let exact = predict(&truth, &coefs, &theory, 0, &[]).expect("predict");
        let measured: Vec<f64> = s.lambda.iter().map(|l| l / s.lambda[1]).collect();
        let fed = model(measured.clone());
        let mut c = coefs.clone();
        c.spectrum = measured;
        let forecast = predict(&fed, &c, &theory, 0, &[]).expect("predict");
        let grid_step = 10f64.powf(1.0 / theory.per_decade as f64).ln();
        for (k, (a, b)) in exact
            .departures
            .iter()
            .zip(&forecast.departures)
            .enumerate()
        {
            match (a, b) {
                (Some(a), Some(b)) => assert!(
                    (b / a).ln().abs() <= 2.0 * grid_step + 1e-12,
                    "C{}: closed form {a}, from the measured spectrum {b}",
                    k + 1
                ),
                (None, None) => {}
                _ => panic!("C{}: closed form {a:?}, forecast {b:?}", k + 1),
            }
        }
        assert!(exact.departures[0].is_some() && exact.departures[1].is_some());
    }

    /// Same network and seed: the same spectrum to the bit; another seed: another sample.
    #[test]
    fn same_seed_same_spectrum() {
        tch::set_num_threads(1);
        let spectrum = |seed: u64| {
            let rng = crate::model::TorchRng::seeded(7);
            let vs = tch::nn::VarStore::new(tch::Device::Cpu);
            let spec = crate::model::ModelSpec::Mlp {
                depth: 2,
                width: 32,
                init_scale: None,
                out_init_scale: None,
            };
            let net = crate::model::Net::build(&vs.root(), &spec, &[4], 2, &rng).expect("net");
            drop(rng);
            let output = |xs: &Tensor| -> Result<Tensor> {
                let z = net.logits(xs, false)?;
                Ok(z.select(1, 1) - z.select(1, 0))
            };
            let opts = SpectrumOptions {
                points: 512,
                groups: 2,
                max_degree: 2,
                seed,
            };
            degree_spectrum(&output, &vs.trainable_variables(), 4, &opts).expect("spectrum")
        };
        let (a, b, other) = (spectrum(1), spectrum(1), spectrum(2));
        assert_eq!(a.group_lambda, b.group_lambda);
        assert_eq!(a.lambda, b.lambda);
        assert_ne!(a.lambda, other.lambda);
    }

    #[test]
    fn bad_options_are_named() {
        let bad = |o: SpectrumOptions, field: &str| {
            let e = o.check().expect_err("invalid");
            assert!(e.to_string().contains(field), "{e}");
        };
        let d = SpectrumOptions::default();
        bad(SpectrumOptions { groups: 1, ..d }, "spectrum.groups");
        bad(SpectrumOptions { points: 7, ..d }, "spectrum.points");
        bad(
            SpectrumOptions { max_degree: 0, ..d },
            "spectrum.max_degree",
        );
    }
}
