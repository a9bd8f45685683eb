//! A trained network beside the closed form: the hard test predictions of a finished
//! `sgdc train` run on the `hermite` task, measured against the trajectory model's reference
//! classifiers `C_1..C_K`, with the departure rule of the claims.
//!
//! The run folder holds no test inputs, so they are drawn again from the run's data section and
//! master seed (the trainer's own [`crate::data::spec::load_task`]) and checked against the
//! recorded test labels. On those inputs the references `C_k = [P_{<=k} y > 0]` are evaluated
//! with the Hermite coefficients of the closed form, so the network's `mu(F_t;C_k)` is measured
//! against exactly the classifiers the prediction departs from.
//!
//! Units: the closed form runs in gradient-flow time `t`, the network in SGD steps. Under the
//! linearised (kernel) regime with squared loss, `t = lr * step` for features whose spectrum is
//! the model's; a network's tangent features are neither Hermite-diagonal nor of the assumed
//! spectrum and it is trained with cross-entropy, so that mapping is only indicative. What
//! survives any linear change of time unit is the order of the departures and their ratios to
//! T0, which is what [`NetworkComparison`] puts side by side.

use crate::data::spec::{load_task, DataSpec, TaskKind};
use crate::data::Task;
use crate::info::Table3;
use crate::run::{Manifest, RunRecord};
use crate::theory::trajectory::claim::TrajectoryConfig;
use crate::theory::trajectory::curves::{
    count, spread, substream, tables, TableSpread, TrajectoryCurves,
};
use crate::theory::trajectory::model::{HermiteTarget, TrajectoryModel};
use crate::theory::trajectory::predict::{
    estimate_coefficients, predict, Coefficients, Prediction,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bootstrap resamples of the network's table at each of its departures.
pub const NETWORK_BOOTSTRAP: usize = 200;

/// What the comparison needs of a run, whether read from a folder or held in memory.
#[derive(Debug, Clone)]
pub struct NetworkRun {
    /// The run's data section (task `hermite`).
    pub data: DataSpec,
    /// The run's master seed.
    pub seed: u64,
    /// The run's learning rate (for the indicative flow time `lr * step`).
    pub lr: Option<f64>,
    /// What the run recorded.
    pub record: RunRecord,
    /// Where it was read from, for reports.
    pub dir: Option<PathBuf>,
}

impl NetworkRun {
    /// Read a finished run folder: `config.toml` (data section, learning rate),
    /// `manifest.json` (master seed) and the recorded arrays.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::BadFile {
            path: path.clone(),
            reason: e.to_string().lines().collect::<Vec<_>>().join(" "),
        })?;
        let data: DataSpec = table
            .get("data")
            .cloned()
            .ok_or_else(|| Error::BadFile {
                path: path.clone(),
                reason: "no [data] section".into(),
            })?
            .try_into()
            .map_err(|e: toml::de::Error| Error::BadFile {
                path: path.clone(),
                reason: format!(
                    "[data]: {}",
                    e.to_string().lines().collect::<Vec<_>>().join(" ")
                ),
            })?;
        let lr = table
            .get("optim")
            .and_then(|o| o.get("lr"))
            .and_then(toml::Value::as_float);
        let manifest = Manifest::load(dir)?;
        let record = RunRecord::load(dir)?;
        Ok(NetworkRun {
            data,
            seed: manifest.seed,
            lr,
            record,
            dir: Some(dir.to_path_buf()),
        })
    }
}

/// One reference's departure: predicted (flow time) and by the network (SGD steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkRow {
    /// `C1` (L of the model: its departure is T0), `C2`, ...
    pub reference: String,
    /// Degree `k`.
    pub degree: usize,
    /// Accuracy of `C_k` on the run's test set.
    pub acc_ref: f64,
    /// Predicted departure, flow time.
    pub predicted_t: Option<f64>,
    /// Predicted departure over predicted T0.
    pub predicted_ratio: Option<f64>,
    /// The network's departure checkpoint.
    pub network_index: Option<usize>,
    /// The network's departure, SGD step.
    pub network_step: Option<i64>,
    /// The network's departure over its T0 (both in steps).
    pub network_ratio: Option<f64>,
    /// `lr * step` at the network's departure (indicative flow time).
    pub network_t: Option<f64>,
    /// Bootstrap spread of the network's table at its departure.
    pub network_spread: Option<TableSpread>,
}

