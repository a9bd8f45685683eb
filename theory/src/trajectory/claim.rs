//! The whole comparison (closed form beside simulation) from a TOML configuration, and claim
//! C11 evaluated on it.
//!
//! C11: in the trajectory model, the predicted T0 and departure times from `C_1, C_2, ...`
//! agree with the simulated ones within a tolerance computed from the grids and the sampling
//! error, and the departures come in order of degree. The tolerance on `|ln(t_sim / t_pred)|`
//! for each reference is
//!
//! `ln(t_j / t_{j-1})` (simulation grid at the simulated crossing)
//! `+ ln(t_i / t_{i-1})` (theory grid at the predicted crossing)
//! `+ SD_MULTIPLE * sqrt(sd_sim^2 + sd_theory^2) / slope`,
//!
//! where `sd_sim` is the bootstrap standard deviation of the simulated gap at the simulated
//! crossing, `sd_theory` that of the reference sample's gap at the predicted crossing, and
//! `slope` the predicted gap's slope in bits per unit of `ln t` at the predicted crossing: a
//! crossing can only be located to within one grid step on each side, and an error of `e` bits in
//! the gap moves the crossing by `e / slope` in `ln t`. The multiple 3 and the rule are fixed
//! before any result was looked at (`theory/README.md`).

use super::curves::TrajectoryCurves;
use super::model::{HermiteTarget, TrajectoryModel};
use super::predict::{estimate_coefficients, predict, Prediction, TheoryConfig};
use super::simulate::{simulate, SimConfig, Simulation};
use serde::{Deserialize, Serialize};
use sgdc_core::thresholds::C6_DEPARTURE_GAP_BITS;
use sgdc_core::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// The built-in configuration (the file `theory/sweeps/trajectory.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../../sweeps/trajectory.toml");

/// Standard deviations of the gap allowed in C11's tolerance.
pub const SD_MULTIPLE: f64 = 3.0;

/// A trajectory comparison as written in TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectoryConfig {
    /// Master seed of every stream.
    #[serde(default)]
    pub seed: u64,
    /// The built-in model.
    pub model: HermiteTarget,
    /// The closed form's numerics.
    pub theory: TheoryConfig,
    /// The simulation.
    pub simulation: SimConfig,
}

impl TrajectoryConfig {
    /// Parse and validate TOML; `origin` names the source in errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Self> {
        let c: Self = toml::from_str(text).map_err(|e| Error::BadFile {
            path: origin.to_path_buf(),
            reason: e.to_string().lines().collect::<Vec<_>>().join(" "),
        })?;
        c.check()?;
        Ok(c)
    }

    /// Read and validate a file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml(&text, path)
    }

    /// The built-in configuration.
    pub fn default_config() -> Result<Self> {
        Self::from_toml(DEFAULT_CONFIG, Path::new("theory/sweeps/trajectory.toml"))
    }

    /// Validate every section; errors name the field.
    pub fn check(&self) -> Result<()> {
        self.model.check()?;
        self.theory.check()?;
        self.simulation.check()
    }
}

/// One reference's departure, predicted and simulated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartureRow {
    /// `C1` (L: its departure is T0), `C2`, ...
    pub reference: String,
    /// Degree `k` of the reference.
    pub degree: usize,
    /// Predicted departure time.
    pub predicted: Option<f64>,
    /// Simulated departure time.
    pub simulated: Option<f64>,
    /// `ln(simulated / predicted)`.
    pub ln_ratio: Option<f64>,
    /// `ln` of the simulation grid's ratio at the simulated crossing.
    pub grid_sim: Option<f64>,
    /// `ln` of the theory grid's ratio at the predicted crossing.
    pub grid_theory: Option<f64>,
    /// Bootstrap SD of the simulated gap at the simulated crossing (bits).
    pub sd_sim: Option<f64>,
    /// Bootstrap SD of the reference sample's gap at the predicted crossing (bits).
    pub sd_theory: Option<f64>,
    /// Slope of the predicted gap at the predicted crossing (bits per unit `ln t`).
    pub slope: Option<f64>,
    /// The tolerance on `|ln_ratio|`.
    pub tolerance: Option<f64>,
    /// Within tolerance.
    pub agree: bool,
}

