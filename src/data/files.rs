//! `task = "files"`: a data set of your own, from NumPy `.npy` files.
//!
//! ```toml
//! [data]
//! task = "files"
//! n_train = 2000            # optional subsample (stream Subsample, as for the real sets)
//! label_noise = 0.1         # optional, stream LabelNoise, as for every task
//! split = { negative = [0, 1, 2, 3, 4], positive = [5, 6, 7, 8, 9] }   # optional
//!
//! [data.files]              # relative paths are relative to this configuration file's folder
//! train_x = "train_x.npy"   # float32, float64 or uint8; N x d, N x H x W or N x C x H x W
//! train_y = "train_y.npy"   # integer labels, N of them
//! test_x = "test_x.npy"
//! test_y = "test_y.npy"
//! standardise = false       # per feature (vectors) or per channel (images), training statistics
//! name = "my-data"          # optional task name (default "files")
//! ```
//!
//! Inputs may be stored in C or Fortran order. `uint8` inputs become `value / 255`, `float64`
//! inputs are rounded to `float32`. An `N x H x W` array is read as single-channel images
//! `N x 1 x H x W`. Without a `split`, labels must be 0 and 1; with one, each listed class
//! becomes 0 (negative) or 1 (positive) and examples of unlisted classes are dropped, as for
//! MNIST. With `standardise`, every input coordinate (vectors) or channel (images) is shifted and
//! scaled by the mean and standard deviation of the training examples in use (after the split
//! and the subsample); a coordinate without variance is only shifted.
//!
//! Everything a user can get wrong is a one-line [`Error::BadFile`] naming the file: unreadable
//! or unsupported arrays, shapes that do not match between inputs and labels or between the
//! training and test inputs, NaN or infinite inputs, labels outside the classes, a class split
//! that leaves one side empty.

use super::draw::{subsample, Draw};
use super::images::ClassSplit;
use super::synthetic::flip_labels;
use super::{Examples, Task};
use crate::error::{Error, Result};
use crate::info::input::read_labels;
use crate::rng::{stream, Stream};
use npyz::{NpyFile, Order, TypeChar};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[data.files]`: where the arrays are and how to prepare them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesSpec {
    /// Training inputs (`.npy`).
    pub train_x: PathBuf,
    /// Training labels (`.npy`, integers).
    pub train_y: PathBuf,
    /// Test inputs (`.npy`).
    pub test_x: PathBuf,
    /// Test labels (`.npy`, integers).
    pub test_y: PathBuf,
    /// Standardise every input coordinate (vectors) or channel (images) with the training
    /// examples' mean and standard deviation.
    #[serde(default)]
    pub standardise: bool,
    /// Task name in summaries and reports (default `files`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl FilesSpec {
    /// The task's name.
    pub fn task_name(&self) -> &str {
        self.name.as_deref().unwrap_or("files")
    }

    /// Check the fields that need no file access; errors name `data.files.<field>`.
    pub fn check(&self) -> Result<()> {
        for (key, p) in self.paths() {
            if p.as_os_str().is_empty() {
                return Err(Error::param(
                    format!("data.files.{key}"),
                    "\"\"",
                    "needs a path",
                ));
            }
        }
        if let Some(n) = &self.name {
            let ok = !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(Error::param(
                    "data.files.name",
                    n,
                    "use letters, digits, '-', '_', '.'",
                ));
            }
        }
        Ok(())
    }

    /// The four files with their keys, in the order train_x, train_y, test_x, test_y.
    pub fn paths(&self) -> [(&'static str, &Path); 4] {
        [
            ("train_x", self.train_x.as_path()),
            ("train_y", self.train_y.as_path()),
            ("test_x", self.test_x.as_path()),
            ("test_y", self.test_y.as_path()),
        ]
    }
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::BadFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Inputs read from one `.npy` file: `n` examples of shape `shape`, C order, as `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputArray {
    /// Values, `n * shape.iter().product()` of them.
    pub x: Vec<f32>,
    /// Shape of one example (`[d]` or `[C, H, W]`).
    pub shape: Vec<usize>,
    /// Number of examples.
    pub n: usize,
}

