//! Subcommands of `sgdc`, one file each.

pub mod data;
pub mod measure;
pub mod simulate;
pub mod verify;
