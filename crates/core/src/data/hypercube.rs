//! The hypercube model: signal `s` uniform on `{-1, +1}^d`, extra coordinates uniform signs scaled
//! to variance `tau^2 / (D - d)`, clean label `sign(<w*, s>)`, training labels flipped with
//! probability `eta`.

use super::linear_signal::{fill_signs, sign_label, LinearSignal, LinearSignalShape, SignalLaw};
use super::synthetic::SyntheticModel;
use crate::Result;
use rand_chacha::ChaCha20Rng;

/// Sign-of-linear labels on the hypercube. The extra coordinates are not Gaussian, so the
/// theory's Gaussian step holds only through the central limit theorem (see `theory/README.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hypercube {
    shape: LinearSignalShape,
    w_star: Vec<f64>,
    extra_scale: f32,
}

impl Hypercube {
    /// A validated model; `seed` draws the true direction (Gaussian entries, so no ties).
    pub fn new(shape: LinearSignalShape, seed: u64) -> Result<Self> {
        shape.check()?;
        let w_star = shape.draw_direction(seed);
        let extra_scale = shape.extra_variance().sqrt() as f32;
        Ok(Self {
            shape,
            w_star,
            extra_scale,
        })
    }

    /// The model's shape.
    pub fn shape(&self) -> &LinearSignalShape {
        &self.shape
    }
}

impl SyntheticModel for Hypercube {
    fn name(&self) -> String {
        "hypercube".into()
    }
    fn dim(&self) -> usize {
        self.shape.dim
    }
    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]) {
        let (s, z) = x.split_at_mut(self.shape.signal_dim);
        fill_signs(rng, s, 1.0);
        fill_signs(rng, z, self.extra_scale);
    }
    fn clean_label(&self, x: &[f32]) -> u8 {
        sign_label(&self.w_star, x)
    }
    fn noise_rate(&self) -> f64 {
        self.shape.eta
    }
}

impl LinearSignal for Hypercube {
    fn signal_dim(&self) -> usize {
        self.shape.signal_dim
    }
    fn true_direction(&self) -> &[f64] {
        &self.w_star
    }
    fn signal_law(&self) -> SignalLaw {
        SignalLaw::Rademacher
    }
    fn extra_variance(&self) -> f64 {
        self.shape.extra_variance()
    }
}
