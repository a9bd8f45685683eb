//! `sgdc`: the command-line front end of sgd-complexity.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod cli;

/// Reproduce and extend "SGD on Neural Networks Learns Functions of Increasing Complexity".
#[derive(Parser, Debug)]
#[command(name = "sgdc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the build's features and versions.
    Info,
    /// Train a network from a TOML configuration into a run folder.
    #[cfg(feature = "torch")]
    Train(cli::train::TrainArgs),
    /// Seconds per SGD step of the trainer (for comparisons with PyTorch).
    #[cfg(feature = "torch")]
    #[command(hide = true)]
    BenchStep(cli::bench_step::BenchStepArgs),
}

fn main() -> Result<()> {
    // Reproducible MKL results (independent of the thread count) unless the user chose otherwise;
    // must happen before the first libtorch call.
    #[cfg(feature = "torch")]
    sgd_complexity::train::numerics::init_env();
    let cli = Cli::parse();
    match cli.command {
        #[cfg(feature = "torch")]
        Command::Train(args) => cli::train::run(args),
        #[cfg(feature = "torch")]
        Command::BenchStep(args) => cli::bench_step::run(args)?,
        Command::Info => {
            println!("sgdc {}", env!("CARGO_PKG_VERSION"));
            println!("torch feature: {}", cfg!(feature = "torch"));
            #[cfg(feature = "torch")]
            {
                let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
                println!(
                    "libtorch: sum check {}",
                    t.sum(tch::Kind::Float).double_value(&[])
                );
                println!("cuda available: {}", tch::Cuda::is_available());
            }
        }
    }
    Ok(())
}
