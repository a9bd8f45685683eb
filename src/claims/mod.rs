//! The paper's claims C1-C10 as executable checks.
//!
//! Each claim is a function from measured per-seed results (curves of [`crate::curves`]) to a
//! [`Verdict`]: the statement, the statistic over seeds, the per-seed values, the threshold and
//! the outcome. Every threshold and the T0 rule are documented in [`thresholds`].

mod checks;
pub mod thresholds;

pub use checks::{
    c10_sweep, c1_toy, c2_linear_first, c3_split_at_l, c4_beyond_linear, c5_retention,
    c6_hierarchy, c7_reparameterisation, c8_theory, c9_tasks, departure,
    largest_linear_phase_agreement, linear_phase_start, running_median3,
    smallest_linear_phase_ratio, t0_index, HierarchySeed, ReparamSeed, SeedRun,
};

use serde::{Deserialize, Serialize};

/// Whether a claim holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "lowercase")]
pub enum Outcome {
    /// The statistic meets the threshold.
    Pass,
    /// It does not (the reason says how).
    Fail(String),
    /// Not evaluated (the reason says why); never counted as passed.
    Skipped(String),
}

impl Outcome {
    /// Short label for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// The reason, if any.
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Pass => "",
            Outcome::Fail(r) | Outcome::Skipped(r) => r,
        }
    }
}

/// A summary of per-seed values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Number of values.
    pub n: usize,
    /// Plain mean.
    pub mean: f64,
    /// Mean after dropping the single lowest and highest value (when n >= 3).
    pub trimmed_mean: f64,
    /// Smallest value kept by the trimming.
    pub lo: f64,
    /// Largest value kept by the trimming.
    pub hi: f64,
}

impl Stat {
    /// Summarise `values` (non-finite values sort last). `None` when empty.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let kept = if n >= 3 { &v[1..n - 1] } else { &v[..] };
        Some(Stat {
            n,
            mean,
            trimmed_mean: kept.iter().sum::<f64>() / kept.len() as f64,
            lo: kept[0],
            hi: kept[kept.len() - 1],
        })
    }
}

/// The verdict on one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Claim id (`C1` .. `C10`), with the task or setting it was evaluated on.
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
    /// Pass, fail or skipped.
    pub outcome: Outcome,
    /// Evaluated on a stronger variant this project adds (reported beside the paper's claims;
    /// does not decide the exit status).
    #[serde(default)]
    pub variant: bool,
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
        }
    }

    /// Whether the claim failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fail(_))
    }
}

/// Every seed's value, `seed: value` (a claim is a statement over all of them); for a claim over
/// tasks or settings, every group's value, `name: value`.
pub fn values_cell(v: &Verdict) -> String {
    let cells: Vec<String> = if v.per_group.is_empty() {
        v.per_seed
            .iter()
            .map(|(seed, x)| format!("{seed}: {x:.4}"))
            .collect()
    } else {
        v.per_group
            .iter()
            .map(|(name, x)| format!("{name}: {x:.4}"))
            .collect()
    };
    if cells.is_empty() {
        "-".into()
    } else {
        cells.join(", ")
    }
}

/// Render verdicts as a plain-text table (one row per verdict, every seed's value listed).
pub fn table(verdicts: &[Verdict]) -> String {
    let (paper, variants): (Vec<&Verdict>, Vec<&Verdict>) =
        verdicts.iter().partition(|v| !v.variant);
    let mut out = rows(&paper);
    if !variants.is_empty() {
        out.push_str("\nstronger variants (reported beside the paper's claims, not gated on):\n");
        out.push_str(&rows(&variants));
    }
    out
}

fn rows(verdicts: &[&Verdict]) -> String {
    let mut out = format!(
        "{:<4} {:<26} {:<8} {:>10}  {:<40}  {}\n",
        "id",
        "scope",
        "outcome",
        "statistic",
        "per seed or task (seed: value)",
        "threshold / reason"
    );
    for v in verdicts {
        let stat = v
            .statistic
            .map_or("-".to_string(), |s| format!("{:.4}", s.trimmed_mean));
        let seeds = values_cell(v);
        let note = match &v.outcome {
            Outcome::Pass => v.threshold.clone(),
            o => format!("{} ({})", v.threshold, o.reason()),
        };
        out.push_str(&format!(
            "{:<4} {:<26} {:<8} {:>10}  {:<40}  {}\n",
            v.id,
            v.scope,
            v.outcome.label(),
            stat,
            seeds,
            note.trim()
        ));
    }
    out
}
