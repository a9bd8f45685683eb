//! # sgdc-core
//!
//! The bottom layer of sgd-complexity, with no libtorch: what the theory and the harness both
//! stand on.
//!
//! - [`error`]: the one error type and who can fix each failure.
//! - [`rng`]: the named random streams every random choice is drawn from.
//! - [`info`]: the information measures over hard predictions (I(F;Y), mu, ...).
//! - [`linear`]: the linear classifier L (logistic regression, L-BFGS in float64).
//! - [`run`]: the run-folder format (arrays, manifest, atomic writes).
//! - [`data`]: examples, tasks and the synthetic data models.
//! - [`thresholds`]: the claims' thresholds and the departure (T0) rule.
#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod info;
pub mod linear;
pub mod rng;
pub mod run;
pub mod thresholds;

pub use error::{Blame, Error, Result};
