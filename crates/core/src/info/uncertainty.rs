//! Uncertainty of the measures: a bootstrap confidence interval over test points and a
//! permutation null for mu.
//!
//! This is the project's one bootstrap: [`bootstrap`] draws the replicates of any statistic of a
//! table, [`percentile_interval`] turns them into an interval with the one percentile rule
//! (linear interpolation between order statistics, [`quantile`]). `sgdc measure --bootstrap`, the
//! C4 gap interval (`sgd_complexity::training_curves::bootstrap_gap`) and the theory simulator's intervals all
//! go through them.
//!
//! Both resample the joint table rather than the label vectors, which gives exactly the same
//! distribution at a cost independent of n:
//!
//! - Resampling n test points with replacement makes the cell counts multinomial(n, counts / n);
//!   the multinomial is drawn as a chain of binomials, one per cell.
//! - Shuffling Y against the (F, L) pairs deals the Y labels out to the (F, L) cells without
//!   replacement; the counts are multivariate hypergeometric, drawn as a chain of univariate
//!   hypergeometrics, one per (F, L, Y) cell.
//!
//! All randomness comes from [`crate::rng`]: [`Stream::Bootstrap`] and [`Stream::Permutation`]
//! with the caller's master seed and a sub-stream index (e.g. the checkpoint).

use super::measures::{Estimator, Measures, Unit};
use super::table::Table3;
use crate::error::{Error, Result};
use crate::rng::{stream, Stream};
use rand::Rng;
use rand_distr::{Binomial, Distribution, Hypergeometric};
use serde::{Deserialize, Serialize};

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// Percentile bootstrap confidence intervals of the reported measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapCi {
    /// Coverage, e.g. 0.95.
    pub level: f64,
    /// Number of bootstrap replicates.
    pub replicates: usize,
    /// I(F;Y).
    pub i_fy: Interval,
    /// I(L;Y).
    pub i_ly: Interval,
    /// I(F;L).
    pub i_fl: Interval,
    /// I(F;Y|L).
    pub i_fy_given_l: Interval,
    /// I(L;Y|F).
    pub i_ly_given_f: Interval,
    /// mu.
    pub mu: Interval,
}

/// The permutation null of mu: the distribution of mu when Y is shuffled against (F, L).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NullSummary {
    /// Number of shuffles.
    pub replicates: usize,
    /// Mean of mu over the shuffles: the estimator's floor for independent Y.
    pub mean: f64,
    /// Standard deviation of mu over the shuffles.
    pub sd: f64,
    /// One-sided p-value `(1 + #{null mu >= observed mu}) / (replicates + 1)`.
    pub p_value: f64,
}

fn check_replicates(b: usize, what: &str) -> Result<()> {
    if b == 0 {
        return Err(Error::param(what, b, "must be at least 1"));
    }
    Ok(())
}

/// One multinomial(n, counts / n) draw of the table: n test points resampled with replacement.
pub fn resample_table<R: Rng + ?Sized>(t: &Table3, rng: &mut R) -> Result<Table3> {
    let mut left_n = t.n();
    let mut left_mass = t.n();
    let mut out = Vec::with_capacity(t.counts().len());
    for &c in t.counts() {
        let x = if c == 0 || left_n == 0 {
            0
        } else if c == left_mass {
            left_n
        } else {
            let p = c as f64 / left_mass as f64;
            Binomial::new(left_n, p)
                .map_err(|e| Error::param("bootstrap cell probability", p, e.to_string()))?
                .sample(rng)
        };
        out.push(x);
        left_n -= x;
        left_mass -= c;
    }
    Table3::from_counts(t.sizes, out)
}

/// One draw of the table with Y shuffled against (F, L): keeps the (F, L) counts and the Y
/// marginal, deals the Y labels to the (F, L) cells without replacement.
pub fn shuffle_y_table<R: Rng + ?Sized>(t: &Table3, rng: &mut R) -> Result<Table3> {
    let [_, _, ky] = t.sizes;
    let mut pool = t.marginal([false, false, true]);
    let mut pool_total = t.n();
    let mut out = Vec::with_capacity(t.counts().len());
    for cell in t.counts().chunks_exact(ky) {
        // Deal `m` Y labels to this (F, L) cell from the remaining pool.
        let mut m: u64 = cell.iter().sum();
        // The pool left after this cell's earlier Y classes, for the sequential draw.
        let mut rest = pool_total;
        for p in pool.iter_mut() {
            let x = if m == 0 || *p == 0 {
                0
            } else if *p == rest {
                m
            } else {
                Hypergeometric::new(rest, *p, m)
                    .map_err(|e| Error::param("permutation draw", m, e.to_string()))?
                    .sample(rng)
            };
            rest -= *p;
            m -= x;
            *p -= x;
            pool_total -= x;
            out.push(x);
        }
    }
    Table3::from_counts(t.sizes, out)
}

