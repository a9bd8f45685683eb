//! A network of your own: a TorchScript module (`[model] kind = "torchscript"`), trained by the
//! trainer's own SGD like the built-in networks.
//!
//! ```toml
//! [model]
//! kind = "torchscript"
//! path = "net.pt"      # torch.jit.script(model).save("net.pt"); relative to the config file
//! init = "seed"        # "seed" (default): re-initialise from the run's seed; "file": keep
//!                      # the weights saved in the file
//! ```
//!
//! The module is loaded through a small C++ shim (`csrc/torchscript.cpp`) rather than tch's
//! `TrainableCModule`, because the trainer needs the module's buffers (BatchNorm's running
//! statistics) as well as its parameters: both are registered in the run's `VarStore`
//! (parameters trainable, buffers not) as tensors sharing storage with the module, under the
//! module's dotted names with `.` replaced by `_` (`fc1.weight` becomes `fc1_weight`). So
//! `model.ot`, the resume state and a resumed run hold and restore both, exactly as for the
//! built-in networks.
//!
//! With `init = "seed"`, every parameter is re-drawn, in the module's parameter order, from
//! libtorch's generator, which the trainer seeds from the `Init` stream before building any
//! network (as for the built-in networks), by PyTorch's default rules:
//!
//! | parameter | initial value |
//! |---|---|
//! | `*.weight` (or any parameter) with at least 2 dimensions | Kaiming-uniform with a = sqrt(5): `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`, `fan_in = shape[1] * prod(shape[2..])` (`nn.Linear`, `nn.Conv*`) |
//! | `P.bias` whose `P.weight` has at least 2 dimensions | U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan_in |
//! | 1-D `P.weight` (BatchNorm, LayerNorm, GroupNorm) | 1 |
//! | `P.bias` whose `P.weight` is 1-D | 0 |
//!
//! Buffers keep the file's values. A parameter no rule covers (a 0-D or free-standing 1-D
//! parameter) is refused with its name, as it has no default to reproduce; `init = "file"`
//! trains such a module from its saved weights.
//!
//! In training steps the module is in training mode (BatchNorm uses batch statistics and updates
//! its running ones, dropout drops), when recording predictions in evaluation mode. Dropout
//! draws from libtorch's generator, which the trainer re-seeds at every epoch from the `Dropout`
//! stream, so a resumed run draws what an uninterrupted one does.
//!
//! Before training, the module runs once on a batch of 3 zero inputs (evaluation mode, no
//! gradients): it must return float32 logits of shape `[3, 2]`; anything else is refused with the
//! shape it produced.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use tch::{nn, Device, Kind, Tensor};

/// Where the initial weights of a TorchScript network come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptInit {
    /// Re-drawn from the run's seed by PyTorch's default rules (see the module docs).
    #[default]
    Seed,
    /// The weights saved in the file.
    File,
}

impl ScriptInit {
    /// Its name in configs.
    pub fn name(self) -> &'static str {
        match self {
            ScriptInit::Seed => "seed",
            ScriptInit::File => "file",
        }
    }
}

/// Rows of the batch the module is checked on before training (not 2, so that a module that
/// returns the transpose of its logits is caught).
pub const CHECK_ROWS: i64 = 3;

extern "C" {
    fn sgdc_ts_free_string(s: *mut c_char);
    fn sgdc_ts_load(path: *const c_char, out: *mut *mut c_void) -> *mut c_char;
    fn sgdc_ts_free(m: *mut c_void);
    fn sgdc_ts_train(m: *mut c_void, on: i32) -> *mut c_char;
    fn sgdc_ts_to(m: *mut c_void, device: i32) -> *mut c_char;
    fn sgdc_ts_named(
        m: *mut c_void,
        buffers: i32,
        data: *mut c_void,
        f: extern "C" fn(*mut c_void, *const c_char, *mut c_void),
    ) -> *mut c_char;
    fn sgdc_ts_forward(m: *mut c_void, x: *const c_void, out: *mut *mut c_void) -> *mut c_char;
}

