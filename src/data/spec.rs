//! The `[data]` part of a run's configuration, and [`load_task`], which turns it into a [`Task`].
//!
//! ```toml
//! [data]
//! task = "mnist"          # disc-sinusoid | sinusoid | hermite | mnist | fashion-mnist | cifar10 | files
//! n_train = 10000         # real sets: a subsample of the training set (default: all of it)
//! n_test = 10000          # real sets: a subsample of the test set (default: all of it)
//! split = { negative = [0, 1, 2, 3, 4], positive = [5, 6, 7, 8, 9] }   # the default
//! label_noise = 0.0       # fraction of training labels flipped, seeded, in [0, 0.5)
//! augment = false         # pad-4 random crop + horizontal flip (image tasks; the trainer applies it)
//! ```
//!
//! Synthetic tasks take their parameters from a table named after the task
//! (`[data.disc_sinusoid]`, `[data.sinusoid]`, `[data.hermite]`, all fields optional, see
//! [`DiscSinusoid`], [`SinusoidParams`] and [`HermiteParams`]); `n_train` and `n_test` are then
//! sample counts. A data set of your own (`task = "files"`) names its arrays in `[data.files]`
//! (see [`super::files`]).

use super::draw::{subsample, Draw};
use super::fetch::RealSet;
use super::files::{load_files_task, FilesSpec};
use super::hermite::{HermiteParams, HermiteTask};
use super::images::{binarise, channel_stats, ClassSplit, ImageSet, Normalisation};
use super::sinusoid::{HighDimSinusoid, SinusoidParams};
use super::synthetic::{flip_labels, sample_task, SyntheticModel};
use super::toy::{check_rate, DiscSinusoid};
use super::{cifar, mnist, Task};
use crate::error::{Error, Result};
use crate::rng::{stream, Stream};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which task a [`DataSpec`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// The Figure 1 toy ([`DiscSinusoid`]).
    DiscSinusoid,
    /// The high-dimensional sinusoid ([`HighDimSinusoid`]).
    Sinusoid,
    /// The trajectory model's Hermite target ([`HermiteTask`]).
    Hermite,
    /// Binary MNIST.
    Mnist,
    /// Binary Fashion-MNIST.
    FashionMnist,
    /// Binary CIFAR-10.
    Cifar10,
    /// A data set from `.npy` files ([`super::files`]).
    Files,
}

impl TaskKind {
    /// Whether the task is drawn from a synthetic model (as opposed to a real data set).
    pub fn is_synthetic(self) -> bool {
        matches!(
            self,
            TaskKind::DiscSinusoid | TaskKind::Sinusoid | TaskKind::Hermite
        )
    }

    /// The name used in configs.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::DiscSinusoid => "disc-sinusoid",
            TaskKind::Sinusoid => "sinusoid",
            TaskKind::Hermite => "hermite",
            TaskKind::Mnist => "mnist",
            TaskKind::FashionMnist => "fashion-mnist",
            TaskKind::Cifar10 => "cifar10",
            TaskKind::Files => "files",
        }
    }
}

/// Default number of training samples of a synthetic task.
pub const DEFAULT_SYNTHETIC_TRAIN: usize = 1000;
/// Default number of test samples of a synthetic task.
pub const DEFAULT_SYNTHETIC_TEST: usize = 10_000;

/// A task description: what data, how much of it, which classes, how much label noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The task.
    pub task: TaskKind,
    /// Training examples: a subsample size for real sets (default: all), the sample count for
    /// synthetic tasks (default [`DEFAULT_SYNTHETIC_TRAIN`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_train: Option<usize>,
    /// Test examples: a subsample size for real sets (default: all), the sample count for
    /// synthetic tasks (default [`DEFAULT_SYNTHETIC_TEST`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_test: Option<usize>,
    /// The class split of a real set (default 0-4 vs 5-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<ClassSplit>,
    /// Probability with which each training label is flipped, in `[0, 0.5)`.
    #[serde(default)]
    pub label_noise: f64,
    /// Whether the trainer augments image batches (pad-4 crop + flip, see [`super::augment`]).
    #[serde(default)]
    pub augment: bool,
    /// Parameters of the `disc-sinusoid` task (its `noise` is `label_noise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_sinusoid: Option<DiscSinusoid>,
    /// Parameters of the `sinusoid` task (its `noise` is `label_noise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sinusoid: Option<SinusoidParams>,
    /// The arrays of the `files` task (`[data.files]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FilesSpec>,
    /// Parameters of the `hermite` task (its `noise` is `label_noise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hermite: Option<HermiteParams>,
}

