//! How a task is drawn from a data set's examples: the class split, the subsample sizes and the
//! label-noise rate of the `[data]` section, and [`subsample`], shared by the built-in real sets
//! and a data set of one's own.

use super::images::ClassSplit;
use super::Examples;
use crate::error::{Error, Result};
use crate::rng::{stream, Stream};

/// What a `[data]` section asks of a task besides where its examples come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw<'a> {
    /// The class split (`None`: the data set's own two classes).
    pub split: Option<&'a ClassSplit>,
    /// Training examples to keep (`None`: all of them).
    pub n_train: Option<usize>,
    /// Test examples to keep (`None`: all of them).
    pub n_test: Option<usize>,
    /// Fraction of training labels flipped, in `[0, 0.5)`.
    pub label_noise: f64,
}

/// Keep `n` of the examples, drawn uniformly without replacement from stream `Subsample`
/// (`index`) of `seed`, in their original order; all of them when `n` is `None`.
pub fn subsample(
    ex: Examples,
    n: Option<usize>,
    field: &str,
    seed: u64,
    index: u64,
) -> Result<Examples> {
    let total = ex.len();
    let Some(n) = n else { return Ok(ex) };
    if n > total {
        return Err(Error::param(
            field,
            n,
            format!("only {total} examples are available after the class split"),
        ));
    }
    if n == total {
        return Ok(ex);
    }
    let mut rng = stream(seed, Stream::Subsample, index);
    let mut keep = crate::rng::sample_without_replacement(total, n, &mut rng);
    keep.sort_unstable();
    let d = ex.dim();
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for &i in &keep {
        x.extend_from_slice(ex.input(i));
        y.push(ex.y[i]);
    }
    Ok(Examples {
        x,
        shape: ex.shape,
        y,
    })
}