/// The shim's error message, if any, on one line (and freed).
fn take_error(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null result is a NUL-terminated string malloc'd by the shim, freed once here.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { sgdc_ts_free_string(p) };
    let one_line: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    Some(one_line.join(" "))
}

/// Owner of the shim's module pointer.
struct Handle(*mut c_void);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sgdc_ts_load and is freed exactly once.
        unsafe { sgdc_ts_free(self.0) }
    }
}

// SAFETY: a torch::jit::Module may be moved between threads; `ScriptNet` is not `Sync` (its
// mode and device live in `Cell`s), so it is never used from two threads at once.
unsafe impl Send for Handle {}

extern "C" fn collect(data: *mut c_void, name: *const c_char, t: *mut c_void) {
    // SAFETY: `data` is the `Vec` passed by `named` below, `name` a NUL-terminated string that
    // lives for this call, `t` a new `torch::Tensor*` whose ownership passes to the `Tensor`.
    let v = unsafe { &mut *(data as *mut Vec<(String, Tensor)>) };
    let name = unsafe { CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned();
    let t = unsafe { Tensor::from_ptr(t as *mut torch_sys::C_tensor) };
    v.push((name, t));
}

/// A TorchScript module as a network of the trainer.
pub struct ScriptNet {
    handle: Handle,
    path: PathBuf,
    train_mode: Cell<Option<bool>>,
    device: Cell<i32>,
}

impl std::fmt::Debug for ScriptNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptNet")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn device_code(d: Device) -> Result<i32> {
    match d {
        Device::Cpu => Ok(-1),
        Device::Cuda(i) => Ok(i as i32),
        other => Err(Error::param(
            "device",
            format!("{other:?}"),
            "TorchScript networks run on the CPU or CUDA",
        )),
    }
}

