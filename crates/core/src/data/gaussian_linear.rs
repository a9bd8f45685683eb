//! The Gaussian linear-signal model: `s ~ N(0, I_d)`, extra coordinates `N(0, tau^2 / (D - d))`,
//! clean label `sign(<w*, s>)`, training labels flipped with probability `eta`.

use super::linear_signal::{fill_gaussian, sign_label, LinearSignal, LinearSignalShape, SignalLaw};
use super::synthetic::SyntheticModel;
use crate::Result;
use rand_chacha::ChaCha20Rng;

/// Gaussian signal plus Gaussian extra coordinates whose total energy `tau^2` does not grow with
/// the dimension. See [`LinearSignal`] for the layout of an input.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianLinear {
    shape: LinearSignalShape,
    w_star: Vec<f64>,
    extra_std: f32,
}

impl GaussianLinear {
    /// A validated model; `seed` draws the true direction.
    pub fn new(shape: LinearSignalShape, seed: u64) -> Result<Self> {
        shape.check()?;
        let w_star = shape.draw_direction(seed);
        let extra_std = shape.extra_variance().sqrt() as f32;
        Ok(Self {
            shape,
            w_star,
            extra_std,
        })
    }

    /// The model's shape.
    pub fn shape(&self) -> &LinearSignalShape {
        &self.shape
    }
}

impl SyntheticModel for GaussianLinear {
    fn name(&self) -> String {
        "gaussian-linear".into()
    }
    fn dim(&self) -> usize {
        self.shape.dim
    }
    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]) {
        let (s, z) = x.split_at_mut(self.shape.signal_dim);
        fill_gaussian(rng, s, 1.0);
        fill_gaussian(rng, z, self.extra_std);
    }
    fn clean_label(&self, x: &[f32]) -> u8 {
        sign_label(&self.w_star, x)
    }
    fn noise_rate(&self) -> f64 {
        self.shape.eta
    }
}

impl LinearSignal for GaussianLinear {
    fn signal_dim(&self) -> usize {
        self.shape.signal_dim
    }
    fn true_direction(&self) -> &[f64] {
        &self.w_star
    }
    fn signal_law(&self) -> SignalLaw {
        SignalLaw::StandardGaussian
    }
    fn extra_variance(&self) -> f64 {
        self.shape.extra_variance()
    }
    fn gaussian_extras(&self) -> bool {
        true
    }
}