impl DataSpec {
    /// A spec for `task` with every other field at its default.
    pub fn new(task: TaskKind) -> Self {
        DataSpec {
            task,
            n_train: None,
            n_test: None,
            split: None,
            label_noise: 0.0,
            augment: false,
            disc_sinusoid: None,
            sinusoid: None,
            files: None,
            hermite: None,
        }
    }

    /// The class split, subsample sizes and label-noise rate the task is drawn with.
    pub fn draw(&self) -> Draw<'_> {
        Draw {
            split: self.split.as_ref(),
            n_train: self.n_train,
            n_test: self.n_test,
            label_noise: self.label_noise,
        }
    }

    /// Check every field; the error names the field (as `data.<field>`) and its value.
    pub fn check(&self) -> Result<()> {
        check_rate("data.label_noise", self.label_noise)?;
        for (field, v) in [("data.n_train", self.n_train), ("data.n_test", self.n_test)] {
            if v == Some(0) {
                return Err(Error::param(field, 0, "must be at least 1"));
            }
        }
        let synthetic = self.task.is_synthetic();
        if synthetic && self.split.is_some() {
            return Err(Error::param(
                "data.split",
                format!("{:?}", self.split),
                format!(
                    "a class split applies to real data sets, not to task {}",
                    self.task.name()
                ),
            ));
        }
        if synthetic && self.augment {
            return Err(Error::param(
                "data.augment",
                true,
                format!(
                    "augmentation applies to image tasks, not to task {}",
                    self.task.name()
                ),
            ));
        }
        if let Some(split) = &self.split {
            if self.task == TaskKind::Files {
                split.check_within("data.split", 256)?;
            } else {
                split.check("data.split")?;
            }
        }
        match (&self.files, self.task) {
            (Some(f), TaskKind::Files) => f.check()?,
            (None, TaskKind::Files) => return Err(Error::param(
                "data.files",
                "<missing>",
                "task \"files\" needs a [data.files] table naming train_x, train_y, test_x, test_y",
            )),
            (Some(_), t) => return Err(wrong_table("data.files", t)),
            _ => {}
        }
        match (&self.disc_sinusoid, self.task) {
            (Some(p), TaskKind::DiscSinusoid) => p.check("data.disc_sinusoid.")?,
            (Some(_), t) => return Err(wrong_table("data.disc_sinusoid", t)),
            _ => {}
        }
        match (&self.sinusoid, self.task) {
            (Some(p), TaskKind::Sinusoid) => p.check("data.sinusoid.")?,
            (Some(_), t) => return Err(wrong_table("data.sinusoid", t)),
            _ => {}
        }
        match (&self.hermite, self.task) {
            (Some(p), TaskKind::Hermite) => {
                let mut p = p.clone();
                p.noise = self.label_noise;
                p.check("data.hermite.")?
            }
            (Some(_), t) => return Err(wrong_table("data.hermite", t)),
            _ => {}
        }
        Ok(())
    }

    /// The class split in effect (the default 0-4 vs 5-9 when none is given).
    pub fn split_or_default(&self) -> ClassSplit {
        self.split.clone().unwrap_or_default()
    }

    /// The synthetic model of a synthetic task, with `label_noise` as its noise rate.
    pub fn synthetic_model(&self) -> Result<Option<Box<dyn SyntheticModel>>> {
        Ok(match self.task {
            TaskKind::DiscSinusoid => {
                let mut m = self.disc_sinusoid.unwrap_or_default();
                m.noise = self.label_noise;
                Some(Box::new(m))
            }
            TaskKind::Sinusoid => {
                let mut p = self.sinusoid.unwrap_or_default();
                p.noise = self.label_noise;
                Some(Box::new(HighDimSinusoid::new(p)?))
            }
            TaskKind::Hermite => Some(Box::new(self.hermite_task()?)),
            _ => None,
        })
    }
}

