//! Confidence intervals for the simulation's test-sample statistics.

use super::predict::normal_quantile;
use serde::{Deserialize, Serialize};
use sgdc_core::info::{Estimator, Measures, Table3, Unit};
use sgdc_core::rng::{stream, Stream};
use sgdc_core::Result;

/// A point estimate with a two-sided confidence interval and a standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The estimate.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Standard error of the estimate.
    pub se: f64,
}

impl Interval {
    /// Whether `x` lies in `[lo, hi]`.
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// Wilson score interval at level `level` (e.g. 0.95) for `k` successes out of `m`; `se` is the
/// binomial standard error of the proportion.
pub fn wilson(k: u64, m: u64, level: f64) -> Interval {
    let m_f = m.max(1) as f64;
    let p = k as f64 / m_f;
    let z = normal_quantile(0.5 + level / 2.0);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * m_f)) / (1.0 + z2 / m_f);
    let half = z / (1.0 + z2 / m_f) * (p * (1.0 - p) / m_f + z2 / (4.0 * m_f * m_f)).sqrt();
    Interval {
        value: p,
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
        se: (p * (1.0 - p) / m_f).sqrt(),
    }
}

/// Bootstrap intervals (percentile, level `level`) for `mu` and `I(L;Y)` of a binary `(F, L, Y)`
/// table: `reps` resamples of its test points, drawn from the [`Stream::Bootstrap`] stream of
/// `seed` by the project's one bootstrap ([`sgdc_core::info::bootstrap`], interpolated percentiles).
/// With `reps = 0` both intervals shrink to the estimate.
pub fn bootstrap_mu(
    t: &Table3,
    reps: usize,
    level: f64,
    seed: u64,
) -> Result<(Interval, Interval)> {
    let est = Measures::from_table(t, Estimator::Plugin, Unit::Bits);
    let (mut mus, mut ilys) = (Vec::new(), Vec::new());
    if reps > 0 {
        let mut rng = stream(seed, Stream::Bootstrap, 0);
        let draws = sgdc_core::info::bootstrap(t, reps, &mut rng, |r| {
            let m = Measures::from_table(r, Estimator::Plugin, Unit::Bits);
            (m.mu, m.i_ly)
        })?;
        (mus, ilys) = draws.into_iter().unzip();
    }
    Ok((
        percentile(est.mu, &mut mus, level),
        percentile(est.i_ly, &mut ilys, level),
    ))
}

/// The estimate `value` with the percentile interval and the standard deviation of its
/// bootstrap replicates `xs` as standard error.
fn percentile(value: f64, xs: &mut [f64], level: f64) -> Interval {
    if xs.is_empty() {
        return Interval {
            value,
            lo: value,
            hi: value,
            se: 0.0,
        };
    }
    let iv = sgdc_core::info::percentile_interval(xs, level);
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len().max(2) - 1) as f64;
    Interval {
        value,
        lo: iv.lo,
        hi: iv.hi,
        se: var.sqrt(),
    }
}
