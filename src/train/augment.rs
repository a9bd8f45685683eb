//! The augmentation hook of the training loop: minibatches gathered on the host, transformed by
//! [`crate::data::augment::pad_crop_flip`], then moved to the device.

use crate::data::Task;
use crate::error::Result;
use crate::model::check_torch;
use rand_chacha::ChaCha20Rng;
use tch::Tensor;

/// The minibatch of training examples `idx`, augmented with `rng` (image by image, in batch
/// order), as device tensors `(x, y)`.
pub fn batch(
    task: &Task,
    idx: &[i64],
    rng: &mut ChaCha20Rng,
    device: tch::Device,
) -> Result<(Tensor, Tensor)> {
    let ex = &task.train;
    let d = ex.dim();
    let mut x = Vec::with_capacity(idx.len() * d);
    let mut y = Vec::with_capacity(idx.len());
    for &i in idx {
        x.extend_from_slice(ex.input(i as usize));
        y.push(ex.y[i as usize] as i64);
    }
    crate::data::augment::pad_crop_flip(&mut x, &ex.shape, rng)?;
    let mut shape = vec![idx.len() as i64];
    shape.extend(ex.shape.iter().map(|&s| s as i64));
    let xt = check_torch(
        "augmented batch",
        Tensor::f_from_slice(&x).and_then(|t| t.f_reshape(&shape)),
    )?;
    let xt = check_torch("augmented batch", xt.f_to_device(device))?;
    let yt = check_torch(
        "augmented batch",
        Tensor::f_from_slice(&y).and_then(|t| t.f_to_device(device)),
    )?;
    Ok((xt, yt))
}
