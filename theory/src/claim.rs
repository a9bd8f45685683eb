//! Claim C8 (retention in the simplified model), evaluated from a sweep.
//!
//! The thresholds are readings of the paper fixed before any result was looked at; they are
//! documented in `theory/README.md`.

use super::sweep::{simulate_sweep, PointSummary, SweepResult, SweepSpec};
use serde::{Deserialize, Serialize};
use sgdc_core::Result;

/// The thresholds of claim C8.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct C8Thresholds {
    /// Retention: at the largest `D/n` of the `dim` series, `mu(F;L) >= retention * I(L;Y)`
    /// (the paper's C5 reading, 0.8).
    pub retention: f64,
    /// Negative control (`D - d <= 1.1 n`, interpolating): accuracy of F at least this much below
    /// that of L.
    pub control_acc_drop: f64,
}

impl Default for C8Thresholds {
    fn default() -> Self {
        Self {
            retention: 0.8,
            control_acc_drop: 0.05,
        }
    }
}

/// The outcome of claim C8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct C8Result {
    /// The thresholds applied.
    pub thresholds: C8Thresholds,
    /// `mu / I(L;Y)` at the largest `D/n` of the `dim` series.
    pub retention: f64,
    /// `D/n` where `retention` was measured.
    pub retention_at_d_over_n: f64,
    /// Retention meets its threshold.
    pub retention_ok: bool,
    /// Mean `Pr[F != L]` along the interpolating `dim` series, in increasing `D`.
    pub pr_disagree_by_d_over_n: Vec<(f64, f64)>,
    /// `Pr[F != L]` strictly falls as `D/n` grows along that series.
    pub disagreement_falls: bool,
    /// Points where the theory applies and agrees with the simulation, and where it applies.
    pub theory_agree: (usize, usize),
    /// Agreement at every point where the theory applies.
    pub theory_ok: bool,
    /// The negative-control point's (acc L, acc F, mu / I(L;Y)), if the sweep has one.
    pub control: Option<(f64, f64, f64)>,
    /// The negative control shows fitting the noise damaging the test predictions (accuracy
    /// drop at least the threshold and retention below its threshold).
    pub control_ok: bool,
    /// All four checks hold.
    pub pass: bool,
}

/// Run `spec` (the default sweep when `None`) and evaluate C8 on it.
pub fn claim_c8(spec: Option<&SweepSpec>) -> Result<(C8Result, SweepResult)> {
    let owned;
    let spec = match spec {
        Some(s) => s,
        None => {
            owned = SweepSpec::default_sweep()?;
            &owned
        }
    };
    let sweep = simulate_sweep(spec, &mut |_, _| {})?;
    Ok((evaluate_c8(&sweep, &C8Thresholds::default()), sweep))
}

/// Evaluate C8 on a finished sweep.
pub fn evaluate_c8(sweep: &SweepResult, th: &C8Thresholds) -> C8Result {
    let mut series: Vec<&PointSummary> = sweep
        .points
        .iter()
        .filter(|p| (p.series == "dim" || p.series == "base") && p.interpolates)
        .collect();
    series.sort_by_key(|p| p.point.dim);
    let is_control =
        |p: &PointSummary| (p.point.dim - p.point.signal_dim) as f64 <= 1.1 * p.point.n as f64;
    let clean: Vec<&PointSummary> = series.iter().copied().filter(|p| !is_control(p)).collect();
    let pr: Vec<(f64, f64)> = series
        .iter()
        .map(|p| (p.point.dim as f64 / p.point.n as f64, p.pr_sim))
        .collect();
    let falls = pr.len() >= 2 && pr.windows(2).all(|w| w[1].1 < w[0].1);
    let (retention, at) = clean.last().map_or((f64::NAN, f64::NAN), |p| {
        (p.retention, p.point.dim as f64 / p.point.n as f64)
    });
    let retention_ok = retention >= th.retention;
    let applies: Vec<&PointSummary> = sweep.points.iter().filter(|p| p.theory_applies).collect();
    let agree = applies
        .iter()
        .filter(|p| sweep.agrees(p) == Some(true))
        .count();
    let control = series
        .iter()
        .find(|p| is_control(p))
        .map(|p| (p.acc_l, p.acc_f, p.retention));
    let control_ok =
        control.is_some_and(|(al, af, ret)| al - af >= th.control_acc_drop && ret < th.retention);
    let theory_ok = !applies.is_empty() && agree == applies.len();
    C8Result {
        thresholds: *th,
        retention,
        retention_at_d_over_n: at,
        retention_ok,
        pr_disagree_by_d_over_n: pr,
        disagreement_falls: falls,
        theory_agree: (agree, applies.len()),
        theory_ok,
        control,
        control_ok,
        pass: retention_ok && falls && theory_ok && control_ok,
    }
}
