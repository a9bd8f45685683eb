//! The SVG figure of a sweep: `Pr[F != L]` against `D/n` (simulation with intervals, closed form,
//! a-priori approximation), and simulation against theory at every point.

use super::sweep::SweepResult;
use plotters::prelude::*;
use sgdc_core::{Error, Result};
use std::path::Path;

/// A figure that could not be drawn, naming the file it was for.
pub(crate) fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::BadFile {
        path: path.to_path_buf(),
        reason: format!("could not draw the figure: {e}"),
    }
}

/// Render the figure as SVG text.
pub fn svg(sweep: &SweepResult, path_for_errors: &Path) -> Result<String> {
    let mut text = String::new();
    two_panels(
        SVGBackend::with_string(&mut text, (1100, 460)).into_drawing_area(),
        560,
        path_for_errors,
        |a| draw_left(sweep, a),
        |a| draw_right(sweep, a),
    )?;
    Ok(text)
}

/// What a panel's drawing returns (plotters' errors are of many types).
pub(crate) type Plain = std::result::Result<(), Box<dyn std::error::Error>>;

/// A white figure split at `split` pixels into a left and a right panel, each drawn by its
/// function; errors name `path`.
pub(crate) fn two_panels<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    split: u32,
    path: &Path,
    left: impl FnOnce(&DrawingArea<DB, plotters::coord::Shift>) -> Plain,
    right: impl FnOnce(&DrawingArea<DB, plotters::coord::Shift>) -> Plain,
) -> Result<()> {
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let (l, r) = root.split_horizontally(split);
    left(&l).map_err(|e| plot_err(path, e))?;
    right(&r).map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_left(
    sweep: &SweepResult,
    area: &Area<'_>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut pts: Vec<_> = sweep
        .points
        .iter()
        .filter(|p| (p.series == "dim" || p.series == "base") && p.interpolates)
        .collect();
    pts.sort_by_key(|p| p.point.dim);
    let xs: Vec<f64> = pts
        .iter()
        .map(|p| p.point.dim as f64 / p.point.n as f64)
        .collect();
    let (xmin, xmax) = (
        xs.iter().copied().fold(f64::INFINITY, f64::min).max(0.5) * 0.8,
        xs.iter().copied().fold(1.0, f64::max) * 1.25,
    );
    let mut chart = ChartBuilder::on(area)
        .caption("Pr[F != L] against D/n", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d((xmin..xmax).log_scale(), 0.0..0.55)?;
    chart
        .configure_mesh()
        .x_desc("D / n")
        .y_desc("Pr[F != L]")
        .draw()?;
    let theory: Vec<(f64, f64)> = pts
        .iter()
        .zip(&xs)
        .map(|(p, &x)| (x, p.pr_theory))
        .collect();
    chart
        .draw_series(LineSeries::new(theory.clone(), BLUE.stroke_width(2)))?
        .label("closed form (given training set)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(2)));
    let apriori: Vec<(f64, f64)> = pts
        .iter()
        .zip(&xs)
        .filter_map(|(p, &x)| p.pr_apriori.map(|v| (x, v)))
        .collect();
    chart
        .draw_series(LineSeries::new(apriori, GREEN.stroke_width(1)))?
        .label("a-priori large-D approximation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREEN));
    for (p, &x) in pts.iter().zip(&xs) {
        let h = 1.96 * p.pr_se;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, (p.pr_sim - h).max(0.0)), (x, p.pr_sim + h)],
            RED,
        )))?;
    }
    chart
        .draw_series(
            pts.iter()
                .zip(&xs)
                .map(|(p, &x)| Circle::new((x, p.pr_sim), 4, RED.filled())),
        )?
        .label("simulation (mean over seeds, 95% CI)")
        .legend(|(x, y)| Circle::new((x + 9, y), 4, RED.filled()));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(())
}

fn draw_right(
    sweep: &SweepResult,
    area: &Area<'_>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let hi = sweep
        .points
        .iter()
        .flat_map(|p| [p.pr_sim, p.pr_theory, p.mu_sim, p.mu_theory])
        .fold(0.1f64, f64::max)
        * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "simulation against closed form, every point",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..hi, 0.0..hi)?;
    chart
        .configure_mesh()
        .x_desc("closed form")
        .y_desc("simulation")
        .draw()?;
    chart.draw_series(LineSeries::new(vec![(0.0, 0.0), (hi, hi)], BLACK.mix(0.4)))?;
    chart
        .draw_series(
            sweep
                .points
                .iter()
                .map(|p| Circle::new((p.pr_theory, p.pr_sim), 4, RED.filled())),
        )?
        .label("Pr[F != L]")
        .legend(|(x, y)| Circle::new((x + 9, y), 4, RED.filled()));
    chart
        .draw_series(
            sweep
                .points
                .iter()
                .map(|p| TriangleMarker::new((p.mu_theory, p.mu_sim), 5, BLUE.filled())),
        )?
        .label("mu(F;L), bits")
        .legend(|(x, y)| TriangleMarker::new((x + 9, y), 5, BLUE.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(())
}
