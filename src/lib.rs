//! # sgd-complexity
//!
//! Reference harness for *SGD on Neural Networks Learns Functions of Increasing Complexity*
//! (Nakkiran et al., NeurIPS 2019).
//!
//! Data flows one way: [`info`] (information measures over hard predictions, no torch) is the
//! bottom layer; the `torch` feature adds data sets, models and the trainer; claims and reports sit
//! on top. The [`theory`] module tree (sources under `theory/`) simulates the paper's simplified
//! model without libtorch.
#![warn(missing_docs)]

pub mod claims;
pub mod curves;
pub mod data;
#[cfg(feature = "torch")]
pub mod model;
pub mod paths;
pub mod report;
#[cfg(feature = "torch")]
pub mod train;
pub mod trajectory_network;
pub mod verify;

pub use sgdc_core::{error, info, rng, run};
pub use sgdc_core::{Blame, Error, Result};
pub use sgdc_theory as theory;
