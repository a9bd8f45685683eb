//! Sweeps over `n`, `D`, `eta` and `d` with several seeds, read from TOML, and their summary
//! table of theory against simulation.

use super::predict::normal_quantile;
use super::simulate::{simulate, SimConfig, SimResult};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sgdc_core::data::gaussian_linear::GaussianLinear;
use sgdc_core::data::hypercube::Hypercube;
use sgdc_core::data::linear_signal::{LinearSignal, LinearSignalShape};
use sgdc_core::{Error, Result};
use std::path::Path;

/// The built-in default sweep (the file `theory/sweeps/default.toml`).
pub const DEFAULT_SWEEP: &str = include_str!("../sweeps/default.toml");

/// The built-in models the simulator can build by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`GaussianLinear`].
    #[default]
    GaussianLinear,
    /// [`Hypercube`].
    Hypercube,
}

impl ModelKind {
    /// Build the model of this kind; `seed` draws its true direction.
    pub fn build(self, shape: LinearSignalShape, seed: u64) -> Result<Box<dyn LinearSignal>> {
        Ok(match self {
            ModelKind::GaussianLinear => Box::new(GaussianLinear::new(shape, seed)?),
            ModelKind::Hypercube => Box::new(Hypercube::new(shape, seed)?),
        })
    }

    /// The model's name as used on the command line and in sweep files.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::GaussianLinear => "gaussian-linear",
            ModelKind::Hypercube => "hypercube",
        }
    }
}

/// One point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Training points.
    pub n: usize,
    /// Total input dimension `D`.
    pub dim: usize,
    /// Signal dimension `d`.
    pub signal_dim: usize,
    /// Label-noise rate.
    pub eta: f64,
}

/// One-factor-at-a-time variations around the base point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    /// Values of `n` (other factors at the base).
    #[serde(default)]
    pub n: Vec<usize>,
    /// Values of `D`.
    #[serde(default)]
    pub dim: Vec<usize>,
    /// Values of `eta`.
    #[serde(default)]
    pub eta: Vec<f64>,
    /// Values of `d`.
    #[serde(default)]
    pub signal_dim: Vec<usize>,
}

/// A sweep as written in a TOML file (see `theory/sweeps/default.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Which model.
    #[serde(default)]
    pub model: ModelKind,
    /// Seeds per point (`seed`, `seed + 1`, ...).
    pub seeds: u64,
    /// First seed.
    #[serde(default)]
    pub seed: u64,
    /// Test points per simulation.
    pub n_test: usize,
    /// Energy of the extra coordinates.
    #[serde(default = "default_tau")]
    pub tau: f64,
    /// Bootstrap resamples per simulation.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Run the gradient-descent check where `n * D` is at most this.
    #[serde(default)]
    pub gd_check_max_work: f64,
    /// Gradient-descent step budget.
    #[serde(default = "default_gd_steps")]
    pub gd_max_steps: usize,
    /// The base point.
    pub base: Point,
    /// Variations around the base.
    #[serde(default)]
    pub vary: Vary,
    /// Further explicit points.
    #[serde(default)]
    pub points: Vec<Point>,
}

fn default_tau() -> f64 {
    1.0
}
fn default_bootstrap() -> usize {
    200
}
fn default_gd_steps() -> usize {
    60_000
}