/// Read an input array: float32, float64 or uint8 (`value / 255`), 2-D (`N x d`), 3-D
/// (`N x H x W`, read as one channel) or 4-D (`N x C x H x W`), C or Fortran order. Every value
/// must be finite.
pub fn read_inputs(path: &Path) -> Result<InputArray> {
    let bytes = std::fs::read(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
    // A header that declares gigabytes of text or a shape whose product overflows is refused
    // before npyz reads it (npyz would allocate or overflow).
    crate::run::npy::check_header(&bytes, path)?;
    let npy = NpyFile::new(&bytes[..])
        .map_err(|e| bad(path, format!("not a readable .npy file: {e}")))?;
    let dims: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let order = npy.order();
    let shape = example_shape(path, &dims)?;
    let n = dims[0];
    let total: usize = dims.iter().product();
    if total == 0 {
        return Err(bad(
            path,
            format!("inputs of shape {dims:?} hold no values"),
        ));
    }
    let (mut x, wide) = input_values(path, npy)?;
    if x.len() != total {
        return Err(bad(
            path,
            format!("truncated .npy data: {} of {total} values", x.len()),
        ));
    }
    if order == Order::Fortran && dims.len() > 1 {
        x = fortran_to_c(&x, &dims);
    }
    check_finite(path, &x, total / n, wide)?;
    Ok(InputArray { x, shape, n })
}

/// The shape of one example for an array of shape `dims`: `[d]`, or `[C, H, W]` (one channel for
/// `N x H x W`).
fn example_shape(path: &Path, dims: &[usize]) -> Result<Vec<usize>> {
    match dims {
        [_, d] => Ok(vec![*d]),
        [_, h, w] => Ok(vec![1, *h, *w]),
        [_, c, h, w] => Ok(vec![*c, *h, *w]),
        s => Err(bad(
            path,
            format!(
                "inputs have shape {s:?}; expected N x d (vectors), N x H x W or N x C x H x W (images)"
            ),
        )),
    }
}

/// The array's values as `f32` in file order, and whether they were stored as 8-byte floats.
fn input_values(path: &Path, npy: NpyFile<&[u8]>) -> Result<(Vec<f32>, bool)> {
    let dtype = npy.dtype();
    let unsupported = || {
        bad(
            path,
            format!(
                "inputs of dtype {} are not supported; save float32, float64 or uint8 (e.g. x.astype(np.float32))",
                dtype.descr()
            ),
        )
    };
    let npyz::DType::Plain(ts) = &dtype else {
        return Err(unsupported());
    };
    let truncated =
        |e: std::io::Error| bad(path, format!("truncated or unreadable .npy data: {e}"));
    let x: Vec<f32> = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 4) => npy.into_vec::<f32>().map_err(truncated)?,
        (TypeChar::Float, 8) => npy
            .into_vec::<f64>()
            .map_err(truncated)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        (TypeChar::Uint, 1) => {
            let table: Vec<f32> = (0..256).map(|v| v as f32 / 255.0).collect();
            npy.into_vec::<u8>()
                .map_err(truncated)?
                .into_iter()
                .map(|v| table[v as usize])
                .collect()
        }
        _ => return Err(unsupported()),
    };
    Ok((x, ts.size_field() == 8))
}

