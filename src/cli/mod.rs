//! Subcommands of `sgdc`, one file each.

pub mod data;
pub mod verify;
