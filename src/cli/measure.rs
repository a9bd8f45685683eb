//! `sgdc measure`: the paper's measures on your own predictions.

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};
use sgd_complexity::info::{
    curve_tables, input::read_labels, input::LabelArray, measure_table, to_symbols, BootstrapCi,
    Estimator, MeasuredTable, Measures, NullSummary, Resampling, Table3, Unit, MAX_ALPHABET,
};
use sgd_complexity::Error;

/// Confidence level of the bootstrap intervals.
const CI_LEVEL: f64 = 0.95;

/// Arguments of `sgdc measure`.
#[derive(Args, Debug)]
pub struct MeasureArgs {
    /// Predictions of F: FILE.npy (1-D, or 2-D T x n for a curve), FILE.csv:COLUMN,
    /// FILE.tsv:COLUMN, or a text file with one label per line.
    #[arg(long = "f", value_name = "F")]
    pub f: String,
    /// Predictions of L (the reference classifier), same formats, 1-D.
    #[arg(long = "l", value_name = "L")]
    pub l: String,
    /// True labels Y, same formats, 1-D.
    #[arg(long = "y", value_name = "Y")]
    pub y: String,
    /// Number of classes K: every label must lie in 0..K. Inferred as max label + 1 when absent.
    #[arg(long, value_name = "K")]
    pub classes: Option<usize>,
    /// Entropy estimator.
    #[arg(long, value_enum, default_value_t = EstimatorArg::Plugin)]
    pub estimator: EstimatorArg,
    /// Bootstrap replicates for 95% confidence intervals (resampling test points).
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Shuffles of Y for the permutation null of mu (mean, sd, p-value).
    #[arg(long, value_name = "B")]
    pub null: Option<usize>,
    /// Master seed of the bootstrap and the permutation null.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Draw a curve (F of shape T x n) as the report does: I(F_t;Y), mu_Y(F_t;L), I(F_t;Y|L),
    /// the level I(L;Y) and T0, into PLOT.png and PLOT.svg (an extension .png/.svg is dropped).
    #[arg(long, value_name = "PLOT")]
    pub plot: Option<std::path::PathBuf>,
    /// SGD step of each row of F, for the x axis of --plot: FILE.npy or a text file, T
    /// increasing integers (default: the row index).
    #[arg(long, value_name = "STEPS", requires = "plot")]
    pub steps: Option<String>,
}

/// The estimator choice on the command line.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum EstimatorArg {
    /// Plug-in (maximum likelihood), the paper's estimator.
    Plugin,
    /// Miller-Madow bias-corrected.
    MillerMadow,
}

impl From<EstimatorArg> for Estimator {
    fn from(e: EstimatorArg) -> Self {
        match e {
            EstimatorArg::Plugin => Estimator::Plugin,
            EstimatorArg::MillerMadow => Estimator::MillerMadow,
        }
    }
}

/// One checkpoint's results.
type Row = MeasuredTable;

/// Run the command; every error is a one-line message naming the input at fault, and every
/// error about the inputs is a library [`Error`] (exit status 2).
pub fn run(args: &MeasureArgs) -> Result<()> {
    let est: Estimator = args.estimator.into();
    for (name, b) in [("--bootstrap", args.bootstrap), ("--null", args.null)] {
        if b == Some(0) {
            return Err(Error::input(
                format!("{name} 0"),
                "the number of replicates must be at least 1",
            )
            .into());
        }
    }
    let f = read_labels(&args.f)?;
    let l = read_labels(&args.l)?;
    let y = read_labels(&args.y)?;
    check_shapes(&f, &l, &y)?;
    let k = classes(args.classes, [&f, &l, &y])?;
    let sym = |a: &LabelArray| {
        to_symbols(&a.values, k, &a.source).map_err(|e| match args.classes {
            Some(_) => Error::input(format!("--classes {k}"), e.to_string()),
            None => e,
        })
    };
    let (fs, ls, ys) = (sym(&f)?, sym(&l)?, sym(&y)?);
    let tables = curve_tables(
        &fs,
        f.rows,
        &ls,
        &ys,
        [k; 3],
        [&f.source, &l.source, &y.source],
    )?;
    let rows = tables
        .iter()
        .enumerate()
        .map(|(i, t)| row(t, i as u64, args, est))
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = &args.plot {
        if !f.is_2d || f.rows < 2 {
            return Err(Error::input(
                format!("--plot {}", path.display()),
                "needs a curve, --f of shape T x n with T >= 2 (one row per checkpoint)",
            )
            .into());
        }
        let points: Vec<super::measure_plot::Point> = rows
            .iter()
            .map(|r| super::measure_plot::Point {
                m: &r.m,
                ci: r.ci.as_ref(),
            })
            .collect();
        let files = super::measure_plot::plot(path, &f.source, &points, args.steps.as_deref())?;
        eprintln!("plot: {} and {}", files[0].display(), files[1].display());
    }
    let out = if args.json {
        serde_json::to_string_pretty(&to_json(&rows, f.is_2d, k, args))?
    } else {
        to_table(&rows, f.is_2d, k, args)
    };
    println!("{out}");
    Ok(())
}

