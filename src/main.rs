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
    /// Run what is missing of every experiment, check the paper's claims, write the report.
    Verify(cli::verify::VerifyArgs),
    /// Run one experiment (all its seeds) and report on it.
    Run(cli::verify::RunArgs),
    /// Evaluate finished runs of one or several output folders (e.g. shards) into one report.
    Report(cli::verify::ReportArgs),
    /// Fetch and check the real data sets.
    Data(cli::data::DataArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => cli::verify::verify(args, &cli::verify::NoTrainer),
        Command::Run(args) => cli::verify::run(args, &cli::verify::NoTrainer),
        Command::Report(args) => cli::verify::report(args),
        Command::Data(args) => cli::data::run(args)?,
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
