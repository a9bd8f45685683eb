//! `sgdc`: the command-line front end of sgd-complexity.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    /// Simulate the paper's simplified model: theory against simulation, claim C8.
    Simulate(cli::simulate::SimulateArgs),
    /// The trajectory model: predicted T0 and departures beside a simulation, claim C11.
    Trajectory(cli::trajectory::TrajectoryArgs),
    /// Information measures of your own predictions: I(F;Y), I(F;Y|L), mu, ...
    Measure(cli::measure::MeasureArgs),
    /// Train a network from a TOML configuration into a run folder.
    #[cfg(feature = "torch")]
    Train(cli::train::TrainArgs),
    /// Seconds per SGD step of the trainer (for comparisons with PyTorch).
    #[cfg(feature = "torch")]
    #[command(hide = true)]
    BenchStep(cli::bench_step::BenchStepArgs),
}

fn main() -> ExitCode {
    // Reproducible MKL results (independent of the thread count) unless the user chose otherwise;
    // must happen before the first libtorch call.
    #[cfg(feature = "torch")]
    sgd_complexity::train::numerics::init_env();
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line naming what went wrong. Bad input (a file, field or value the library
            // rejected) is a usage error, exit status 2; anything else exits 1.
            eprintln!("sgdc: error: {e:#}");
            let input_error = e
                .chain()
                .any(|c| c.downcast_ref::<sgd_complexity::Error>().is_some());
            ExitCode::from(if input_error { 2 } else { 1 })
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Verify(args) => cli::verify::verify(args),
        Command::Run(args) => cli::verify::run(args),
        Command::Report(args) => cli::verify::report(args),
        Command::Data(args) => cli::data::run(args)?,
        #[cfg(feature = "torch")]
        Command::Train(args) => cli::train::run(args)?,
        #[cfg(feature = "torch")]
        Command::BenchStep(args) => cli::bench_step::run(args)?,
        Command::Measure(args) => {
            // Everything `measure` rejects is the user's input: one line, exit status 2.
            if let Err(e) = cli::measure::run(&args) {
                eprintln!("sgdc measure: error: {e:#}");
                return Ok(ExitCode::from(2));
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
        Command::Simulate(args) => cli::simulate::run(args)?,
        Command::Trajectory(args) => cli::trajectory::run_cmd(args)?,
    }
    Ok(ExitCode::SUCCESS)
}
