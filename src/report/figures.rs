//! Paper-style figures (plotters), each written as SVG and PNG.

use crate::error::{Error, Result};
use crate::run::atomic::write_atomic_with;
use crate::training_curves::Curves;
use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (900, 560);

/// A figure that could not be drawn or written: a failure of writing the report (the run's,
/// not the user's).
fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::write(
        path,
        std::io::Error::other(format!("cannot draw figure: {e}")),
    )
}

/// One curve over seeds: the x values and, per x, the (min, mean, max) over the seeds that
/// recorded that checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// Points `(x, lo, mean, hi)`; x is the SGD step + 1 (log axis).
    pub points: Vec<(f64, f64, f64, f64)>,
    /// Mark every point: for a sparse series (the training-set curve, recorded at a few
    /// checkpoints), so that a straight segment between two distant checkpoints is not read as
    /// data.
    pub markers: bool,
}

impl Band {
    /// Aggregate `value(curves, checkpoint index)` over seeds, checkpoint by checkpoint.
    pub fn over_seeds(
        label: &str,
        seeds: &[&Curves],
        value: impl Fn(&Curves, usize) -> f64,
    ) -> Band {
        Band::over(
            label,
            seeds,
            |c| c.points.len(),
            |c, t| c.points[t].step,
            |c, t| value(c, t),
        )
    }

    /// Aggregate over seeds of any kind: seed `s` has `len(s)` checkpoints, the `t`-th at SGD
    /// step `step(s, t)` with value `value(s, t)`. Checkpoint `t` runs to the longest seed and
    /// aggregates the seeds that recorded it; its x is the step of the first of them.
    pub fn over<S>(
        label: &str,
        seeds: &[S],
        len: impl Fn(&S) -> usize,
        step: impl Fn(&S, usize) -> i64,
        value: impl Fn(&S, usize) -> f64,
    ) -> Band {
        let n = seeds.iter().map(&len).max().unwrap_or(0);
        let mut points = Vec::with_capacity(n);
        for t in 0..n {
            let have: Vec<&S> = seeds.iter().filter(|s| len(s) > t).collect();
            let vals: Vec<f64> = have.iter().map(|s| value(s, t)).collect();
            let x = step(have[0], t) as f64 + 1.0;
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            points.push((x, lo, mean, hi));
        }
        Band {
            label: label.into(),
            points,
            markers: false,
        }
    }

    /// The same band with every point marked (a sparse series).
    pub fn with_markers(self) -> Band {
        Band {
            markers: true,
            ..self
        }
    }
}

