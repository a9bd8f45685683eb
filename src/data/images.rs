//! Raw 8-bit labelled image sets, as read from the MNIST and CIFAR-10 files, and their turning
//! into binary tasks: a class split and the standard normalisation.

use super::Examples;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Labelled images with 8-bit pixels, stored `[n, C, H, W]` row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledImages {
    /// Shape of one image, `[C, H, W]`.
    pub shape: [usize; 3],
    /// Pixels, `n * C * H * W` bytes.
    pub pixels: Vec<u8>,
    /// Class labels (0..10), one per image.
    pub labels: Vec<u8>,
}

impl LabelledImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of pixels in one image.
    pub fn image_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Count of each class 0..10.
    pub fn class_counts(&self) -> [usize; 10] {
        let mut c = [0; 10];
        for &l in &self.labels {
            if let Some(v) = c.get_mut(l as usize) {
                *v += 1;
            }
        }
        c
    }
}

/// A data set's official training and test parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    /// The training images.
    pub train: LabelledImages,
    /// The test images.
    pub test: LabelledImages,
}

/// Which original classes become label 0 and which label 1; classes in neither are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSplit {
    /// Classes mapped to label 0.
    pub negative: Vec<u8>,
    /// Classes mapped to label 1.
    pub positive: Vec<u8>,
}

impl Default for ClassSplit {
    /// The paper's split: classes 0-4 against 5-9.
    fn default() -> Self {
        ClassSplit {
            negative: vec![0, 1, 2, 3, 4],
            positive: vec![5, 6, 7, 8, 9],
        }
    }
}

impl ClassSplit {
    /// Check the split over the ten classes of the built-in sets; errors name `field` (e.g.
    /// `data.split`).
    pub fn check(&self, field: &str) -> Result<()> {
        self.check_within(field, 10)
    }

    /// Check the split over `classes` original classes (at most 256: classes are bytes).
    pub fn check_within(&self, field: &str, classes: usize) -> Result<()> {
        for (part, list) in [("negative", &self.negative), ("positive", &self.positive)] {
            let name = format!("{field}.{part}");
            if list.is_empty() {
                return Err(Error::param(name, "[]", "needs at least one class"));
            }
            for (i, &c) in list.iter().enumerate() {
                if c as usize >= classes {
                    return Err(Error::param(
                        &name,
                        format!("{list:?}"),
                        format!("class {c} is not in 0..{classes}"),
                    ));
                }
                if list[..i].contains(&c) {
                    return Err(Error::param(
                        &name,
                        format!("{list:?}"),
                        format!("class {c} is listed twice"),
                    ));
                }
            }
        }
        if let Some(c) = self.negative.iter().find(|c| self.positive.contains(c)) {
            return Err(Error::param(
                field,
                format!("{:?} vs {:?}", self.negative, self.positive),
                format!("class {c} is in both negative and positive"),
            ));
        }
        Ok(())
    }

    /// The binary label of original class `c`, or `None` when `c` is dropped.
    pub fn label(&self, c: u8) -> Option<u8> {
        if self.negative.contains(&c) {
            Some(0)
        } else if self.positive.contains(&c) {
            Some(1)
        } else {
            None
        }
    }

    /// File-name-safe name, e.g. `0-4-vs-5-9` or `3-vs-8` or `0.2.4-vs-1.3`.
    pub fn name(&self) -> String {
        fn part(list: &[u8]) -> String {
            let mut s = list.to_vec();
            s.sort_unstable();
            let contiguous = s.windows(2).all(|w| w[1] == w[0] + 1);
            match (s.first(), s.last()) {
                (Some(a), Some(b)) if contiguous && s.len() > 1 => format!("{a}-{b}"),
                _ => s
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("."),
            }
        }
        format!("{}-vs-{}", part(&self.negative), part(&self.positive))
    }
}

/// How pixel bytes become network inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalisation {
    /// `pixel / 255`, values in `[0, 1]` (MNIST, Fashion-MNIST, as in the paper).
    Unit,
    /// `(pixel / 255 - mean[c]) / std[c]` per channel `c` (CIFAR-10).
    Standardise {
        /// Per-channel mean of `pixel / 255`.
        mean: Vec<f64>,
        /// Per-channel standard deviation of `pixel / 255`.
        std: Vec<f64>,
    },
}

/// Per-channel mean and (population) standard deviation of `pixel / 255` over all images.
pub fn channel_stats(images: &LabelledImages) -> (Vec<f64>, Vec<f64>) {
    let [c, h, w] = images.shape;
    let plane = h * w;
    let mut sum = vec![0f64; c];
    let mut sq = vec![0f64; c];
    for img in images.pixels.chunks_exact(c * plane) {
        for (ch, p) in img.chunks_exact(plane).enumerate() {
            let (s, q) = p.iter().fold((0u64, 0u64), |(s, q), &v| {
                (s + v as u64, q + (v as u64) * (v as u64))
            });
            sum[ch] += s as f64;
            sq[ch] += q as f64;
        }
    }
    let n = (images.len() * plane) as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n / 255.0).collect();
    let std = sq
        .iter()
        .zip(&mean)
        .map(|(q, m)| (q / n / (255.0 * 255.0) - m * m).max(0.0).sqrt())
        .collect();
    (mean, std)
}

/// Keep the images whose class is in `split`, relabel them 0/1 and normalise the pixels.
pub fn binarise(images: &LabelledImages, split: &ClassSplit, norm: &Normalisation) -> Examples {
    let [c, h, w] = images.shape;
    let plane = h * w;
    let d = c * plane;
    let table: Vec<f32> = (0..256).map(|v| v as f32 / 255.0).collect();
    let kept = images
        .labels
        .iter()
        .filter(|&&l| split.label(l).is_some())
        .count();
    let mut x = Vec::with_capacity(kept * d);
    let mut y = Vec::with_capacity(kept);
    for (img, &l) in images.pixels.chunks_exact(d).zip(&images.labels) {
        let Some(b) = split.label(l) else { continue };
        y.push(b);
        match norm {
            Normalisation::Unit => x.extend(img.iter().map(|&v| table[v as usize])),
            Normalisation::Standardise { mean, std } => {
                for (ch, p) in img.chunks_exact(plane).enumerate() {
                    let (m, s) = (mean[ch], std[ch]);
                    x.extend(p.iter().map(|&v| ((v as f64 / 255.0 - m) / s) as f32));
                }
            }
        }
    }
    Examples {
        x,
        shape: vec![c, h, w],
        y,
    }
}
