//! Synthetic data models, the extension point through which users add new toy problems.
//!
//! A [`SyntheticModel`] describes a distribution over inputs, a clean labelling rule and a label
//! noise rate. The trainer can train networks on any model's samples ([`sample_task`]), and the
//! theory simulator (`theory/`) analyses models that also expose a linear signal.

use super::{Examples, Task};
use rand::RngExt;
use rand_chacha::ChaCha20Rng;

/// A synthetic binary classification problem.
///
/// Implementations draw inputs with the supplied generator only (never a global RNG), so that a
/// task is a pure function of the seed.
pub trait SyntheticModel {
    /// Short, file-name-safe name of the model, e.g. `"disc-sinusoid"`.
    fn name(&self) -> String;
    /// Number of input coordinates.
    fn dim(&self) -> usize;
    /// Draw one input into `x` (length [`Self::dim`]).
    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]);
    /// The clean label (0 or 1) of input `x`.
    fn clean_label(&self, x: &[f32]) -> u8;
    /// Probability with which an observed training label is flipped.
    fn noise_rate(&self) -> f64;
}

/// Draw `n` inputs with clean labels from `model`.
pub fn sample_clean(model: &dyn SyntheticModel, n: usize, rng: &mut ChaCha20Rng) -> Examples {
    let d = model.dim();
    let mut x = vec![0f32; n * d];
    let mut y = Vec::with_capacity(n);
    for row in x.chunks_exact_mut(d.max(1)).take(n) {
        model.sample_input(rng, row);
        y.push(model.clean_label(row));
    }
    Examples {
        x,
        shape: vec![d],
        y,
    }
}

/// Flip each label of `y` independently with probability `rate`; returns the flipped indices.
pub fn flip_labels(y: &mut [u8], rate: f64, rng: &mut ChaCha20Rng) -> Vec<u32> {
    let mut flipped = Vec::new();
    for (i, v) in y.iter_mut().enumerate() {
        if rate > 0.0 && rng.random::<f64>() < rate {
            *v = 1 - *v;
            flipped.push(i as u32);
        }
    }
    flipped
}

/// A full task from a model: `n_train` training points with label noise at the model's rate and
/// `n_test` clean test points. Uses the [`crate::rng::Stream::Synthetic`] and
/// [`crate::rng::Stream::LabelNoise`] streams of `seed`.
pub fn sample_task(model: &dyn SyntheticModel, n_train: usize, n_test: usize, seed: u64) -> Task {
    use crate::rng::{stream, Stream};
    let mut data_rng = stream(seed, Stream::Synthetic, 0);
    let train = sample_clean(model, n_train, &mut data_rng);
    let test = sample_clean(model, n_test, &mut data_rng);
    let train_clean = train.y.clone();
    let mut train = train;
    let flipped = flip_labels(
        &mut train.y,
        model.noise_rate(),
        &mut stream(seed, Stream::LabelNoise, 0),
    );
    Task {
        name: model.name(),
        train,
        train_clean,
        flipped,
        test,
        classes: 2,
    }
}