/// The network beside the closed form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkComparison {
    /// The run folder, if read from one.
    pub run: Option<PathBuf>,
    /// The model the prediction is for (the run's dimension, weights and noise; the spectrum of
    /// the trajectory configuration).
    pub model: HermiteTarget,
    /// The run's master seed.
    pub seed: u64,
    /// The run's learning rate.
    pub lr: Option<f64>,
    /// Test points.
    pub n_test: usize,
    /// The network's curves against `C_1..C_K` (times = SGD steps).
    pub network: TrajectoryCurves,
    /// `mu(F_t;L)` for the run's own L (its logistic fit, `linear_test.npy`), per checkpoint.
    pub mu_run_l: Vec<f64>,
    /// The network's T0 against the run's own L (the project's T0), checkpoint index.
    pub t0_run_l: Option<usize>,
    /// `Pr[C_1 = L_run]` on the test set.
    pub c1_agrees_run_l: f64,
    /// The closed form (flow time).
    pub prediction: Prediction,
    /// One row per reference `C_1..C_K`.
    pub rows: Vec<NetworkRow>,
    /// Predicted departures from `C_1..C_{K-1}` strictly increase with the degree.
    pub predicted_order: bool,
    /// The network's departures from `C_1..C_{K-1}` all happen and strictly increase with the
    /// degree.
    pub network_order: bool,
    /// The network's final test accuracy exceeds that of `C_1` (it learned beyond L).
    pub beyond_l: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The model of a run's data under the spectrum (and numerics) of `cfg`.
pub fn model_of(data: &DataSpec, cfg: &TrajectoryConfig) -> Result<HermiteTarget> {
    if data.task != TaskKind::Hermite {
        return Err(Error::param(
            "data.task",
            data.task.name(),
            "the run must be trained on task \"hermite\" to be put beside the trajectory model",
        ));
    }
    let task = data.hermite_task()?;
    let m = HermiteTarget {
        dim: task.params().dim,
        weights: task.params().weights.clone(),
        noise: task.params().noise,
        spectrum: cfg.model.spectrum.clone(),
    };
    m.check()?;
    Ok(m)
}

/// Draw the run's test inputs again and check them against its recorded labels.
pub fn redraw_test(run: &NetworkRun) -> Result<Task> {
    let task = load_task(&run.data, Path::new("."), run.seed)?;
    if task.test.y != run.record.y_test {
        return Err(Error::BadFile {
            path: run.dir.clone().unwrap_or_default().join("y_test.npy"),
            reason: format!(
                "the test labels re-drawn from [data] and seed {} differ from the recorded ones",
                run.seed
            ),
        });
    }
    Ok(task)
}

