//! Errors of the bindings, and how they reach Python: never as a panic.
//!
//! Input errors become `ValueError`, failures to read or write files `OSError`; both name the
//! argument or the file at fault. Every entry point runs inside [`guard`], which turns a panic
//! (a bug) into a `RuntimeError` instead of letting it unwind into the interpreter.

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::PyErr;
use sgd_complexity::Error as CoreError;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Everything the bindings can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// An argument is wrong (shape, dtype, values, option); the message names it.
    #[error("{arg}: {reason}")]
    Arg {
        /// The argument, as the Python signature names it.
        arg: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An error of the library (measures, run folders, claims).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A file or folder exists where the caller asked for a new one.
    #[error("{0}: already holds a finished run (pass overwrite=True to replace it)")]
    Exists(String),
}

impl BindError {
    /// Shorthand for [`BindError::Arg`].
    pub fn arg(arg: impl Into<String>, reason: impl Into<String>) -> Self {
        BindError::Arg {
            arg: arg.into(),
            reason: reason.into(),
        }
    }
}

/// The result type of the bindings.
pub type Result<T, E = BindError> = std::result::Result<T, E>;

impl From<BindError> for PyErr {
    fn from(e: BindError) -> PyErr {
        let msg = e.to_string();
        match e {
            BindError::Core(CoreError::Io { .. } | CoreError::Write { .. })
            | BindError::Exists(_) => PyOSError::new_err(msg),
            _ => PyValueError::new_err(msg),
        }
    }
}

/// Run `f`, turning a panic into a `RuntimeError` (a bug to report) instead of unwinding into
/// Python.
pub fn guard<T>(f: impl FnOnce() -> pyo3::PyResult<T>) -> pyo3::PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(PyRuntimeError::new_err(format!(
                "internal error in sgdc (please report it): {what}"
            )))
        }
    }
}
