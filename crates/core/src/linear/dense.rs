//! The objective of L evaluated in plain Rust over a row-major float32 matrix (no libtorch):
//! what the Python package fits L with.
//!
//! Inputs stay float32 in memory (as in the trainer); every product and sum is float64, in a
//! fixed order (four interleaved partial sums per row, rows in order), so a fit is a function of
//! its inputs alone, the same on every machine and thread count.

use super::{lbfgs, FitSettings, LinearFit, Objective};
use crate::{Error, Result};

/// A row-major float32 matrix of `n` inputs with `d` coordinates each, checked finite.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    data: &'a [f32],
    n: usize,
    d: usize,
}

impl<'a> Rows<'a> {
    /// View `data` as `n` rows of `d` coordinates. `what` names the input in errors: a length
    /// that is not `n * d`, no rows, no coordinates, or a value that is not finite.
    pub fn new(data: &'a [f32], n: usize, d: usize, what: &str) -> Result<Self> {
        if n == 0 {
            return Err(Error::Empty(what.into()));
        }
        if d == 0 {
            return Err(Error::input(what, "no input coordinates (d = 0)"));
        }
        if n.checked_mul(d) != Some(data.len()) {
            return Err(Error::input(
                what,
                format!("{} values do not make {n} rows of {d}", data.len()),
            ));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::input(
                what,
                format!(
                    "value {} at row {}, column {} is not finite",
                    data[i],
                    i / d,
                    i % d
                ),
            ));
        }
        Ok(Rows { data, n, d })
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Coordinates per row.
    pub fn d(&self) -> usize {
        self.d
    }

    fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
}

/// `x . w` in float64 with four interleaved partial sums (a fixed order).
fn score(x: &[f32], w: &[f64]) -> f64 {
    let mut acc = [0f64; 4];
    let mut xs = x.chunks_exact(4);
    let mut ws = w.chunks_exact(4);
    for (xc, wc) in (&mut xs).zip(&mut ws) {
        for k in 0..4 {
            acc[k] += xc[k] as f64 * wc[k];
        }
    }
    let mut tail = 0.0;
    for (a, b) in xs.remainder().iter().zip(ws.remainder()) {
        tail += *a as f64 * b;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The penalised logistic loss over `rows` with binary targets.
struct Dense<'a> {
    rows: Rows<'a>,
    y: Vec<f64>,
    l2: f64,
}

impl Objective for Dense<'_> {
    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>)> {
        let d = self.rows.d;
        let (w, b) = (&theta[..d], theta[d]);
        let mut g = vec![0f64; d + 1];
        let mut loss = 0.0;
        let mut rsum = 0.0;
        for (i, &yi) in self.y.iter().enumerate() {
            let x = self.rows.row(i);
            let z = score(x, w) + b;
            // softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(exp(-|z|)), exact for every z.
            loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - yi * z;
            let r = 1.0 / (1.0 + (-z).exp()) - yi;
            rsum += r;
            for (gj, &xj) in g[..d].iter_mut().zip(x) {
                *gj += r * xj as f64;
            }
        }
        let n = self.rows.n as f64;
        let mut reg = 0.0;
        for (gj, &wj) in g[..d].iter_mut().zip(w) {
            *gj = *gj / n + self.l2 * wj;
            reg += wj * wj;
        }
        g[d] = rsum / n;
        Ok((loss / n + 0.5 * self.l2 * reg, g))
    }
}

/// Fit L on `rows` with binary targets `y` (0 or 1, one per row).
pub fn fit_dense(rows: Rows<'_>, y: &[u8], settings: &FitSettings) -> Result<LinearFit> {
    settings.check()?;
    if y.len() != rows.n {
        return Err(Error::LengthMismatch {
            what: "linear classifier targets".into(),
            got: y.len(),
            expected: rows.n,
        });
    }
    super::check_targets(y)?;
    let p = Dense {
        rows,
        y: y.iter().map(|&v| v as f64).collect(),
        l2: settings.l2,
    };
    lbfgs::minimize(&p, rows.d, settings.tol, settings.max_iter)
}

impl LinearFit {
    /// Hard predictions (1 where `x.w + b > 0`, in float64) for each row of `rows`.
    pub fn predict_rows(&self, rows: Rows<'_>) -> Result<Vec<u8>> {
        if rows.d != self.w.len() {
            return Err(Error::LengthMismatch {
                what: "linear classifier input (coordinates per row)".into(),
                got: rows.d,
                expected: self.w.len(),
            });
        }
        Ok((0..rows.n)
            .map(|i| u8::from(score(rows.row(i), &self.w) + self.b > 0.0))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two well-separated clusters: the fit converges, predicts every training point right, and
    /// its gradient at the optimum is zero to the tolerance (checked by finite differences of
    /// the objective).
    #[test]
    fn separable_clusters_are_fitted() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let t = i as f32 / 200.0;
            let label = (i % 2) as u8;
            let centre = if label == 1 { 1.0 } else { -1.0 };
            x.extend_from_slice(&[centre + 0.3 * (t - 0.5), 0.5 * t, -centre]);
            y.push(label);
        }
        let rows = Rows::new(&x, 200, 3, "x").expect("rows");
        let s = FitSettings::default();
        let fit = fit_dense(rows, &y, &s).expect("fit");
        assert!(fit.converged, "{fit:?}");
        assert_eq!(fit.predict_rows(rows).expect("predict"), y);
        let p = Dense {
            rows,
            y: y.iter().map(|&v| v as f64).collect(),
            l2: s.l2,
        };
        let theta: Vec<f64> = fit.w.iter().copied().chain([fit.b]).collect();
        let (_, g) = p.eval(&theta).expect("eval");
        for j in 0..theta.len() {
            let h = 1e-5;
            let mut up = theta.clone();
            up[j] += h;
            let mut down = theta.clone();
            down[j] -= h;
            let fd = (p.eval(&up).expect("eval").0 - p.eval(&down).expect("eval").0) / (2.0 * h);
            assert!((fd - g[j]).abs() < 1e-6, "coordinate {j}: {fd} vs {}", g[j]);
            assert!(g[j].abs() <= s.tol, "gradient {j} = {}", g[j]);
        }
    }

    #[test]
    fn bad_inputs_are_named() {
        let x = [0.0f32, 1.0, f32::NAN, 2.0];
        let err = Rows::new(&x, 2, 2, "x_train").expect_err("nan");
        assert!(err.to_string().contains("x_train") && err.to_string().contains("row 1, column 0"));
        let err = Rows::new(&x, 3, 2, "x_train").expect_err("shape");
        assert!(err.to_string().contains("4 values do not make 3 rows of 2"));
        let x = [0.0f32, 1.0, 1.0, 2.0];
        let rows = Rows::new(&x, 2, 2, "x").expect("rows");
        let err = fit_dense(rows, &[0, 2], &FitSettings::default()).expect_err("label");
        assert!(err.to_string().contains("label 2 at index 1"));
        let err = fit_dense(rows, &[0], &FitSettings::default()).expect_err("length");
        assert!(err.to_string().contains("1 labels, expected 2"));
        let bad = FitSettings {
            tol: 0.0,
            ..FitSettings::default()
        };
        assert!(fit_dense(rows, &[0, 1], &bad)
            .expect_err("tol")
            .to_string()
            .contains("tol"));
    }
}
