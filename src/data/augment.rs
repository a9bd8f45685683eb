//! Data augmentation for image batches: pad-4 random crop and random horizontal flip.
//!
//! The standard CIFAR-10 augmentation: each image is padded by [`PAD`] zeros on every side, a
//! window of the original size is cut at a uniformly random offset, and the result is mirrored
//! left-right with probability 1/2. Zero padding is applied to the normalised inputs, so with
//! standardised CIFAR-10 the padding equals the channel mean. All choices come from the supplied
//! generator (the trainer passes `rng::stream(seed, Stream::Augment, epoch)`), drawn per image in
//! batch order (x offset, y offset, flip), so a batch's augmentation is a pure function of the
//! generator's state.

use crate::error::{Error, Result};
use rand::RngExt;
use rand_chacha::ChaCha20Rng;

/// Padding on each side, in pixels.
pub const PAD: usize = 4;

/// The augmentation drawn for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropFlip {
    /// Horizontal offset of the crop window in the padded image, `0..=2*PAD`.
    pub dx: usize,
    /// Vertical offset of the crop window in the padded image, `0..=2*PAD`.
    pub dy: usize,
    /// Whether the crop is mirrored left-right.
    pub flip: bool,
}

impl CropFlip {
    /// Draw one augmentation.
    pub fn draw(rng: &mut ChaCha20Rng) -> Self {
        let dx = rng.random_range(0..=2 * PAD);
        let dy = rng.random_range(0..=2 * PAD);
        let flip = rng.random_bool(0.5);
        CropFlip { dx, dy, flip }
    }

    /// Apply to one `[C, H, W]` image in place (`scratch` is reused working memory).
    pub fn apply(self, img: &mut [f32], shape: [usize; 3], scratch: &mut Vec<f32>) {
        let [c, h, w] = shape;
        scratch.clear();
        scratch.extend_from_slice(img);
        for ch in 0..c {
            let src = &scratch[ch * h * w..(ch + 1) * h * w];
            let dst = &mut img[ch * h * w..(ch + 1) * h * w];
            for r in 0..h {
                // Row r of the crop is row r + dy - PAD of the original (zero outside).
                let sr = (r + self.dy).checked_sub(PAD).filter(|&sr| sr < h);
                for col in 0..w {
                    let oc = if self.flip { w - 1 - col } else { col };
                    let sc = (oc + self.dx).checked_sub(PAD).filter(|&sc| sc < w);
                    dst[r * w + col] = match (sr, sc) {
                        (Some(sr), Some(sc)) => src[sr * w + sc],
                        _ => 0.0,
                    };
                }
            }
        }
    }
}

/// Augment a batch of `[C, H, W]` images (`shape`, one image's shape) in place: pad-4 random crop
/// and horizontal flip, drawn from `rng` image by image.
pub fn pad_crop_flip(batch_x: &mut [f32], shape: &[usize], rng: &mut ChaCha20Rng) -> Result<()> {
    let &[c, h, w] = shape else {
        return Err(Error::param(
            "augment shape",
            format!("{shape:?}"),
            "augmentation needs images of shape [C, H, W]",
        ));
    };
    let d = c * h * w;
    if d == 0 || !batch_x.len().is_multiple_of(d) {
        return Err(Error::param(
            "augment batch",
            batch_x.len(),
            format!("batch length is not a multiple of the image size {d} ({shape:?})"),
        ));
    }
    let mut scratch = Vec::with_capacity(d);
    for img in batch_x.chunks_exact_mut(d) {
        CropFlip::draw(rng).apply(img, [c, h, w], &mut scratch);
    }
    Ok(())
}
