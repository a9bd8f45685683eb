//! # sgdc (Python)
//!
//! The bindings under the Python package `sgdc`: the harness's own code, not a re-implementation.
//!
//! - [`measure`]: `measures` and `curve` over NumPy label arrays (the numbers of `sgdc measure`).
//! - [`linear`]: `fit_linear`, the harness's own fit of L (float64 L-BFGS).
//! - [`record`]: `RunWriter`, the run folder of a training loop that is not sgdc's.
//! - [`verdict`]: `report_json` (the evaluation of `sgdc report`) and `checkpoint_steps`.
//! - [`labels`]: NumPy arrays as `u8` symbols; [`error`]: Python exceptions, never panics.
#![warn(missing_docs)]

pub mod error;
pub mod labels;
pub mod linear;
pub mod measure;
pub mod record;
pub mod verdict;

use pyo3::prelude::*;

/// The extension module `sgdc._sgdc`.
#[pymodule]
fn _sgdc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(measure::measures, m)?)?;
    m.add_function(wrap_pyfunction!(measure::curve, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::report_json, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::checkpoint_steps, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::next_seeds, m)?)?;
    m.add("SEED_BATCH", sgd_complexity::claims::thresholds::SEED_BATCH)?;
    m.add("SEED_CAP", sgd_complexity::claims::thresholds::SEED_CAP)?;
    m.add_function(wrap_pyfunction!(linear::fit_linear, m)?)?;
    m.add_class::<linear::LinearFit>()?;
    m.add_class::<record::RunWriter>()?;
    m.add("FORMAT_VERSION", sgd_complexity::run::FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
