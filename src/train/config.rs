//! The training configuration (`config.toml` of a run) and its validation.
//!
//! A [`TrainConfig`] is read from TOML with unknown fields rejected; [`TrainConfig::check`] turns it
//! into a [`ValidTrainConfig`], naming the first bad field and value. Nothing downstream
//! re-validates.

use crate::data::spec::DataSpec;
use crate::error::{Error, Result};
use crate::model::ModelSpec;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod check;

/// A training configuration as written in TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Optional name of the configuration (for reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The data set (what [`crate::train::run_config`] loads; [`crate::train::train_task`]
    /// trains on whatever task it is given, and uses only `data.augment` from here).
    pub data: DataSpec,
    /// The network.
    pub model: ModelSpec,
    /// SGD settings.
    pub optim: OptimConfig,
    /// When to stop.
    pub stop: StopConfig,
    /// When to record predictions.
    #[serde(default)]
    pub record: RecordConfig,
    /// The linear classifier L.
    #[serde(default)]
    pub linear: LinearConfig,
    /// Batch size for evaluating predictions (does not change results, only speed: on a CPU, the
    /// training batch size of 64 evaluates the paper's CNN about 1.4x faster than 256).
    #[serde(default = "default_eval_batch")]
    pub eval_batch_size: usize,
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

fn default_eval_batch() -> usize {
    64
}

/// `[optim]`: SGD with momentum and weight decay (PyTorch's `torch.optim.SGD` semantics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimConfig {
    /// Learning rate.
    pub lr: f64,
    /// Momentum (0 = plain SGD).
    #[serde(default)]
    pub momentum: f64,
    /// First epoch (0-based) that uses `momentum`; the epochs before it are plain SGD, and the
    /// momentum buffers start afresh at this epoch, as a new `torch.optim.SGD` would. 0 (the
    /// default): momentum from the first step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub momentum_from_epoch: usize,
    /// L2 weight decay added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
    /// Minibatch size.
    pub batch_size: usize,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: LrSchedule,
    /// Adam instead of SGD from an epoch on (absent: SGD throughout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adam: Option<AdamConfig>,
}

/// `[optim.adam]`: Adam with PyTorch's `torch.optim.Adam` update (bias-corrected moment
/// estimates, L2 `weight_decay` added to the gradient) from epoch `from_epoch` on, at the learning
/// rate of `optim.lr` and its schedule. The epochs before it are SGD as configured; the moment
/// estimates start at zero at `from_epoch`, as a new `torch.optim.Adam` would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// First epoch (0-based) trained with Adam (0: Adam from the first step).
    pub from_epoch: usize,
    /// Decay of the first-moment estimate (PyTorch's default 0.9).
    #[serde(default = "default_beta1")]
    pub beta1: f64,
    /// Decay of the second-moment estimate (PyTorch's default 0.999).
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// Added to the denominator (PyTorch's default 1e-8).
    #[serde(default = "default_adam_eps")]
    pub eps: f64,
}

fn default_beta1() -> f64 {
    0.9
}

fn default_beta2() -> f64 {
    0.999
}

fn default_adam_eps() -> f64 {
    1e-8
}

/// Learning-rate schedule over epochs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum LrSchedule {
    /// The same rate throughout.
    #[default]
    Constant,
    /// Multiply the rate by `gamma` at the start of each epoch listed in `milestones`.
    Step {
        /// Epochs (0-based) from which the rate is multiplied by `gamma`, ascending.
        milestones: Vec<usize>,
        /// Factor per milestone.
        gamma: f64,
    },
    /// Multiply the rate by `factors[i]` at the start of epoch `milestones[i]`: a step schedule
    /// whose factor differs between milestones (e.g. a rise after the first epochs and a decay
    /// later).
    Piecewise {
        /// Epochs (0-based) from which the next factor applies, ascending.
        milestones: Vec<usize>,
        /// One factor per milestone, applied cumulatively.
        factors: Vec<f64>,
    },
}

/// `[stop]`: a fixed number of epochs, or until the training set is fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopConfig {
    /// Number of epochs; with `until_fit`, the maximum.
    pub epochs: usize,
    /// Stop once the training set is fitted (100% training accuracy on the labels as trained on,
    /// noise included): at the first epoch end at least `extra_epochs` after the first fit at
    /// which every label is fitted again (SGD at a constant rate can lose a point after the fit).
    #[serde(default)]
    pub until_fit: bool,
    /// Epochs to continue after the first fit (with `until_fit`).
    #[serde(default)]
    pub extra_epochs: usize,
}

