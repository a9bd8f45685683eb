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
use crate::model::{ModelSpec, Net, TorchRng};
use crate::ntk::{degree_spectrum, gaussian_points, DegreeSpectrum, SpectrumOptions};
use crate::rng::{derived_seed, Stream};
use crate::theory::trajectory::claim::TrajectoryConfig;
use crate::theory::trajectory::kernel::{kernel_degree_spectrum, ReluMlp};
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
    /// The closed-form (infinite-width, arc-cosine) tangent kernel of the run's ReLU MLP at
    /// initialisation, on the same sample.
    ClosedForm,
}

impl Moment {
    fn label(self) -> &'static str {
        match self {
            Moment::Initialisation => "initialisation",
            Moment::End => "end",
            Moment::ClosedForm => "closed form (init)",
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
        Moment::ClosedForm => return closed_form_spectrum(run_dir, opts),
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

/// The hidden widths of the run's network when it is a ReLU MLP at the default initialisation
/// (the networks the closed-form kernel is for), else `None`.
fn default_mlp_widths(cfg: &TrainConfig) -> Option<Vec<usize>> {
    match &cfg.model {
        ModelSpec::Mlp {
            depth,
            width,
            init_scale: None,
            out_init_scale: None,
        } => Some(vec![*width; *depth]),
        _ => None,
    }
}

/// The closed-form tangent kernel of the run's MLP ([`ReluMlp`]) projected on the same sample
/// as the measured spectrum (stream [`Stream::Spectrum`], the same groups and halves).
fn closed_form_spectrum(run_dir: &Path, opts: &SpectrumOptions) -> Result<DegreeSpectrum> {
    let start = Instant::now();
    opts.check()?;
    let cfg = TrainConfig::load(&run_dir.join("config.toml"))?;
    let summary = Summary::load(run_dir)?;
    let path = run_dir.join("config.toml");
    let widths = match default_mlp_widths(&cfg) {
        Some(w) => w,
        None => {
            let other = &cfg.model;
            return Err(Error::BadFile {
                path,
                reason: format!(
                    "[model] {other:?}: the closed-form kernel is for a ReLU MLP at the default initialisation"
                ),
            });
        }
    };
    let dim = match summary.input_shape.as_slice() {
        [d] if *d > 0 => *d,
        s => {
            return Err(Error::param(
                "network input shape",
                format!("{s:?}"),
                "the closed form is for vector inputs",
            ))
        }
    };
    let net = ReluMlp { dim, widths };
    let per_group = opts.points / opts.groups;
    let (_, x64) = gaussian_points(per_group * opts.groups, dim, opts.seed);
    let k = kernel_degree_spectrum(
        &|a, b| net.ntk(a, b),
        &x64,
        dim,
        opts.max_degree,
        opts.groups,
    )?;
    Ok(DegreeSpectrum::from_kernel(k, opts, dim, start))
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
    // The closed-form kernel only for the networks it is derived for (others: measured only).
    let closed = default_mlp_widths(&TrainConfig::load(&run_dir.join("config.toml"))?).is_some();
    // The Hermite coefficients of the run's target, for the groups' forecasts: they do not
    // depend on the spectrum (only its copy in `Coefficients::spectrum`, set per forecast), so
    // one estimate serves every spectrum.
    let coefs =
        estimate_coefficients(&model_of(&run.data, cfg)?, cfg.theory.coef_points, cfg.seed)?;
    let moments = [Moment::Initialisation, Moment::End, Moment::ClosedForm];
    for moment in moments
        .into_iter()
        .filter(|&m| closed || m != Moment::ClosedForm)
    {
        let spectrum = run_spectrum(run_dir, moment, &opts)?;
        let what = format!("spectrum at {}", moment.label());
        let mut c = cfg.clone();
        c.model.spectrum = spectrum
            .normalised()
            .map_err(|e| Error::input(what.clone(), e.to_string()))?;
        let model = model_of(&run.data, &c)?;
        check_model(&model).map_err(|e| Error::input(what.clone(), e.to_string()))?;
        let cmp = compare(&run, &c)?;
        let steps_per_unit = 4.0 / (lr * spectrum.lambda[1]);
        // The groups' forecasts, on the shared coefficients.
        let mut group_steps: Vec<Vec<Option<f64>>> = Vec::new();
        for g in &spectrum.group_lambda {
            let mut gm = model.clone();
            if !(g[1] > 0.0 && g[1].is_finite()) {
                continue; // a group without a positive lambda_1 gives no forecast
            }
            gm.spectrum = g.iter().map(|l| l / g[1]).collect();
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

const COLOURS: [plotters::style::RGBColor; 4] = [
    plotters::style::BLUE,
    plotters::style::RED,
    plotters::style::GREEN,
    plotters::style::MAGENTA,
];

impl Timeline {
    /// The figure, SVG: the network's `I(F_t;Y)` (black) and `mu(F_t;C_k)` (colours) over SGD
    /// steps (log axis, checkpoints after step 0, with markers), its departures as solid
    /// vertical lines and the forecasts from the spectrum at initialisation as dashed ones, in
    /// the colour of the reference.
    pub fn svg(&self) -> Result<String> {
        use plotters::prelude::*;
        let net = &self.comparison.network;
        let pts: Vec<usize> = (0..net.times.len())
            .filter(|&i| net.times[i] > 0.0)
            .collect();
        let (Some(&first), Some(&last)) = (pts.first(), pts.last()) else {
            return Err(Error::Empty("network checkpoints after step 0".into()));
        };
        let mut text = String::new();
        let draw = |text: &mut String| -> std::result::Result<(), Box<dyn std::error::Error>> {
            let root = SVGBackend::with_string(text, (900, 520)).into_drawing_area();
            root.fill(&WHITE)?;
            let ymax = net.i_fy.iter().copied().fold(0.0f64, f64::max) * 1.1 + 0.01;
            let (x0, x1) = (net.times[first] * 0.8, net.times[last] * 1.25);
            let mut chart = ChartBuilder::on(&root)
                .caption(
                    format!(
                        "{}: curves, departures (solid) and forecasts (dashed)",
                        self.run
                            .file_name()
                            .map_or(String::new(), |n| n.to_string_lossy().into_owned())
                    ),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d((x0..x1).log_scale(), 0.0..ymax)?;
            chart
                .configure_mesh()
                .x_desc("SGD step")
                .y_desc("bits")
                .x_label_formatter(&|v| format!("{v:.0}"))
                .draw()?;
            let series = |ys: &[f64]| {
                pts.iter()
                    .map(|&i| (net.times[i], ys[i]))
                    .collect::<Vec<_>>()
            };
            chart
                .draw_series(LineSeries::new(series(&net.i_fy), BLACK.stroke_width(2)))?
                .label("I(F_t;Y)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
            for (k, mu) in net.mu.iter().enumerate().take(COLOURS.len()) {
                let col = COLOURS[k];
                chart
                    .draw_series(LineSeries::new(series(mu), col.stroke_width(1)))?
                    .label(format!("mu(F_t;C_{})", k + 1))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], col));
                chart.draw_series(
                    series(mu)
                        .into_iter()
                        .map(|p| Circle::new(p, 2, col.filled())),
                )?;
            }
            let init = self.forecasts.first();
            for (k, row) in self.comparison.rows.iter().enumerate().take(COLOURS.len()) {
                let col = COLOURS[k];
                if let Some(s) = row.network_step.filter(|&s| s > 0) {
                    let x = s as f64;
                    chart.draw_series(LineSeries::new(
                        vec![(x, 0.0), (x, ymax)],
                        col.stroke_width(2),
                    ))?;
                }
                let forecast = init
                    .and_then(|f| f.rows.get(k))
                    .and_then(|r| r.predicted_step);
                if let Some(x) = forecast.filter(|&x| x >= x0 && x <= x1) {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(x, 0.0), (x, ymax)],
                        6,
                        4,
                        col.stroke_width(2),
                    ))?;
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperLeft)
                .draw()?;
            root.present()?;
            Ok(())
        };
        draw(&mut text).map_err(|e| Error::param("figure", "timeline.svg", e.to_string()))?;
        Ok(text)
    }
}
