//! The libtorch trainer as the [`Executor`] of verification runs.

use super::runs::{Executor, Job};
use crate::data::spec::{load_task, DataSpec};
use crate::data::Task;
use crate::error::{Error, Result};
use crate::run::{Manifest, RunRecord};
use crate::train::{
    predict, reparameterised_predictions, run_config, train_task, Device, Reparam, RunOptions,
    TrainConfig, ValidTrainConfig,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Trains verification runs with [`crate::train`].
#[derive(Debug, Clone)]
pub struct TorchExecutor {
    /// Compute device.
    pub device: Device,
    /// Where real data sets live.
    pub data_dir: PathBuf,
}

fn config(job: &Job) -> Result<ValidTrainConfig> {
    let origin = format!(
        "experiments/{}.toml ({} seed {})",
        job.experiment, job.set, job.seed
    );
    TrainConfig::from_toml(&job.train.to_string(), &origin)?.check()
}

fn task_of(train: &toml::Table, data_dir: &Path, seed: u64) -> Result<Task> {
    let data = train
        .get("data")
        .cloned()
        .ok_or_else(|| Error::param("data", "<missing>", "the configuration has no [data]"))?;
    let spec: DataSpec = data
        .try_into()
        .map_err(|e: toml::de::Error| Error::param("data", "<table>", e.to_string()))?;
    spec.check()?;
    load_task(&spec, data_dir, seed)
}

impl TorchExecutor {
    fn options(&self, dir: &Path, seed: u64, threads: usize) -> RunOptions {
        let mut o = RunOptions::new(dir, seed);
        o.device = self.device;
        o.threads = Some(threads);
        o.resume = true;
        o.progress = false;
        o.data_dir = self.data_dir.clone();
        o
    }

    /// The task of a finished run folder, re-drawn from its configuration and seed.
    fn run_task(&self, run: &Path) -> Result<Task> {
        let text = std::fs::read_to_string(run.join("config.toml"))
            .map_err(|e| Error::io(run.join("config.toml"), e))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| Error::BadFile {
            path: run.join("config.toml"),
            reason: e.to_string(),
        })?;
        let seed = Manifest::load(run)?.seed;
        task_of(&table, &self.data_dir, seed)
    }
}

impl Executor for TorchExecutor {
    fn train(&self, job: &Job, dir: &Path, threads: usize) -> Result<()> {
        let cfg = config(job)?;
        run_config(&cfg, &self.options(dir, job.seed, threads)).map(|_| ())
    }

    fn mimic(&self, job: &Job, teacher: &Path, dir: &Path, threads: usize) -> Result<()> {
        let cfg = config(job)?;
        let rec = RunRecord::load(teacher)?;
        let labels = rec
            .last_train_row()
            .ok_or_else(|| {
                Error::Empty(format!(
                    "{}: no recorded training predictions",
                    teacher.display()
                ))
            })?
            .to_vec();
        let mut task = task_of(&job.train, &self.data_dir, job.seed)?;
        if labels.len() != task.train.len() {
            return Err(Error::LengthMismatch {
                what: format!("{} final train predictions", teacher.display()),
                got: labels.len(),
                expected: task.train.len(),
            });
        }
        task.name = format!("{}-mimic", task.name);
        task.train.y = labels.clone();
        task.train_clean = labels;
        task.flipped.clear();
        train_task(&task, &cfg, &self.options(dir, job.seed, threads)).map(|_| ())
    }

    fn reparam(&self, run: &Path, seed: u64) -> Result<(Vec<u8>, Vec<u8>)> {
        let task = self.run_task(run)?;
        let original = predict(run, &task.test)?;
        let changed = reparameterised_predictions(run, &task.test, Reparam::Both, seed)?;
        Ok((original, changed))
    }
    fn kernel_settings(&self) -> Option<BTreeMap<String, String>> {
        crate::train::numerics::init_env();
        Some(crate::run::kernel_settings())
    }
}