/// `[record]`: the checkpoints at which predictions of F_t are recorded. Step 0 and the final
/// step are always recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordConfig {
    /// Number of log-spaced checkpoints between step 1 and `log_epochs` epochs.
    #[serde(default = "default_log_points")]
    pub log_points: usize,
    /// Span of the log-spaced checkpoints, in epochs.
    #[serde(default = "default_log_epochs")]
    pub log_epochs: f64,
    /// Record at the end of every `every_epochs`-th epoch (0 = never).
    #[serde(default = "default_every")]
    pub every_epochs: usize,
    /// Further SGD steps to record.
    #[serde(default)]
    pub steps: Vec<i64>,
    /// Which of these checkpoints also record the training set (the test set is recorded at
    /// every one). Step 0, the epoch of the first fit and the final step always do.
    #[serde(default)]
    pub train: TrainRecord,
}

/// `[record.train]`: the training set's own, sparser schedule. Recording 60,000 training
/// predictions at every checkpoint costs as much as several epochs of SGD on a CNN; the curves
/// of I(F_t; Y_train) need far fewer points than the test curves. The epoch ends chosen here are
/// checkpoints (test and training set) whatever `every_epochs` says; with `all`, the training set
/// is recorded at every checkpoint and adds none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainRecord {
    /// Record the training set at every checkpoint (the schedule of runs before
    /// `[record.train]` existed).
    pub all: bool,
    /// Record it at the checkpoints of epoch ends 1, 2, 4, 8, ... (log-spaced in epochs).
    pub doubling: bool,
    /// Record it at the checkpoint of every `every_epochs`-th epoch end (0 = never).
    pub every_epochs: usize,
}

impl Default for TrainRecord {
    fn default() -> Self {
        TrainRecord {
            all: false,
            doubling: true,
            every_epochs: 0,
        }
    }
}

impl TrainRecord {
    /// Whether the end of epoch `epoch` (1-based) records the training set (`all` aside, such
    /// an epoch end is a checkpoint whatever the test schedule says).
    pub fn at_epoch(&self, epoch: usize) -> bool {
        (self.doubling && epoch.is_power_of_two())
            || (self.every_epochs > 0 && epoch.is_multiple_of(self.every_epochs))
    }
}

fn default_log_points() -> usize {
    30
}
fn default_log_epochs() -> f64 {
    2.0
}
fn default_every() -> usize {
    1
}

impl Default for RecordConfig {
    fn default() -> Self {
        RecordConfig {
            log_points: default_log_points(),
            log_epochs: default_log_epochs(),
            every_epochs: default_every(),
            steps: Vec::new(),
            train: TrainRecord::default(),
        }
    }
}

/// What the linear classifier L is fitted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinearTarget {
    /// The true (clean) training labels, before any label noise, as in the paper:
    /// `fit_to = "clean"` (the default).
    #[default]
    Clean,
    /// The training labels as trained on (noise included): `fit_to = "labels"`.
    Labels,
    /// The final network's training-set predictions: `fit_to = "final"`.
    Final,
    /// The network's training-set predictions at an SGD step (recorded automatically):
    /// `fit_to = { step = 500 }`.
    Step(i64),
}

/// `[linear]`: L2-regularised logistic regression, fitted by deterministic full-batch
/// accelerated gradient descent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearConfig {
    /// Training targets of L.
    #[serde(default)]
    pub fit_to: LinearTarget,
    /// L2 penalty on the weights (not the bias); makes the optimum unique.
    #[serde(default = "default_l2")]
    pub l2: f64,
    /// Maximum number of full-batch iterations.
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
    /// Stop when the gradient norm falls below this.
    #[serde(default = "default_tol")]
    pub tol: f64,
}

fn default_l2() -> f64 {
    1e-4
}
fn default_max_iter() -> usize {
    2000
}
fn default_tol() -> f64 {
    1e-5
}

impl Default for LinearConfig {
    fn default() -> Self {
        LinearConfig {
            fit_to: LinearTarget::default(),
            l2: default_l2(),
            max_iter: default_max_iter(),
            tol: default_tol(),
        }
    }
}

/// A configuration that passed [`TrainConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTrainConfig(TrainConfig);

impl ValidTrainConfig {
    /// The checked configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.0
    }

    /// The configuration as TOML (what `config.toml` of a run holds).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(&self.0).map_err(|e| Error::param("config", "<in memory>", e.to_string()))
    }
}

impl std::ops::Deref for ValidTrainConfig {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        &self.0
    }
}

