//! The SVG figure of a trajectory comparison: left, `I(F_t;Y)` and `mu(F_t;C_k)` against `t`
//! (closed form as lines, simulation as points with 95 % bootstrap bars); right, the gaps
//! `I(F_t;Y) - mu(F_t;C_k)` with the departure threshold and the predicted departures.

use super::claim::TrajectoryResult;
use crate::plot::{two_panels, Plain};
use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use sgdc_core::thresholds::C6_DEPARTURE_GAP_BITS;
use sgdc_core::Result;
use std::path::Path;

const COLOURS: [RGBColor; 5] = [BLUE, RED, GREEN, MAGENTA, CYAN];

/// Render the figure as SVG text.
pub fn svg(r: &TrajectoryResult, path_for_errors: &Path) -> Result<String> {
    let mut text = String::new();
    two_panels(
        SVGBackend::with_string(&mut text, (1200, 480)).into_drawing_area(),
        600,
        path_for_errors,
        |a| draw_curves(r, a),
        |a| draw_gaps(r, a),
    )?;
    Ok(text)
}

/// Render the figure as a PNG file at `path`.
pub fn png(r: &TrajectoryResult, path: &Path) -> Result<()> {
    two_panels(
        BitMapBackend::new(path, (1200, 480)).into_drawing_area(),
        600,
        path,
        |a| draw_curves(r, a),
        |a| draw_gaps(r, a),
    )
}

fn x_range(r: &TrajectoryResult) -> (f64, f64) {
    let pos = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|&t| t > 0.0)
            .fold(f64::INFINITY, f64::min)
    };
    let lo = pos(&r.prediction.curves.times).min(pos(&r.simulation.curves.times));
    let hi = r
        .prediction
        .curves
        .times
        .iter()
        .chain(&r.simulation.curves.times)
        .fold(0.0f64, |m, &t| m.max(t));
    (lo * 0.8, hi * 1.25)
}

/// A chart over log time `x` (flow time `t`) and bits `y`.
type TimeChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, RangedCoordf64>>;

/// A [`TimeChart`] on `area` over `x` and `y`, with its caption and axes drawn.
fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    (x0, x1): (f64, f64),
    y: std::ops::Range<f64>,
) -> Result<TimeChart<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d((x0..x1).log_scale(), y)?;
    chart
        .configure_mesh()
        .x_desc("t (learning rate x step)")
        .y_desc("bits")
        .draw()?;
    Ok(chart)
}

/// The legend box, upper left.
fn draw_legend<'a, DB: DrawingBackend + 'a>(chart: &mut TimeChart<'a, DB>) -> Plain
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(())
}

/// Simulated points `(times[i], values[i])` at the records `at`, each with its bar
/// `bars[i] = (low, high)`.
fn sim_points<'a, DB: DrawingBackend + 'a>(
    chart: &mut TimeChart<'a, DB>,
    at: &[usize],
    times: &[f64],
    values: &[f64],
    bars: &[(f64, f64)],
    c: RGBColor,
) -> Plain
where
    DB::ErrorType: 'static,
{
    for &i in at {
        let t = times[i];
        let (lo, up) = bars[i];
        chart.draw_series(std::iter::once(PathElement::new(vec![(t, lo), (t, up)], c)))?;
        chart.draw_series(std::iter::once(Circle::new((t, values[i]), 3, c.filled())))?;
    }
    Ok(())
}

fn draw_curves<DB: DrawingBackend>(
    r: &TrajectoryResult,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Plain
where
    DB::ErrorType: 'static,
{
    let p = &r.prediction.curves;
    let s = &r.simulation;
    let hi = p
        .i_fy
        .iter()
        .chain(&s.curves.i_fy)
        .fold(0.1f64, |m, &v| m.max(v))
        * 1.1;
    let mut chart = time_chart(
        area,
        "I(F_t;Y) and mu(F_t;C_k): closed form (lines), simulation (points)",
        x_range(r),
        -0.02..hi,
    )?;
    let pos: Vec<usize> = (0..p.times.len()).filter(|&i| p.times[i] > 0.0).collect();
    let spos: Vec<usize> = (0..s.curves.times.len())
        .filter(|&i| s.curves.times[i] > 0.0)
        .collect();
    chart
        .draw_series(LineSeries::new(
            pos.iter().map(|&i| (p.times[i], p.i_fy[i])),
            BLACK.stroke_width(2),
        ))?
        .label("I(F_t;Y)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    let times = &s.curves.times;
    sim_points(
        &mut chart,
        &spos,
        times,
        &s.curves.i_fy,
        &s.band_i_fy,
        BLACK,
    )?;
    for (k, name) in p.references.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                pos.iter().map(|&i| (p.times[i], p.mu[k][i])),
                c.stroke_width(2),
            ))?
            .label(format!("mu(F_t;{name})"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        sim_points(&mut chart, &spos, times, &s.curves.mu[k], &s.band_mu[k], c)?;
    }
    draw_legend(&mut chart)
}

fn draw_gaps<DB: DrawingBackend>(
    r: &TrajectoryResult,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Plain
where
    DB::ErrorType: 'static,
{
    let p = &r.prediction.curves;
    let s = &r.simulation;
    let k = p.references.len();
    let gaps: Vec<Vec<f64>> = (0..k).map(|j| p.gap(j)).collect();
    let sgaps: Vec<Vec<f64>> = (0..k).map(|j| s.curves.gap(j)).collect();
    let hi = gaps
        .iter()
        .chain(&sgaps)
        .flatten()
        .fold(0.1f64, |m, &v| m.max(v))
        * 1.1;
    let (x0, x1) = x_range(r);
    let mut chart = time_chart(
        area,
        "gap I(F_t;Y) - mu(F_t;C_k); dashed: predicted departures",
        (x0, x1),
        -0.01..hi,
    )?;
    chart
        .draw_series(LineSeries::new(
            vec![(x0, C6_DEPARTURE_GAP_BITS), (x1, C6_DEPARTURE_GAP_BITS)],
            BLACK.mix(0.5),
        ))?
        .label(format!("departure threshold {C6_DEPARTURE_GAP_BITS} bits"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.5)));
    let pos: Vec<usize> = (0..p.times.len()).filter(|&i| p.times[i] > 0.0).collect();
    let spos: Vec<usize> = (0..s.curves.times.len())
        .filter(|&i| s.curves.times[i] > 0.0)
        .collect();
    for (j, name) in p.references.iter().enumerate() {
        let c = COLOURS[j % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                pos.iter().map(|&i| (p.times[i], gaps[j][i])),
                c.stroke_width(2),
            ))?
            .label(format!("{name}: closed form / simulation (95% bars)"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        let bars: Vec<(f64, f64)> = (0..s.curves.times.len())
            .map(|i| {
                let h = 1.96 * s.sd_gap[j][i];
                (sgaps[j][i] - h, sgaps[j][i] + h)
            })
            .collect();
        sim_points(&mut chart, &spos, &s.curves.times, &sgaps[j], &bars, c)?;
        if let Some(t) = r.prediction.departures[j] {
            let dashes = (0..20).map(|q| {
                let y0 = hi * q as f64 / 20.0;
                PathElement::new(vec![(t, y0), (t, y0 + hi / 40.0)], c)
            });
            chart.draw_series(dashes)?;
        }
    }
    draw_legend(&mut chart)
}
