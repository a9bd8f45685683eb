//! Subcommands of `sgdc`, one file each.

#[cfg(feature = "torch")]
pub mod bench_step;
#[cfg(feature = "torch")]
pub mod train;
