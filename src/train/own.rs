//! The trainer's side of your own data and network: the check that a `files` data set fits the
//! configured network (naming the file), and the SHA-256 of every user file a run reads, for the
//! manifest and the resume fingerprint.

use super::{TrainConfig, ValidTrainConfig};
use crate::data::Task;
use crate::error::{Error, Result};
use crate::model::{ModelSpec, Net, TorchRng};
use crate::run::FileRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The user files `cfg` names, by configuration key (`data.files.train_x`, ..., `model.path`).
pub fn named_files(cfg: &ValidTrainConfig) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    if let Some(f) = &cfg.data.files {
        for (key, p) in f.paths() {
            out.push((format!("data.files.{key}"), p.to_path_buf()));
        }
    }
    if let ModelSpec::Torchscript { path, .. } = &cfg.model {
        out.push(("model.path".into(), path.clone()));
    }
    out
}

/// Each user file of `cfg` with its SHA-256 (empty for built-in tasks and networks).
pub fn input_files(cfg: &ValidTrainConfig) -> Result<BTreeMap<String, FileRecord>> {
    named_files(cfg)
        .into_iter()
        .map(|(key, path)| {
            let sha256 = crate::paths::sha256_file(&path).map_err(|e| match e {
                Error::Io { path, source } => Error::BadFile {
                    reason: format!("cannot read the file {key} names: {source}"),
                    path,
                },
                other => other,
            })?;
            Ok((
                key,
                FileRecord {
                    path: path.display().to_string(),
                    sha256,
                },
            ))
        })
        .collect()
}

/// Refuse a `files` data set whose examples the configured built-in network cannot take, naming
/// the training inputs file (other tasks are checked when the network is built).
pub fn check_input(cfg: &ValidTrainConfig, task: &Task) -> Result<()> {
    let Some(files) = &cfg.data.files else {
        return Ok(());
    };
    match cfg.model.input_problem(&task.train.shape) {
        None => Ok(()),
        Some(why) => Err(Error::BadFile {
            path: files.train_x.clone(),
            reason: format!(
                "examples of shape {:?} do not fit [model] {}: {why}",
                task.train.shape,
                cfg.model.describe()
            ),
        }),
    }
}

/// Check the user files of a training configuration table (an experiment's run set) before any
/// run starts: load the `files` data set with `seed`'s streams, check that the network takes its
/// examples and, for a TorchScript network, load the module and check its output. A bad file
/// then ends `sgdc run` / `sgdc verify` at once with the file named, instead of failing every
/// run. Tables that name no user file are not touched.
pub fn preflight(train: &toml::Table, origin: &str, data_dir: &Path, seed: u64) -> Result<()> {
    if crate::paths::config_files(train).is_empty() {
        return Ok(());
    }
    let text = toml::to_string(train).map_err(|e| Error::param("config", origin, e.to_string()))?;
    let cfg = TrainConfig::from_toml(&text, origin)?.check()?;
    let task = crate::data::spec::load_task(&cfg.data, data_dir, seed)?;
    check_input(&cfg, &task)?;
    if let ModelSpec::Torchscript { .. } = &cfg.model {
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        Net::build(
            &vs.root(),
            &cfg.model,
            &task.train.shape,
            task.classes,
            &TorchRng::exclusive(),
        )?;
    }
    Ok(())
}
