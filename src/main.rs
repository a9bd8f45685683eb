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
    /// Fetch and check the real data sets.
    Data(cli::data::DataArgs),
    /// Simulate the paper's simplified model: theory against simulation, claim C8.
    Simulate(cli::simulate::SimulateArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
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
        Command::Simulate(args) => cli::simulate::run(args)?,
    }
    Ok(())
}