/// Claim C11's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct C11Result {
    /// One row per reference `C_1..C_{K-1}` (`C_K` is the limit of the flow and is never left).
    pub rows: Vec<DepartureRow>,
    /// Predicted departures strictly increase with the degree.
    pub predicted_order: bool,
    /// Simulated departures strictly increase with the degree.
    pub simulated_order: bool,
    /// Every row agrees.
    pub times_agree: bool,
    /// Curve comparisons (every record with `t > 0`, `I(F_t;Y)` and each `mu(F_t;C_k)`) where the
    /// closed form lies inside the simulation's 95 % bootstrap band, and their number (reported,
    /// not part of the verdict).
    pub curves_in_band: (usize, usize),
    /// Largest `|simulation - closed form| / sd_sim` over those comparisons (`sd_sim` the
    /// simulation's bootstrap standard deviation).
    pub curves_max_z: f64,
    /// Everything holds.
    pub pass: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryResult {
    /// The configuration run.
    pub config: TrajectoryConfig,
    /// The model's name.
    pub model: String,
    /// The label's Hermite coefficients over the relevant coordinates (multi-index, value).
    pub coefficients: Vec<(Vec<u8>, f64)>,
    /// The closed form.
    pub prediction: Prediction,
    /// The simulation.
    pub simulation: Simulation,
    /// Claim C11.
    pub c11: C11Result,
    /// Wall-clock seconds in all.
    pub seconds: f64,
}

