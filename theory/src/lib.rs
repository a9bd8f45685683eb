//! # sgdc-theory
//!
//! The theory of sgd-complexity, on the bottom layer `sgdc-core` only (no libtorch): the paper's
//! simplified model of retention, its closed-form prediction, and a comparison of the two
//! (described in `theory/README.md`); and the trajectory model ([`trajectory`]).
//!
//! A [`LinearSignal`](sgdc_core::data::linear_signal::LinearSignal) model supplies data whose label is
//! the sign of a linear function of a few signal coordinates, plus many extra coordinates.
//! Phase 1 fits a linear classifier L on the signal coordinates; phase 2 fits L's training
//! residual exactly with the minimum-norm correction over all coordinates, giving F. Conditional
//! on the training set, the law of `(F, L, Y)` on a fresh point has a closed form
//! ([`predict`](predict::predict)), compared with a fresh test sample measured through
//! [`sgdc_core::info`].
//!
//! - [`simulate`](simulate::simulate): one simulation.
//! - [`sweep`]: sweeps over `n`, `D`, `eta`, `d` with seeds, read from TOML.
//! - [`claim`]: claim C8 evaluated from a sweep.
//! - [`plot`]: the SVG figure of theory against simulation.
//! - [`trajectory`]: a solvable model of the whole trajectory (T0, departures; claim C11).

#![warn(missing_docs)]

pub mod claim;
pub mod linalg;
pub mod plot;
pub mod predict;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod trajectory;

pub use claim::{claim_c8, evaluate_c8, C8Result, C8Thresholds};
pub use simulate::{simulate, SimConfig, SimResult};
pub use sweep::{simulate_sweep, ModelKind, PointSummary, SweepResult, SweepSpec};
