//! Entropies, mutual informations and the co-information mu from a [`Table3`].

use super::table::Table3;
use serde::{Deserialize, Serialize};

/// How entropies are estimated from counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Estimator {
    /// The plug-in (maximum-likelihood) estimator: the entropy of the empirical distribution. The
    /// paper's estimator.
    #[default]
    Plugin,
    /// Miller-Madow: plug-in plus `(m - 1) / (2 n)` nats, `m` the number of non-empty cells.
    MillerMadow,
}

/// The unit of reported information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Base-2 logarithm (the paper's unit).
    #[default]
    Bits,
    /// Natural logarithm.
    Nats,
}

impl Unit {
    fn scale(self) -> f64 {
        match self {
            Unit::Bits => std::f64::consts::LOG2_E,
            Unit::Nats => 1.0,
        }
    }
}

/// Entropy (in nats) of a vector of counts summing to `n`, with the chosen estimator.
pub fn entropy_nats(counts: &[u64], n: u64, est: Estimator) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let nf = n as f64;
    let mut h = 0.0;
    let mut m = 0u64;
    for &c in counts {
        if c > 0 {
            let c = c as f64;
            h -= c * (c / nf).ln();
            m += 1;
        }
    }
    h /= nf;
    if est == Estimator::MillerMadow {
        h += (m.saturating_sub(1)) as f64 / (2.0 * nf);
    }
    h
}

/// All pairwise and conditional informations of (F, L, Y) and the co-information mu.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Number of observations.
    pub n: u64,
    /// H(F).
    pub h_f: f64,
    /// H(L).
    pub h_l: f64,
    /// H(Y).
    pub h_y: f64,
    /// I(F;Y).
    pub i_fy: f64,
    /// I(L;Y).
    pub i_ly: f64,
    /// I(F;L).
    pub i_fl: f64,
    /// I(F;Y|L).
    pub i_fy_given_l: f64,
    /// I(L;Y|F).
    pub i_ly_given_f: f64,
    /// I(F;L|Y).
    pub i_fl_given_y: f64,
    /// mu_Y(F;L) = I(F;Y) - I(F;Y|L).
    pub mu: f64,
}

impl Measures {
    /// Compute every measure of the table in the given estimator and unit.
    pub fn from_table(t: &Table3, est: Estimator, unit: Unit) -> Self {
        let n = t.n();
        let h = |keep: [bool; 3]| entropy_nats(&t.marginal(keep), n, est);
        let (hf, hl, hy) = (
            h([true, false, false]),
            h([false, true, false]),
            h([false, false, true]),
        );
        let (hfl, hfy, hly) = (
            h([true, true, false]),
            h([true, false, true]),
            h([false, true, true]),
        );
        let hfly = entropy_nats(t.counts(), n, est);
        let s = unit.scale();
        let i_fy = hf + hy - hfy;
        let i_ly = hl + hy - hly;
        let i_fl = hf + hl - hfl;
        let i_fy_given_l = hfl + hly - hl - hfly;
        let i_ly_given_f = hfl + hfy - hf - hfly;
        let i_fl_given_y = hfy + hly - hy - hfly;
        let mu = hf + hl + hy - hfl - hfy - hly + hfly;
        Measures {
            n,
            h_f: hf * s,
            h_l: hl * s,
            h_y: hy * s,
            i_fy: i_fy * s,
            i_ly: i_ly * s,
            i_fl: i_fl * s,
            i_fy_given_l: i_fy_given_l * s,
            i_ly_given_f: i_ly_given_f * s,
            i_fl_given_y: i_fl_given_y * s,
            mu: mu * s,
        }
    }
}
