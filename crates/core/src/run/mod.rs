//! The run folder: the on-disk contract between the trainer and everything that measures runs.
//!
//! A finished run folder holds (all arrays `.npy`, C order; `T` checkpoints):
//!
//! | file | content |
//! |---|---|
//! | `config.toml` | the resolved training configuration |
//! | `manifest.json` | [`Manifest`]: seeds, versions, device, threads, git commit, prediction hash, status |
//! | `checkpoints.csv` | one row per checkpoint: `index,step,epoch,train_acc,test_acc,train_loss,test_loss` (the training columns empty where the training set was not recorded) |
//! | `steps.npy` | `i64 [T]`, the SGD step of each checkpoint (0 = initialisation) |
//! | `pred_test.npy` | `u8 [T, n_test]`, hard test predictions of F_t at every checkpoint |
//! | `pred_train.npy` | `u8 [R, n_train]`, hard training predictions of F_t at the `R` checkpoints that record the training set |
//! | `train_checkpoints.npy` | `i64 [R]`, the checkpoint index of each row of `pred_train.npy`, ascending (absent in folders written before the training set had its own schedule: then every checkpoint has a row) |
//! | `y_test.npy` / `y_train.npy` | `u8 [n]`, true test labels / training labels as trained on (noise included) |
//! | `y_train_clean.npy` | `u8 [n_train]`, training labels before noise |
//! | `linear_test.npy` / `linear_train.npy` | `u8 [n]`, predictions of the fixed linear classifier L |
//!
//! [`RunRecord`] reads and writes exactly this; the trainer writes it, `sgdc measure`, `sgdc verify`
//! and Python users read it.

pub mod atomic;
mod manifest;
pub mod npy;
pub mod schedule;

