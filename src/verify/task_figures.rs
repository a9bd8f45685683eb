//! The figures of a verification report drawn from runs: a task's curves over seeds, the
//! hierarchy's curves, and the 2-D toy's decision boundaries.

use crate::claims::{self, HierarchySeed, SeedRun};
use crate::error::{Error, Result};
use crate::report::figures::{write_curve_figure, Band, CurveFigure};
use crate::report::FigureRef;
use crate::run::RunRecord;
use crate::training_curves::Curves;
use std::path::Path;

fn median_i64(v: &mut [i64]) -> Option<i64> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

pub(super) fn task_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    runs: &[SeedRun],
    command: &str,
) -> Result<FigureRef> {
    let seeds: Vec<&Curves> = runs.iter().map(|r| &r.curves).collect();
    let mut t0: Vec<i64> = runs
        .iter()
        .filter_map(|r| claims::t0_index(&r.curves).map(|t| r.curves.points[t].step))
        .collect();
    let i_ly = seeds.iter().map(|c| c.i_ly).sum::<f64>() / seeds.len() as f64;
    // The training set has its own, sparser schedule: its band runs over the checkpoints that
    // recorded it.
    let train: Vec<Vec<(i64, f64)>> = seeds
        .iter()
        .map(|c| {
            c.points
                .iter()
                .filter_map(|p| p.i_fy_train.map(|i| (p.step, i)))
                .collect()
        })
        .collect();
    let fig = CurveFigure {
        title: title.into(),
        y_label: "bits".into(),
        bands: vec![
            Band::over_seeds("I(F_t; Y_test)", &seeds, |c, t| c.points[t].i_fy_test),
            Band::over(
                "I(F_t; Y_train)",
                &train,
                |s| s.len(),
                |s, t| s[t].0,
                |s, t| s[t].1,
            )
            .with_markers(),
            Band::over_seeds("mu_Y(F_t; L)", &seeds, |c, t| c.points[t].mu),
        ],
        levels: vec![("I(L; Y)".into(), i_ly)],
        markers: median_i64(&mut t0)
            .map(|s| vec![(format!("T0 (median, step {s})"), s as f64 + 1.0)])
            .unwrap_or_default(),
    };
    write_curve_figure(&report_dir.join("figures").join(file), &fig)?;
    Ok(FigureRef::in_figures(
        file,
        format!(
            "{title}: I(F_t;Y_test), I(F_t;Y_train), mu_Y(F_t;L) and the level I(L;Y) against SGD steps (log axis); lines are means over {} seeds, shaded bands their range; dashed vertical line: median T0.",
            runs.len()
        ),
        command,
    ))
}

pub(super) fn hierarchy_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    seeds: &[HierarchySeed],
    command: &str,
) -> Result<FigureRef> {
    let band = |label: &str, get: &dyn Fn(&HierarchySeed, usize) -> f64| {
        Band::over(label, seeds, |s| s.steps.len(), |s, t| s.steps[t], get)
    };
    let mut bands = vec![band("I(F_t; Y)", &|s, t| s.i_fy[t])];
    let names: Vec<String> = seeds[0].references.iter().map(|r| r.0.clone()).collect();
    for (k, name) in names.iter().enumerate() {
        bands.push(band(&format!("mu_Y(F_t; {name})"), &|s, t| {
            s.references[k].1[t]
        }));
    }
    let fig = CurveFigure {
        title: title.into(),
        y_label: "bits".into(),
        bands,
        levels: vec![],
        markers: vec![],
    };
    write_curve_figure(&report_dir.join("figures").join(file), &fig)?;
    Ok(FigureRef::in_figures(
        file,
        format!(
            "{title}: I(F_t;Y) and mu_Y(F_t;C_k) for reference classifiers C_k of increasing capacity trained to mimic the final network ({} seeds).",
            seeds.len()
        ),
        command,
    ))
}

/// Decision-boundary snapshots of a 2-D task (the Figure 1 toy): the test points coloured by the
/// prediction of L and of F_t at checkpoints spread over training (log-spaced in steps, T0
/// included), for the first seed. The test inputs are re-drawn from the data specification and
/// checked against the recorded labels.
pub(super) fn boundary_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    train: &toml::Table,
    rec: &RunRecord,
    run: &SeedRun,
    command: &str,
) -> Result<Option<FigureRef>> {
    use crate::data::spec::{load_task, DataSpec};
    use crate::report::figures::{write_snapshot_grid, Snapshot};
    let Some(data) = train.get("data").cloned() else {
        return Ok(None);
    };
    let spec: DataSpec = data
        .try_into()
        .map_err(|e: toml::de::Error| Error::param("data", "<experiment>", e.to_string()))?;
    let seed = run.seed;
    let task = load_task(&spec, Path::new("."), seed)?;
    if task.test.shape != [2] || task.test.y != rec.y_test {
        return Ok(None);
    }
    let n = rec.len();
    if n == 0 {
        return Ok(None);
    }
    let steps: Vec<i64> = rec.checkpoints.iter().map(|c| c.step).collect();
    let mut pick = vec![0, n - 1];
    if let Some(t0) = claims::t0_index(&run.curves) {
        pick.push(t0);
    }
    let max = (steps[n - 1].max(1) as f64).ln();
    for q in [0.3, 0.5, 0.7, 0.85] {
        let target = (q * max).exp();
        if let Some(i) = steps.iter().position(|&s| s as f64 >= target) {
            pick.push(i);
        }
    }
    pick.sort_unstable();
    pick.dedup();
    let pts = |pred: &[u8]| -> Vec<(f32, f32, u8)> {
        (0..task.test.len())
            .map(|i| {
                let x = task.test.input(i);
                (x[0], x[1], pred[i])
            })
            .collect()
    };
    let mut snaps = vec![Snapshot {
        title: format!("L (test acc {:.3})", run.curves.linear_test_acc),
        points: pts(&rec.linear_test),
    }];
    for &t in &pick {
        let p = &run.curves.points[t];
        snaps.push(Snapshot {
            title: format!("F at step {} (acc {:.3})", p.step, p.test_acc),
            points: pts(rec.test_row(t)?),
        });
    }
    write_snapshot_grid(&report_dir.join("figures").join(file), title, &snaps)?;
    Ok(Some(FigureRef::in_figures(
        file,
        format!(
            "{title}: predictions on the test points (blue: class 0, red: class 1) of the linear classifier L and of the network F_t over training, seed {}.",
            seed
        ),
        command,
    )))
}
