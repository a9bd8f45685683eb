//! `measures(f, l, y)` and `curve(F, l, y)`: the numbers of `sgdc measure`, from NumPy arrays.
//!
//! The same library calls as the command (`sgdc measure`, src/cli/measure.rs): one alphabet
//! `0..K` for F, L and Y (given, or the largest label plus one), [`curve_tables`], then
//! [`Measures::from_table`], [`bootstrap_ci`] and [`permutation_null`] with the checkpoint as
//! the sub-stream index. The results agree with `sgdc measure --json` to the last bit.

use crate::error::{guard, BindError, Result};
use crate::labels::{self, Labels};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sgd_complexity::info::{
    curve_tables, measure_table, BootstrapCi, Estimator, Interval, MeasuredTable, Measures,
    NullSummary, Resampling, Unit, MAX_ALPHABET,
};

/// Coverage of the bootstrap intervals (as `sgdc measure --bootstrap`).
const CI_LEVEL: f64 = 0.95;

/// The options both functions share.
struct Options {
    classes: Option<usize>,
    estimator: Estimator,
    bootstrap: Option<usize>,
    null: Option<usize>,
    seed: u64,
}

/// One checkpoint's results.
type Row = MeasuredTable;

fn estimator(name: &str) -> Result<Estimator> {
    match name {
        "plugin" => Ok(Estimator::Plugin),
        "miller-madow" | "miller_madow" => Ok(Estimator::MillerMadow),
        other => Err(BindError::arg(
            "estimator",
            format!("{other:?} is not an estimator (\"plugin\" or \"miller-madow\")"),
        )),
    }
}

fn options(
    classes: Option<usize>,
    est: &str,
    bootstrap: Option<usize>,
    null: Option<usize>,
    seed: u64,
) -> Result<Options> {
    for (name, b) in [("bootstrap", bootstrap), ("null", null)] {
        if b == Some(0) {
            return Err(BindError::arg(
                name,
                "the number of replicates must be at least 1",
            ));
        }
    }
    if let Some(k) = classes {
        if k == 0 || k > MAX_ALPHABET {
            return Err(BindError::arg(
                "classes",
                format!("{k} must be in 1..={MAX_ALPHABET}"),
            ));
        }
    }
    Ok(Options {
        classes,
        estimator: estimator(est)?,
        bootstrap,
        null,
        seed,
    })
}

/// Check the shapes of F (`t x n`), L and Y (`n`); returns `(t, n)`.
fn shapes(f: &Labels, l: &Labels, y: &Labels, names: [&str; 3]) -> Result<(usize, usize)> {
    let n = y.shape[0];
    if l.shape[0] != n {
        return Err(BindError::arg(
            names[1],
            format!(
                "{} labels, but {} has {n}: the inputs must be aligned",
                l.shape[0], names[2]
            ),
        ));
    }
    let (t, cols) = match f.shape[..] {
        [c] => (1, c),
        [t, c] => (t, c),
        _ => (0, 0),
    };
    if t == 0 {
        return Err(BindError::arg(
            names[0],
            "empty curve: 0 checkpoints (shape T x n with T >= 1)",
        ));
    }
    if cols != n {
        return Err(BindError::arg(
            names[0],
            format!(
                "{cols} labels per row, but {} has {n}: the inputs must be aligned",
                names[2]
            ),
        ));
    }
    if n == 0 {
        return Err(BindError::arg(names[2], "empty input: no test points"));
    }
    Ok((t, n))
}

/// Everything of `sgdc measure` for one call: the rows, the alphabet size and n.
fn compute(
    py: Python<'_>,
    f: &Labels,
    l: &Labels,
    y: &Labels,
    names: [&str; 3],
    o: &Options,
) -> Result<(Vec<Row>, usize, usize)> {
    let (t, n) = shapes(f, l, y, names)?;
    let k = match o.classes {
        Some(k) => k,
        None => usize::from(f.max().max(l.max()).max(y.max())) + 1,
    };
    let (fs, ls, ys) = (f.symbols(), l.symbols(), y.symbols());
    let (est, unit) = (o.estimator, Unit::Bits);
    let rows = py.detach(|| -> Result<Vec<Row>> {
        let tables = curve_tables(fs, t, ls, ys, [k; 3], names)?;
        tables
            .iter()
            .enumerate()
            .map(|(i, tab)| {
                let r = Resampling {
                    bootstrap: o.bootstrap,
                    null: o.null,
                    level: CI_LEVEL,
                    seed: o.seed,
                };
                Ok(measure_table(tab, i as u64, &r, est, unit)?)
            })
            .collect()
    })?;
    Ok((rows, k, n))
}

type Get = fn(&Measures) -> f64;
/// The keys of `sgdc measure --json`, in its order.
const KEYS: [(&str, Get); 6] = [
    ("i_fy", |m| m.i_fy),
    ("i_ly", |m| m.i_ly),
    ("i_fl", |m| m.i_fl),
    ("i_fy_given_l", |m| m.i_fy_given_l),
    ("i_ly_given_f", |m| m.i_ly_given_f),
    ("mu", |m| m.mu),
];

