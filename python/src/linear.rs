//! `fit_linear`: the harness's own fit of the linear classifier L (float64 L-BFGS on the
//! penalised logistic loss, `sgdc_core::linear`), from NumPy arrays.

use crate::error::{guard, BindError, Result};
use crate::labels;
use numpy::{PyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use sgdc_core::linear::{fit_dense, FitSettings, LinearFit as CoreFit, Rows};

/// A fitted linear classifier L: `predict(x)` is 1 where `x.w + b > 0`.
#[pyclass(module = "sgdc._sgdc", name = "LinearFit", frozen)]
pub struct LinearFit {
    fit: CoreFit,
    settings: FitSettings,
}

/// `obj` (argument `name`) as a C-contiguous float32 matrix of one row per input: any real
/// dtype, at least 2-D (an image batch `n x 28 x 28` is flattened to `n x 784`), converted once
/// by NumPy.
fn matrix<'py>(obj: &Bound<'py, PyAny>, name: &str) -> Result<PyReadonlyArray2<'py, f32>> {
    let py = obj.py();
    let np = py
        .import("numpy")
        .map_err(|e| BindError::arg(name, format!("NumPy is not importable: {e}")))?;
    let a = np
        .call_method1("asarray", (obj,))
        .map_err(|e| BindError::arg(name, format!("cannot be read as an array: {e}")))?;
    let kind: String = a
        .getattr("dtype")
        .and_then(|d| d.getattr("kind"))
        .and_then(|k| k.extract())
        .unwrap_or_default();
    let dtype = a
        .getattr("dtype")
        .map(|d| d.to_string())
        .unwrap_or_default();
    if !matches!(kind.as_str(), "b" | "i" | "u" | "f") {
        return Err(BindError::arg(
            name,
            format!("dtype {dtype} is not a real number type: pass the inputs as floats"),
        ));
    }
    let shape: Vec<usize> = a
        .getattr("shape")
        .and_then(|s| s.extract())
        .unwrap_or_default();
    if shape.len() < 2 {
        return Err(BindError::arg(
            name,
            format!("must be at least 2-D (n inputs x features), got shape {shape:?}"),
        ));
    }
    let n = shape[0];
    let d: usize = shape[1..].iter().product();
    let kwargs = pyo3::types::PyDict::new(py);
    let convert = || -> PyResult<Bound<'py, PyAny>> {
        kwargs.set_item("dtype", np.getattr("float32")?)?;
        let flat = a.call_method1("reshape", (n, d))?;
        np.call_method("ascontiguousarray", (flat,), Some(&kwargs))
    };
    let m = convert()
        .map_err(|e| BindError::arg(name, format!("cannot be converted to float32: {e}")))?;
    m.extract::<PyReadonlyArray2<'py, f32>>()
        .map_err(|e| BindError::arg(name, format!("cannot be read as float32: {e}")))
}

fn rows<'a>(x: &'a PyReadonlyArray2<'_, f32>, name: &str) -> Result<Rows<'a>> {
    let shape = x.shape();
    // `matrix` made it C-contiguous, so the slice is its rows in order.
    let data = x
        .as_slice()
        .map_err(|_| BindError::arg(name, "is not C-contiguous after conversion"))?;
    Ok(Rows::new(data, shape[0], shape[1], name)?)
}

/// Fit L on inputs `x` (n inputs, any real dtype, flattened to n x d and held as float32, as
/// the trainer holds them) with binary targets `y`.
#[pyfunction]
#[pyo3(signature = (x, y, *, l2=1e-4, tol=1e-5, max_iter=2000))]
pub fn fit_linear(
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    l2: f64,
    tol: f64,
    max_iter: usize,
) -> PyResult<LinearFit> {
    guard(|| {
        let settings = FitSettings { l2, tol, max_iter };
        settings.check().map_err(BindError::from)?;
        let x = matrix(x, "x")?;
        let r = rows(&x, "x")?;
        let targets = labels::read(y, "y", 1)?;
        if targets.shape[0] != r.n() {
            return Err(BindError::arg(
                "y",
                format!(
                    "{} labels, but x has {} rows: the inputs must be aligned",
                    targets.shape[0],
                    r.n()
                ),
            )
            .into());
        }
        if let Some(i) = targets.symbols().iter().position(|&v| v > 1) {
            return Err(BindError::arg(
                "y",
                format!(
                    "label {} at index {i}: L is a binary classifier (labels 0 and 1)",
                    targets.symbols()[i]
                ),
            )
            .into());
        }
        let fit = fit_dense(r, targets.symbols(), &settings).map_err(BindError::from)?;
        Ok(LinearFit { fit, settings })
    })
}

#[pymethods]
impl LinearFit {
    /// Hard predictions (uint8, 0 or 1) for inputs `x` (n inputs of the fit's shape);
    /// `argument` names `x` in errors.
    #[pyo3(signature = (x, *, argument="x"))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        argument: &str,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        guard(|| {
            let x = matrix(x, argument)?;
            let r = rows(&x, argument)?;
            if r.d() != self.fit.w.len() {
                return Err(BindError::arg(
                    argument,
                    format!(
                        "{} coordinates per input, but L was fitted on {}",
                        r.d(),
                        self.fit.w.len()
                    ),
                )
                .into());
            }
            let p = self.fit.predict_rows(r).map_err(BindError::from)?;
            Ok(PyArray1::from_vec(py, p))
        })
    }

    /// The weights (float64, one per input coordinate).
    #[getter]
    fn w<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.fit.w)
    }

    /// The bias.
    #[getter]
    fn b(&self) -> f64 {
        self.fit.b
    }

    /// L-BFGS iterations run.
    #[getter]
    fn iterations(&self) -> usize {
        self.fit.iterations
    }

    /// Objective and gradient evaluations.
    #[getter]
    fn evaluations(&self) -> usize {
        self.fit.evaluations
    }

    /// The final objective value.
    #[getter]
    fn loss(&self) -> f64 {
        self.fit.loss
    }

    /// The final gradient norm.
    #[getter]
    fn grad_norm(&self) -> f64 {
        self.fit.grad_norm
    }

    /// Whether the gradient norm fell below `tol`.
    #[getter]
    fn converged(&self) -> bool {
        self.fit.converged
    }

    /// The fit as the manifest records it (`config.linear`): settings and outcome.
    fn manifest_json(&self) -> PyResult<String> {
        let v = serde_json::json!({
            "source": "sgdc",
            "fit": "sgdc_core::linear::fit_dense (float64 L-BFGS, memory 10, Armijo backtracking)",
            "l2": self.settings.l2,
            "tol": self.settings.tol,
            "max_iter": self.settings.max_iter,
            "iterations": self.fit.iterations,
            "evaluations": self.fit.evaluations,
            "loss": self.fit.loss,
            "grad_norm": self.fit.grad_norm,
            "converged": self.fit.converged,
        });
        Ok(v.to_string())
    }

    fn __repr__(&self) -> String {
        format!(
            "LinearFit(d={}, iterations={}, grad_norm={:.3e}, converged={})",
            self.fit.w.len(),
            self.fit.iterations,
            self.fit.grad_norm,
            self.fit.converged
        )
    }
}
