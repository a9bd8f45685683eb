//! The trajectory model: a solvable model of the whole training trajectory, predicting the
//! linear phase, T0 and the order of departures from the reference classes, beside a
//! simulation of the same learner (`theory/README.md`, "The trajectory").
//!
//! - [`model`]: the extension point [`TrajectoryModel`], the Hermite basis and the built-in
//!   [`HermiteTarget`].
//! - [`predict`](mod@predict): the closed form (population gradient flow) and the law of `(F_t, C_k, Y)`.
//! - [`simulate`](mod@simulate): explicit gradient descent on a sample, measured on fresh test points.
//! - [`kernel`]: kernels projected on the Hermite features by degree; the ReLU MLP's NTK.
//! - [`curves`]: the information curves, departures and bootstrap spreads shared by both.
//! - [`claim`]: the comparison from a TOML configuration and claim C11.
//! - [`plot`]: the SVG figure.
//!
//! A network trained by `sgdc train` on the same data is put beside the closed form by the harness
//! (`sgd_complexity::trajectory_network`), which reads run folders and draws the task again.

pub mod claim;
pub mod curves;
pub mod kernel;
pub mod model;
pub mod plot;
pub mod predict;
pub mod simulate;

pub use claim::{
    evaluate, evaluate_c11, evaluate_model, C11Result, TrajectoryConfig, TrajectoryResult,
};
pub use model::{HermiteBasis, HermiteTarget, TrajectoryModel};
pub use predict::{estimate_coefficients, predict, Coefficients, Prediction, TheoryConfig};
pub use simulate::{simulate, SimConfig, Simulation};