pub use manifest::{
    cpu_vendor, git_state, kernel_differences, kernel_settings, FileRecord, Manifest, RunStatus,
    FORMAT_VERSION, KERNEL_VARS,
};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One row of `checkpoints.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Position in the checkpoint list.
    pub index: usize,
    /// SGD step (0 = initialisation).
    pub step: i64,
    /// Fractional epoch (step / steps per epoch).
    pub epoch: f64,
    /// Accuracy on the training labels as trained on (`None` where the training set was not
    /// recorded).
    pub train_acc: Option<f64>,
    /// Accuracy on the test set.
    pub test_acc: f64,
    /// Mean cross-entropy on the training set (`None` where it was not recorded).
    pub train_loss: Option<f64>,
    /// Mean cross-entropy on the test set.
    pub test_loss: f64,
}

/// Everything a finished run recorded, in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// One entry per checkpoint.
    pub checkpoints: Vec<Checkpoint>,
    /// Test predictions of F_t, `T x n_test`, row-major.
    pub pred_test: Vec<u8>,
    /// Train predictions of F_t at the checkpoints `train_rows`, `R x n_train`, row-major.
    pub pred_train: Vec<u8>,
    /// The checkpoint index of each row of `pred_train`, ascending.
    pub train_rows: Vec<usize>,
    /// True test labels.
    pub y_test: Vec<u8>,
    /// Training labels as trained on (noise included).
    pub y_train: Vec<u8>,
    /// Training labels before noise.
    pub y_train_clean: Vec<u8>,
    /// Predictions of the linear classifier L on the test set.
    pub linear_test: Vec<u8>,
    /// Predictions of L on the training set.
    pub linear_train: Vec<u8>,
}

impl RunRecord {
    /// Number of checkpoints.
    pub fn len(&self) -> usize {
        self.checkpoints.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.checkpoints.is_empty()
    }

    /// Test predictions of checkpoint `t`; an error when the record holds no such row (a
    /// record built in memory, or `t` past the last checkpoint).
    pub fn test_row(&self, t: usize) -> Result<&[u8]> {
        let n = self.y_test.len();
        let end = t.checked_add(1).and_then(|k| k.checked_mul(n));
        end.and_then(|end| self.pred_test.get(end - n..end))
            .ok_or_else(|| Error::LengthMismatch {
                what: format!("test predictions up to checkpoint {t}"),
                got: self.pred_test.len(),
                expected: end.unwrap_or(usize::MAX),
            })
    }

    /// Test predictions of the last checkpoint (the final network in a finished run).
    pub fn last_test_row(&self) -> Result<&[u8]> {
        let t = self
            .len()
            .checked_sub(1)
            .ok_or_else(|| Error::Empty("checkpoints of the run".into()))?;
        self.test_row(t)
    }

    /// Train predictions of checkpoint `t`, if it recorded the training set.
    pub fn train_row(&self, t: usize) -> Option<&[u8]> {
        let n = self.y_train.len();
        let r = self.train_rows.binary_search(&t).ok()?;
        self.pred_train.get(r * n..(r + 1) * n)
    }

    /// The last recorded train predictions (those of the final network in a finished run).
    pub fn last_train_row(&self) -> Option<&[u8]> {
        self.train_rows.last().and_then(|&t| self.train_row(t))
    }

    /// Whether every checkpoint recorded the training set.
    pub fn train_at_every_checkpoint(&self) -> bool {
        self.train_rows.len() == self.checkpoints.len()
            && self.train_rows.iter().enumerate().all(|(i, &t)| i == t)
    }

    /// Check that all arrays agree in length.
    pub fn validate(&self, dir: &Path) -> Result<()> {
        let t = self.checkpoints.len();
        let (nt, nr) = (self.y_test.len(), self.y_train.len());
        let ascending = self.train_rows.windows(2).all(|w| w[0] < w[1]);
        if !ascending || self.train_rows.last().is_some_and(|&r| r >= t) {
            return Err(Error::BadFile {
                path: dir.join("train_checkpoints.npy"),
                reason: format!(
                    "checkpoint indices {:?} are not ascending below {t} (run folder inconsistent)",
                    self.train_rows
                ),
            });
        }
        let checks = [
            ("pred_test.npy", self.pred_test.len(), t * nt),
            (
                "pred_train.npy",
                self.pred_train.len(),
                self.train_rows.len() * nr,
            ),
            ("y_train_clean.npy", self.y_train_clean.len(), nr),
            ("linear_test.npy", self.linear_test.len(), nt),
            ("linear_train.npy", self.linear_train.len(), nr),
        ];
        for (what, got, expected) in checks {
            if got != expected {
                return Err(Error::BadFile {
                    path: dir.join(what),
                    reason: format!("{got} values, expected {expected} (run folder inconsistent)"),
                });
            }
        }
        Ok(())
    }

    /// Write every array and `checkpoints.csv` into `dir` (atomically, file by file).
    pub fn save(&self, dir: &Path) -> Result<()> {
        self.validate(dir)?;
        let t = self.len();
        let (nt, nr) = (self.y_test.len(), self.y_train.len());
        let steps: Vec<i64> = self.checkpoints.iter().map(|c| c.step).collect();
        npy::write(&dir.join("steps.npy"), &steps, &[t])?;
        npy::write(&dir.join("pred_test.npy"), &self.pred_test, &[t, nt])?;
        npy::write(
            &dir.join("pred_train.npy"),
            &self.pred_train,
            &[self.train_rows.len(), nr],
        )?;
        let rows: Vec<i64> = self.train_rows.iter().map(|&r| r as i64).collect();
        npy::write(&dir.join("train_checkpoints.npy"), &rows, &[rows.len()])?;
        npy::write(&dir.join("y_test.npy"), &self.y_test, &[nt])?;
        npy::write(&dir.join("y_train.npy"), &self.y_train, &[nr])?;
        npy::write(&dir.join("y_train_clean.npy"), &self.y_train_clean, &[nr])?;
        npy::write(&dir.join("linear_test.npy"), &self.linear_test, &[nt])?;
        npy::write(&dir.join("linear_train.npy"), &self.linear_train, &[nr])?;
        let mut w = csv::Writer::from_writer(Vec::new());
        for c in &self.checkpoints {
            w.serialize(c).map_err(|e| Error::BadFile {
                path: dir.join("checkpoints.csv"),
                reason: e.to_string(),
            })?;
        }
        let bytes = w.into_inner().map_err(|e| Error::BadFile {
            path: dir.join("checkpoints.csv"),
            reason: e.to_string(),
        })?;
        atomic::write_atomic(&dir.join("checkpoints.csv"), &bytes)
    }

    /// Read a run folder written by [`RunRecord::save`].
    pub fn load(dir: &Path) -> Result<Self> {
        let csv_path = dir.join("checkpoints.csv");
        let mut r = csv::Reader::from_path(&csv_path).map_err(|e| Error::BadFile {
            path: csv_path.clone(),
            reason: e.to_string(),
        })?;
        let checkpoints = r
            .deserialize()
            .collect::<std::result::Result<Vec<Checkpoint>, _>>()
            .map_err(|e| Error::BadFile {
                path: csv_path.clone(),
                reason: e.to_string(),
            })?;
        let u8s = |name: &str| npy::read::<u8>(&dir.join(name)).map(|(v, _)| v);
        let rows_path = dir.join("train_checkpoints.npy");
        let train_rows = if rows_path.exists() {
            npy::read::<i64>(&rows_path)?
                .0
                .into_iter()
                .map(|r| {
                    usize::try_from(r).map_err(|_| Error::BadFile {
                        path: rows_path.clone(),
                        reason: format!("negative checkpoint index {r}"),
                    })
                })
                .collect::<Result<Vec<usize>>>()?
        } else {
            // Written before the training set had its own schedule: a row per checkpoint.
            (0..checkpoints.len()).collect()
        };
        let rec = RunRecord {
            checkpoints,
            pred_test: u8s("pred_test.npy")?,
            pred_train: u8s("pred_train.npy")?,
            train_rows,
            y_test: u8s("y_test.npy")?,
            y_train: u8s("y_train.npy")?,
            y_train_clean: u8s("y_train_clean.npy")?,
            linear_test: u8s("linear_test.npy")?,
            linear_train: u8s("linear_train.npy")?,
        };
        rec.validate(dir)?;
        Ok(rec)
    }

    /// SHA-256 (hex) over all recorded predictions of F_t and L, the run's identity for
    /// determinism checks. The checkpoint indices of the training rows enter only when some
    /// checkpoint lacks one, so that runs recording the training set everywhere keep the hash
    /// they had before the training set had its own schedule.
    pub fn prediction_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            &self.pred_test,
            &self.pred_train,
            &self.linear_test,
            &self.linear_train,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        for c in &self.checkpoints {
            h.update(c.step.to_le_bytes());
        }
        if !self.train_at_every_checkpoint() {
            for &r in &self.train_rows {
                h.update((r as u64).to_le_bytes());
            }
        }
        format!("{:x}", h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        let ck = |i: usize| Checkpoint {
            index: i,
            step: (i * 10) as i64,
            epoch: i as f64 * 0.5,
            train_acc: Some(0.5),
            test_acc: 0.5,
            train_loss: Some(0.7),
            test_loss: 0.7,
        };
        RunRecord {
            checkpoints: vec![ck(0), ck(1)],
            pred_test: vec![0, 1, 1, 1, 0, 1],
            pred_train: vec![1, 0, 0, 1],
            train_rows: vec![0, 1],
            y_test: vec![0, 1, 1],
            y_train: vec![1, 0],
            y_train_clean: vec![1, 1],
            linear_test: vec![0, 1, 0],
            linear_train: vec![1, 1],
        }
    }

    #[test]
    fn save_load_roundtrip_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let rec = record();
        rec.save(dir.path()).unwrap();
        let back = RunRecord::load(dir.path()).unwrap();
        assert_eq!(back, rec);
        assert_eq!(back.prediction_hash(), rec.prediction_hash());
        assert_eq!(back.test_row(1).unwrap(), &[1, 0, 1]);
        assert!(back.test_row(2).is_err());
    }

    #[test]
    fn sparse_training_rows_roundtrip_and_enter_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = record();
        rec.pred_train = vec![0, 1];
        rec.train_rows = vec![1];
        rec.checkpoints[0].train_acc = None;
        rec.checkpoints[0].train_loss = None;
        rec.save(dir.path()).unwrap();
        let back = RunRecord::load(dir.path()).unwrap();
        assert_eq!(back, rec);
        assert_eq!(back.train_row(0), None);
        assert_eq!(back.train_row(1), Some(&[0, 1][..]));
        assert_eq!(back.last_train_row(), Some(&[0, 1][..]));
        let mut other = rec.clone();
        other.train_rows = vec![0];
        assert_ne!(other.prediction_hash(), rec.prediction_hash());
    }

    #[test]
    fn folder_without_training_schedule_has_a_row_per_checkpoint() {
        // Run folders written before `train_checkpoints.npy` existed still load, with the same
        // prediction hash as before.
        let dir = tempfile::tempdir().unwrap();
        let rec = record();
        let hash = rec.prediction_hash();
        rec.save(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("train_checkpoints.npy")).unwrap();
        let back = RunRecord::load(dir.path()).unwrap();
        assert_eq!(back.train_rows, vec![0, 1]);
        assert_eq!(back.prediction_hash(), hash);
    }

    #[test]
    fn training_rows_out_of_order_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let rec = record();
        rec.save(dir.path()).unwrap();
        npy::write(&dir.path().join("train_checkpoints.npy"), &[1i64, 0], &[2]).unwrap();
        let err = RunRecord::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("train_checkpoints.npy"), "{err}");
    }

    #[test]
    fn inconsistent_folder_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let rec = record();
        rec.save(dir.path()).unwrap();
        npy::write(&dir.path().join("linear_test.npy"), &[0u8, 1], &[2]).unwrap();
        let err = RunRecord::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("linear_test.npy"), "{err}");
    }

    #[test]
    fn truncated_npy_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        let bytes = npy::encode(&[1u8; 100], &[10, 10]).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 7]).unwrap();
        assert!(npy::read::<u8>(&path).is_err());
    }
}
