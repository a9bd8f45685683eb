//! Curves of a trajectory, `I(F_t;Y)` and `mu(F_t;C_k)` over time, from the joint count tables of
//! `(F_t, C_k, Y)` through the project's information layer ([`sgdc_core::info`]), with the departure
//! rule of the claims ([`sgdc_core::thresholds::departure`]) and bootstrap uncertainty.

use serde::{Deserialize, Serialize};
use sgdc_core::info::{resample_table, Estimator, Measures, Table3, Unit};
use sgdc_core::rng::{stream, Stream};
use sgdc_core::thresholds::departure;
use sgdc_core::thresholds::C6_DEPARTURE_GAP_BITS;
use sgdc_core::Result;

/// Sub-stream bases of [`Stream::Synthetic`] for the trajectory model's samples (one sub-stream
/// per chunk of points is added to the base), so no two samples share a stream and none meets
/// the retention simulator's (which uses indices below `2^41`).
pub mod substream {
    /// The sample from which the Hermite coefficients of the label are estimated.
    pub const COEFFICIENTS: u64 = 1 << 50;
    /// The reference sample on which the population law of `(F_t, C_k, Y)` is computed.
    pub const REFERENCE: u64 = 2 << 50;
    /// The simulation's training set.
    pub const TRAIN: u64 = 3 << 50;
    /// The simulation's test set.
    pub const TEST: u64 = 4 << 50;
    /// [`sgdc_core::rng::Stream::LabelNoise`] index of the simulation's training-label flips.
    pub const LABEL_NOISE: u64 = 1 << 50;
    /// [`sgdc_core::rng::Stream::Bootstrap`] base of the simulation's bootstrap (plus
    /// `record * references + reference`).
    pub const BOOTSTRAP_SIM: u64 = 1 << 50;
    /// [`sgdc_core::rng::Stream::Bootstrap`] base of the reference sample's bootstrap.
    pub const BOOTSTRAP_THEORY: u64 = 2 << 50;
    /// [`sgdc_core::rng::Stream::Bootstrap`] base of a trained network's bootstrap (plus the
    /// reference).
    pub const BOOTSTRAP_NETWORK: u64 = 3 << 50;
}

/// Points per chunk of a sample (each chunk draws from its own sub-stream, so a sample is the
/// same whatever the number of threads).
pub const CHUNK: usize = 4096;

/// `per_decade` log-spaced times from `t_min` to `t_max` (both included), preceded by `t = 0`.
pub fn log_grid(t_min: f64, t_max: f64, per_decade: usize) -> Vec<f64> {
    let decades = (t_max / t_min).log10();
    let k = (decades * per_decade as f64).round().max(1.0) as usize;
    let mut t = vec![0.0];
    t.extend((0..=k).map(|i| t_min * 10f64.powf(decades * i as f64 / k as f64)));
    t
}

/// `I(F_t;Y)` and `mu(F_t;C_k)` (bits, plug-in) at each time, for the references `C_1..C_K`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryCurves {
    /// Times `t` (gradient-flow time; `learning rate * step` in the simulation).
    pub times: Vec<f64>,
    /// Reference names, `C1`, `C2`, ...; `C1` is L.
    pub references: Vec<String>,
    /// `I(F_t;Y)` per time.
    pub i_fy: Vec<f64>,
    /// `mu_Y(F_t;C_k)` per reference, per time.
    pub mu: Vec<Vec<f64>>,
    /// `I(C_k;Y)` per reference.
    pub i_ref_y: Vec<f64>,
    /// Accuracy of `F_t` against the clean label, per time.
    pub acc_f: Vec<f64>,
    /// Accuracy of `C_k` against the clean label, per reference.
    pub acc_ref: Vec<f64>,
    /// `Pr[F_t = L]` per time.
    pub agreement_l: Vec<f64>,
    /// Points behind each table.
    pub points: u64,
}

impl TrajectoryCurves {
    /// The curves of `tables[time][reference]` (binary `(F, C_k, Y)` tables).
    pub fn from_tables(times: &[f64], tables: &[Vec<Table3>]) -> Self {
        let k = tables.first().map_or(0, Vec::len);
        let m = |t: &Table3| Measures::from_table(t, Estimator::Plugin, Unit::Bits);
        let frac = |t: &Table3, keep: &dyn Fn(usize, usize, usize) -> bool| {
            let mut c = 0;
            for f in 0..2 {
                for l in 0..2 {
                    for y in 0..2 {
                        if keep(f, l, y) {
                            c += t.get(f, l, y);
                        }
                    }
                }
            }
            c as f64 / t.n().max(1) as f64
        };
        let first = tables.first();
        TrajectoryCurves {
            times: times.to_vec(),
            references: (1..=k).map(|j| format!("C{j}")).collect(),
            i_fy: tables.iter().map(|row| m(&row[0]).i_fy).collect(),
            mu: (0..k)
                .map(|j| tables.iter().map(|row| m(&row[j]).mu).collect())
                .collect(),
            i_ref_y: first.map_or(Vec::new(), |r| r.iter().map(|t| m(t).i_ly).collect()),
            acc_f: tables
                .iter()
                .map(|row| frac(&row[0], &|f, _, y| f == y))
                .collect(),
            acc_ref: first.map_or(Vec::new(), |r| {
                r.iter().map(|t| frac(t, &|_, l, y| l == y)).collect()
            }),
            agreement_l: tables
                .iter()
                .map(|row| frac(&row[0], &|f, l, _| f == l))
                .collect(),
            points: first.and_then(|r| r.first()).map_or(0, Table3::n),
        }
    }

