//! Data sets: in-memory tensors of inputs with binary labels, real loaders and synthetic models.
//!
//! Nothing here depends on torch: inputs are plain `f32` buffers that the trainer turns into
//! tensors. Every random choice (synthetic sampling, label noise, subsampling) takes an explicit
//! generator derived from the master seed (see [`crate::rng`]).

pub mod augment;
pub mod cifar;
pub mod draw;
pub mod fetch;
pub mod files;
pub mod hermite;
pub mod idx;
pub mod images;
pub mod mnist;
pub mod spec;

pub use sgdc_core::data::{
    gaussian_linear, hypercube, linear_signal, sinusoid, synthetic, toy, Examples, Task,
};

pub use spec::{load_task, DataSpec, TaskKind};