impl TrainConfig {
    /// Parse TOML text; `origin` names the source in errors (e.g. the file name).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::BadFile {
            path: origin.into(),
            reason: e.to_string().trim().replace('\n', " "),
        })
    }

    /// Read and parse a TOML file. Relative paths of the files it names (`[data.files]`, a
    /// TorchScript `[model] path`) are made absolute against the file's folder
    /// ([`crate::paths`]).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cfg = Self::from_toml(&text, &path.display().to_string())?;
        cfg.resolve_paths(&crate::paths::base_of(path));
        Ok(cfg)
    }

    /// Make the paths of the files this configuration names absolute against `base`.
    pub fn resolve_paths(&mut self, base: &Path) {
        use crate::paths::resolve;
        if let Some(f) = self.data.files.as_mut() {
            for p in [&mut f.train_x, &mut f.train_y, &mut f.test_x, &mut f.test_y] {
                *p = resolve(base, p);
            }
        }
        if let ModelSpec::Torchscript { path, .. } = &mut self.model {
            *path = resolve(base, path);
        }
    }

    /// Validate every field, naming the first bad one with its value.
    pub fn check(self) -> Result<ValidTrainConfig> {
        self.data.check()?;
        self.model.check()?;
        self.optim.check()?;
        self.stop.check()?;
        self.record.check()?;
        self.linear.check()?;
        if self.eval_batch_size == 0 {
            return Err(Error::param("eval_batch_size", 0, "must be positive"));
        }
        Ok(ValidTrainConfig(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[data]
task = "disc-sinusoid"

[model]
kind = "mlp"
depth = 2
width = 100

[optim]
lr = 0.1
momentum = 0.9
batch_size = 32

[stop]
epochs = 3
"#;

    #[test]
    fn minimal_config_parses_with_defaults() {
        let c = TrainConfig::from_toml(OK, "t.toml")
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(c.record.every_epochs, 1);
        assert_eq!(c.linear.fit_to, LinearTarget::Clean);
        assert_eq!(c.optim.schedule, LrSchedule::Constant);
        let back = TrainConfig::from_toml(&c.to_toml().unwrap(), "x").unwrap();
        assert_eq!(&back, c.config());
    }

    #[test]
    fn unknown_field_is_named() {
        let text = OK.replace("momentum = 0.9", "momentun = 0.9");
        let err = TrainConfig::from_toml(&text, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("momentun") && err.contains("t.toml"), "{err}");
    }

    #[test]
    fn bad_values_name_field_and_value() {
        for (from, to, field, value) in [
            ("lr = 0.1", "lr = -0.5", "optim.lr", "-0.5"),
            ("batch_size = 32", "batch_size = 0", "optim.batch_size", "0"),
            ("epochs = 3", "epochs = 0", "stop.epochs", "0"),
            ("width = 100", "width = 0", "model.width", "0"),
            ("momentum = 0.9", "momentum = 1.5", "optim.momentum", "1.5"),
            (
                "momentum = 0.9",
                "momentum_from_epoch = 2",
                "optim.momentum_from_epoch",
                "2",
            ),
            (
                "batch_size = 32",
                "batch_size = 32\nadam = { from_epoch = 2, beta2 = 1.0 }",
                "optim.adam.beta2",
                "1",
            ),
            (
                "batch_size = 32",
                "batch_size = 32\nadam = { from_epoch = 2, eps = 0.0 }",
                "optim.adam.eps",
                "0",
            ),
            (
                "batch_size = 32",
                "batch_size = 32\nschedule = { kind = \"piecewise\", milestones = [2, 40], factors = [20.0] }",
                "optim.schedule.factors",
                "[20.0]",
            ),
            (
                "batch_size = 32",
                "batch_size = 32\nschedule = { kind = \"piecewise\", milestones = [40, 2], factors = [20.0, 0.1] }",
                "optim.schedule.milestones",
                "[40, 2]",
            ),
            (
                "batch_size = 32",
                "batch_size = 32\nschedule = { kind = \"piecewise\", milestones = [2], factors = [0.0] }",
                "optim.schedule.factors",
                "0",
            ),
        ] {
            let text = OK.replace(from, to);
            let err = TrainConfig::from_toml(&text, "t.toml")
                .unwrap()
                .check()
                .unwrap_err()
                .to_string();
            assert!(err.contains(field) && err.contains(value), "{err}");
        }
    }

    #[test]
    fn linear_target_forms_parse() {
        for (text, want) in [
            ("fit_to = \"final\"", LinearTarget::Final),
            ("fit_to = \"labels\"", LinearTarget::Labels),
            ("fit_to = { step = 40 }", LinearTarget::Step(40)),
        ] {
            let c = TrainConfig::from_toml(&format!("{OK}\n[linear]\n{text}\n"), "t").unwrap();
            assert_eq!(c.linear.fit_to, want);
        }
    }
}