/// Compare a run with the closed form of its model under the numerics of `cfg` (whose `model`
/// section gives only the spectrum; the prediction uses `cfg.seed`).
///
/// Stages: the model and the re-drawn test set, the closed form, the network's tables against
/// `C_1..C_K` and the run's own L, one row per reference, the orders of the departures.
pub fn compare(run: &NetworkRun, cfg: &TrajectoryConfig) -> Result<NetworkComparison> {
    let start = Instant::now();
    cfg.theory.check()?;
    let model = model_of(&run.data, cfg)?;
    let task = redraw_test(run)?;
    let rec = &run.record;
    let n = rec.y_test.len();
    if rec.is_empty() || n == 0 {
        return Err(Error::param(
            "run",
            "pred_test.npy",
            "the run recorded no checkpoint or no test point",
        ));
    }
    let coefs = estimate_coefficients(&model, cfg.theory.coef_points, cfg.seed)?;
    let prediction = predict(&model, &coefs, &cfg.theory, cfg.seed, &[])?;
    let kmax = coefs.spectrum.len() - 1;
    let refs = reference_bits(&model, &coefs, &task)?;
    let tabs = network_tables(rec, &refs, kmax)?;
    let times: Vec<f64> = rec.checkpoints.iter().map(|c| c.step as f64).collect();
    let mut network = TrajectoryCurves::from_tables(&times, &tabs);
    let mu_run_l = network.mu.pop().unwrap_or_default();
    network.references.pop();
    network.i_ref_y.pop();
    network.acc_ref.pop();
    let t0_run_l = crate::claims::departure(
        &network.i_fy,
        &mu_run_l,
        crate::claims::thresholds::T0_GAP_BITS,
    );
    let c1_agrees_run_l = (0..n)
        .filter(|&i| refs[i * kmax] == (rec.linear_test[i] == 1))
        .count() as f64
        / n as f64;
    let rows = departure_rows(run, &prediction, &network, &tabs, kmax)?;
    let (predicted_order, network_order) = departure_orders(&rows, kmax);
    let beyond_l = network.acc_f.last().copied().unwrap_or(0.0) > network.acc_ref[0];
    Ok(NetworkComparison {
        run: run.dir.clone(),
        model,
        seed: run.seed,
        lr: run.lr,
        n_test: n,
        network,
        mu_run_l,
        t0_run_l,
        c1_agrees_run_l,
        prediction,
        rows,
        predicted_order,
        network_order,
        beyond_l,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The network's tables `(F_t, ref, Y)` per checkpoint: `C_1..C_K` (bits `refs`, `[i * K + k]`),
/// then the run's own L.
fn network_tables(rec: &RunRecord, refs: &[bool], kmax: usize) -> Result<Vec<Vec<Table3>>> {
    let n = rec.y_test.len();
    let checkpoints = rec.checkpoints.len();
    let nref = kmax + 1;
    let mut counts = vec![0u64; checkpoints * nref * 8];
    for (ti, base) in (0..checkpoints).map(|t| (t, t * nref * 8)) {
        let row = rec.test_row(ti)?;
        for i in 0..n {
            let (f, y) = (row[i] == 1, rec.y_test[i] == 1);
            for k in 0..kmax {
                count(&mut counts, base + k * 8, f, refs[i * kmax + k], y);
            }
            count(&mut counts, base + kmax * 8, f, rec.linear_test[i] == 1, y);
        }
    }
    tables(&counts, checkpoints, nref)
}

/// One row per reference `C_1..C_K`: predicted and network departures, their ratios to T0 and
/// the bootstrap spread of the network's table at its departure.
fn departure_rows(
    run: &NetworkRun,
    prediction: &Prediction,
    network: &TrajectoryCurves,
    tabs: &[Vec<Table3>],
    kmax: usize,
) -> Result<Vec<NetworkRow>> {
    let rec = &run.record;
    let dep = network.departures();
    let p0 = prediction.departures.first().copied().flatten();
    let s0 = dep
        .first()
        .copied()
        .flatten()
        .map(|i| rec.checkpoints[i].step);
    let mut rows = Vec::new();
    for k in 0..kmax {
        let pt = prediction.departures.get(k).copied().flatten();
        let ni = dep[k];
        let step = ni.map(|i| rec.checkpoints[i].step);
        let network_spread = match ni {
            Some(i) => Some(spread(
                &tabs[i][k],
                NETWORK_BOOTSTRAP,
                run.seed,
                substream::BOOTSTRAP_NETWORK + k as u64,
            )?),
            None => None,
        };
        rows.push(NetworkRow {
            reference: format!("C{}", k + 1),
            degree: k + 1,
            acc_ref: network.acc_ref[k],
            predicted_t: pt,
            predicted_ratio: ratio(pt, p0),
            network_index: ni,
            network_step: step,
            network_ratio: ratio(step.map(|s| s as f64), s0.map(|s| s as f64)),
            network_t: step.zip(run.lr).map(|(s, lr)| s as f64 * lr),
            network_spread,
        });
    }
    Ok(rows)
}

/// Whether the predicted and the network's departures from `C_1..C_{K-1}` all happen and
/// strictly increase with the degree.
fn departure_orders(rows: &[NetworkRow], kmax: usize) -> (bool, bool) {
    let ordered = |v: Vec<Option<f64>>| {
        !v.is_empty() && v.iter().all(Option::is_some) && v.windows(2).all(|w| w[0] < w[1])
    };
    let upto = kmax.saturating_sub(1);
    let predicted_order = ordered(rows[..upto].iter().map(|r| r.predicted_t).collect());
    let network_order = ordered(
        rows[..upto]
            .iter()
            .map(|r| r.network_step.map(|s| s as f64))
            .collect(),
    );
    (predicted_order, network_order)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// The bits `C_k(x_i)`, `k = 1..=K`, of every test input, `[i * K + (k - 1)]`.
fn reference_bits(m: &HermiteTarget, coefs: &Coefficients, task: &Task) -> Result<Vec<bool>> {
    let (d, r) = (m.dim(), m.relevant_dim());
    if task.test.dim() != d {
        return Err(Error::param(
            "data.hermite.dim",
            task.test.dim(),
            format!(
                "the test inputs have {} coordinates, the model {d}",
                task.test.dim()
            ),
        ));
    }
    let kmax = coefs.spectrum.len() - 1;
    let p = coefs.basis.len();
    let (mut h, mut s) = (vec![0.0; p], Vec::new());
    let mut parts = vec![0.0; kmax + 1];
    let mut x = vec![0.0; r];
    let mut out = vec![false; task.test.len() * kmax];
    for (i, bits) in out.chunks_exact_mut(kmax).enumerate() {
        for (a, &b) in x.iter_mut().zip(task.test.input(i)) {
            *a = f64::from(b);
        }
        coefs.degree_parts(&x, &mut s, &mut h, &mut parts);
        Coefficients::references(&parts, bits);
    }
    Ok(out)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "never".into(), |x| format!("{x:.digits$}"))
}

impl NetworkComparison {
    /// The departures table and a short summary, in markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let m = &self.model;
        let _ = writeln!(
            s,
            "Network beside the trajectory model: dim = {}, weights = {:?}, label noise = {}, spectrum = {:?}; \
             run seed {}, lr = {}, {} test points, {} checkpoints.\n",
            m.dim,
            m.weights,
            m.noise,
            m.spectrum,
            self.seed,
            self.lr.map_or("?".into(), |l| l.to_string()),
            self.n_test,
            self.network.times.len()
        );
        let _ = writeln!(
            s,
            "| reference | acc(C_k) | predicted t | t / T0 (pred.) | network step | step / T0 (net.) | lr x step | sd of gap at departure (bits) |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for r in &self.rows {
            let _ = writeln!(
                s,
                "| {}{} | {:.3} | {} | {} | {} | {} | {} | {} |",
                r.reference,
                if r.degree == 1 { " (L, T0)" } else { "" },
                r.acc_ref,
                opt(r.predicted_t, 3),
                opt(r.predicted_ratio, 2),
                r.network_step.map_or("never".into(), |v| v.to_string()),
                opt(r.network_ratio, 2),
                opt(r.network_t, 2),
                opt(r.network_spread.map(|x| x.sd_gap), 4),
            );
        }
        let fin = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            s,
            "\nPredicted order of degree: {}. Network order of degree: {}. \
             Final test accuracy of the network {:.3} against C_1's {:.3} (learned beyond L: {}). \
             Final I(F;Y) = {:.3} bits; final mu(F;C_k) = {}.",
            yes(self.predicted_order),
            yes(self.network_order),
            fin(&self.network.acc_f),
            self.rows.first().map_or(f64::NAN, |r| r.acc_ref),
            yes(self.beyond_l),
            fin(&self.network.i_fy),
            self.network
                .mu
                .iter()
                .map(|m| format!("{:.3}", fin(m)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "T0 against the run's own L (logistic fit; Pr[C_1 = L_run] = {:.3}): {}.",
            self.c1_agrees_run_l,
            self.t0_run_l.map_or("never".into(), |i| format!(
                "step {}",
                self.network.times[i]
            ))
        );
        let _ = writeln!(
            s,
            "Predicted times are gradient-flow times t, the network's are SGD steps; lr x step is \
             the flow time only for a linearised learner with squared loss and the model's \
             spectrum, so it is indicative. Ratios to T0 do not depend on the time unit."
        );
        s
    }

    /// The network's curves per checkpoint, in markdown.
    pub fn curves_markdown(&self) -> String {
        let c = &self.network;
        let mut s = String::new();
        let refs = c.references.join(") | mu(F;");
        let _ = writeln!(s, "| step | acc(F) | I(F;Y) | mu(F;{refs}) | mu(F;L_run) |");
        let _ = writeln!(s, "|{}", "---|".repeat(4 + c.references.len()));
        for i in 0..c.times.len() {
            let mus: Vec<String> = c.mu.iter().map(|m| format!("{:.4}", m[i])).collect();
            let _ = writeln!(
                s,
                "| {} | {:.4} | {:.4} | {} | {:.4} |",
                c.times[i],
                c.acc_f[i],
                c.i_fy[i],
                mus.join(" | "),
                self.mu_run_l[i]
            );
        }
        s
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Checkpoint;

    fn tiny_config() -> TrajectoryConfig {
        let mut cfg = TrajectoryConfig::default_config().unwrap();
        cfg.theory.coef_points = 40_000;
        cfg.theory.reference_points = 20_000;
        cfg.theory.per_decade = 5;
        cfg.theory.bootstrap = 2;
        cfg
    }

    fn spec(n_test: usize) -> DataSpec {
        let mut s = DataSpec::new(TaskKind::Hermite);
        s.n_train = Some(10);
        s.n_test = Some(n_test);
        s.label_noise = 0.1;
        s
    }

    /// A "network" that is `C_1` first, then `C_2`, then `C_3`: it departs in order of degree,
    /// at the checkpoints where it switches.
    #[test]
    fn a_predictor_stepping_through_the_references_departs_in_order() {
        let cfg = tiny_config();
        let data = spec(20_000);
        let seed = 4;
        let task = load_task(&data, Path::new("."), seed).unwrap();
        let model = model_of(&data, &cfg).unwrap();
        let coefs = estimate_coefficients(&model, cfg.theory.coef_points, cfg.seed).unwrap();
        let refs = reference_bits(&model, &coefs, &task).unwrap();
        let kmax = 4;
        let n = task.test.len();
        // Checkpoint: 0 (constant), 1-2 (C1), 3-4 (C2), 5-6 (C3), 7-8 (C4).
        let which = [
            None,
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(2),
            Some(2),
            Some(3),
            Some(3),
        ];
        let mut pred = Vec::new();
        for w in which {
            pred.extend((0..n).map(|i| match w {
                None => 0,
                Some(k) => u8::from(refs[i * kmax + k]),
            }));
        }
        let checkpoints = (0..which.len())
            .map(|i| Checkpoint {
                index: i,
                step: 10 * i as i64,
                epoch: i as f64,
                train_acc: None,
                test_acc: 0.5,
                train_loss: None,
                test_loss: 0.0,
            })
            .collect();
        let linear: Vec<u8> = (0..n).map(|i| u8::from(refs[i * kmax])).collect();
        let run = NetworkRun {
            data,
            seed,
            lr: Some(0.1),
            record: RunRecord {
                checkpoints,
                pred_test: pred,
                pred_train: vec![],
                train_rows: vec![],
                y_test: task.test.y.clone(),
                y_train: vec![],
                y_train_clean: vec![],
                linear_test: linear,
                linear_train: vec![],
            },
            dir: None,
        };
        let c = compare(&run, &cfg).unwrap();
        let steps: Vec<Option<i64>> = c.rows.iter().map(|r| r.network_step).collect();
        assert_eq!(
            steps,
            vec![Some(30), Some(50), Some(70), None],
            "{}",
            c.markdown()
        );
        assert!(c.network_order && c.predicted_order);
        assert_eq!(c.t0_run_l, Some(3));
        assert!((c.c1_agrees_run_l - 1.0).abs() < 1e-12);
        assert!(c.beyond_l);
        assert_eq!(c.rows[1].network_ratio, Some(50.0 / 30.0));
        assert!((c.rows[2].network_t.unwrap() - 7.0).abs() < 1e-12);
        assert!(c.markdown().contains("| C1 (L, T0) |"));
        assert_eq!(c.curves_markdown().lines().count(), 2 + which.len());

        // Labels that do not match a re-draw are refused, naming the file.
        let mut bad = run.clone();
        bad.record.y_test[0] ^= 1;
        assert!(compare(&bad, &cfg)
            .unwrap_err()
            .to_string()
            .contains("y_test.npy"));
        // Another task is refused, naming the field.
        let mut other = run;
        other.data = DataSpec::new(TaskKind::Sinusoid);
        assert!(compare(&other, &cfg)
            .unwrap_err()
            .to_string()
            .contains("data.task"));
    }
}