/// Refuse the first value that is not finite, naming its example (`d` values each); `wide`: the
/// file held 8-byte floats (a value may have overflowed `f32`).
fn check_finite(path: &Path, x: &[f32], d: usize, wide: bool) -> Result<()> {
    if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(bad(
            path,
            format!(
                "input value {v} at example {} (flat index {i}) is not finite{}",
                i / d,
                if wide {
                    " (or too large for float32)"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(())
}

/// Reorder a Fortran-order array of shape `dims` (first index fastest) into C order.
pub fn fortran_to_c<T: Copy + Default>(data: &[T], dims: &[usize]) -> Vec<T> {
    let k = dims.len();
    // Fortran strides: stride[0] = 1, stride[i] = stride[i-1] * dims[i-1].
    let mut fstride = vec![1usize; k];
    for i in 1..k {
        fstride[i] = fstride[i - 1] * dims[i - 1];
    }
    let mut out = vec![T::default(); data.len()];
    let mut idx = vec![0usize; k];
    for slot in out.iter_mut() {
        let off: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
        *slot = data[off];
        // Advance the C-order multi-index (last index fastest).
        for a in (0..k).rev() {
            idx[a] += 1;
            if idx[a] < dims[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

/// Read a label array (1-D, integer dtype, non-negative).
fn read_label_file(path: &Path) -> Result<Vec<i64>> {
    let spec = path.display().to_string();
    let has_npy = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !has_npy {
        return Err(bad(path, "labels must be a .npy file"));
    }
    let labels = read_labels(&spec).map_err(|e| match e {
        Error::Empty(_) => bad(path, "holds no labels"),
        Error::Io { source, .. } => bad(path, format!("cannot read: {source}")),
        other => other,
    })?;
    if labels.is_2d {
        return Err(bad(
            path,
            format!(
                "labels have shape [{}, {}]; expected one label per example (shape [N])",
                labels.rows, labels.cols
            ),
        ));
    }
    Ok(labels.values)
}

/// Keep the examples whose class the split (or, without one, the classes 0 and 1) names, with
/// their binary labels; `ypath` names the label file in errors.
fn to_binary(
    inputs: InputArray,
    labels: &[i64],
    split: Option<&ClassSplit>,
    ypath: &Path,
    xpath: &Path,
) -> Result<Examples> {
    if labels.len() != inputs.n {
        return Err(bad(
            ypath,
            format!(
                "{} labels but {} has {} examples",
                labels.len(),
                xpath.display(),
                inputs.n
            ),
        ));
    }
    let d: usize = inputs.shape.iter().product();
    let mut x = Vec::with_capacity(inputs.x.len());
    let mut y = Vec::with_capacity(labels.len());
    for (i, &c) in labels.iter().enumerate() {
        let b = match split {
            None => match c {
                0 | 1 => c as u8,
                _ => {
                    return Err(bad(
                        ypath,
                        format!(
                            "label {c} at index {i} is not 0 or 1; give [data] split = {{ negative = [...], positive = [...] }} to map classes to two"
                        ),
                    ))
                }
            },
            Some(s) => match u8::try_from(c).ok().and_then(|c| s.label(c)) {
                Some(b) => b,
                None => continue,
            },
        };
        y.push(b);
        x.extend_from_slice(&inputs.x[i * d..(i + 1) * d]);
    }
    for (class, side) in [(0u8, "negative"), (1u8, "positive")] {
        if !y.contains(&class) {
            let mut present: Vec<i64> = labels.to_vec();
            present.sort_unstable();
            present.dedup();
            let shown: Vec<String> = present.iter().take(20).map(|c| c.to_string()).collect();
            let what = match split {
                Some(s) => format!(
                    "the class split {} leaves the {side} side (classes {:?}) without examples",
                    s.name(),
                    if class == 0 { &s.negative } else { &s.positive }
                ),
                None => format!("no example has label {class}"),
            };
            return Err(bad(
                ypath,
                format!(
                    "{what}; labels present: {}{}",
                    shown.join(", "),
                    if present.len() > 20 { ", ..." } else { "" }
                ),
            ));
        }
    }
    Ok(Examples {
        x,
        shape: inputs.shape,
        y,
    })
}

/// Per-coordinate (vectors) or per-channel (images) mean and standard deviation of `ex`.
fn stats(ex: &Examples) -> (Vec<f64>, Vec<f64>, usize) {
    let d = ex.dim();
    // Group size: how many consecutive values share one statistic.
    let (groups, plane) = match ex.shape.as_slice() {
        [c, h, w] => (*c, h * w),
        _ => (d, 1),
    };
    let mut sum = vec![0f64; groups];
    let mut sq = vec![0f64; groups];
    for row in ex.x.chunks_exact(d.max(1)) {
        for (g, part) in row.chunks_exact(plane).enumerate() {
            for &v in part {
                sum[g] += v as f64;
                sq[g] += (v as f64) * (v as f64);
            }
        }
    }
    let n = (ex.len() * plane) as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
    let std = sq
        .iter()
        .zip(&mean)
        .map(|(q, m)| (q / n - m * m).max(0.0).sqrt())
        .collect();
    (mean, std, plane)
}

fn apply_standardisation(ex: &mut Examples, mean: &[f64], std: &[f64], plane: usize) {
    let d = ex.dim();
    for row in ex.x.chunks_exact_mut(d.max(1)) {
        for (g, part) in row.chunks_exact_mut(plane).enumerate() {
            let s = if std[g] > 0.0 { std[g] } else { 1.0 };
            for v in part {
                *v = ((*v as f64 - mean[g]) / s) as f32;
            }
        }
    }
}

/// Build the task of a `task = "files"` spec with the random streams of `seed`: read and check
/// the four arrays, apply the class split, subsample (stream `Subsample`, index 0 for train and
/// 1 for test), standardise with training statistics when asked, flip training labels at rate
/// `label_noise` (stream `LabelNoise`): the steps and streams of the built-in real tasks.
pub fn load_files_task(files: &FilesSpec, draw: &Draw<'_>, seed: u64) -> Result<Task> {
    files.check()?;
    let split = draw.split;
    let train_in = read_inputs(&files.train_x)?;
    let train_labels = read_label_file(&files.train_y)?;
    let test_in = read_inputs(&files.test_x)?;
    let test_labels = read_label_file(&files.test_y)?;
    if test_in.shape != train_in.shape {
        return Err(bad(
            &files.test_x,
            format!(
                "examples have shape {:?} but the training examples ({}) have {:?}",
                test_in.shape,
                files.train_x.display(),
                train_in.shape
            ),
        ));
    }
    let train = to_binary(
        train_in,
        &train_labels,
        split,
        &files.train_y,
        &files.train_x,
    )?;
    let test = to_binary(test_in, &test_labels, split, &files.test_y, &files.test_x)?;
    let mut train = subsample(train, draw.n_train, "data.n_train", seed, 0)?;
    let mut test = subsample(test, draw.n_test, "data.n_test", seed, 1)?;
    if files.standardise {
        let (mean, std, plane) = stats(&train);
        apply_standardisation(&mut train, &mean, &std, plane);
        apply_standardisation(&mut test, &mean, &std, plane);
    }
    let train_clean = train.y.clone();
    let flipped = flip_labels(
        &mut train.y,
        draw.label_noise,
        &mut stream(seed, Stream::LabelNoise, 0),
    );
    let name = match split {
        Some(s) => format!("{}-{}", files.task_name(), s.name()),
        None => files.task_name().to_string(),
    };
    Ok(Task {
        name,
        train,
        train_clean,
        flipped,
        test,
        classes: 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_order_is_transposed() {
        // A 2 x 3 array [[0, 1, 2], [3, 4, 5]] stored column-major.
        let f = [0, 3, 1, 4, 2, 5];
        assert_eq!(fortran_to_c(&f, &[2, 3]), vec![0, 1, 2, 3, 4, 5]);
        // 2 x 2 x 2: element (i, j, k) = 4i + 2j + k, Fortran offset i + 2j + 4k.
        let mut f3 = [0; 8];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    f3[i + 2 * j + 4 * k] = 4 * i + 2 * j + k;
                }
            }
        }
        assert_eq!(fortran_to_c(&f3, &[2, 2, 2]), (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn standardisation_uses_channel_statistics() {
        let mut ex = Examples {
            x: vec![0.0, 2.0, 10.0, 10.0, 2.0, 4.0, 10.0, 10.0],
            shape: vec![2, 1, 2],
            y: vec![0, 1],
        };
        let (mean, std, plane) = stats(&ex);
        assert_eq!(plane, 2);
        assert_eq!(mean, vec![2.0, 10.0]);
        assert!((std[0] - 2f64.sqrt()).abs() < 1e-12 && std[1] == 0.0);
        apply_standardisation(&mut ex, &mean, &std, plane);
        // The constant channel is only shifted.
        assert_eq!(&ex.x[2..4], &[0.0, 0.0]);
    }
}