impl SweepSpec {
    /// Parse a sweep from TOML text; `origin` names the source in errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Self> {
        let spec: SweepSpec = toml::from_str(text).map_err(|e| Error::BadFile {
            path: origin.to_path_buf(),
            reason: e.to_string().lines().collect::<Vec<_>>().join(" "),
        })?;
        spec.check()?;
        Ok(spec)
    }

    /// Read and validate a sweep file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml(&text, path)
    }

    /// The built-in default sweep.
    pub fn default_sweep() -> Result<Self> {
        Self::from_toml(DEFAULT_SWEEP, Path::new("theory/sweeps/default.toml"))
    }

    /// Validate every point; errors name the parameter.
    pub fn check(&self) -> Result<()> {
        if self.seeds == 0 {
            return Err(Error::param("seeds", 0, "need at least one seed"));
        }
        for (series, p) in self.expand() {
            let shape = LinearSignalShape {
                signal_dim: p.signal_dim,
                dim: p.dim,
                tau: self.tau,
                eta: p.eta,
            };
            shape.check()?;
            let cfg = self.sim_config(&p, self.seed);
            cfg.check(p.signal_dim).map_err(|e| match e {
                Error::InvalidParam {
                    field,
                    value,
                    reason,
                } => Error::InvalidParam {
                    field: format!("{field} (series {series})"),
                    value,
                    reason,
                },
                other => other,
            })?;
        }
        Ok(())
    }

    /// All points of the sweep with their series name: `base`, `n`, `dim`, `eta`, `signal_dim`
    /// or `point`; duplicates of the base in a variation are kept once, under the variation.
    pub fn expand(&self) -> Vec<(String, Point)> {
        let b = self.base;
        let mut out = vec![];
        let mut push = |series: &str, p: Point| {
            if !out.iter().any(|(_, q): &(String, Point)| *q == p) {
                out.push((series.to_string(), p));
            }
        };
        for &dim in &self.vary.dim {
            push("dim", Point { dim, ..b });
        }
        for &n in &self.vary.n {
            push("n", Point { n, ..b });
        }
        for &eta in &self.vary.eta {
            push("eta", Point { eta, ..b });
        }
        for &signal_dim in &self.vary.signal_dim {
            push("signal_dim", Point { signal_dim, ..b });
        }
        push("base", b);
        for &p in &self.points {
            push("point", p);
        }
        out
    }

    /// The simulation settings of one point and seed.
    pub fn sim_config(&self, p: &Point, seed: u64) -> SimConfig {
        SimConfig {
            n: p.n,
            n_test: self.n_test,
            seed,
            gd_check: (p.n as f64) * (p.dim as f64) <= self.gd_check_max_work,
            bootstrap: self.bootstrap,
            gd_max_steps: self.gd_max_steps,
            ..SimConfig::default()
        }
    }

    /// Run one point over all seeds, the seeds side by side (each simulation draws from its own
    /// seed's streams, so the results are those of running them one after another).
    pub fn run_point(&self, p: &Point) -> Result<Vec<SimResult>> {
        (0..self.seeds)
            .into_par_iter()
            .map(|k| {
                let seed = self.seed + k;
                let shape = LinearSignalShape {
                    signal_dim: p.signal_dim,
                    dim: p.dim,
                    tau: self.tau,
                    eta: p.eta,
                };
                let model = self.model.build(shape, seed)?;
                simulate(model.as_ref(), &self.sim_config(p, seed))
            })
            .collect()
    }
}

/// Theory against simulation at one sweep point, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// Which series of the sweep the point belongs to.
    pub series: String,
    /// The point.
    pub point: Point,
    /// Seeds run.
    pub seeds: usize,
    /// Whether phase 2 interpolates (`D >= n`).
    pub interpolates: bool,
    /// Largest training error of F over seeds.
    pub train_err_f_max: f64,
    /// Mean test accuracy of L.
    pub acc_l: f64,
    /// Mean test accuracy of F.
    pub acc_f: f64,
    /// Mean simulated `Pr[F != L]`.
    pub pr_sim: f64,
    /// Mean predicted `Pr[F != L]`.
    pub pr_theory: f64,
    /// Standard error of the mean difference (simulation - theory) of `Pr[F != L]`.
    pub pr_se: f64,
    /// The a-priori large-`D` approximation of `Pr[F != L]`, where it applies.
    pub pr_apriori: Option<f64>,
    /// Mean simulated `mu_Y(F;L)` (bits).
    pub mu_sim: f64,
    /// Mean predicted `mu_Y(F;L)`.
    pub mu_theory: f64,
    /// Standard error of the mean difference of `mu`.
    pub mu_se: f64,
    /// Mean simulated `I(L;Y)`.
    pub i_ly_sim: f64,
    /// Mean predicted `I(L;Y)`.
    pub i_ly_theory: f64,
    /// Mean simulated `I(F;Y)`.
    pub i_fy_sim: f64,
    /// `mu_sim / i_ly_sim`.
    pub retention: f64,
    /// Whether the closed form is exact here (Gaussian model) or its central-limit step is
    /// accurate (largest share of one coordinate in `Delta_z` at most 0.05).
    pub theory_applies: bool,
    /// Largest relative difference between gradient descent and the closed form, when checked.
    pub gd_rel_diff_max: Option<f64>,
    /// Whether gradient descent reached its tolerance for every seed, when checked.
    pub gd_converged: Option<bool>,
    /// Total seconds over seeds.
    pub seconds: f64,
}