/// Evaluate any model: its closed form and its simulation under the numerical settings of `cfg`
/// (its `model` section is ignored), and C11 on them.
pub fn evaluate_model(m: &dyn TrajectoryModel, cfg: &TrajectoryConfig) -> Result<TrajectoryResult> {
    cfg.theory.check()?;
    cfg.simulation.check()?;
    let t0 = Instant::now();
    let coefs = estimate_coefficients(m, cfg.theory.coef_points, cfg.seed)?;
    let sim = simulate(m, &coefs, &cfg.simulation, cfg.seed)?;
    let pred = predict(m, &coefs, &cfg.theory, cfg.seed, &sim.curves.times)?;
    let c11 = evaluate_c11(&pred, &sim);
    Ok(TrajectoryResult {
        config: cfg.clone(),
        model: m.name(),
        coefficients: coefs.listed(),
        prediction: pred,
        simulation: sim,
        c11,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Evaluate `cfg` (the built-in configuration when `None`) on its built-in model.
pub fn evaluate(cfg: Option<&TrajectoryConfig>) -> Result<TrajectoryResult> {
    let owned;
    let cfg = match cfg {
        Some(c) => c,
        None => {
            owned = TrajectoryConfig::default_config()?;
            &owned
        }
    };
    cfg.check()?;
    evaluate_model(&cfg.model, cfg)
}

fn ratio_at(t: &[f64], i: usize) -> Option<f64> {
    (i >= 1 && t[i - 1] > 0.0).then(|| (t[i] / t[i - 1]).ln())
}

/// Evaluate C11 on a prediction and a simulation of the same model.
pub fn evaluate_c11(pred: &Prediction, sim: &Simulation) -> C11Result {
    let kmax = pred.curves.references.len();
    let mut rows = Vec::new();
    for k in 0..kmax.saturating_sub(1) {
        let pi = pred.departure_index[k];
        let si = sim.departure_index[k];
        let grid_theory = pi.and_then(|i| ratio_at(&pred.curves.times, i));
        let grid_sim = si.and_then(|i| ratio_at(&sim.curves.times, i));
        let sd_sim = si.map(|i| sim.sd_gap[k][i]);
        let sd_theory = pred.spread[k].map(|s| s.sd_gap);
        let slope = pred.slope[k];
        let tolerance = match (grid_theory, grid_sim, sd_sim, sd_theory, slope) {
            (Some(a), Some(b), Some(s1), Some(s2), Some(sl)) if sl > 0.0 => {
                Some(a + b + SD_MULTIPLE * (s1 * s1 + s2 * s2).sqrt() / sl)
            }
            _ => None,
        };
        let ln_ratio = match (pred.departures[k], sim.departures[k]) {
            (Some(p), Some(s)) if p > 0.0 && s > 0.0 => Some((s / p).ln()),
            _ => None,
        };
        let agree = matches!((ln_ratio, tolerance), (Some(r), Some(t)) if r.abs() <= t);
        rows.push(DepartureRow {
            reference: pred.curves.references[k].clone(),
            degree: k + 1,
            predicted: pred.departures[k],
            simulated: sim.departures[k],
            ln_ratio,
            grid_sim,
            grid_theory,
            sd_sim,
            sd_theory,
            slope,
            tolerance,
            agree,
        });
    }
    let increasing = |v: Vec<Option<f64>>| {
        !v.is_empty() && v.iter().all(Option::is_some) && v.windows(2).all(|w| w[0] < w[1])
    };
    let predicted_order = increasing(rows.iter().map(|r| r.predicted).collect());
    let simulated_order = increasing(rows.iter().map(|r| r.simulated).collect());
    let times_agree = !rows.is_empty() && rows.iter().all(|r| r.agree);
    let (in_band, total, max_z) = curve_agreement(&pred.at, sim);
    C11Result {
        pass: predicted_order && simulated_order && times_agree,
        rows,
        predicted_order,
        simulated_order,
        times_agree,
        curves_in_band: (in_band, total),
        curves_max_z: max_z,
    }
}

/// Comparisons of the closed form at the simulation's times with the simulation's bands.
fn curve_agreement(at: &TrajectoryCurves, sim: &Simulation) -> (usize, usize, f64) {
    let (mut inside, mut total, mut max_z) = (0, 0, 0.0f64);
    let mut check = |pred: f64, obs: f64, band: (f64, f64), sd: f64| {
        total += 1;
        if band.0 <= pred && pred <= band.1 {
            inside += 1;
        }
        if sd > 0.0 {
            max_z = max_z.max((obs - pred).abs() / sd);
        }
    };
    for (i, &t) in sim.curves.times.iter().enumerate() {
        if t <= 0.0 {
            continue;
        }
        check(
            at.i_fy[i],
            sim.curves.i_fy[i],
            sim.band_i_fy[i],
            sim.sd_i_fy[i],
        );
        for k in 0..at.mu.len() {
            check(
                at.mu[k][i],
                sim.curves.mu[k][i],
                sim.band_mu[k][i],
                sim.sd_mu[k][i],
            );
        }
    }
    (inside, total, max_z)
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.prec$}"))
}

impl TrajectoryResult {
    /// The departure table and the run's facts in Markdown.
    pub fn markdown(&self) -> String {
        let c = &self.config;
        let p = &self.prediction;
        let s = &self.simulation;
        let mut o = String::new();
        o.push_str(&format!(
            "model {} (d = {}, weights {:?}, spectrum {:?}, training label noise {}), seed {}\n\n",
            self.model, c.model.dim, c.model.weights, c.model.spectrum, c.model.noise, c.seed
        ));
        o.push_str(&format!(
            "closed form: coefficients from {} points (error about {:.1e}), law of (F_t, C_k, Y) on {} reference points (cell standard error <= {:.1e}), {} times per decade\n",
            p.points.0, p.coef_error, p.points.1, p.cell_se_max, c.theory.per_decade
        ));
        o.push_str(&format!(
            "simulation: n = {}, p = {} features, lr = {} (lambda_max {:.3}), {} records ({} per decade), {} clean test points, {} bootstrap resamples; realised noise {:.3}, final train error {:.3}\n\n",
            c.simulation.n, s.features, c.simulation.lr, s.lambda_max, s.steps.len(), c.simulation.per_decade, c.simulation.n_test, c.simulation.bootstrap, s.noise_realised, s.train_err_final
        ));
        o.push_str("reference classifiers (C_k = [P_<=k y > 0]):\n\n| reference | accuracy (closed form) | I(C_k;Y) closed form | I(C_k;Y) simulation |\n|---|---|---|---|\n");
        for (k, name) in p.curves.references.iter().enumerate() {
            o.push_str(&format!(
                "| {name} | {:.4} | {:.4} | {:.4} |\n",
                p.curves.acc_ref[k], p.curves.i_ref_y[k], s.curves.i_ref_y[k]
            ));
        }
        o.push_str(&format!(
            "\ndepartures (first upward crossing of I(F_t;Y) - mu(F_t;C_k) > {C6_DEPARTURE_GAP_BITS} bits that holds at the next time; C1 = L, its departure is T0):\n\n"
        ));
        o.push_str("| reference | predicted t | simulated t | ln(sim/pred) | tolerance | grid sim | grid theory | SD gap sim | SD gap theory | slope (bits per ln t) | agree |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.c11.rows {
            o.push_str(&format!(
                "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.reference,
                if r.degree == 1 { " (T0)" } else { "" },
                opt(r.predicted, 3),
                opt(r.simulated, 3),
                r.ln_ratio.map_or("-".into(), |v| format!("{v:+.3}")),
                opt(r.tolerance, 3),
                opt(r.grid_sim, 3),
                opt(r.grid_theory, 3),
                opt(r.sd_sim, 4),
                opt(r.sd_theory, 4),
                opt(r.slope, 4),
                if r.agree { "yes" } else { "NO" }
            ));
        }
        let r = &self.c11;
        o.push_str(&format!(
            "\norder of degree: predicted {}, simulated {}; curves: closed form inside the simulation's 95% band at {}/{} comparisons (largest |z| {:.1})\n\nC11: {}\n",
            r.predicted_order,
            r.simulated_order,
            r.curves_in_band.0,
            r.curves_in_band.1,
            r.curves_max_z,
            if r.pass { "PASS" } else { "FAIL" }
        ));
        o.push_str(&format!(
            "\nseconds: closed form {:.1}, simulation (features, GD, test) {:.1} / {:.1} / {:.1}, in all {:.1}\n",
            p.seconds, s.seconds[0], s.seconds[1], s.seconds[2], self.seconds
        ));
        o
    }

    /// The curves side by side at the simulation's records, in Markdown.
    pub fn curves_markdown(&self) -> String {
        let s = &self.simulation;
        let a = &self.prediction.at;
        let k = a.references.len();
        let mut o = String::from("| step | t | I(F;Y) sim | theory |");
        for name in &a.references {
            o.push_str(&format!(" mu(F;{name}) sim | theory |"));
        }
        o.push_str("\n|---|---|---|---|");
        o.push_str(&"---|---|".repeat(k));
        o.push('\n');
        for (i, &t) in s.curves.times.iter().enumerate() {
            o.push_str(&format!(
                "| {} | {:.3} | {:.4} ± {:.4} | {:.4} |",
                s.steps[i],
                t,
                s.curves.i_fy[i],
                1.96 * s.sd_i_fy[i],
                a.i_fy[i]
            ));
            for j in 0..k {
                o.push_str(&format!(
                    " {:.4} ± {:.4} | {:.4} |",
                    s.curves.mu[j][i],
                    1.96 * s.sd_mu[j][i],
                    a.mu[j][i]
                ));
            }
            o.push('\n');
        }
        o
    }
}
