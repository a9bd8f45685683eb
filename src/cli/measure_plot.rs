//! `sgdc measure --plot`: the report's curve figure for predictions saved anywhere.

use anyhow::Result;
use sgd_complexity::claims::departure;
use sgd_complexity::claims::thresholds::T0_GAP_BITS;
use sgd_complexity::info::input::read_labels;
use sgd_complexity::info::{BootstrapCi, Interval, Measures};
use sgd_complexity::report::figures::{write_curve_figure_with_x, Band, CurveFigure, STEP_AXIS};
use sgd_complexity::Error;
use std::path::{Path, PathBuf};

/// One checkpoint of the curve: its measures and, with `--bootstrap`, their intervals.
pub struct Point<'a> {
    /// The measures.
    pub m: &'a Measures,
    /// Bootstrap intervals, if computed.
    pub ci: Option<&'a BootstrapCi>,
}

/// `PLOT` without a `.png` / `.svg` extension: the figure goes to `base.png` and `base.svg`.
fn base_of(plot: &Path) -> PathBuf {
    match plot.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") || e.eq_ignore_ascii_case("svg") => {
            plot.with_extension("")
        }
        _ => plot.to_path_buf(),
    }
}

/// Draw I(F_t;Y), mu_Y(F_t;L) and I(F_t;Y|L) against the steps (or the row index), the level
/// I(L;Y) and T0 (the report's T0 rule), as the report's curve figures do; with bootstrap
/// intervals the bands are the intervals. Returns the two files written.
pub fn plot(
    path: &Path,
    f_source: &str,
    points: &[Point],
    steps: Option<&str>,
) -> Result<[PathBuf; 2]> {
    let t = points.len();
    let (xs, x_label): (Vec<f64>, String) = match steps {
        Some(spec) => {
            let s = read_labels(spec)?;
            if s.is_2d || s.cols != t {
                return Err(Error::input(
                    spec,
                    format!(
                        "{} values of shape {}x{}; --steps needs one SGD step per row of --f ({t})",
                        s.values.len(),
                        s.rows,
                        s.cols
                    ),
                )
                .into());
            }
            if s.values.windows(2).any(|w| w[1] <= w[0]) {
                return Err(Error::input(spec, "steps must be strictly increasing").into());
            }
            (
                s.values.iter().map(|&v| v as f64 + 1.0).collect(),
                STEP_AXIS.to_string(),
            )
        }
        None => (
            (1..=t).map(|v| v as f64).collect(),
            "row of F + 1 (log scale; pass --steps for SGD steps)".to_string(),
        ),
    };
    type Pick = fn(&Measures) -> f64;
    type PickCi = fn(&BootstrapCi) -> Interval;
    // In the report's colours: I(F;Y) blue, mu green (the report's red is I(F;Y_train)).
    let series: [(&str, Pick, PickCi); 3] = [
        ("I(F_t; Y)", |m| m.i_fy, |c| c.i_fy),
        ("I(F_t; Y | L)", |m| m.i_fy_given_l, |c| c.i_fy_given_l),
        ("mu_Y(F_t; L)", |m| m.mu, |c| c.mu),
    ];
    let bands = series
        .iter()
        .map(|(label, get, get_ci)| Band {
            label: (*label).into(),
            points: points
                .iter()
                .zip(&xs)
                .map(|(p, &x)| {
                    let v = get(p.m);
                    match p.ci {
                        Some(c) => (x, get_ci(c).lo, v, get_ci(c).hi),
                        None => (x, v, v, v),
                    }
                })
                .collect(),
            markers: false,
        })
        .collect();
    let i_fy: Vec<f64> = points.iter().map(|p| p.m.i_fy).collect();
    let mu: Vec<f64> = points.iter().map(|p| p.m.mu).collect();
    let markers = departure(&i_fy, &mu, T0_GAP_BITS)
        .map(|i| {
            let at = match steps {
                Some(_) => format!("step {}", xs[i] - 1.0),
                None => format!("row {i}"),
            };
            vec![(format!("T0 ({at})"), xs[i])]
        })
        .unwrap_or_default();
    let fig = CurveFigure {
        title: format!("sgdc measure: {f_source}"),
        y_label: "bits".into(),
        bands,
        levels: vec![("I(L; Y)".into(), points[0].m.i_ly)],
        markers,
    };
    Ok(write_curve_figure_with_x(&base_of(path), &fig, &x_label)?)
}