fn interval(ci: &BootstrapCi, key: &str) -> Interval {
    match key {
        "i_fy" => ci.i_fy,
        "i_ly" => ci.i_ly,
        "i_fl" => ci.i_fl,
        "i_fy_given_l" => ci.i_fy_given_l,
        "i_ly_given_f" => ci.i_ly_given_f,
        _ => ci.mu,
    }
}

/// The dictionary of `sgdc measure --json`: scalars for one prediction vector, lists for a curve
/// (I(L;Y) is one number either way).
fn to_dict<'py>(
    py: Python<'py>,
    rows: &[Row],
    curve: bool,
    k: usize,
    n: usize,
    o: &Options,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n", n)?;
    d.set_item("classes", k)?;
    d.set_item(
        "estimator",
        match o.estimator {
            Estimator::Plugin => "plugin",
            Estimator::MillerMadow => "miller-madow",
        },
    )?;
    d.set_item("unit", "bits")?;
    d.set_item("seed", o.seed)?;
    if curve {
        d.set_item("checkpoints", rows.len())?;
    }
    for (key, get) in KEYS {
        if curve && key != "i_ly" {
            d.set_item(key, rows.iter().map(|r| get(&r.m)).collect::<Vec<f64>>())?;
        } else {
            d.set_item(key, rows.first().map_or(f64::NAN, |r| get(&r.m)))?;
        }
    }
    if let Some(b) = o.bootstrap {
        let ci = PyDict::new(py);
        ci.set_item("level", CI_LEVEL)?;
        ci.set_item("replicates", b)?;
        for (key, _) in KEYS {
            let ivs: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| r.ci.as_ref())
                .map(|c| {
                    let iv = interval(c, key);
                    (iv.lo, iv.hi)
                })
                .collect();
            if curve {
                ci.set_item(key, ivs)?;
            } else if let Some(iv) = ivs.first() {
                ci.set_item(key, *iv)?;
            }
        }
        d.set_item("ci", ci)?;
    }
    if let Some(b) = o.null {
        let nulls: Vec<&NullSummary> = rows.iter().filter_map(|r| r.null.as_ref()).collect();
        let nd = PyDict::new(py);
        nd.set_item("replicates", b)?;
        let pick =
            |g: fn(&NullSummary) -> f64| -> Vec<f64> { nulls.iter().map(|s| g(s)).collect() };
        for (key, g) in [
            ("mean", (|s| s.mean) as fn(&NullSummary) -> f64),
            ("sd", |s| s.sd),
            ("p_value", |s| s.p_value),
        ] {
            let v = pick(g);
            if curve {
                nd.set_item(key, v)?;
            } else {
                nd.set_item(key, v.first().copied().unwrap_or(f64::NAN))?;
            }
        }
        d.set_item("null", nd)?;
    }
    Ok(d)
}

/// The measures of one prediction vector `f` against the reference classifier's `l` and the
/// labels `y` (1-D integer arrays of one length): the dictionary `sgdc measure --json` prints.
#[pyfunction]
#[pyo3(signature = (f, l, y, *, classes=None, estimator="plugin", bootstrap=None, null=None, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn measures<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    l: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    classes: Option<usize>,
    estimator: &str,
    bootstrap: Option<usize>,
    null: Option<usize>,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let o = (classes, estimator, bootstrap, null, seed);
    guard(|| measure_arrays(py, (f, "f", 1), l, y, o))
}

/// The measures of every checkpoint of a curve `F` (T x n) against `l` and `y` (n each): the
/// dictionary `sgdc measure --json` prints for a 2-D input, with one value per checkpoint.
#[pyfunction]
#[pyo3(signature = (f, l, y, *, classes=None, estimator="plugin", bootstrap=None, null=None, seed=0))]
#[allow(clippy::too_many_arguments)]
pub fn curve<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    l: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    classes: Option<usize>,
    estimator: &str,
    bootstrap: Option<usize>,
    null: Option<usize>,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let o = (classes, estimator, bootstrap, null, seed);
    guard(|| measure_arrays(py, (f, "F", 2), l, y, o))
}

/// What [`measures`] and [`curve`] share: read `f` (named `f_name`, of `f_dims` dimensions), `l`
/// and `y`, compute, and build the dictionary (one value per row when `f` is 2-D).
fn measure_arrays<'py>(
    py: Python<'py>,
    (f, f_name, f_dims): (&Bound<'py, PyAny>, &'static str, usize),
    l: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    (classes, estimator, bootstrap, null, seed): (
        Option<usize>,
        &str,
        Option<usize>,
        Option<usize>,
        u64,
    ),
) -> PyResult<Bound<'py, PyDict>> {
    let o = options(classes, estimator, bootstrap, null, seed)?;
    let (fa, la, ya) = (
        labels::read(f, f_name, f_dims)?,
        labels::read(l, "l", 1)?,
        labels::read(y, "y", 1)?,
    );
    let (rows, k, n) = compute(py, &fa, &la, &ya, [f_name, "l", "y"], &o)?;
    to_dict(py, &rows, f_dims == 2, k, n, &o)
}
