//! Shared fixtures: a small synthetic task and configurations.

use rand::RngExt;
use rand_chacha::ChaCha20Rng;
use sgd_complexity::data::fetch::{self, RealSet};
use sgd_complexity::data::synthetic::{sample_task, SyntheticModel};
use sgd_complexity::data::{Examples, Task};
use sgd_complexity::train::{numerics, RunOptions, TrainConfig, ValidTrainConfig};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

static TORCH: Mutex<()> = Mutex::new(());

/// Serialise tests that use libtorch and set the numerics environment first.
pub fn lock() -> MutexGuard<'static, ()> {
    let g = TORCH.lock().unwrap_or_else(|e| e.into_inner());
    numerics::init_env();
    g
}

/// The data folder (`$SGDC_DATA_DIR`, else `data/`) after checking that MNIST is there and
/// intact; fails saying how to fetch it (`just test` fetches it first).
pub fn mnist_data_dir() -> PathBuf {
    let data_dir = fetch::default_data_dir();
    match fetch::verify(RealSet::Mnist, &data_dir) {
        Ok(fetch::SetStatus::Verified) => data_dir,
        other => panic!(
            "this test needs MNIST in {} ({other:?}); run `just data` or `sgdc data fetch mnist`",
            data_dir.display()
        ),
    }
}

/// Points uniform in [-1, 1]^2, label 1 above a sinusoid, 10% label noise.
pub struct Wave;

impl SyntheticModel for Wave {
    fn name(&self) -> String {
        "test-wave".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn sample_input(&self, rng: &mut ChaCha20Rng, x: &mut [f32]) {
        for v in x.iter_mut() {
            *v = rng.random_range(-1.0f32..1.0);
        }
    }
    fn clean_label(&self, x: &[f32]) -> u8 {
        u8::from(x[1] > 0.5 * (3.0 * x[0]).sin())
    }
    fn noise_rate(&self) -> f64 {
        0.1
    }
}

/// The wave task with `n` training and `n` test points.
pub fn wave_task(n: usize, seed: u64) -> Task {
    sample_task(&Wave, n, n, seed)
}

/// Tiny 1x26x26 images; the label says whether the left half is brighter than the right.
pub fn image_task(n: usize, seed: u64) -> Task {
    let mut rng = sgd_complexity::rng::stream(seed, sgd_complexity::rng::Stream::Synthetic, 0);
    let mut make = |n: usize| {
        let d = 26 * 26;
        let mut x = vec![0f32; n * d];
        let mut y = Vec::with_capacity(n);
        for img in x.chunks_exact_mut(d) {
            let mut left = 0.0;
            for (i, v) in img.iter_mut().enumerate() {
                *v = rng.random_range(-1.0f32..1.0);
                if i % 26 < 13 {
                    left += *v;
                } else {
                    left -= *v;
                }
            }
            y.push(u8::from(left > 0.0));
        }
        Examples {
            x,
            shape: vec![1, 26, 26],
            y,
        }
    };
    let train = make(n);
    let test = make(n);
    Task {
        name: "test-images".into(),
        train_clean: train.y.clone(),
        train,
        flipped: Vec::new(),
        test,
        classes: 2,
    }
}

/// An MLP configuration (two hidden layers of `width` units) on the toy task with the given
/// `[optim]` and `[stop]` tables.
pub fn mlp_config(width: usize, optim: &str, stop: &str) -> ValidTrainConfig {
    let text = format!(
        r#"
[data]
task = "disc-sinusoid"

[model]
kind = "mlp"
depth = 2
width = {width}

[optim]
{optim}

[stop]
{stop}

[record]
log_points = 6
log_epochs = 1.0
"#
    );
    TrainConfig::from_toml(&text, "test")
        .unwrap()
        .check()
        .unwrap()
}

/// The default small MLP run: momentum, weight decay, step schedule, 4 epochs.
pub fn default_config() -> ValidTrainConfig {
    mlp_config(
        32,
        "lr = 0.05\nmomentum = 0.9\nweight_decay = 1e-4\nbatch_size = 16\nschedule = { kind = \"step\", milestones = [2], gamma = 0.5 }",
        "epochs = 4",
    )
}

/// Options for a quiet CPU run into `out` with pinned threads.
pub fn opts(out: &Path, seed: u64, threads: usize) -> RunOptions {
    let mut o = RunOptions::new(out, seed);
    o.threads = Some(threads);
    o
}
