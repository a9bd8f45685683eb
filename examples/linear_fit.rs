//! Time the fit of the linear classifier L (on the clean labels, default settings) on a whole
//! training set, by default binary MNIST with all 60000 images:
//!
//! ```sh
//! cargo run --release --example linear_fit -- [mnist|fashion-mnist] [n_train]
//! ```
//!
//! Reads `data/` (`sgdc data fetch all`).

use sgd_complexity::data::spec::{load_task, DataSpec, TaskKind};
use sgd_complexity::train::{config::LinearConfig, linear};
use std::time::Instant;
use tch::Tensor;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let task: TaskKind = serde_json::from_value(serde_json::json!(args
        .get(1)
        .map(String::as_str)
        .unwrap_or("mnist")))?;
    let mut spec = DataSpec::new(task);
    spec.n_train = args.get(2).map(|s| s.parse()).transpose()?;
    let t = load_task(&spec, std::path::Path::new("data"), 0)?;
    let n = t.train.len() as i64;
    let mut shape = vec![n];
    shape.extend(t.train.shape.iter().map(|&s| s as i64));
    let x = Tensor::from_slice(&t.train.x).reshape(&shape);
    let t0 = Instant::now();
    let fit = linear::fit(&x, &t.train_clean, &LinearConfig::default())?;
    println!(
        "n {n} iterations {} evaluations {} loss {:.10} grad_norm {:.3e} converged {} seconds {:.2}",
        fit.iterations,
        fit.evaluations,
        fit.loss,
        fit.grad_norm,
        fit.converged,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
