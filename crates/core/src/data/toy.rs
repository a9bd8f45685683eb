//! The Figure 1 toy: points uniform in the unit disc, labelled by a sinusoidal boundary.
//!
//! `x = (x1, x2)` uniform in the unit disc; clean label `y = 1` iff `x2 > a sin(w x1)`; observed
//! training labels flipped with probability `noise`. The paper gives neither the curve nor the
//! sample size; the defaults here are reconstructed (see `docs/data.md`): `a = 0.3`, `w = 6`
//! (about two half-periods across the disc, so a line gets most points right but not all) and 10%
//! label noise as in the paper.

use super::synthetic::SyntheticModel;
use crate::error::{Error, Result};
use rand::RngExt;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

/// The 2-D disc with a sinusoidal decision boundary (Figure 1 of the paper).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscSinusoid {
    /// Amplitude `a` of the boundary `x2 = a sin(w x1)`.
    pub amplitude: f64,
    /// Angular frequency `w` of the boundary (radians per unit of `x1`).
    pub frequency: f64,
    /// Probability that a training label is flipped. Not read from configs: a
    /// The harness's `DataSpec` (`sgd_complexity::data::spec`) sets it from its `label_noise`.
    #[serde(skip)]
    pub noise: f64,
}

impl Default for DiscSinusoid {
    fn default() -> Self {
        DiscSinusoid {
            amplitude: 0.3,
            frequency: 6.0,
            noise: 0.1,
        }
    }
}

impl DiscSinusoid {
    /// Check the parameters; the error names the field (prefixed by `prefix`) and value.
    pub fn check(&self, prefix: &str) -> Result<()> {
        check_non_negative(&format!("{prefix}amplitude"), self.amplitude)?;
        check_non_negative(&format!("{prefix}frequency"), self.frequency)?;
        check_rate(&format!("{prefix}noise"), self.noise)
    }
}

/// Check that a parameter is finite and non-negative (amplitudes, frequencies).
pub(crate) fn check_non_negative(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::param(field, value, "must be finite and >= 0"));
    }
    Ok(())
}

/// Check that a label-noise rate lies in `[0, 0.5)`.
pub fn check_rate(field: &str, rate: f64) -> Result<()> {
    if !(0.0..0.5).contains(&rate) {
        return Err(Error::param(
            field,
            rate,
            "label noise rate must lie in [0, 0.5)",
        ));
    }
    Ok(())
}

impl SyntheticModel for DiscSinusoid {
    fn name(&self) -> String {
        "disc-sinusoid".into()
    }

    fn dim(&self) -> usize {
        2
    }

    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]) {
        // Rejection from the square [-1, 1]^2: exact uniform on the disc, pi/4 acceptance.
        loop {
            let a: f64 = rng.random_range(-1.0..1.0);
            let b: f64 = rng.random_range(-1.0..1.0);
            if a * a + b * b < 1.0 {
                x[0] = a as f32;
                x[1] = b as f32;
                return;
            }
        }
    }

    fn clean_label(&self, x: &[f32]) -> u8 {
        let (x1, x2) = (x[0] as f64, x[1] as f64);
        u8::from(x2 > self.amplitude * (self.frequency * x1).sin())
    }

    fn noise_rate(&self) -> f64 {
        self.noise
    }
}