impl ScriptNet {
    fn bad(&self, reason: impl Into<String>) -> Error {
        Error::BadFile {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// Load the module at `path`, register its parameters and buffers under `vs`, initialise
    /// it as `init` says and check that it maps a batch of inputs of shape `input` to
    /// `classes` logits per row.
    pub fn load(
        vs: &nn::Path,
        path: &Path,
        init: ScriptInit,
        input: &[usize],
        classes: usize,
    ) -> Result<ScriptNet> {
        let bad = |reason: String| Error::BadFile {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(bad(
                "no such TorchScript file (save one with torch.jit.script(model).save(path))"
                    .into(),
            ));
        }
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| bad("the path contains a NUL byte".into()))?;
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: valid C string and out-pointer; the shim catches every C++ exception.
        let err = take_error(unsafe { sgdc_ts_load(c_path.as_ptr(), &mut ptr) });
        if let Some(e) = err {
            return Err(bad(format!("not a loadable TorchScript module: {e}")));
        }
        if ptr.is_null() {
            return Err(bad("not a loadable TorchScript module".into()));
        }
        let net = ScriptNet {
            handle: Handle(ptr),
            path: path.to_path_buf(),
            train_mode: Cell::new(None),
            device: Cell::new(-1),
        };
        let params = net.named(false)?;
        let buffers = net.named(true)?;
        if params.is_empty() {
            return Err(net.bad("the module has no parameters to train"));
        }
        if init == ScriptInit::Seed {
            net.initialise(&params)?;
        }
        for (name, t) in &params {
            let trainable = t.requires_grad();
            let _ = vs.add(&name.replace('.', "_"), t.shallow_clone(), trainable);
        }
        for (name, t) in &buffers {
            let _ = vs.add(&name.replace('.', "_"), t.shallow_clone(), false);
        }
        net.check_output(input, classes)?;
        Ok(net)
    }

    fn named(&self, buffers: bool) -> Result<Vec<(String, Tensor)>> {
        let mut v: Vec<(String, Tensor)> = Vec::new();
        // SAFETY: `collect` casts `data` back to this `Vec` and only pushes during the call.
        let err = take_error(unsafe {
            sgdc_ts_named(
                self.handle.0,
                i32::from(buffers),
                &mut v as *mut _ as *mut c_void,
                collect,
            )
        });
        match err {
            Some(e) => Err(self.bad(format!(
                "cannot list its {}: {e}",
                if buffers { "buffers" } else { "parameters" }
            ))),
            None => Ok(v),
        }
    }

    /// PyTorch's default initialisation by parameter shape and name (see the module docs).
    fn initialise(&self, params: &[(String, Tensor)]) -> Result<()> {
        let by_name: BTreeMap<&str, &Tensor> =
            params.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let fan_in = |t: &Tensor| -> i64 { t.size().iter().skip(1).product() };
        let torch = |what: &str, e: tch::TchError| self.bad(format!("initialising {what}: {e}"));
        tch::no_grad(|| -> Result<()> {
            for (name, t) in params {
                let mut t = t.shallow_clone();
                if t.numel() == 0 {
                    continue;
                }
                let dims = t.dim();
                let (prefix, leaf) = name.rsplit_once('.').unwrap_or(("", name.as_str()));
                let sibling = |leaf: &str| {
                    let key = if prefix.is_empty() {
                        leaf.to_string()
                    } else {
                        format!("{prefix}.{leaf}")
                    };
                    by_name.get(key.as_str()).map(|t| t.shallow_clone())
                };
                let uniform = |t: &mut Tensor, fan: i64| {
                    let b = 1.0 / (fan.max(1) as f64).sqrt();
                    t.f_uniform_(-b, b).map(|_| ())
                };
                let r = if dims >= 2 {
                    let fan = fan_in(&t);
                    uniform(&mut t, fan)
                } else if dims == 1 && leaf == "bias" {
                    match sibling("weight") {
                        Some(w) if w.dim() >= 2 => uniform(&mut t, fan_in(&w)),
                        Some(_) => t.f_zero_().map(|_| ()),
                        None => return Err(self.no_rule(name, &t)),
                    }
                } else if dims == 1 && leaf == "weight" {
                    t.f_fill_(1.0).map(|_| ())
                } else {
                    return Err(self.no_rule(name, &t));
                };
                r.map_err(|e| torch(name, e))?;
            }
            Ok(())
        })
    }

    fn no_rule(&self, name: &str, t: &Tensor) -> Error {
        self.bad(format!(
            "parameter {name} of shape {:?} has no default initialisation rule (weights with >= 2 \
             dimensions, their .bias, 1-D norm .weight/.bias); set [model] init = \"file\" to \
             train from the saved weights",
            t.size()
        ))
    }

    /// Run once on `CHECK_ROWS` zero inputs in evaluation mode: the output must be float32
    /// logits of shape `[CHECK_ROWS, classes]`.
    fn check_output(&self, input: &[usize], classes: usize) -> Result<()> {
        let mut shape = vec![CHECK_ROWS];
        shape.extend(input.iter().map(|&s| s as i64));
        let x = Tensor::f_zeros(&shape, (Kind::Float, Device::Cpu))
            .map_err(|e| self.bad(format!("cannot make a check batch: {e}")))?;
        let out = tch::no_grad(|| self.forward(&x, false)).map_err(|e| match e {
            Error::BadFile { path, reason } => Error::BadFile {
                path,
                reason: format!(
                    "on a batch of {CHECK_ROWS} inputs of shape {input:?} (the data set's): {reason}"
                ),
            },
            other => other,
        })?;
        let got = out.size();
        if got != [CHECK_ROWS, classes as i64] {
            return Err(self.bad(format!(
                "for a batch of {CHECK_ROWS} inputs of shape {input:?} the module returned shape \
                 {got:?}; it must return logits of shape [{CHECK_ROWS}, {classes}] (one row per \
                 example, one column per class)"
            )));
        }
        if out.kind() != Kind::Float {
            return Err(self.bad(format!(
                "the module returned logits of kind {:?}; it must return float32",
                out.kind()
            )));
        }
        Ok(())
    }

    /// The module's output on `xs`, in training (`train`) or evaluation mode.
    pub fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        if self.train_mode.get() != Some(train) {
            // SAFETY: live module pointer; the shim catches exceptions.
            let err = take_error(unsafe { sgdc_ts_train(self.handle.0, i32::from(train)) });
            if let Some(e) = err {
                return Err(self.bad(format!("cannot switch training mode: {e}")));
            }
            self.train_mode.set(Some(train));
        }
        let d = device_code(xs.device())?;
        if self.device.get() != d {
            // The parameters and buffers move with the VarStore; this moves any other tensor
            // the module holds.
            // SAFETY: as above.
            let err = take_error(unsafe { sgdc_ts_to(self.handle.0, d) });
            if let Some(e) = err {
                return Err(self.bad(format!("cannot move the module to {:?}: {e}", xs.device())));
            }
            self.device.set(d);
        }
        let mut out: *mut c_void = std::ptr::null_mut();
        // SAFETY: `xs` outlives the call; the shim copies the tensor handle it points at.
        let err = take_error(unsafe {
            sgdc_ts_forward(self.handle.0, xs.as_ptr() as *const c_void, &mut out)
        });
        if let Some(e) = err {
            return Err(self.bad(format!("forward failed: {e}")));
        }
        if out.is_null() {
            return Err(self.bad("forward returned nothing"));
        }
        // SAFETY: a new `torch::Tensor*` owned from here on.
        Ok(unsafe { Tensor::from_ptr(out as *mut torch_sys::C_tensor) })
    }