/// L and Y are 1-D, and F, L and Y have a label per test point each.
fn check_shapes(f: &LabelArray, l: &LabelArray, y: &LabelArray) -> Result<(), Error> {
    for a in [l, y] {
        if a.is_2d {
            return Err(Error::input(
                &a.source,
                "must be 1-D (n labels); only --f may be 2-D (T x n)",
            ));
        }
    }
    let n = y.cols;
    for a in [f, l] {
        if a.cols != n {
            return Err(Error::input(
                &a.source,
                format!(
                    "{} labels per row, but {} has {n}: the inputs must be aligned",
                    a.cols, y.source
                ),
            ));
        }
    }
    Ok(())
}

/// The alphabet size: `--classes`, else the largest label plus one.
fn classes(given: Option<usize>, inputs: [&LabelArray; 3]) -> Result<usize, Error> {
    match given {
        Some(k) if k == 0 || k > MAX_ALPHABET => Err(Error::input(
            format!("--classes {k}"),
            format!("must be in 1..={MAX_ALPHABET}"),
        )),
        Some(k) => Ok(k),
        None => {
            let max = inputs.iter().map(|a| a.max()).max().unwrap_or(0);
            if max >= MAX_ALPHABET as i64 {
                let a = inputs
                    .into_iter()
                    .find(|a| a.max() == max)
                    .unwrap_or(inputs[0]);
                return Err(Error::input(
                    &a.source,
                    format!(
                        "label {max} exceeds the largest supported alphabet (0..{MAX_ALPHABET})"
                    ),
                ));
            }
            // max >= 0: the readers reject negative labels.
            Ok(max as usize + 1)
        }
    }
}

fn row(t: &Table3, index: u64, args: &MeasureArgs, est: Estimator) -> Result<Row> {
    let r = Resampling {
        bootstrap: args.bootstrap,
        null: args.null,
        level: CI_LEVEL,
        seed: args.seed,
    };
    Ok(measure_table(t, index, &r, est, Unit::Bits)?)
}

fn estimator_name(args: &MeasureArgs) -> &'static str {
    match args.estimator {
        EstimatorArg::Plugin => "plugin",
        EstimatorArg::MillerMadow => "miller-madow",
    }
}

type Get = fn(&Measures) -> f64;
const KEYS: [(&str, &str, Get); 6] = [
    ("i_fy", "I(F;Y)", |m| m.i_fy),
    ("i_ly", "I(L;Y)", |m| m.i_ly),
    ("i_fl", "I(F;L)", |m| m.i_fl),
    ("i_fy_given_l", "I(F;Y|L)", |m| m.i_fy_given_l),
    ("i_ly_given_f", "I(L;Y|F)", |m| m.i_ly_given_f),
    ("mu", "mu", |m| m.mu),
];

fn ci_of(ci: &BootstrapCi, key: &str) -> [f64; 2] {
    let iv = match key {
        "i_fy" => ci.i_fy,
        "i_ly" => ci.i_ly,
        "i_fl" => ci.i_fl,
        "i_fy_given_l" => ci.i_fy_given_l,
        "i_ly_given_f" => ci.i_ly_given_f,
        _ => ci.mu,
    };
    [iv.lo, iv.hi]
}

