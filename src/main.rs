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

impl Command {
    /// The subcommand's name, as typed (the prefix of its error messages).
    fn name(&self) -> &'static str {
        match self {
            Command::Info => "info",
            Command::Verify(_) => "verify",
            Command::Run(_) => "run",
            Command::Report(_) => "report",
            Command::Data(_) => "data",
            Command::Simulate(_) => "simulate",
            Command::Trajectory(_) => "trajectory",
            Command::Measure(_) => "measure",
            #[cfg(feature = "torch")]
            Command::Train(_) => "train",
            #[cfg(feature = "torch")]
            Command::BenchStep(_) => "bench-step",
        }
    }
}

fn main() -> ExitCode {
    // Reproducible MKL results (independent of the thread count) unless the user chose otherwise;
    // must happen before the first libtorch call.
    #[cfg(feature = "torch")]
    sgd_complexity::train::numerics::init_env();
    let cli = Cli::parse();
    let name = cli.command.name();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            // One policy for every subcommand (README, "Exit status"): one line
            // `sgdc <command>: <what>: <why>`, status 2 when the user can fix it, else 1.
            eprintln!("sgdc {name}: {}", one_line(&e));
            ExitCode::from(exit_status(&e))
        }
    }
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " | ")
}

/// 2 for what the user can fix, 1 for a failure of the run: decided by the library error in the
/// chain ([`sgd_complexity::Error::blame`]); an error with none (writing to stdout, serialising
/// a result) is the run's.
fn exit_status(e: &anyhow::Error) -> u8 {
    e.chain()
        .find_map(|c| c.downcast_ref::<sgd_complexity::Error>())
        .map_or(1, |e| e.blame().exit_status())
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Verify(args) => return cli::verify::verify(args),
        Command::Run(args) => return cli::verify::run(args),
        Command::Report(args) => return cli::verify::report(args),
        Command::Data(args) => cli::data::run(args)?,
        #[cfg(feature = "torch")]
        Command::Train(args) => cli::train::run(args)?,
        #[cfg(feature = "torch")]
        Command::BenchStep(args) => cli::bench_step::run(args)?,
        Command::Measure(args) => cli::measure::run(&args)?,
        Command::Info => {
            println!("sgdc {}", env!("CARGO_PKG_VERSION"));
            println!("torch feature: {}", cfg!(feature = "torch"));
            #[cfg(feature = "torch")]
            {
                let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
                let sum = t.f_sum(tch::Kind::Float)?.f_double_value(&[])?;
                println!("libtorch: sum check {sum}");
                println!("cuda available: {}", tch::Cuda::is_available());
                let numerics = sgd_complexity::train::numerics::settings();
                let keys = sgd_complexity::run::KERNEL_VARS.into_iter();
                for key in keys.chain(["cpu_vector_isa", "cpu_vendor"]) {
                    if let Some(v) = numerics.get(key) {
                        println!("{key}: {v}");
                    }
                }
            }
        }
        Command::Simulate(args) => cli::simulate::run(args)?,
        Command::Trajectory(args) => cli::trajectory::run_cmd(args)?,
    }
    Ok(ExitCode::SUCCESS)
}