impl DataSpec {
    /// The `hermite` task of this spec (its parameters, or the defaults, with `label_noise` as
    /// the noise rate); an error naming `data.task` for any other task.
    pub fn hermite_task(&self) -> Result<HermiteTask> {
        if self.task != TaskKind::Hermite {
            return Err(Error::param(
                "data.task",
                self.task.name(),
                "is not the hermite task",
            ));
        }
        let mut p = self.hermite.clone().unwrap_or_default();
        p.noise = self.label_noise;
        HermiteTask::new(p)
    }
}

fn wrong_table(field: &str, task: TaskKind) -> Error {
    Error::param(
        field,
        "{...}",
        format!("this table does not apply to task {}", task.name()),
    )
}

/// Build the task described by `spec` with the random streams of `seed`.
///
/// Synthetic tasks are sampled with [`sample_task`] (streams `Synthetic` and `LabelNoise`).
/// Real tasks are read from `data_dir` (MNIST and Fashion-MNIST hash-verified), restricted to the
/// class split and relabelled 0/1, normalised (MNIST, Fashion-MNIST: `pixel / 255`; CIFAR-10:
/// `pixel / 255`, then per-channel standardisation with the mean and standard deviation of the
/// whole 50000-image training set), subsampled without replacement when `n_train` / `n_test` ask
/// for fewer examples (stream `Subsample`, index 0 for train and 1 for test, kept in file order),
/// and finally their training labels are flipped at rate `label_noise` (stream `LabelNoise`).
pub fn load_task(spec: &DataSpec, data_dir: &Path, seed: u64) -> Result<Task> {
    spec.check()?;
    if let Some(model) = spec.synthetic_model()? {
        let n_train = spec.n_train.unwrap_or(DEFAULT_SYNTHETIC_TRAIN);
        let n_test = spec.n_test.unwrap_or(DEFAULT_SYNTHETIC_TEST);
        return Ok(sample_task(model.as_ref(), n_train, n_test, seed));
    }
    let (set, norm_is_standard): (ImageSet, bool) = match spec.task {
        TaskKind::Mnist => (mnist::load(RealSet::Mnist, data_dir)?, false),
        TaskKind::FashionMnist => (mnist::load(RealSet::FashionMnist, data_dir)?, false),
        TaskKind::Cifar10 => (cifar::load(data_dir)?, true),
        TaskKind::Files => {
            let files = spec.files.as_ref().ok_or_else(|| {
                Error::param(
                    "data.files",
                    "<missing>",
                    "task \"files\" needs [data.files]",
                )
            })?;
            return load_files_task(files, &spec.draw(), seed);
        }
        TaskKind::DiscSinusoid | TaskKind::Sinusoid | TaskKind::Hermite => {
            return Err(Error::param("data.task", spec.task.name(), "has no model"))
        }
    };
    task_from_images(spec, &set, norm_is_standard, seed)
}

/// The real-data half of [`load_task`], on images already in memory (used by the loaders' tests
/// with fixtures). `standardise` selects per-channel standardisation over `pixel / 255`.
pub fn task_from_images(
    spec: &DataSpec,
    set: &ImageSet,
    standardise: bool,
    seed: u64,
) -> Result<Task> {
    spec.check()?;
    let split = spec.split_or_default();
    let norm = if standardise {
        let (mean, std) = channel_stats(&set.train);
        if let Some((c, s)) = std.iter().enumerate().find(|(_, &s)| s <= 0.0) {
            return Err(Error::param(
                "data.task",
                spec.task.name(),
                format!("training images have zero variance in channel {c} (std {s})"),
            ));
        }
        Normalisation::Standardise { mean, std }
    } else {
        Normalisation::Unit
    };
    let train = binarise(&set.train, &split, &norm);
    let test = binarise(&set.test, &split, &norm);
    let train = subsample(train, spec.n_train, "data.n_train", seed, 0)?;
    let test = subsample(test, spec.n_test, "data.n_test", seed, 1)?;
    let train_clean = train.y.clone();
    let mut train = train;
    let flipped = flip_labels(
        &mut train.y,
        spec.label_noise,
        &mut stream(seed, Stream::LabelNoise, 0),
    );
    Ok(Task {
        name: format!("{}-{}", spec.task.name(), split.name()),
        train,
        train_clean,
        flipped,
        test,
        classes: 2,
    })
}
