//! Integration tests of the trainer (one binary: libtorch links are slow). Tests that train
//! hold a global lock, since libtorch's thread count is process-wide.

mod common;
mod determinism;
mod errors;
mod folder;
mod kernels;
mod own_data;
mod resume;
mod snapshot;
mod trajectory_network;
