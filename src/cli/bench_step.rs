//! `sgdc bench-step` (hidden): seconds per SGD step of the trainer's own step code, for the
//! side-by-side comparison with PyTorch eager (`scripts/compare_torch.py`).

use anyhow::{Context, Result};
use sgd_complexity::model::{ModelSpec, Net, TorchRng};
use sgd_complexity::train::{eval, numerics, sgd::Sgd};
use std::time::Instant;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

/// Arguments of `sgdc bench-step`.
#[derive(clap::Args, Debug)]
pub struct BenchStepArgs {
    /// `mlp` (3072-512-512-2, batch 128), `mnist-mlp` (784-256-256-2, batch 32, the quick tier's
    /// MNIST model) or `cnn` (the MNIST CNN, batch 64).
    #[arg(long)]
    pub model: String,
    /// Timed steps per repeat.
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// Untimed warm-up steps.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    /// Repeats (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// libtorch threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Time evaluation instead of training: hard predictions (no gradients) in batches of this
    /// size over a pool of 4096 examples; reports seconds per predicted example.
    #[arg(long)]
    pub eval_batch: Option<usize>,
}

/// Run the benchmark and print one JSON line.
pub fn run(args: BenchStepArgs) -> Result<()> {
    numerics::init_env();
    numerics::set_threads(Some(args.threads))?;
    numerics::set_deterministic()?;
    let (spec, shape, batch) = bench_model(&args.model)?;
    // Held for the whole benchmark: its inputs are drawn from libtorch's generator too.
    let rng = TorchRng::seeded(0);
    let vs = VarStore::new(tch::Device::Cpu);
    let shape_u: Vec<usize> = shape.iter().map(|&s| s as usize).collect();
    let net = Net::build(&vs.root(), &spec, &shape_u, 2, &rng).context("building the model")?;
    let mut sgd = Sgd::new(&vs, 0.9, 5e-4, None);
    if let Some(eval_batch) = args.eval_batch {
        return bench_eval(&net, &shape, eval_batch, &args);
    }
    bench_train(&net, &mut sgd, &shape, batch, &args)
}

/// The model of `--model`: its specification, the shape of one input and the batch size.
fn bench_model(name: &str) -> Result<(ModelSpec, Vec<i64>, i64)> {
    Ok(match name {
        "mlp" => (
            ModelSpec::Mlp {
                depth: 2,
                width: 512,
                init_scale: None,
                out_init_scale: None,
            },
            vec![3072],
            128,
        ),
        "mnist-mlp" => (
            ModelSpec::Mlp {
                depth: 2,
                width: 256,
                init_scale: None,
                out_init_scale: None,
            },
            vec![784],
            32,
        ),
        "cnn" => (
            ModelSpec::Cnn {
                channels: 32,
                hidden: 2000,
            },
            vec![1, 28, 28],
            64,
        ),
        other => {
            return Err(sgd_complexity::Error::input(
                format!("--model {other}"),
                "expected mlp, mnist-mlp or cnn",
            )
            .into())
        }
    })
}

/// Seconds per SGD step (momentum 0.9, weight decay 5e-4) on batches of `batch` from a pool of
/// 1024 random examples.
fn bench_train(
    net: &Net,
    sgd: &mut Sgd,
    shape: &[i64],
    batch: i64,
    args: &BenchStepArgs,
) -> Result<()> {
    let pool = 1024i64;
    let mut full = vec![pool];
    full.extend(shape);
    let x = Tensor::randn(&full, (Kind::Float, tch::Device::Cpu));
    let y = Tensor::randint(2, [pool], (Kind::Int64, tch::Device::Cpu));
    let order = Tensor::randperm(pool, (Kind::Int64, tch::Device::Cpu));
    let mut k = 0i64;
    let mut step = |sgd: &mut Sgd| -> Result<()> {
        let start = (k * batch) % (pool - batch + 1);
        k += 1;
        let idx = order.narrow(0, start, batch);
        let (xb, yb) = (x.index_select(0, &idx), y.index_select(0, &idx));
        let loss = net.logits(&xb, true)?.cross_entropy_for_logits(&yb);
        sgd.backward_step(&loss, 0.01)?;
        Ok(())
    };
    for _ in 0..args.warmup {
        step(sgd)?;
    }
    let steps = args.steps.max(1);
    let (median, times) = median_time(args.repeats, steps, || {
        for _ in 0..steps {
            step(sgd)?;
        }
        Ok(())
    })?;
    emit(
        args,
        serde_json::json!({ "batch": batch, "s_per_step": median }),
        &times,
    );
    Ok(())
}

/// Seconds per predicted example of [`eval::predict`] in batches of `eval_batch`.
fn bench_eval(net: &Net, shape: &[i64], eval_batch: usize, args: &BenchStepArgs) -> Result<()> {
    anyhow::ensure!(eval_batch > 0, "--eval-batch must be positive");
    let pool = 4096i64;
    let mut full = vec![pool];
    full.extend(shape);
    let x = Tensor::randn(&full, (Kind::Float, tch::Device::Cpu));
    for _ in 0..args.warmup.min(2) {
        eval::predict(net, &x, eval_batch)?;
    }
    let (median, times) = median_time(args.repeats, pool as usize, || {
        eval::predict(net, &x, eval_batch)?;
        Ok(())
    })?;
    emit(
        args,
        serde_json::json!({ "eval_batch": eval_batch, "s_per_example": median }),
        &times,
    );
    Ok(())
}

/// Time `body` `repeats` times (at least once), each time divided by `units`; the median and
/// every time, sorted.
fn median_time(
    repeats: usize,
    units: usize,
    mut body: impl FnMut() -> Result<()>,
) -> Result<(f64, Vec<f64>)> {
    let mut times = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        body()?;
        times.push(t0.elapsed().as_secs_f64() / units.max(1) as f64);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times))
}

/// Print one JSON line: `fields` plus the implementation, model, threads, `MKL_CBWR` and every
/// repeat's time.
fn emit(args: &BenchStepArgs, mut fields: serde_json::Value, times: &[f64]) {
    if let Some(map) = fields.as_object_mut() {
        map.insert("impl".into(), "sgdc".into());
        map.insert("model".into(), args.model.clone().into());
        map.insert("threads".into(), tch::get_num_threads().into());
        map.insert(
            "mkl_cbwr".into(),
            std::env::var("MKL_CBWR").unwrap_or_default().into(),
        );
        map.insert("all".into(), times.into());
    }
    println!("{fields}");
}
