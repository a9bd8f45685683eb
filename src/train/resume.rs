//! Resume state of a run, saved atomically at the end of every epoch under `resume/`.
//!
//! Each save writes a fresh folder `resume/e{epoch}/` (weights and momentum buffers in
//! `state.ot`, counters and the recorded checkpoints in `state.json`, predictions so far in
//! `pred_test.npy` / `pred_train.npy`), then points `resume/LATEST` at it with an atomic write
//! and removes older folders. A run killed at any moment therefore resumes from the last
//! complete save. The per-epoch random streams (data order, augmentation) are derived from the
//! master seed and the epoch index, so no generator state needs saving.

use crate::error::{Error, Result};
use crate::model::check_torch;
use crate::run::atomic::{write_atomic, write_atomic_with};
use crate::run::{npy, Checkpoint};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tch::Tensor;

/// Counters and records of a run at the end of an epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Completed epochs.
    pub epoch: usize,
    /// SGD steps taken.
    pub step: i64,
    /// First epoch (1-based) that ended with 100% training accuracy, if any.
    pub fit_epoch: Option<usize>,
    /// Checkpoints recorded so far.
    pub checkpoints: Vec<Checkpoint>,
    /// Indices of the checkpoints that recorded the training set.
    #[serde(default)]
    pub train_rows: Vec<usize>,
    /// Seconds spent training so far.
    pub train_seconds: f64,
    /// Of those, seconds spent evaluating (checkpoints and fit checks).
    #[serde(default)]
    pub record_seconds: f64,
    /// SHA-256 of the configuration the run was started with (a resume must match).
    pub config_hash: String,
    /// Master seed.
    pub seed: u64,
    /// The CPU kernel settings the run was started with ([`crate::run::kernel_settings`]). A run
    /// resumed under other ones would not continue bit for bit, so such a resume is refused.
    /// Absent in saves of builds before it was recorded.
    #[serde(default)]
    pub kernels: Option<BTreeMap<String, String>>,
}

/// Everything saved at an epoch end.
#[derive(Debug)]
pub struct State {
    /// Counters and checkpoints.
    pub progress: Progress,
    /// Test predictions so far, `T x n_test`.
    pub pred_test: Vec<u8>,
    /// Train predictions so far, one row per entry of `progress.train_rows`.
    pub pred_train: Vec<u8>,
    /// Model variables (parameters and buffers) by name.
    pub vars: BTreeMap<String, Tensor>,
    /// Momentum buffers by parameter name.
    pub momentum: BTreeMap<String, Tensor>,
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::BadFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Save `state` under `dir/resume/` (see the module docs for the layout).
pub fn save(dir: &Path, state: &State) -> Result<()> {
    let root = dir.join("resume");
    let name = format!("e{:06}", state.progress.epoch);
    let sub = root.join(&name);
    if sub.exists() {
        std::fs::remove_dir_all(&sub).map_err(|e| Error::write(&sub, e))?;
    }
    std::fs::create_dir_all(&sub).map_err(|e| Error::write(&sub, e))?;
    let mut named: Vec<(String, Tensor)> = state
        .vars
        .iter()
        .map(|(k, v)| (format!("var.{k}"), v.shallow_clone()))
        .collect();
    named.extend(
        state
            .momentum
            .iter()
            .map(|(k, v)| (format!("momentum.{k}"), v.shallow_clone())),
    );
    let ot = sub.join("state.ot");
    // Save from CPU copies so the file does not depend on the device.
    let cpu: Vec<(String, Tensor)> = named
        .iter()
        .map(|(k, v)| {
            Ok((
                k.clone(),
                check_torch("resume save", v.f_to_device(tch::Device::Cpu))?,
            ))
        })
        .collect::<Result<_>>()?;
    write_atomic_with(&ot, |tmp| {
        check_torch("resume save", Tensor::save_multi(&cpu, tmp))
    })?;
    let t = state.progress.checkpoints.len();
    let nt = state.pred_test.len() / t.max(1);
    let r = state.progress.train_rows.len();
    let nr = state.pred_train.len() / r.max(1);
    npy::write(&sub.join("pred_test.npy"), &state.pred_test, &[t, nt])?;
    npy::write(&sub.join("pred_train.npy"), &state.pred_train, &[r, nr])?;
    let json = serde_json::to_vec_pretty(&state.progress)
        .map_err(|e| bad(&sub.join("state.json"), e.to_string()))?;
    write_atomic(&sub.join("state.json"), &json)?;
    write_atomic(&root.join("LATEST"), name.as_bytes())?;
    // Older saves are no longer referenced.
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && e.file_name().to_string_lossy() != name {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
    Ok(())
}

/// The folder of the latest complete save, if any.
pub fn latest(dir: &Path) -> Result<Option<PathBuf>> {
    let root = dir.join("resume");
    let ptr = root.join("LATEST");
    if !ptr.exists() {
        return Ok(None);
    }
    let name = std::fs::read_to_string(&ptr).map_err(|e| Error::io(&ptr, e))?;
    let sub = root.join(name.trim());
    if !sub.join("state.json").exists() {
        return Err(bad(
            &ptr,
            format!("points at {} which is incomplete", name.trim()),
        ));
    }
    Ok(Some(sub))
}

/// Load the save in folder `sub` (from [`latest`]).
pub fn load(sub: &Path) -> Result<State> {
    let jp = sub.join("state.json");
    let bytes = std::fs::read(&jp).map_err(|e| Error::io(&jp, e))?;
    let progress: Progress = serde_json::from_slice(&bytes)
        .map_err(|e| bad(&jp, format!("invalid resume state: {e}")))?;
    let (pred_test, _) = npy::read::<u8>(&sub.join("pred_test.npy"))?;
    let (pred_train, _) = npy::read::<u8>(&sub.join("pred_train.npy"))?;
    let ot = sub.join("state.ot");
    let all = Tensor::load_multi(&ot).map_err(|e| bad(&ot, e.to_string()))?;
    let mut vars = BTreeMap::new();
    let mut momentum = BTreeMap::new();
    for (k, v) in all {
        if let Some(name) = k.strip_prefix("var.") {
            vars.insert(name.to_string(), v);
        } else if let Some(name) = k.strip_prefix("momentum.") {
            momentum.insert(name.to_string(), v);
        } else {
            return Err(bad(&ot, format!("unexpected entry {k}")));
        }
    }
    Ok(State {
        progress,
        pred_test,
        pred_train,
        vars,
        momentum,
    })
}
