//! Subcommands of `sgdc`, one file each.

#[cfg(feature = "torch")]
pub mod bench_step;
pub mod data;
pub mod measure;
pub mod measure_plot;
pub mod simulate;
#[cfg(feature = "torch")]
pub mod train;
pub mod trajectory;
pub mod verify;
