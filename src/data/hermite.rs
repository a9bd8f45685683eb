//! The trajectory model's data as a task for the trainer (`[data] task = "hermite"`).
//!
//! Inputs `x ~ N(0, I_dim)`; the clean label is `[a_1 h_1(x_1) + a_2 h_2(x_2) + ... > 0]` with
//! `h_k = He_k / sqrt(k!)` the normalised Hermite polynomials: the target of the trajectory model
//! ([`crate::theory::trajectory::HermiteTarget`], whose score this task uses), so that a network
//! trained by `sgdc train` can be put beside the closed form (`sgdc trajectory --network`,
//! `theory/README.md`, "A trained network beside the theory"). Training labels are flipped at
//! the data section's `label_noise`; test labels are clean.
//!
//! ```toml
//! [data]
//! task = "hermite"
//! n_train = 20000
//! n_test = 10000
//! label_noise = 0.1
//! hermite = { dim = 6, weights = [1.0, 1.0, 1.0] }
//! ```

use super::synthetic::SyntheticModel;
use super::toy::check_rate;
use crate::error::{Error, Result};
use crate::theory::trajectory::{HermiteTarget, TrajectoryModel};
use rand::RngExt;
use rand_chacha::ChaCha20Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// Largest number of weights (the degree of the last component) the score evaluates.
pub const MAX_WEIGHTS: usize = 8;

/// Parameters of the `hermite` task (the `[data.hermite]` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HermiteParams {
    /// Number of input coordinates (at least the number of weights).
    pub dim: usize,
    /// `a_k`, the weight of `h_k(x_k)`, `k = 1..=weights.len()`; `a_1` non-zero.
    pub weights: Vec<f64>,
    /// Probability that a training label is flipped. Not read from configs: a
    /// [`DataSpec`](super::spec::DataSpec) sets it from its `label_noise`.
    #[serde(skip)]
    pub noise: f64,
}

impl Default for HermiteParams {
    /// The trajectory model's defaults (`theory/sweeps/trajectory.toml`): `dim = 6`, weights
    /// `[1, 1, 1]`.
    fn default() -> Self {
        HermiteParams {
            dim: 6,
            weights: vec![1.0, 1.0, 1.0],
            noise: 0.0,
        }
    }
}

impl HermiteParams {
    /// Check the parameters; the error names the field (prefixed by `prefix`) and value.
    pub fn check(&self, prefix: &str) -> Result<()> {
        let w = format!("{:?}", self.weights);
        if self.weights.is_empty() {
            return Err(Error::param(
                format!("{prefix}weights"),
                w,
                "need at least a_1 (the linear part)",
            ));
        }
        if self.weights.len() > MAX_WEIGHTS {
            return Err(Error::param(
                format!("{prefix}weights"),
                w,
                format!("at most {MAX_WEIGHTS} weights (degrees 1..={MAX_WEIGHTS})"),
            ));
        }
        if self.weights.iter().any(|a| !a.is_finite()) || self.weights[0] == 0.0 {
            return Err(Error::param(
                format!("{prefix}weights"),
                w,
                "weights must be finite and a_1 non-zero (the linear part)",
            ));
        }
        if self.dim < self.weights.len() {
            return Err(Error::param(
                format!("{prefix}dim"),
                self.dim,
                format!(
                    "one coordinate per weight: {} weights need dim >= {}",
                    self.weights.len(),
                    self.weights.len()
                ),
            ));
        }
        check_rate(&format!("{prefix}noise"), self.noise)
    }
}

/// The `hermite` task: [`HermiteParams`] with the trajectory model's score.
#[derive(Debug, Clone, PartialEq)]
pub struct HermiteTask {
    params: HermiteParams,
    target: HermiteTarget,
}

impl HermiteTask {
    /// Build the task; errors name the field under `data.hermite.`.
    pub fn new(params: HermiteParams) -> Result<Self> {
        params.check("data.hermite.")?;
        let target = HermiteTarget {
            dim: params.dim,
            weights: params.weights.clone(),
            noise: params.noise,
            ..HermiteTarget::default()
        };
        Ok(HermiteTask { params, target })
    }

    /// The parameters.
    pub fn params(&self) -> &HermiteParams {
        &self.params
    }

    /// The trajectory model's target with these weights, dimension and noise (its spectrum is
    /// the default one: the spectrum belongs to the learner, not to the data).
    pub fn target(&self) -> &HermiteTarget {
        &self.target
    }
}

impl SyntheticModel for HermiteTask {
    fn name(&self) -> String {
        format!(
            "hermite-d{}-k{}",
            self.params.dim,
            self.params.weights.len()
        )
    }

    fn dim(&self) -> usize {
        self.params.dim
    }

    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]) {
        x.iter_mut()
            .for_each(|v| *v = rng.sample::<f64, _>(StandardNormal) as f32);
    }

    fn clean_label(&self, x: &[f32]) -> u8 {
        let r = self.target.relevant_dim().min(x.len());
        let mut xr = [0.0f64; MAX_WEIGHTS];
        for (a, &b) in xr.iter_mut().zip(&x[..r]) {
            *a = f64::from(b);
        }
        u8::from(self.target.score(&xr[..r]) > 0.0)
    }

    fn noise_rate(&self) -> f64 {
        self.params.noise
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::sample_task;

    #[test]
    fn labels_are_the_trajectory_models() {
        let task = HermiteTask::new(HermiteParams::default()).unwrap();
        let t = sample_task(&task, 200, 500, 3);
        assert_eq!(t.test.shape, vec![6]);
        for i in 0..t.test.len() {
            let x: Vec<f64> = t.test.input(i).iter().map(|&v| f64::from(v)).collect();
            assert_eq!(t.test.y[i], task.target().clean_label(&x));
        }
        // Both classes occur, in roughly equal shares (the score is symmetric about 0 in law
        // only approximately, so a wide margin).
        let pos = t.test.y.iter().filter(|&&y| y == 1).count();
        assert!((100..400).contains(&pos), "{pos}");
        assert!(t.flipped.is_empty());
        // Deterministic in the seed.
        assert_eq!(sample_task(&task, 200, 500, 3).test.x, t.test.x);
    }

    #[test]
    fn bad_params_name_the_field() {
        let bad = |p: HermiteParams, field: &str| {
            let e = HermiteTask::new(p).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        };
        bad(
            HermiteParams {
                dim: 2,
                ..HermiteParams::default()
            },
            "data.hermite.dim",
        );
        bad(
            HermiteParams {
                weights: vec![],
                ..HermiteParams::default()
            },
            "data.hermite.weights",
        );
        bad(
            HermiteParams {
                weights: vec![0.0, 1.0],
                ..HermiteParams::default()
            },
            "data.hermite.weights",
        );
        bad(
            HermiteParams {
                noise: 0.5,
                ..HermiteParams::default()
            },
            "data.hermite.noise",
        );
    }
}
