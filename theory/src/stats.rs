//! Confidence intervals for the simulation's test-sample statistics.

use super::predict::normal_quantile;
use crate::info::{Estimator, Measures, Table3, Unit};
use crate::rng::{stream, Stream};
use crate::Result;
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};

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
/// table: `reps` multinomial resamples of its cells, drawn from the
/// [`Stream::Bootstrap`] stream of `seed`.
pub fn bootstrap_mu(
    t: &Table3,
    reps: usize,
    level: f64,
    seed: u64,
) -> Result<(Interval, Interval)> {
    let est = Measures::from_table(t, Estimator::Plugin, Unit::Bits);
    let m = t.n();
    let mut rng = stream(seed, Stream::Bootstrap, 0);
    let counts = t.counts().to_vec();
    let (mut mus, mut ilys) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for _ in 0..reps {
        let mut left = m;
        let mut mass = 1.0f64;
        let mut c = vec![0u64; counts.len()];
        for (i, &ci) in counts.iter().enumerate() {
            if left == 0 || mass <= 0.0 {
                break;
            }
            let p = ci as f64 / m as f64;
            if i + 1 == counts.len() {
                c[i] = left;
                break;
            }
            let q = (p / mass).clamp(0.0, 1.0);
            let draw = match Binomial::new(left, q) {
                Ok(b) => b.sample(&mut rng),
                Err(_) => (left as f64 * q).round() as u64,
            };
            c[i] = draw;
            left -= draw;
            mass -= p;
        }
        let tb = Table3::from_counts([2, 2, 2], c)?;
        let mb = Measures::from_table(&tb, Estimator::Plugin, Unit::Bits);
        mus.push(mb.mu);
        ilys.push(mb.i_ly);
    }
    Ok((
        percentile(est.mu, &mut mus, level),
        percentile(est.i_ly, &mut ilys, level),
    ))
}

fn percentile(value: f64, xs: &mut [f64], level: f64) -> Interval {
    if xs.is_empty() {
        return Interval {
            value,
            lo: value,
            hi: value,
            se: 0.0,
        };
    }
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let idx = ((xs.len() - 1) as f64 * p).round() as usize;
        xs[idx.min(xs.len() - 1)]
    };
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len().max(2) - 1) as f64;
    Interval {
        value,
        lo: q((1.0 - level) / 2.0),
        hi: q(0.5 + level / 2.0),
        se: var.sqrt(),
    }
}
