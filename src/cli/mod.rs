//! The subcommands of `sgdc`, one file each.

pub mod measure;