/// A tick of a log axis: `1`, `10`, `100` (never `1.0`, `10.0`), `0.5` below one.
pub fn log_tick(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 * x.abs().max(1.0) {
        format!("{}", x.round() as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A figure of curves against SGD steps on a log axis.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveFigure {
    /// Title.
    pub title: String,
    /// y-axis label.
    pub y_label: String,
    /// The curves with their seed bands.
    pub bands: Vec<Band>,
    /// Horizontal reference levels (label, value).
    pub levels: Vec<(String, f64)>,
    /// Vertical markers (label, step + 1).
    pub markers: Vec<(String, f64)>,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// The x-axis label of the report's curve figures.
pub const STEP_AXIS: &str = "SGD step + 1 (log scale)";

/// The chart of a curve figure: log steps against the measure.
type StepChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, RangedCoordf64>>;

/// Plotters' errors as text (the caller names the file).
fn text(x: &dyn std::fmt::Display) -> String {
    x.to_string()
}

/// The y range of `fig` (its bands and levels, 0 included) and the padding around it.
fn y_range(fig: &CurveFigure) -> (f64, f64, f64) {
    let ys = fig
        .bands
        .iter()
        .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.3]))
        .chain(fig.levels.iter().map(|l| l.1))
        .filter(|v| v.is_finite());
    let (y_lo, y_hi) = ys.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let y_hi = if y_hi <= y_lo { y_lo + 1.0 } else { y_hi };
    let pad = 0.05 * (y_hi - y_lo);
    (y_lo, y_hi, pad)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    fig: &CurveFigure,
    x_label: &str,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = text;
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let xs = fig.bands.iter().flat_map(|b| b.points.iter().map(|p| p.0));
    let x_max = xs.fold(10.0f64, f64::max) * 1.2;
    let (y_lo, y_hi, pad) = y_range(fig);
    let mut chart = ChartBuilder::on(&root)
        .caption(&fig.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((1.0f64..x_max).log_scale(), (y_lo - pad)..(y_hi + pad))
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(&fig.y_label)
        .x_label_formatter(&|x| log_tick(*x))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|x| e(&x))?;
    draw_bands(&mut chart, &fig.bands)?;
    draw_levels(&mut chart, fig, x_max)?;
    draw_markers(&mut chart, &fig.markers, (y_lo - pad, y_hi + pad))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// Each band: its seed range filled, its mean as a line (with points when asked), in the
/// palette's order.
fn draw_bands<'a, DB: DrawingBackend + 'a>(
    chart: &mut StepChart<'a, DB>,
    bands: &[Band],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = text;
    for (i, b) in bands.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let mut poly: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.3)).collect();
        poly.extend(b.points.iter().rev().map(|p| (p.0, p.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
            .map_err(|x| e(&x))?;
        chart
            .draw_series(LineSeries::new(
                b.points.iter().map(|p| (p.0, p.2)),
                c.stroke_width(2),
            ))
            .map_err(|x| e(&x))?
            .label(b.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        if b.markers {
            chart
                .draw_series(
                    b.points
                        .iter()
                        .map(|p| Circle::new((p.0, p.2), 4, c.filled())),
                )
                .map_err(|x| e(&x))?;
        }
    }
    Ok(())
}

/// The horizontal reference levels, dashed, in the palette's colours after the bands'.
fn draw_levels<'a, DB: DrawingBackend + 'a>(
    chart: &mut StepChart<'a, DB>,
    fig: &CurveFigure,
    x_max: f64,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = text;
    for (i, (label, v)) in fig.levels.iter().enumerate() {
        let c = PALETTE[(fig.bands.len() + i) % PALETTE.len()];
        chart
            .draw_series(DashedLineSeries::new(
                [(1.0, *v), (x_max, *v)],
                8,
                5,
                c.stroke_width(2),
            ))
            .map_err(|x| e(&x))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    Ok(())
}

/// The vertical markers, dashed black, across the y range `(lo, hi)`.
fn draw_markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut StepChart<'a, DB>,
    markers: &[(String, f64)],
    (lo, hi): (f64, f64),
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = text;
    for (label, x) in markers {
        let lbl = label.clone();
        chart
            .draw_series(DashedLineSeries::new(
                [(*x, lo), (*x, hi)],
                4,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(|x| e(&x))?
            .label(lbl)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    }
    Ok(())
}

/// Write `fig` to `base.svg` and `base.png`; returns both paths.
pub fn write_curve_figure(base: &Path, fig: &CurveFigure) -> Result<[PathBuf; 2]> {
    write_curve_figure_with_x(base, fig, STEP_AXIS)
}

/// [`write_curve_figure`] with another x-axis label (the x values are still drawn on a log
/// axis from 1).
pub fn write_curve_figure_with_x(
    base: &Path,
    fig: &CurveFigure,
    x_label: &str,
) -> Result<[PathBuf; 2]> {
    let (svg, png) = (with_suffix(base, "svg"), with_suffix(base, "png"));
    if let Some(dir) = base.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    write_atomic_with(&svg, |tmp| {
        draw(SVGBackend::new(tmp, SIZE).into_drawing_area(), fig, x_label)
            .map_err(|e| plot_err(&svg, e))
    })?;
    write_atomic_with(&png, |tmp| {
        draw(
            BitMapBackend::new(tmp, SIZE).into_drawing_area(),
            fig,
            x_label,
        )
        .map_err(|e| plot_err(&png, e))
    })?;
    Ok([svg, png])
}

/// One decision-boundary snapshot of a 2-D task: the predicted class of each test point
/// (`(x1, x2, class)`), drawn as a dense scatter, so that the boundary shows where the colours
/// meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Panel title (e.g. the step).
    pub title: String,
    /// Test points with the predicted class.
    pub points: Vec<(f32, f32, u8)>,
}

fn draw_grid<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    snaps: &[Snapshot],
) -> Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let root = root.titled(title, ("sans-serif", 20)).map_err(|x| e(&x))?;
    let cols = snaps.len().clamp(1, 4);
    let rows = snaps.len().div_ceil(cols).max(1);
    let panels = root.split_evenly((rows, cols));
    let colour = [RGBColor(49, 130, 189), RGBColor(222, 45, 38)];
    for (panel, s) in panels.iter().zip(snaps) {
        let mut chart = ChartBuilder::on(panel)
            .caption(&s.title, ("sans-serif", 14))
            .margin(6)
            .build_cartesian_2d(-1.0f64..1.0, -1.0f64..1.0)
            .map_err(|x| e(&x))?;
        chart
            .draw_series(s.points.iter().map(|&(x, y, c)| {
                Circle::new(
                    (f64::from(x), f64::from(y)),
                    1,
                    colour[(c as usize).min(1)].filled(),
                )
            }))
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}

/// Write a grid of decision-boundary snapshots (4 per row) to `base.svg` and `base.png`.
pub fn write_snapshot_grid(base: &Path, title: &str, snaps: &[Snapshot]) -> Result<[PathBuf; 2]> {
    let (svg, png) = (with_suffix(base, "svg"), with_suffix(base, "png"));
    if let Some(dir) = base.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    let cols = snaps.len().clamp(1, 4) as u32;
    let rows = snaps.len().div_ceil(4).max(1) as u32;
    let size = (260 * cols, 260 * rows + 40);
    write_atomic_with(&svg, |tmp| {
        draw_grid(SVGBackend::new(tmp, size).into_drawing_area(), title, snaps)
            .map_err(|e| plot_err(&svg, e))
    })?;
    write_atomic_with(&png, |tmp| {
        draw_grid(
            BitMapBackend::new(tmp, size).into_drawing_area(),
            title,
            snaps,
        )
        .map_err(|e| plot_err(&png, e))
    })?;
    Ok([svg, png])
}

/// `base` with `.ext` appended (not `Path::with_extension`, which would cut a name such as
/// `sweep-lr-0.01` at its last dot).
fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training_curves::{compute, tests::record, CurveOptions};

    #[test]
    fn log_ticks_are_whole_numbers() {
        assert_eq!(log_tick(1.0), "1");
        assert_eq!(log_tick(100.0), "100");
        assert_eq!(log_tick(10000.000000001), "10000");
        assert_eq!(log_tick(0.5), "0.5");
    }

    #[test]
    fn writes_svg_and_png() {
        let rec = record(400, 0.8, &[0.5, 0.7, 0.8, 0.9, 1.0]);
        let c = compute(&rec, &CurveOptions::default()).unwrap();
        let seeds = [&c, &c];
        let fig = CurveFigure {
            title: "test".into(),
            y_label: "bits".into(),
            bands: vec![
                Band::over_seeds("I(F;Y)", &seeds, |c, t| c.points[t].i_fy_test),
                Band::over_seeds("sparse", &seeds, |c, t| c.points[t].mu).with_markers(),
            ],
            levels: vec![("I(L;Y)".into(), c.i_ly)],
            markers: vec![("T0".into(), 5.0)],
        };
        let dir = tempfile::tempdir().unwrap();
        // A dotted name (a sweep setting such as lr-0.01) keeps its dot.
        let [svg, png] = write_curve_figure(&dir.path().join("f-lr-0.01"), &fig).unwrap();
        assert_eq!(svg, dir.path().join("f-lr-0.01.svg"));
        assert_eq!(png, dir.path().join("f-lr-0.01.png"));
        let text = std::fs::read_to_string(svg).unwrap();
        assert!(text.contains("<svg"));
        // The sparse series is marked point by point; log ticks read 1, 10, 100.
        assert!(text.matches("<circle").count() >= 5, "no markers");
        let compact: String = text.split_whitespace().collect();
        assert!(
            compact.contains(">10</text>") && !compact.contains(">10.0</text>"),
            "log ticks"
        );
        assert!(std::fs::metadata(png).unwrap().len() > 1000);
        let snaps = vec![
            Snapshot {
                title: "step 1".into(),
                points: vec![(0.1, 0.2, 1), (-0.5, 0.3, 0)],
            };
            3
        ];
        let [svg, _] = write_snapshot_grid(&dir.path().join("g"), "grid", &snaps).unwrap();
        assert!(std::fs::read_to_string(svg).unwrap().contains("<svg"));
    }
}
