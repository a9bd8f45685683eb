//! # sgd-complexity
//!
//! Reference harness for *SGD on Neural Networks Learns Functions of Increasing Complexity*
//! (Nakkiran et al., NeurIPS 2019).
//!
//! The workspace's crates are its layers, and data flows one way:
//!
//! - `sgdc-core` (`crates/core`, no libtorch): errors, named random streams, the information
//!   measures, the run-folder format, the synthetic data models and the claims' thresholds,
//!   re-exported here as [`error`], [`rng`], [`info`], [`run`] and in [`data`] and
//!   [`claims::thresholds`];
//! - `sgdc-theory` (`theory/`, on `sgdc-core` only): the simplified model and the trajectory
//!   model, re-exported as [`theory`];
//! - this crate, the harness, on both: real data sets, models and the trainer (`torch`
//!   feature), the training curves of a run ([`training_curves`]), claims, report, `sgdc verify`
//!   and the CLI.
#![warn(missing_docs)]

pub mod claims;
pub mod data;
#[cfg(feature = "torch")]
pub mod model;
#[cfg(feature = "torch")]
pub mod network_timeline;
#[cfg(feature = "torch")]
pub mod ntk;
pub mod paths;
pub mod report;
#[cfg(feature = "torch")]
pub mod train;
pub mod training_curves;
pub mod trajectory_network;
pub mod verify;

pub use sgdc_core::{error, info, rng, run};
pub use sgdc_core::{Blame, Error, Result};
pub use sgdc_theory as theory;

/// The version of this crate: what run manifests record as `sgdc_version` and run keys hash.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