fn to_json(rows: &[Row], curve: bool, k: usize, args: &MeasureArgs) -> Value {
    let mut o = Map::new();
    o.insert("n".into(), json!(rows.first().map_or(0, |r| r.m.n)));
    o.insert("classes".into(), json!(k));
    o.insert("estimator".into(), json!(estimator_name(args)));
    o.insert("unit".into(), json!("bits"));
    o.insert("seed".into(), json!(args.seed));
    if curve {
        o.insert("checkpoints".into(), json!(rows.len()));
    }
    for (key, _, get) in KEYS {
        let v = if curve && key != "i_ly" {
            json!(rows.iter().map(|r| get(&r.m)).collect::<Vec<_>>())
        } else {
            json!(get(&rows[0].m))
        };
        o.insert(key.into(), v);
    }
    if args.bootstrap.is_some() {
        let mut ci = Map::new();
        ci.insert("level".into(), json!(CI_LEVEL));
        ci.insert("replicates".into(), json!(args.bootstrap));
        for (key, _, _) in KEYS {
            let ivs: Vec<[f64; 2]> = rows
                .iter()
                .filter_map(|r| r.ci.as_ref())
                .map(|c| ci_of(c, key))
                .collect();
            ci.insert(key.into(), if curve { json!(ivs) } else { json!(ivs[0]) });
        }
        o.insert("ci".into(), Value::Object(ci));
    }
    if args.null.is_some() {
        let nulls: Vec<&NullSummary> = rows.iter().filter_map(|r| r.null.as_ref()).collect();
        let pick = |g: fn(&NullSummary) -> f64| {
            if curve {
                json!(nulls.iter().map(|s| g(s)).collect::<Vec<_>>())
            } else {
                json!(g(nulls[0]))
            }
        };
        o.insert(
            "null".into(),
            json!({
                "replicates": args.null,
                "mean": pick(|s| s.mean),
                "sd": pick(|s| s.sd),
                "p_value": pick(|s| s.p_value),
            }),
        );
    }
    Value::Object(o)
}

fn to_table(rows: &[Row], curve: bool, k: usize, args: &MeasureArgs) -> String {
    let mut s = format!(
        "n = {}, classes = {k}, estimator = {}, unit = bits",
        rows.first().map_or(0, |r| r.m.n),
        estimator_name(args)
    );
    if args.bootstrap.is_some() || args.null.is_some() {
        s += &format!(", seed = {}", args.seed);
    }
    s.push('\n');
    if !curve {
        let r = &rows[0];
        s += &format!("{:<10} {:>10}", "quantity", "value");
        if let Some(b) = args.bootstrap {
            s += &format!("   {:.0}% CI (bootstrap, B = {b})", CI_LEVEL * 100.0);
        }
        s.push('\n');
        for (key, label, get) in KEYS {
            s += &format!("{label:<10} {:>10.6}", get(&r.m));
            if let Some(ci) = &r.ci {
                let [lo, hi] = ci_of(ci, key);
                s += &format!("   [{lo:.6}, {hi:.6}]");
            }
            s.push('\n');
        }
        if let Some(nl) = &r.null {
            s += &format!(
                "null of mu (Y shuffled, B = {}): mean {:.6}, sd {:.6}, p = {:.4}\n",
                nl.replicates, nl.mean, nl.sd, nl.p_value
            );
        }
    } else {
        s += &format!("I(L;Y) = {:.6}\n", rows[0].m.i_ly);
        s += &format!(
            "{:>5} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "t", "I(F;Y)", "I(F;L)", "I(F;Y|L)", "I(L;Y|F)", "mu"
        );
        if args.bootstrap.is_some() {
            s += &format!(" {:>23}", "mu 95% CI");
        }
        if args.null.is_some() {
            s += &format!(" {:>10} {:>7}", "null mean", "p");
        }
        s.push('\n');
        for (t, r) in rows.iter().enumerate() {
            let m = &r.m;
            s += &format!(
                "{t:>5} {:>10.6} {:>10.6} {:>10.6} {:>10.6} {:>10.6}",
                m.i_fy, m.i_fl, m.i_fy_given_l, m.i_ly_given_f, m.mu
            );
            if let Some(ci) = &r.ci {
                s += &format!(" [{:>9.6}, {:>9.6}]", ci.mu.lo, ci.mu.hi);
            }
            if let Some(nl) = &r.null {
                s += &format!(" {:>10.6} {:>7.4}", nl.mean, nl.p_value);
            }
            s.push('\n');
        }
    }
    s.pop();
    s
}
