//! The paper's claims C1-C10 as executable checks.
//!
//! Each claim is a function from measured per-seed results (curves of [`crate::training_curves`]) to a
//! [`Verdict`]: the statement, the statistic over seeds, the per-seed values, the threshold and
//! the outcome. Every threshold and the T0 rule are documented in [`thresholds`].

mod across;
mod beyond_linear;
mod checks;
pub mod decide;
#[cfg(test)]
mod fixtures;
pub mod format;
pub mod gate;
mod hierarchy;
mod linear_phase;
mod reparam;
pub use sgdc_core::thresholds;

pub use across::{c10_sweep, c8_theory, c9_tasks};
pub use beyond_linear::{c4_beyond_linear, c5_retention};
pub use checks::{
    linear_phase_start, running_median3, t0_index, HierarchySeed, ReparamSeed, SeedRun,
};
pub use hierarchy::c6_hierarchy;
pub use linear_phase::{
    c1_toy, c2_floor, c2_linear_first, c3_split_at_l, largest_linear_phase_agreement,
    smallest_linear_phase_ratio,
};
pub use reparam::c7_reparameterisation;
pub use thresholds::departure;

use serde::{Deserialize, Serialize};

/// What the decision rule ([`decide`]) says of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "lowercase")]
pub enum Outcome {
    /// The interval over seeds lies on the claimed side of the threshold.
    Holds,
    /// It lies on the other side, or a seed misses a requirement of the claim (the reason says
    /// which).
    Fails(String),
    /// The interval straddles the threshold (the reason says with how many seeds).
    Undecided(String),
    /// Not evaluated (the reason says why); never counted as holding.
    Skipped(String),
}

impl Outcome {
    /// Short label for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Holds => "holds",
            Outcome::Fails(_) => "FAILS",
            Outcome::Undecided(_) => "undecided",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// The reason, if any.
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Holds => "",
            Outcome::Fails(r) | Outcome::Undecided(r) | Outcome::Skipped(r) => r,
        }
    }
}

/// The outcome a claim is expected to have: the paper's claims hold; a finding of this project
/// may be expected to fail, with its reason (the experiment file's `[findings]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// The claim holds.
    #[default]
    Holds,
    /// The claim fails (a finding).
    Fails,
}

impl Expected {
    /// Its name, as in experiment files.
    pub fn name(self) -> &'static str {
        match self {
            Expected::Holds => "holds",
            Expected::Fails => "fails",
        }
    }

    /// Whether `outcome` is this one.
    pub fn matches(self, outcome: &Outcome) -> bool {
        matches!(
            (self, outcome),
            (Expected::Holds, Outcome::Holds) | (Expected::Fails, Outcome::Fails(_))
        )
    }
}

/// What a verdict is expected to be, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Expectation {
    /// The expected outcome.
    pub outcome: Expected,
    /// A finding of this project (a stronger question than the paper's claim, or a claim on a
    /// variant), not a claim of the paper.
    pub finding: bool,
    /// Why (empty for the paper's claims, which are expected to hold).
    pub reason: String,
}

impl Expectation {
    /// A finding with its expected outcome and reason.
    pub fn finding(outcome: Expected, reason: impl Into<String>) -> Self {
        Expectation {
            outcome,
            finding: true,
            reason: reason.into(),
        }
    }
}

/// A summary of per-seed values: the statistic the claim is decided on and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Number of values (seeds).
    pub n: usize,
    /// The statistic: the interquartile mean of the values (for C6 the share of seeds in order;
    /// for a claim on one value, that value).
    pub value: f64,
    /// Its percentile bootstrap interval over seeds at [`thresholds::DECISION_LEVEL`] (the value
    /// itself for one value).
    pub interval: (f64, f64),
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Stat {
    /// The IQM of `values` with its bootstrap interval, resampled from the stream named by
    /// `label`. `None` when empty.
    pub fn iqm_of(values: &[f64], label: &str) -> Option<Self> {
        Self::with(
            values,
            decide::iqm(values),
            decide::iqm_interval(values, label),
        )
    }

    /// The mean of `values` (a share, for 0/1 values) with its bootstrap interval.
    pub fn share_of(values: &[f64], label: &str) -> Option<Self> {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        Self::with(values, mean, decide::mean_interval(values, label))
    }

    /// A single value (a deterministic check such as the theory's), its interval the value.
    pub fn single(x: f64) -> Self {
        Stat {
            n: 1,
            value: x,
            interval: (x, x),
            min: x,
            max: x,
        }
    }

    fn with(values: &[f64], value: f64, interval: (f64, f64)) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Stat {
            n: values.len(),
            value,
            interval,
            min,
            max,
        })
    }
}

/// The verdict on one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Claim id (`C1` .. `C11`).
    pub id: String,
    /// The task, setting or experiment evaluated (empty for claims over several).
    pub scope: String,
    /// What is claimed, with the threshold in words.
    pub statement: String,
    /// What the statistic measures.
    pub measured: String,
    /// The statistic over seeds, when one exists.
    pub statistic: Option<Stat>,
    /// Per-seed values: (seed, value).
    pub per_seed: Vec<(u64, f64)>,
    /// Per-group values of a claim over tasks or settings (C9, C10): (task or setting, value).
    /// Empty for claims over seeds.
    #[serde(default)]
    pub per_group: Vec<(String, f64)>,
    /// The threshold, in words.
    pub threshold: String,
    /// Holds, fails, undecided or skipped.
    pub outcome: Outcome,
    /// Evaluated on a stronger variant this project adds (reported beside the paper's claims
    /// with the findings).
    #[serde(default)]
    pub variant: bool,
    /// The expected outcome (the gate compares the outcome with it).
    #[serde(default)]
    pub expected: Expectation,
    /// The run folder of each seed (relative to the output folder), in the order of `per_seed`,
    /// when the claim is over runs.
    #[serde(default)]
    pub runs: Vec<String>,
    /// Which side of the threshold one seed's value must be on to count for the claim (to name
    /// the runs that pull a claim down).
    #[serde(default)]
    pub seed_side: Option<decide::Side>,
}

impl Verdict {
    /// A skipped verdict.
    pub fn skipped(id: &str, scope: &str, statement: &str, reason: impl Into<String>) -> Self {
        Verdict {
            id: id.into(),
            scope: scope.into(),
            statement: statement.into(),
            measured: String::new(),
            statistic: None,
            per_seed: Vec::new(),
            per_group: Vec::new(),
            threshold: String::new(),
            outcome: Outcome::Skipped(reason.into()),
            variant: false,
            expected: Expectation::default(),
            runs: Vec::new(),
            seed_side: None,
        }
    }

    /// Whether the claim failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fails(_))
    }

    /// Whether the claim is undecided.
    pub fn undecided(&self) -> bool {
        matches!(self.outcome, Outcome::Undecided(_))
    }

    /// Whether this is a finding of the project rather than a claim of the paper.
    pub fn is_finding(&self) -> bool {
        self.expected.finding || self.variant
    }

    /// `C5 toy` (or `C8` for a claim without a scope).
    pub fn name(&self) -> String {
        if self.scope.is_empty() {
            self.id.clone()
        } else {
            format!("{} {}", self.id, self.scope)
        }
    }

    /// Whether the outcome is the expected one (a skipped claim is neither gated nor counted).
    pub fn as_expected(&self) -> bool {
        matches!(self.outcome, Outcome::Skipped(_)) || self.expected.outcome.matches(&self.outcome)
    }
}
