//! The augmentation hook of the training loop: minibatches gathered on the host, transformed by
//! the data module's augmentation, then moved to the device.

use crate::data::Task;
use crate::error::{Error, Result};
use rand_chacha::ChaCha20Rng;
use tch::Tensor;

/// Whether this build can augment (the data module's `augment` helpers are present).
pub const AVAILABLE: bool = false;

/// The minibatch of training examples `idx`, augmented with `rng`, as device tensors.
pub fn batch(
    _task: &Task,
    _idx: &[i64],
    _rng: &mut ChaCha20Rng,
    _device: tch::Device,
) -> Result<(Tensor, Tensor)> {
    Err(Error::param(
        "augment",
        true,
        "augmentation is not available in this build",
    ))
}
