//! The theory's forecast of a trained network's own timeline: the network's measured tangent
//! kernel spectrum ([`crate::ntk`]) in, T0 and the departures from `C_2, C_3, ...` in SGD steps
//! out, beside the departures the run recorded.
//!
//! **The time unit.** Near logits 0, the cross-entropy of the logit difference `u = z_1 - z_0`
//! with label `s = +-1` is `log 2 - s u / 2 + u^2 / 8 + O(u^3)`, the squared loss
//! `(u - 2 s)^2 / 8` up to a constant. SGD at rate `eta` on it moves, in expectation over the
//! minibatch, `du/dstep = -(eta / 4) Theta (u - 2 s)`, `Theta` the tangent kernel. The closed form
//! (`theory/`, gradient flow `df/dt = -Theta (f - y)` from `f = 0`) therefore runs in flow time
//! `t = eta * step / 4`; the factor 2 on the target scales `u` and changes no sign. With the
//! spectrum normalised so that `lambda_1 = 1` (the closed form depends on `lambda_k t` only), a
//! predicted flow time `t'` is the step `4 t' / (eta * lambda_1)`.
//!
//! **Assumptions** (each a way for the forecast to miss): the kernel stays what it was when
//! measured (the kernel regime; the spectrum is measured at initialisation and at the end to
//! see how far it moves); it is diagonal in the Hermite basis; the network starts from `u = 0`
//! (a random initial network does not); SGD follows its expected drift (batch noise ignored).

use crate::error::{Error, Result};
use crate::model::{Net, TorchRng};
use crate::ntk::{degree_spectrum, DegreeSpectrum, SpectrumOptions};
use crate::rng::{derived_seed, Stream};
use crate::theory::trajectory::claim::TrajectoryConfig;
use crate::theory::trajectory::model::check_model;
use crate::theory::trajectory::predict::{estimate_coefficients, predict};
use crate::train::config::TrainConfig;
use crate::train::reparam::load_net;
use crate::train::Summary;
use crate::trajectory_network::{compare, model_of, NetworkComparison, NetworkRun};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::nn::VarStore;
use tch::Tensor;

/// Which of a run's networks the spectrum is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// The network at step 0 (rebuilt from the run's seed, as the trainer built it).
    Initialisation,
    /// The final network (`model.ot`).
    End,
}

impl Moment {
    fn label(self) -> &'static str {
        match self {
            Moment::Initialisation => "initialisation",
            Moment::End => "end",
        }
    }
}

/// The spectrum of the network of `run_dir` at `moment` (two-class runs: `u = z_1 - z_0`).
pub fn run_spectrum(
    run_dir: &Path,
    moment: Moment,
    opts: &SpectrumOptions,
) -> Result<DegreeSpectrum> {
    crate::train::numerics::init_env();
    let (vs, net, input) = match moment {
        Moment::End => {
            let l = load_net(run_dir)?;
            (l.vs, l.net, l.input_shape)
        }
        Moment::Initialisation => {
            let cfg = TrainConfig::load(&run_dir.join("config.toml"))?;
            let summary = Summary::load(run_dir)?;
            let seed = crate::run::Manifest::load(run_dir)?.seed;
            let rng = TorchRng::seeded(derived_seed(seed, Stream::Init, 0) as i64);
            let vs = VarStore::new(tch::Device::Cpu);
            let net = Net::build(
                &vs.root(),
                &cfg.model,
                &summary.input_shape,
                summary.classes,
                &rng,
            )?;
            drop(rng);
            (vs, net, summary.input_shape)
        }
    };
    if input.len() != 1 {
        return Err(Error::param(
            "network input shape",
            format!("{input:?}"),
            "the spectrum is measured for networks of vector inputs (the hermite task)",
        ));
    }
    let output = |xs: &Tensor| -> Result<Tensor> {
        let z = net.logits(xs, false)?;
        if z.size().get(1) != Some(&2) {
            return Err(Error::param(
                "network output",
                format!("{:?}", z.size()),
                "the spectrum is measured for two-class networks (u = z_1 - z_0)",
            ));
        }
        let d = |r| crate::model::check_torch("logit difference", r);
        d(z.f_select(1, 1)
            .and_then(|a| z.f_select(1, 0).and_then(|b| a.f_sub(&b))))
    };
    degree_spectrum(&output, &vs.trainable_variables(), input[0], opts)
}

/// One departure: forecast in steps and as the run recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// `C1` (its departure is T0), `C2`, ...
    pub reference: String,
    /// Forecast step (pooled spectrum), if the closed form departs within its grid.
    pub predicted_step: Option<f64>,
    /// Smallest and largest forecast over the spectrum's independent groups (each group's
    /// spectrum has `sqrt(groups)` times the pooled one's error, so this is a wide interval).
    pub group_range: Option<(f64, f64)>,
    /// The run's departure step.
    pub network_step: Option<i64>,
    /// Measured over forecast step.
    pub ratio: Option<f64>,
}

/// The forecast from one spectrum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Where the spectrum was measured.
    pub moment: Moment,
    /// The spectrum.
    pub spectrum: DegreeSpectrum,
    /// SGD steps per unit of normalised flow time: `4 / (lr * lambda_1)`.
    pub steps_per_unit: f64,
    /// One row per reference `C_1..C_K`.
    pub rows: Vec<TimelineRow>,
}

