//! `sgdc train`: train a network from a TOML configuration into a run folder.

use sgd_complexity::train::{run_config, Device, RunOptions, TrainConfig};
use sgd_complexity::Error;
use std::path::PathBuf;

/// Arguments of `sgdc train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Training configuration (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// Master seed (every random stream is derived from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Compute device: cpu or cuda.
    #[arg(long, default_value = "cpu")]
    pub device: Device,
    /// Run folder (default: `runs/<config name>-s<seed>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run in the run folder from its last saved epoch.
    #[arg(long)]
    pub resume: bool,
    /// libtorch threads (pin it for reproducible convolutional runs on the CPU).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where real data sets live (default: $SGDC_DATA_DIR or data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Run `sgdc train`. Library errors reach `main` as [`Error`]s, which picks the exit status by
/// [`Error::blame`] (2 for a bad config, missing data or an unusable device; 1 for divergence, a
/// libtorch error or a failed write); every file of the run folder is written atomically, so
/// none is left half-written.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    Ok(train(&args)?)
}

fn train(args: &TrainArgs) -> sgd_complexity::Result<()> {
    let cfg = TrainConfig::load(&args.config)?;
    let name = cfg.name.clone().unwrap_or_else(|| {
        args.config
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    });
    let cfg = cfg.check().map_err(|e| match e {
        Error::InvalidParam {
            field,
            value,
            reason,
        } => Error::InvalidParam {
            field: format!("{}: {field}", args.config.display()),
            value,
            reason,
        },
        other => other,
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{name}-s{}", args.seed)));
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| std::env::var_os("SGDC_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data"));
    let opts = RunOptions {
        out,
        seed: args.seed,
        device: args.device,
        threads: args.threads,
        resume: args.resume,
        progress: !args.quiet,
        data_dir,
        stop_after_epochs: None,
        save_every_secs: 30.0,
    };
    let outcome = run_config(&cfg, &opts)?;
    let last = outcome.record.checkpoints.last();
    if !args.quiet {
        eprintln!(
            "done: {} checkpoints, final train acc {:.4}, test acc {:.4}, {:.1} s",
            outcome.record.len(),
            last.and_then(|c| c.train_acc).unwrap_or(f64::NAN),
            last.map_or(f64::NAN, |c| c.test_acc),
            outcome.manifest.train_seconds.unwrap_or(f64::NAN)
        );
    }
    println!("{}", outcome.dir.display());
    Ok(())
}