    /// The gap `I(F_t;Y) - mu(F_t;C_k)` (= `I(F_t;Y|C_k)`) of reference `k` (0-based), per time.
    pub fn gap(&self, k: usize) -> Vec<f64> {
        self.i_fy
            .iter()
            .zip(&self.mu[k])
            .map(|(i, m)| i - m)
            .collect()
    }

    /// The departure index from each reference by the claims' rule (first upward crossing of
    /// the gap over [`C6_DEPARTURE_GAP_BITS`] that still holds at the next time; for `C1` this
    /// is the T0 rule).
    pub fn departures(&self) -> Vec<Option<usize>> {
        self.mu
            .iter()
            .map(|mu| departure(&self.i_fy, mu, C6_DEPARTURE_GAP_BITS))
            .collect()
    }
}

/// Bootstrap spread of one `(F, C, Y)` table: standard deviations and 95 % percentile bands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TableSpread {
    /// Standard deviation of `I(F;Y)`.
    pub sd_i_fy: f64,
    /// Standard deviation of `mu(F;C)`.
    pub sd_mu: f64,
    /// Standard deviation of the gap `I(F;Y) - mu(F;C)`.
    pub sd_gap: f64,
    /// 95 % band of `I(F;Y)`.
    pub band_i_fy: (f64, f64),
    /// 95 % band of `mu(F;C)`.
    pub band_mu: (f64, f64),
}

/// Resample the table `reps` times (multinomial over its cells, [`Stream::Bootstrap`] of `seed`
/// at sub-stream `index`).
pub fn spread(t: &Table3, reps: usize, seed: u64, index: u64) -> Result<TableSpread> {
    let mut rng = stream(seed, Stream::Bootstrap, index);
    let (mut i, mut m, mut g) = (vec![], vec![], vec![]);
    for _ in 0..reps {
        let r = Measures::from_table(&resample_table(t, &mut rng)?, Estimator::Plugin, Unit::Bits);
        i.push(r.i_fy);
        m.push(r.mu);
        g.push(r.i_fy - r.mu);
    }
    Ok(TableSpread {
        sd_i_fy: sd(&i),
        sd_mu: sd(&m),
        sd_gap: sd(&g),
        band_i_fy: band(&mut i),
        band_mu: band(&mut m),
    })
}

fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

fn band(v: &mut [f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (q(0.025), q(0.975))
}

/// Add the binary cell `(f, c, y)` to `counts[base..base + 8]`.
#[inline]
pub fn count(counts: &mut [u64], base: usize, f: bool, c: bool, y: bool) {
    counts[base + usize::from(f) * 4 + usize::from(c) * 2 + usize::from(y)] += 1;
}

/// Split flat counts (`[time][reference][8]`) into tables.
pub fn tables(counts: &[u64], times: usize, refs: usize) -> Result<Vec<Vec<Table3>>> {
    (0..times)
        .map(|t| {
            (0..refs)
                .map(|k| {
                    let b = (t * refs + k) * 8;
                    Table3::from_counts([2, 2, 2], counts[b..b + 8].to_vec())
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trajectory::predict::gap_slope;
    use crate::trajectory::simulate::SimConfig;

    #[test]
    fn grids_start_at_zero_and_are_log_spaced() {
        let g = log_grid(0.01, 100.0, 2);
        assert_eq!(g.len(), 10);
        assert_eq!(g[0], 0.0);
        assert!((g[1] - 0.01).abs() < 1e-15 && (g[9] - 100.0).abs() < 1e-9);
        assert!((g[2] / g[1] - 10f64.sqrt()).abs() < 1e-12);
        let s = SimConfig {
            lr: 0.5,
            t_min: 0.1,
            t_max: 10.0,
            per_decade: 10,
            ..SimConfig::default()
        }
        .steps();
        assert_eq!(s[0], 0);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
        assert_eq!(*s.last().unwrap(), 20);
    }

    #[test]
    fn slope_is_per_unit_log_time() {
        let t = [0.0, 1.0, std::f64::consts::E, std::f64::consts::E.powi(2)];
        let gap = [0.0, 0.1, 0.3, 0.5];
        assert!((gap_slope(&t, &gap, 2).unwrap() - 0.2).abs() < 1e-12);
        // Next to t = 0 the difference is one-sided.
        assert!((gap_slope(&t, &gap, 1).unwrap() - 0.2).abs() < 1e-12);
    }
}
