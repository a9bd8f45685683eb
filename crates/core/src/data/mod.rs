//! Examples and tasks, and the synthetic data models that sample them.
//!
//! Nothing here depends on torch: inputs are plain `f32` buffers that the trainer turns into
//! tensors. Every random choice (synthetic sampling, label noise) takes an explicit generator
//! derived from the master seed (see [`crate::rng`]). The real data sets, the `.npy` files of a
//! user's own data and the `[data]` section that picks a task live in the harness
//! (`sgd_complexity::data`).

pub mod gaussian_linear;
pub mod hypercube;
pub mod linear_signal;
pub mod sinusoid;
pub mod synthetic;
pub mod toy;

/// A set of examples: `n` inputs of shape `shape` (e.g. `[2]`, `[1, 28, 28]`, `[3, 32, 32]`),
/// stored row-major and contiguous, with one label each.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// Inputs, `n * shape.iter().product()` values.
    pub x: Vec<f32>,
    /// Shape of one input.
    pub shape: Vec<usize>,
    /// Labels (class indices), one per input.
    pub y: Vec<u8>,
}

impl Examples {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Number of values in one input.
    pub fn dim(&self) -> usize {
        self.shape.iter().product()
    }

    /// The `i`-th input as a slice.
    pub fn input(&self, i: usize) -> &[f32] {
        let d = self.dim();
        &self.x[i * d..(i + 1) * d]
    }
}

/// A binary classification task: a training set whose labels may carry injected noise, a clean
/// test set, and the record of which training labels were flipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Short name (e.g. `"mnist-0-4-vs-5-9"`).
    pub name: String,
    /// Training examples with the labels used for training (noise included).
    pub train: Examples,
    /// The training labels before noise was injected.
    pub train_clean: Vec<u8>,
    /// Indices of the training examples whose label was flipped, ascending.
    pub flipped: Vec<u32>,
    /// Test examples with their true labels.
    pub test: Examples,
    /// Number of classes (2 for every task of the paper).
    pub classes: usize,
}
