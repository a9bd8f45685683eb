//! Subcommands of `sgdc`, one file each.

pub mod data;
pub mod measure;
pub mod simulate;
#[cfg(feature = "torch")]
pub mod bench_step;
#[cfg(feature = "torch")]
pub mod train;
