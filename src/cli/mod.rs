//! Subcommands of `sgdc`, one file each.

pub mod verify;
