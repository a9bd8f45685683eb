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
pub mod error;
pub mod info;
#[cfg(feature = "torch")]
pub mod model;
pub mod paths;
pub mod report;
pub mod rng;
pub mod run;
#[path = "../theory/src/mod.rs"]
pub mod theory;
#[cfg(feature = "torch")]
pub mod train;
pub mod verify;

pub use error::{Blame, Error, Result};
