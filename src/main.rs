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
    /// Information measures of your own predictions: I(F;Y), I(F;Y|L), mu, ...
    Measure(cli::measure::MeasureArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Measure(args) => {
            // Bad input is a usage error: one line, exit status 2.
            if let Err(e) = cli::measure::run(&args) {
                eprintln!("sgdc measure: error: {e:#}");
                std::process::exit(2);
            }
        }
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
