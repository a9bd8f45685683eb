//! Entropies, mutual informations and the co-information mu from a [`Table3`] of counts, or from
//! a joint law known in closed form (the theory's predictions): the project's one entropy code.
//! [`Entropies`] holds the seven entropies of (F, L, Y) and its marginals; [`Measures`] forms every
//! information from them in one place.

use super::table::{marginal, Table3};
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

/// Plug-in entropy (in nats) of a probability vector (zero cells skipped): the population
/// counterpart of [`entropy_nats`], for joint laws known in closed form.
pub fn entropy_of_law_nats(p: &[f64]) -> f64 {
    p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.ln()).sum()
}

/// The entropies (in nats) of (F, L, Y), of its pairs and of each variable: everything the
/// measures are made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entropies {
    /// H(F).
    pub f: f64,
    /// H(L).
    pub l: f64,
    /// H(Y).
    pub y: f64,
    /// H(F, L).
    pub fl: f64,
    /// H(F, Y).
    pub fy: f64,
    /// H(L, Y).
    pub ly: f64,
    /// H(F, L, Y).
    pub fly: f64,
}

/// The marginals of a joint `(F, L, Y)` table, in the order the fields of [`Entropies`] list.
const MARGINALS: [[bool; 3]; 6] = [
    [true, false, false],
    [false, true, false],
    [false, false, true],
    [true, true, false],
    [true, false, true],
    [false, true, true],
];

impl Entropies {
    /// From a table of counts, with the chosen estimator.
    pub fn of_table(t: &Table3, est: Estimator) -> Self {
        let n = t.n();
        let h = MARGINALS.map(|keep| entropy_nats(&t.marginal(keep), n, est));
        Self::from_marginals(h, entropy_nats(t.counts(), n, est))
    }

    /// From the joint law of binary (F, L, Y): probabilities with cell `(f, l, y)` at
    /// `f * 4 + l * 2 + y` (the layout of a [`Table3`] over `[2, 2, 2]`), plug-in.
    pub fn of_binary_law(joint: &[f64; 8]) -> Self {
        let h = MARGINALS.map(|keep| entropy_of_law_nats(&marginal(joint, [2, 2, 2], keep)));
        Self::from_marginals(h, entropy_of_law_nats(joint))
    }

    fn from_marginals([f, l, y, fl, fy, ly]: [f64; 6], fly: f64) -> Self {
        Entropies {
            f,
            l,
            y,
            fl,
            fy,
            ly,
            fly,
        }
    }
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
        Self::from_entropies(t.n(), &Entropies::of_table(t, est), unit)
    }

    /// Every measure of the joint law of binary (F, L, Y) (see [`Entropies::of_binary_law`]),
    /// in `unit`; `n` is 0.
    pub fn of_binary_law(joint: &[f64; 8], unit: Unit) -> Self {
        Self::from_entropies(0, &Entropies::of_binary_law(joint), unit)
    }

    /// Every measure from the seven entropies `h` (nats) of `n` observations, in `unit`.
    pub fn from_entropies(n: u64, h: &Entropies, unit: Unit) -> Self {
        let (hf, hl, hy) = (h.f, h.l, h.y);
        let (hfl, hfy, hly) = (h.fl, h.fy, h.ly);
        let hfly = h.fly;
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