/// Largest share of one coordinate in `Delta_z` for which the central-limit step counts as
/// accurate for non-Gaussian extra coordinates.
pub const CLT_MAX_SHARE: f64 = 0.05;

impl PointSummary {
    /// Summarise the seeds of one point.
    pub fn from_runs(series: &str, point: Point, runs: &[SimResult]) -> Self {
        let k = runs.len().max(1) as f64;
        let mean = |f: &dyn Fn(&SimResult) -> f64| runs.iter().map(f).sum::<f64>() / k;
        let pooled = |f: &dyn Fn(&SimResult) -> f64| {
            runs.iter().map(|r| f(r).powi(2)).sum::<f64>().sqrt() / k
        };
        let theory_applies = runs.iter().all(|r| {
            r.theory.exact_signal
                && (r.dim == r.signal_dim
                    || r.gaussian_extras
                    || r.delta_z_max_share <= CLT_MAX_SHARE)
        });
        let i_ly_sim = mean(&|r| r.i_ly.value);
        let mu_sim = mean(&|r| r.mu.value);
        let gd: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.gd.map(|g| g.rel_diff))
            .collect();
        PointSummary {
            series: series.to_string(),
            point,
            seeds: runs.len(),
            interpolates: runs.iter().all(|r| r.interpolates),
            train_err_f_max: runs.iter().fold(0.0, |m, r| m.max(r.train_err_f)),
            acc_l: mean(&|r| r.acc_l.value),
            acc_f: mean(&|r| r.acc_f.value),
            pr_sim: mean(&|r| r.pr_disagree.value),
            pr_theory: mean(&|r| r.theory.pr_disagree),
            pr_se: pooled(&|r| {
                let p = r.theory.pr_disagree.clamp(0.0, 1.0);
                (p * (1.0 - p) / r.n_test as f64).sqrt()
            }),
            pr_apriori: runs.first().and_then(|r| r.apriori_pr_disagree),
            mu_sim,
            mu_theory: mean(&|r| r.theory.mu),
            mu_se: pooled(&|r| r.mu.se),
            i_ly_sim,
            i_ly_theory: mean(&|r| r.theory.i_ly),
            i_fy_sim: mean(&|r| r.measures.i_fy),
            retention: if i_ly_sim > 0.0 {
                mu_sim / i_ly_sim
            } else {
                f64::NAN
            },
            theory_applies,
            gd_rel_diff_max: gd.iter().copied().reduce(f64::max),
            gd_converged: (!gd.is_empty())
                .then(|| runs.iter().filter_map(|r| r.gd).all(|g| g.converged)),
            seconds: runs.iter().map(|r| r.seconds.iter().sum::<f64>()).sum(),
        }
    }

    /// `(simulation - theory) / se` for `Pr[F != L]` and for `mu` (0 when both se and difference
    /// vanish, infinite when only se does).
    pub fn z_scores(&self) -> (f64, f64) {
        (
            z(self.pr_sim - self.pr_theory, self.pr_se),
            z(self.mu_sim - self.mu_theory, self.mu_se),
        )
    }
}

fn z(diff: f64, se: f64) -> f64 {
    if se > 0.0 {
        diff / se
    } else if diff.abs() < 1e-12 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The family-wise critical value: two-sided, level `1 - alpha` over `comparisons` comparisons
/// (Bonferroni).
pub fn family_critical_z(alpha: f64, comparisons: usize) -> f64 {
    normal_quantile(1.0 - alpha / (2.0 * comparisons.max(1) as f64))
}

/// A full sweep's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The sweep that was run.
    pub spec: SweepSpec,
    /// One summary per point, in sweep order.
    pub points: Vec<PointSummary>,
    /// Every simulation.
    pub runs: Vec<SimResult>,
    /// Family-wise critical `|z|` used for agreement (95 % over all comparisons where the theory
    /// applies).
    pub z_crit: f64,
    /// Wall-clock seconds of the whole sweep.
    pub seconds: f64,
}

