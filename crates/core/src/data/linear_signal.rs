//! Synthetic models with a linear signal: the models the theory simulator (`theory/`) can analyse.
//!
//! A [`LinearSignal`] model lays out each input as `x = (s, z)`: the first
//! [`signal_dim`](LinearSignal::signal_dim) coordinates are the signal `s`, i.i.d. with mean 0 and
//! variance 1 drawn from a [`SignalLaw`]; the remaining coordinates `z` are independent of `s`,
//! i.i.d. with mean 0 and variance [`extra_variance`](LinearSignal::extra_variance). The clean label
//! is `1` exactly when `<w*, s> > 0`, with `w*` the [`true_direction`](LinearSignal::true_direction).

use super::synthetic::SyntheticModel;
use crate::{Error, Result};
use rand::RngExt;
use rand_chacha::ChaCha20Rng;

/// The law of each signal coordinate (mean 0, variance 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalLaw {
    /// Standard normal coordinates.
    StandardGaussian,
    /// Uniform signs, -1 or +1 (the hypercube).
    Rademacher,
    /// Any other law with mean 0 and variance 1: the closed form replaces the signal part by a
    /// Gaussian of the same covariance (an approximation, flagged in the prediction).
    Other,
}

/// A [`SyntheticModel`] whose label is the sign of a linear function of its first coordinates, as
/// described in the [module documentation](self). The theory simulator accepts any such model.
pub trait LinearSignal: SyntheticModel + Sync {
    /// Number of signal coordinates `d` (the first `d` coordinates of every input).
    fn signal_dim(&self) -> usize;
    /// The true direction `w*` (length [`Self::signal_dim`]).
    fn true_direction(&self) -> &[f64];
    /// The law of the signal coordinates.
    fn signal_law(&self) -> SignalLaw;
    /// Variance of each extra (non-signal) coordinate; their total energy is
    /// `(dim - signal_dim) * extra_variance`.
    fn extra_variance(&self) -> f64;
    /// Whether the extra coordinates are Gaussian, which makes the closed form's step for them
    /// exact (otherwise it holds through the central limit theorem). Defaults to `false`.
    fn gaussian_extras(&self) -> bool {
        false
    }
}

/// The shape of a linear-signal model, shared by the built-in implementations and validated once.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSignalShape {
    /// Signal dimension `d` (at least 1).
    pub signal_dim: usize,
    /// Total input dimension `D` (at least `d`; `D = d` means no extra coordinates).
    pub dim: usize,
    /// Total energy `tau^2` of the extra coordinates: each has variance `tau^2 / (D - d)`.
    pub tau: f64,
    /// Label-noise rate `eta` in `[0, 0.5)`.
    pub eta: f64,
}

impl LinearSignalShape {
    /// Validate the shape; errors name the parameter at fault.
    pub fn check(&self) -> Result<()> {
        if self.signal_dim == 0 {
            return Err(Error::param("signal_dim", 0, "must be at least 1"));
        }
        if self.dim < self.signal_dim {
            return Err(Error::param(
                "dim",
                self.dim,
                format!(
                    "the total input dimension D must be at least the signal dimension d = {}",
                    self.signal_dim
                ),
            ));
        }
        if !(self.eta.is_finite() && (0.0..0.5).contains(&self.eta)) {
            return Err(Error::param("eta", self.eta, "must lie in [0, 0.5)"));
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(Error::param("tau", self.tau, "must be a positive number"));
        }
        Ok(())
    }

    /// Per-coordinate variance of the extra coordinates (0 when there are none).
    pub fn extra_variance(&self) -> f64 {
        let extra = self.dim - self.signal_dim;
        if extra == 0 {
            0.0
        } else {
            self.tau * self.tau / extra as f64
        }
    }

    /// A true direction drawn from the [`crate::rng::Stream::Synthetic`] stream of `seed`
    /// (a fixed sub-stream), normalised to unit length. Gaussian entries make ties
    /// `<w*, s> = 0` on the hypercube have probability zero.
    pub fn draw_direction(&self, seed: u64) -> Vec<f64> {
        use crate::rng::{stream, Stream};
        let mut rng = stream(seed, Stream::Synthetic, DIRECTION_SUBSTREAM);
        let mut w: Vec<f64> = (0..self.signal_dim)
            .map(|_| rng.sample(rand_distr::StandardNormal))
            .collect();
        let norm = w
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        w.iter_mut().for_each(|v| *v /= norm);
        w
    }
}

/// Sub-stream index of [`crate::rng::Stream::Synthetic`] reserved for drawing true directions.
pub const DIRECTION_SUBSTREAM: u64 = u64::MAX;

/// `1` when `<w, x[..w.len()]> > 0`, else `0`.
pub fn sign_label(w: &[f64], x: &[f32]) -> u8 {
    let dot: f64 = w.iter().zip(x).map(|(a, b)| a * f64::from(*b)).sum();
    u8::from(dot > 0.0)
}

/// Fill `out` with i.i.d. standard normals scaled by `scale`.
pub(crate) fn fill_gaussian(rng: &mut ChaCha20Rng, out: &mut [f32], scale: f32) {
    for v in out {
        let g: f32 = rng.sample(rand_distr::StandardNormal);
        *v = g * scale;
    }
}

/// Fill `out` with i.i.d. uniform signs times `scale`, 64 coordinates per random word.
pub(crate) fn fill_signs(rng: &mut ChaCha20Rng, out: &mut [f32], scale: f32) {
    for chunk in out.chunks_mut(64) {
        let bits: u64 = rng.random();
        for (k, v) in chunk.iter_mut().enumerate() {
            *v = if (bits >> k) & 1 == 1 { scale } else { -scale };
        }
    }
}