    /// The TorchScript file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/torchscript")
            .join(format!("{name}.pt"))
    }

    fn load(init: ScriptInit) -> (nn::VarStore, ScriptNet) {
        crate::train::numerics::init_env();
        let vs = nn::VarStore::new(Device::Cpu);
        let net = ScriptNet::load(
            &vs.root(),
            &fixture("cnn_bn_dropout"),
            init,
            &[1, 12, 12],
            2,
        )
        .expect("fixture loads");
        (vs, net)
    }

    #[test]
    fn buffers_are_registered_and_modes_switch() {
        let (vs, net) = load(ScriptInit::File);
        let vars = vs.variables();
        // Sequential: 0 conv, 1 batch norm, 6 linear.
        for name in [
            "0_weight",
            "1_weight",
            "1_running_mean",
            "1_num_batches_tracked",
        ] {
            assert!(vars.contains_key(name), "{name} in {:?}", vars.keys());
        }
        assert_eq!(vs.trainable_variables().len(), 6);
        assert!(!vars["1_running_mean"].requires_grad());
        let x = Tensor::randn([8, 1, 12, 12], (Kind::Float, Device::Cpu));
        let before = vars["1_running_mean"].copy();
        let eval = |net: &ScriptNet| tch::no_grad(|| net.forward(&x, false).unwrap());
        let train = |net: &ScriptNet| tch::no_grad(|| net.forward(&x, true).unwrap());
        assert!(eval(&net).equal(&eval(&net)), "evaluation is deterministic");
        assert!(
            before.equal(&vars["1_running_mean"]),
            "eval keeps the buffers"
        );
        let (a, b) = (train(&net), train(&net));
        assert!(!a.equal(&b), "dropout draws in training mode");
        assert!(
            !before.equal(&vars["1_running_mean"]),
            "training mode updates the running mean, seen through the VarStore"
        );
    }

    #[test]
    fn seed_init_follows_pytorch_default_rules() {
        let _rng = crate::model::TorchRng::seeded(7);
        let (vs, _net) = load(ScriptInit::Seed);
        let v = vs.variables();
        let max = |t: &Tensor| t.abs().max().double_value(&[]);
        assert!(v["1_weight"].equal(&Tensor::ones([4], (Kind::Float, Device::Cpu))));
        assert_eq!(max(&v["1_bias"]), 0.0);
        // Conv 1 -> 4, 3x3: fan_in 9; linear 100 -> 2: fan_in 100.
        for (name, fan) in [
            ("0_weight", 9.0),
            ("0_bias", 9.0),
            ("6_weight", 100.0),
            ("6_bias", 100.0),
        ] {
            let m = max(&v[name]);
            assert!(m > 0.0 && m <= 1.0 / f64::sqrt(fan), "{name}: {m}");
        }
        // Buffers keep the file's values.
        assert_eq!(max(&v["1_running_mean"]), 0.0);
    }
}