/// Run every point of a sweep; `progress` is called after each point with (done, total).
pub fn simulate_sweep(
    spec: &SweepSpec,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SweepResult> {
    spec.check()?;
    let t0 = std::time::Instant::now();
    let pts = spec.expand();
    let mut points = vec![];
    let mut runs = vec![];
    for (i, (series, p)) in pts.iter().enumerate() {
        let r = spec.run_point(p)?;
        points.push(PointSummary::from_runs(series, *p, &r));
        runs.extend(r);
        progress(i + 1, pts.len());
    }
    let comparisons = 2 * points.iter().filter(|p| p.theory_applies).count();
    Ok(SweepResult {
        spec: spec.clone(),
        points,
        runs,
        z_crit: family_critical_z(0.05, comparisons),
        seconds: t0.elapsed().as_secs_f64(),
    })
}

impl SweepResult {
    /// Whether simulation and theory agree at a point (both `Pr[F != L]` and `mu` within
    /// `z_crit` standard errors); `None` where the theory does not apply.
    pub fn agrees(&self, p: &PointSummary) -> Option<bool> {
        if !p.theory_applies {
            return None;
        }
        let (zp, zm) = p.z_scores();
        Some(zp.abs() <= self.z_crit && zm.abs() <= self.z_crit)
    }

    /// The summary table in Markdown, values rounded.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "model {}, {} seeds per point, {} test points, tau = {}; agreement: |z| <= {:.2} (family-wise 95%)\n\n",
            self.spec.model.name(),
            self.spec.seeds,
            self.spec.n_test,
            self.spec.tau,
            self.z_crit
        ));
        s.push_str("| series | n | D | d | eta | D/n | train err F | acc L | acc F | Pr[F!=L] sim | theory | a priori | z | mu sim | theory | z | I(L;Y) | mu/I(L;Y) | GD vs closed form | agree |\n");
        s.push_str(
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        for p in &self.points {
            let (zp, zm) = p.z_scores();
            let q = p.point;
            s.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.3} | {:.3} | {:.3} | {:.4} ± {:.4} | {:.4} | {} | {:+.1} | {:.4} ± {:.4} | {:.4} | {:+.1} | {:.4} | {:.3} | {} | {} |\n",
                p.series,
                q.n,
                q.dim,
                q.signal_dim,
                q.eta,
                q.dim as f64 / q.n as f64,
                p.train_err_f_max,
                p.acc_l,
                p.acc_f,
                p.pr_sim,
                1.96 * p.pr_se,
                p.pr_theory,
                p.pr_apriori.map_or("-".to_string(), |v| format!("{v:.4}")),
                zp,
                p.mu_sim,
                1.96 * p.mu_se,
                p.mu_theory,
                zm,
                p.i_ly_sim,
                p.retention,
                match (p.gd_rel_diff_max, p.gd_converged) {
                    (Some(v), Some(true)) => format!("{v:.1e}"),
                    (Some(v), _) => format!("{v:.1e} (not converged)"),
                    _ => "-".to_string(),
                },
                match self.agrees(p) {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "n/a",
                }
            ));
        }
        s
    }

    /// A rounded, serialisable digest of the table (for snapshots).
    pub fn rounded(&self) -> Vec<RoundedRow> {
        let r = |v: f64, k: i32| (v * 10f64.powi(k)).round() / 10f64.powi(k);
        self.points
            .iter()
            .map(|p| RoundedRow {
                series: p.series.clone(),
                n: p.point.n,
                dim: p.point.dim,
                signal_dim: p.point.signal_dim,
                eta: p.point.eta,
                train_err_f_max: r(p.train_err_f_max, 3),
                acc_l: r(p.acc_l, 2),
                acc_f: r(p.acc_f, 2),
                pr_sim: r(p.pr_sim, 2),
                pr_theory: r(p.pr_theory, 2),
                mu_sim: r(p.mu_sim, 2),
                mu_theory: r(p.mu_theory, 2),
                agree: self.agrees(p),
            })
            .collect()
    }
}

/// One rounded row of a sweep table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundedRow {
    /// Series.
    pub series: String,
    /// n.
    pub n: usize,
    /// D.
    pub dim: usize,
    /// d.
    pub signal_dim: usize,
    /// eta.
    pub eta: f64,
    /// Largest training error of F.
    pub train_err_f_max: f64,
    /// Accuracy of L.
    pub acc_l: f64,
    /// Accuracy of F.
    pub acc_f: f64,
    /// Simulated Pr[F != L].
    pub pr_sim: f64,
    /// Predicted Pr[F != L].
    pub pr_theory: f64,
    /// Simulated mu.
    pub mu_sim: f64,
    /// Predicted mu.
    pub mu_theory: f64,
    /// Agreement.
    pub agree: Option<bool>,
}
