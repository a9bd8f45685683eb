//! Re-predicting with a finished run's network, and function-preserving reparameterisations of
//! it (claim C7: the measures depend on the function, not on its parameters).
//!
//! For every pair of layers joined by a ReLU (see [`Net::relu_joints`]), hidden unit `j` can be
//! - rescaled: its incoming weights and bias multiplied by `c_j > 0` and its outgoing weights
//!   divided by `c_j` (ReLU and max-pooling are positively homogeneous), or
//! - permuted: units reordered consistently in both layers.
//!
//! Both leave the network's function unchanged up to floating-point rounding.

use super::{eval, Summary, TrainConfig};
use crate::data::Examples;
use crate::error::{Error, Result};
use crate::model::{check_torch, Net, TorchRng};

fn c<T>(r: std::result::Result<T, tch::TchError>) -> Result<T> {
    check_torch("reparameterise", r)
}
use crate::rng::{stream, Stream};
use rand::RngExt;
use std::path::Path;
use tch::nn::VarStore;
use tch::Tensor;

/// Which reparameterisation to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reparam {
    /// Positive per-unit rescaling, factors drawn log-uniformly from [1/4, 4].
    Rescale,
    /// A random permutation of the hidden units of every layer.
    Permute,
    /// Rescaling followed by permutation.
    Both,
}

/// Index of the [`Stream::Permutation`] sub-stream used for reparameterisations (distinct from
/// the label-shuffle indices of the permutation null, which count up from 0).
pub const REPARAM_STREAM_INDEX: u64 = 1 << 40;

/// A finished run's network, loaded on the CPU.
#[derive(Debug)]
pub struct LoadedNet {
    /// Its variables.
    pub vs: VarStore,
    /// The network.
    pub net: Net,
    /// Shape of one input.
    pub input_shape: Vec<usize>,
}

/// Load the final network of the run folder `run_dir` (`config.toml`, `summary.json`,
/// `model.ot`).
pub fn load_net(run_dir: &Path) -> Result<LoadedNet> {
    super::numerics::init_env();
    let cfg = TrainConfig::load(&run_dir.join("config.toml"))?;
    let summary = Summary::load(run_dir)?;
    let mut vs = VarStore::new(tch::Device::Cpu);
    // Built only to load the saved weights into, but its draws must not fall between another
    // run's seeding and its own draws.
    let net = Net::build(
        &vs.root(),
        &cfg.model,
        &summary.input_shape,
        summary.classes,
        &TorchRng::exclusive(),
    )?;
    let weights = run_dir.join("model.ot");
    vs.load(&weights).map_err(|e| Error::BadFile {
        path: weights.clone(),
        reason: e.to_string(),
    })?;
    Ok(LoadedNet {
        vs,
        net,
        input_shape: summary.input_shape,
    })
}

fn examples_tensor(ex: &Examples, want: &[usize]) -> Result<Tensor> {
    if ex.shape != want {
        return Err(Error::param(
            "examples.shape",
            format!("{:?}", ex.shape),
            format!("the network takes inputs of shape {want:?}"),
        ));
    }
    let set = eval::DeviceSet::new(ex, tch::Device::Cpu, "examples")?;
    Ok(set.x)
}

impl LoadedNet {
    /// Hard predictions on `examples`.
    pub fn predict(&self, examples: &Examples) -> Result<Vec<u8>> {
        let x = examples_tensor(examples, &self.input_shape)?;
        eval::predict(&self.net, &x, 256)
    }

    /// Apply `kind` in place, drawing factors and permutations from the
    /// [`Stream::Permutation`] stream of `seed` (sub-stream [`REPARAM_STREAM_INDEX`]).
    pub fn reparameterise(&mut self, kind: Reparam, seed: u64) -> Result<()> {
        let joints = self.net.relu_joints();
        if joints.is_empty() {
            return Err(Error::param(
                "model",
                "this network",
                "has no ReLU layer to reparameterise (mlp with depth >= 1 or cnn needed)",
            ));
        }
        let mut rng = stream(seed, Stream::Permutation, REPARAM_STREAM_INDEX);
        let vars = self.vs.variables();
        let get = |name: String| {
            vars.get(&name)
                .map(|t| t.shallow_clone())
                .ok_or_else(|| Error::BadFile {
                    path: "model.ot".into(),
                    reason: format!("missing variable {name}"),
                })
        };
        tch::no_grad(|| -> Result<()> {
            for (a, b) in joints {
                let (mut wa, mut ba, mut wb) = (
                    get(format!("{a}.weight"))?,
                    get(format!("{a}.bias"))?,
                    get(format!("{b}.weight"))?,
                );
                let units = wa.size()[0];
                if matches!(kind, Reparam::Rescale | Reparam::Both) {
                    let f: Vec<f32> = (0..units)
                        .map(|_| (rng.random_range(-1.0f64..1.0) * 4f64.ln()).exp() as f32)
                        .collect();
                    let f = Tensor::from_slice(&f);
                    let mut shape_a = vec![units];
                    shape_a.extend(std::iter::repeat_n(1, wa.dim() - 1));
                    let mut shape_b = vec![1, units];
                    shape_b.extend(std::iter::repeat_n(1, wb.dim() - 2));
                    let _ = c(wa.f_mul_(&c(f.f_reshape(&shape_a))?))?;
                    let _ = c(ba.f_mul_(&f))?;
                    let _ = c(wb.f_div_(&c(f.f_reshape(&shape_b))?))?;
                }
                if matches!(kind, Reparam::Permute | Reparam::Both) {
                    let perm = crate::rng::permutation(units as usize, &mut rng);
                    let p = Tensor::from_slice(&perm);
                    let na = c(wa.f_index_select(0, &p))?;
                    c(wa.f_copy_(&na))?;
                    let nb = c(ba.f_index_select(0, &p))?;
                    c(ba.f_copy_(&nb))?;
                    let nw = c(wb.f_index_select(1, &p))?;
                    c(wb.f_copy_(&nw))?;
                }
            }
            Ok(())
        })
    }
}

/// Hard predictions of the final network of `run_dir` on `examples`.
pub fn predict(run_dir: &Path, examples: &Examples) -> Result<Vec<u8>> {
    load_net(run_dir)?.predict(examples)
}

/// Hard predictions on `examples` of the final network of `run_dir` after the
/// function-preserving reparameterisation `kind` drawn from `seed`.
pub fn reparameterised_predictions(
    run_dir: &Path,
    examples: &Examples,
    kind: Reparam,
    seed: u64,
) -> Result<Vec<u8>> {
    let mut net = load_net(run_dir)?;
    net.reparameterise(kind, seed)?;
    net.predict(examples)
}