/// A run's timeline forecast from its spectrum at initialisation and at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timeline {
    /// The run folder.
    pub run: PathBuf,
    /// The run's learning rate.
    pub lr: f64,
    /// The forecasts.
    pub forecasts: Vec<Forecast>,
    /// The comparison with the pooled spectrum at initialisation (network curves, departures).
    pub comparison: NetworkComparison,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The spectrum normalised to `lambda_1 = 1`, checked against the model's premise.
fn normalised(lambda: &[f64], what: &str) -> Result<Vec<f64>> {
    let l1 = lambda.get(1).copied().unwrap_or(f64::NAN);
    if !(l1 > 0.0 && l1.is_finite()) {
        return Err(Error::param(
            what,
            format!("{lambda:?}"),
            "lambda_1 must be positive (the linear part must be learned at all)",
        ));
    }
    Ok(lambda.iter().map(|l| l / l1).collect())
}

/// Forecast the timeline of the run in `run_dir` (an MLP on task `hermite`) from its measured
/// spectrum, with the numerics of `cfg` (its spectrum is replaced by the measured one).
pub fn forecast(
    run_dir: &Path,
    cfg: &TrajectoryConfig,
    opts: &SpectrumOptions,
) -> Result<Timeline> {
    let start = Instant::now();
    let run = NetworkRun::load(run_dir)?;
    let lr = run.lr.ok_or_else(|| Error::BadFile {
        path: run_dir.join("config.toml"),
        reason: "no optim.lr: the forecast is in steps of that rate".into(),
    })?;
    let opts = SpectrumOptions {
        max_degree: cfg.model.spectrum.len() - 1,
        ..*opts
    };
    let mut forecasts = Vec::new();
    let mut first = None;
    for moment in [Moment::Initialisation, Moment::End] {
        let spectrum = run_spectrum(run_dir, moment, &opts)?;
        let what = format!("spectrum at {}", moment.label());
        let mut c = cfg.clone();
        c.model.spectrum = normalised(&spectrum.lambda, &what)?;
        let model = model_of(&run.data, &c)?;
        check_model(&model)?;
        let cmp = compare(&run, &c)?;
        let steps_per_unit = 4.0 / (lr * spectrum.lambda[1]);
        // The groups' forecasts, on the same coefficients.
        let coefs = estimate_coefficients(&model, c.theory.coef_points, c.seed)?;
        let mut group_steps: Vec<Vec<Option<f64>>> = Vec::new();
        for g in &spectrum.group_lambda {
            let mut gm = model.clone();
            gm.spectrum = match normalised(g, &what) {
                Ok(s) => s,
                Err(_) => continue,
            };
            if check_model(&gm).is_err() {
                continue; // a group whose spectrum breaks the premise gives no forecast
            }
            let mut gc = coefs.clone();
            gc.spectrum = gm.spectrum.clone();
            let p = predict(&gm, &gc, &c.theory, c.seed, &[])?;
            let unit = 4.0 / (lr * g[1]);
            group_steps.push(p.departures.iter().map(|d| d.map(|t| t * unit)).collect());
        }
        let rows = cmp
            .rows
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let predicted_step = r.predicted_t.map(|t| t * steps_per_unit);
                let vals: Vec<f64> = group_steps.iter().filter_map(|g| g[k]).collect();
                let group_range = (!vals.is_empty()).then(|| {
                    (
                        vals.iter().copied().fold(f64::INFINITY, f64::min),
                        vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    )
                });
                TimelineRow {
                    reference: r.reference.clone(),
                    predicted_step,
                    group_range,
                    network_step: r.network_step,
                    ratio: match (r.network_step, predicted_step) {
                        (Some(s), Some(p)) if p > 0.0 => Some(s as f64 / p),
                        _ => None,
                    },
                }
            })
            .collect();
        if first.is_none() {
            first = Some(cmp);
        }
        forecasts.push(Forecast {
            moment,
            spectrum,
            steps_per_unit,
            rows,
        });
    }
    let comparison = first.ok_or_else(|| Error::Empty("forecasts".into()))?;
    Ok(Timeline {
        run: run_dir.to_path_buf(),
        lr,
        forecasts,
        comparison,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

impl Timeline {
    /// The spectra and the forecast table, Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Run {}: lr {}\n", self.run.display(), self.lr);
        let _ = writeln!(
            s,
            "| spectrum | degree | lambda_k | SE | lambda_k / lambda_1 |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for f in &self.forecasts {
            let l1 = f.spectrum.lambda[1];
            for (k, (l, e)) in f.spectrum.lambda.iter().zip(&f.spectrum.se).enumerate() {
                let _ = writeln!(
                    s,
                    "| {} | {k} | {l:.4e} | {e:.2e} | {:.4} |",
                    f.moment.label(),
                    l / l1
                );
            }
        }
        let _ = writeln!(
            s,
            "\n| spectrum | reference | forecast step | group range | measured step | measured / forecast |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for f in &self.forecasts {
            for r in &f.rows {
                let range = r
                    .group_range
                    .map_or("-".into(), |(a, b)| format!("{a:.0}-{b:.0}"));
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {range} | {} | {} |",
                    f.moment.label(),
                    if r.reference == "C1" {
                        "C1 (T0)"
                    } else {
                        &r.reference
                    },
                    opt(r.predicted_step, 0),
                    r.network_step.map_or("-".into(), |v| v.to_string()),
                    opt(r.ratio, 2),
                );
            }
        }
        s
    }
}