/// `b` bootstrap replicates of `stat`: each applied to one [`resample_table`] draw of `t` (its
/// n test points resampled with replacement), all drawn from `rng` in turn.
pub fn bootstrap<T, R: Rng + ?Sized>(
    t: &Table3,
    b: usize,
    rng: &mut R,
    mut stat: impl FnMut(&Table3) -> T,
) -> Result<Vec<T>> {
    check_replicates(b, "bootstrap replicates")?;
    (0..b)
        .map(|_| resample_table(t, rng).map(|r| stat(&r)))
        .collect()
}

/// The percentile interval at `level` (e.g. 0.95) of bootstrap replicates `v` (sorted in place):
/// the [`quantile`]s at `(1 - level) / 2` and `(1 + level) / 2`. `NaN` ends for no replicates.
pub fn percentile_interval(v: &mut [f64], level: f64) -> Interval {
    if v.is_empty() {
        return Interval {
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    v.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Interval {
        lo: quantile(v, a),
        hi: quantile(v, 1.0 - a),
    }
}

/// Percentile bootstrap CI at `level` (e.g. 0.95) from `b` replicates, seeded from `seed` with
/// sub-stream `index`.
pub fn bootstrap_ci(
    t: &Table3,
    b: usize,
    level: f64,
    seed: u64,
    index: u64,
    est: Estimator,
    unit: Unit,
) -> Result<BootstrapCi> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::param(
            "confidence level",
            level,
            "must lie in (0, 1)",
        ));
    }
    let mut rng = stream(seed, Stream::Bootstrap, index);
    let reps = bootstrap(t, b, &mut rng, |r| Measures::from_table(r, est, unit))?;
    let q = |get: fn(&Measures) -> f64| {
        let mut v: Vec<f64> = reps.iter().map(get).collect();
        percentile_interval(&mut v, level)
    };
    Ok(BootstrapCi {
        level,
        replicates: b,
        i_fy: q(|m| m.i_fy),
        i_ly: q(|m| m.i_ly),
        i_fl: q(|m| m.i_fl),
        i_fy_given_l: q(|m| m.i_fy_given_l),
        i_ly_given_f: q(|m| m.i_ly_given_f),
        mu: q(|m| m.mu),
    })
}

/// What to add to a table's measures: a percentile bootstrap interval at `level` from
/// `bootstrap` replicates and a permutation null from `null` shuffles, each when asked, seeded
/// from `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resampling {
    /// Bootstrap replicates (`None`: no interval).
    pub bootstrap: Option<usize>,
    /// Null shuffles (`None`: no null).
    pub null: Option<usize>,
    /// Level of the bootstrap interval.
    pub level: f64,
    /// Master seed of the resampling streams.
    pub seed: u64,
}

/// A table's measures with their interval and null when asked: one row of `sgdc measure`.
#[derive(Debug, Clone)]
pub struct MeasuredTable {
    /// The measures.
    pub m: Measures,
    /// The bootstrap interval, when asked.
    pub ci: Option<BootstrapCi>,
    /// The permutation null, when asked.
    pub null: Option<NullSummary>,
}

/// The measures of table `t` (the `index`-th of a curve: its resampling sub-stream) with the
/// interval and null that `r` asks for; `sgdc measure` and the Python package both report this.
pub fn measure_table(
    t: &Table3,
    index: u64,
    r: &Resampling,
    est: Estimator,
    unit: Unit,
) -> Result<MeasuredTable> {
    Ok(MeasuredTable {
        m: Measures::from_table(t, est, unit),
        ci: r
            .bootstrap
            .map(|b| bootstrap_ci(t, b, r.level, r.seed, index, est, unit))
            .transpose()?,
        null: r
            .null
            .map(|b| permutation_null(t, b, r.seed, index, est, unit))
            .transpose()?,
    })
}

/// The permutation null of mu from `b` shuffles of Y, seeded from `seed` with sub-stream
/// `index`.
pub fn permutation_null(
    t: &Table3,
    b: usize,
    seed: u64,
    index: u64,
    est: Estimator,
    unit: Unit,
) -> Result<NullSummary> {
    check_replicates(b, "null replicates")?;
    let observed = Measures::from_table(t, est, unit).mu;
    let mut rng = stream(seed, Stream::Permutation, index);
    let mut null = Vec::with_capacity(b);
    for _ in 0..b {
        null.push(Measures::from_table(&shuffle_y_table(t, &mut rng)?, est, unit).mu);
    }
    let bf = b as f64;
    let mean = null.iter().sum::<f64>() / bf;
    let var = if b > 1 {
        null.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (bf - 1.0)
    } else {
        0.0
    };
    // Ties within rounding count as "at least as large".
    let tol = 1e-12 * observed.abs().max(1.0);
    let exceed = null.iter().filter(|&&x| x >= observed - tol).count();
    Ok(NullSummary {
        replicates: b,
        mean,
        sd: var.sqrt(),
        p_value: (1 + exceed) as f64 / (bf + 1.0),
    })
}

/// The `q`-quantile of sorted, non-empty `v`, interpolating linearly between order statistics
/// (the project's one percentile rule).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let w = pos - lo as f64;
    v[lo] * (1.0 - w) + v[hi] * w
}
