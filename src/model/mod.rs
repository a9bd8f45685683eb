//! Network architectures of the paper, built as `tch` modules from a validated [`ModelSpec`].
//!
//! Parameter names are stable (they are the keys of `model.ot` and of the resume state):
//!
//! | model | parameters |
//! |---|---|
//! | `mlp` | `fc0` .. `fc{depth-1}` (hidden, ReLU), `out` |
//! | `cnn` | `conv0` .. `conv3` (3x3, valid, ReLU; 2x2 max-pool after `conv0` and `conv1`, applied before the ReLU, which gives the same result), `fc` (ReLU), `out` |
//! | `resnet20` | `stem`, `s{stage}b{block}.{bn1,conv1,bn2,conv2,short}`, `bn`, `out` (pre-activation) |
//! | `linear` | `out` (logistic regression on the flattened input) |
//! | `torchscript` | the module's parameters and buffers, `.` in their names replaced by `_` (see [`torchscript`]) |

mod generator;
mod input;
mod layers;
mod resnet;
pub mod torchscript;

pub use generator::TorchRng;

pub use torchscript::{ScriptInit, ScriptNet};

use crate::error::{Error, Result};
use layers::{conv3x3, f_conv, f_linear, linear, scale_layer, scale_output};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tch::nn;
use tch::{TchError, Tensor};

/// Which network to train. In TOML: `[model] kind = "mlp"`, `depth = 2`, `width = 100`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ModelSpec {
    /// Fully connected ReLU network with `depth` hidden layers of `width` units.
    Mlp {
        /// Number of hidden layers (0 gives a linear model).
        depth: usize,
        /// Units per hidden layer.
        width: usize,
        /// Factor applied to every initial weight and bias after the default initialisation
        /// (`layers::linear`; default 1: that initialisation as it is). A small scale starts the
        /// network near the zero function, where gradient descent first learns a nearly linear
        /// function (Lyu, Li, Wang and Arora, NeurIPS 2021). The draws are the same at every
        /// scale, so one seed gives the same directions scaled.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        init_scale: Option<f64>,
        /// Factor applied to the output layer's initial weights instead of `init_scale` (its
        /// bias keeps `init_scale`). 0 starts the network at a constant function, the class its
        /// output bias favours, whose predictions carry no information; the first steps then
        /// learn a readout of the hidden features, and points leave the constant class as the
        /// readout outgrows the bias.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        out_init_scale: Option<f64>,
    },
    /// The paper's MNIST CNN: four 3x3 convolutions with `channels` filters each (valid padding,
    /// ReLU, 2x2 max-pool after the first two), a fully connected ReLU layer of `hidden` units and
    /// the output layer.
    Cnn {
        /// Filters per convolution (paper: 32).
        #[serde(default = "default_cnn_channels")]
        channels: usize,
        /// Units of the fully connected hidden layer (paper: 2000).
        #[serde(default = "default_cnn_hidden")]
        hidden: usize,
    },
    /// Pre-activation ResNet-20 (three stages of three 3x3 basic blocks, `width`, 2x`width`,
    /// 4x`width` channels; paper: 16), with batch normalisation.
    Resnet20 {
        /// Channels of the first stage (paper: 16).
        #[serde(default = "default_resnet_width")]
        width: usize,
    },
    /// Logistic regression on the flattened input.
    Linear,
    /// A TorchScript module of your own (see [`torchscript`]).
    Torchscript {
        /// The module file (`torch.jit.script(model).save(path)`).
        path: PathBuf,
        /// Where its initial weights come from (default: the run's seed).
        #[serde(default)]
        init: ScriptInit,
    },
}

fn default_cnn_channels() -> usize {
    32
}
fn default_cnn_hidden() -> usize {
    2000
}
fn default_resnet_width() -> usize {
    16
}

impl ModelSpec {
    /// Check the sizes, naming the bad field (prefixed `model.`).
    pub fn check(&self) -> Result<()> {
        let positive = |field: &str, v: usize| {
            if v == 0 {
                Err(Error::param(
                    format!("model.{field}"),
                    v,
                    "must be positive",
                ))
            } else {
                Ok(())
            }
        };
        match self {
            ModelSpec::Mlp {
                depth,
                width,
                init_scale,
                out_init_scale,
            } => {
                if *depth > 0 {
                    positive("width", *width)?;
                }
                check_scale("init_scale", *init_scale, false)?;
                check_scale("out_init_scale", *out_init_scale, true)?;
                if *depth > 64 {
                    return Err(Error::param("model.depth", depth, "must be at most 64"));
                }
                Ok(())
            }
            ModelSpec::Cnn { channels, hidden } => {
                positive("channels", *channels)?;
                positive("hidden", *hidden)
            }
            ModelSpec::Resnet20 { width } => positive("width", *width),
            ModelSpec::Linear => Ok(()),
            ModelSpec::Torchscript { path, .. } => {
                if path.as_os_str().is_empty() {
                    return Err(Error::param(
                        "model.path",
                        "\"\"",
                        "needs a TorchScript file",
                    ));
                }
                Ok(())
            }
        }
    }

    /// Short description, e.g. `mlp(depth=2,width=100)`.
    pub fn describe(&self) -> String {
        match self {
            ModelSpec::Mlp {
                depth,
                width,
                init_scale,
                out_init_scale,
            } => {
                let mut d = format!("mlp(depth={depth},width={width}");
                if let Some(s) = init_scale {
                    d.push_str(&format!(",init_scale={s}"));
                }
                if let Some(s) = out_init_scale {
                    d.push_str(&format!(",out_init_scale={s}"));
                }
                d + ")"
            }
            ModelSpec::Cnn { channels, hidden } => {
                format!("cnn(channels={channels},hidden={hidden})")
            }
            ModelSpec::Resnet20 { width } => format!("resnet20(width={width})"),
            ModelSpec::Linear => "linear".into(),
            ModelSpec::Torchscript { path, init } => {
                format!("torchscript({},init={})", path.display(), init.name())
            }
        }
    }
}

/// An initial scale, when given, must be finite and at most 1000, and positive (or zero where
/// `zero_ok`: an output layer started at zero).
fn check_scale(field: &str, scale: Option<f64>, zero_ok: bool) -> Result<()> {
    let Some(s) = scale else { return Ok(()) };
    let low_ok = if zero_ok { s >= 0.0 } else { s > 0.0 };
    if s.is_finite() && low_ok && s <= 1e3 {
        return Ok(());
    }
    let range = if zero_ok { "[0, 1000]" } else { "(0, 1000]" };
    Err(Error::param(
        format!("model.{field}"),
        s,
        format!("must be a finite number in {range}"),
    ))
}

/// A built network: its layers live in the `VarStore` behind the path it was built from.
#[derive(Debug)]
pub enum Net {
    /// Fully connected layers, ReLU between them.
    Mlp {
        /// Hidden layers.
        hidden: Vec<nn::Linear>,
        /// Output layer.
        out: nn::Linear,
    },
    /// The paper's MNIST CNN.
    Cnn {
        /// The four convolutions.
        convs: Vec<nn::Conv2D>,
        /// Fully connected hidden layer.
        fc: nn::Linear,
        /// Output layer.
        out: nn::Linear,
    },
    /// Pre-activation ResNet-20.
    Resnet(Box<resnet::PreActResNet>),
    /// A TorchScript module.
    Script(Box<ScriptNet>),
}

fn torch_err(context: &str, e: tch::TchError) -> Error {
    Error::Torch(format!("{context}: {e}"))
}

impl Net {
    /// Build `spec` for inputs of shape `input` (one example, e.g. `[784]` or `[1, 28, 28]`) and
    /// `classes` outputs, creating its variables under `vs`. Weights are drawn from libtorch's
    /// default generator, which the caller holds as `_rng` for the draws (the trainer seeds it
    /// from [`crate::rng::Stream::Init`]).
    pub fn build(
        vs: &nn::Path,
        spec: &ModelSpec,
        input: &[usize],
        classes: usize,
        _rng: &TorchRng,
    ) -> Result<Net> {
        spec.check()?;
        let dim: usize = input.iter().product();
        if dim == 0 {
            return Err(Error::param(
                "input shape",
                format!("{input:?}"),
                "is empty",
            ));
        }
        match spec {
            ModelSpec::Mlp {
                depth,
                width,
                init_scale,
                out_init_scale,
            } => {
                let mut hidden = Vec::with_capacity(*depth);
                let mut fan_in = dim;
                for i in 0..*depth {
                    hidden.push(linear(vs / format!("fc{i}"), fan_in, *width));
                    fan_in = *width;
                }
                let out = linear(vs / "out", fan_in, classes);
                if let Some(s) = init_scale {
                    for l in &hidden {
                        scale_layer(l, *s).map_err(|e| torch_err("init_scale", e))?;
                    }
                }
                let out_ws = out_init_scale.or(*init_scale).unwrap_or(1.0);
                let out_bs = init_scale.unwrap_or(1.0);
                scale_output(&out, out_ws, out_bs).map_err(|e| torch_err("out_init_scale", e))?;
                Ok(Net::Mlp { hidden, out })
            }
            ModelSpec::Linear => Ok(Net::Mlp {
                hidden: Vec::new(),
                out: linear(vs / "out", dim, classes),
            }),
            ModelSpec::Cnn { channels, hidden } => {
                let (c, h, w) = image_shape(input, "cnn")?;
                let mut convs = Vec::with_capacity(4);
                let (hh, ww) = cnn_feature_map(h, w).ok_or_else(|| {
                    Error::param(
                        "input shape",
                        format!("{input:?}"),
                        "too small for the CNN (needs at least 26x26 pixels)",
                    )
                })?;
                let mut cin = c;
                for i in 0..4 {
                    convs.push(conv3x3(vs / format!("conv{i}"), cin, *channels));
                    cin = *channels;
                }
                let flat = (*channels as i64 * hh * ww) as usize;
                Ok(Net::Cnn {
                    convs,
                    fc: linear(vs / "fc", flat, *hidden),
                    out: linear(vs / "out", *hidden, classes),
                })
            }
            ModelSpec::Resnet20 { width } => {
                let (c, _, _) = image_shape(input, "resnet20")?;
                Ok(Net::Resnet(Box::new(resnet::PreActResNet::new(
                    vs, c, *width, classes,
                ))))
            }
            ModelSpec::Torchscript { path, init } => Ok(Net::Script(Box::new(ScriptNet::load(
                vs, path, *init, input, classes,
            )?))),
        }
    }

    /// Whether a training pass may draw from libtorch's generator (dropout in a TorchScript
    /// module; the built-in networks draw nothing after they are built).
    pub fn draws_in_training(&self) -> bool {
        matches!(self, Net::Script(_))
    }

    /// Logits for a batch `xs` of shape `[batch, input...]` (`train`: batch normalisation uses
    /// and updates batch statistics). Every libtorch call is the fallible one: an error (a shape
    /// mismatch, CUDA out of memory) is an [`Error::Torch`], never an abort.
    /// A TorchScript module's own error is returned as it is.
    pub fn logits(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        if let Net::Script(s) = self {
            return s.forward(xs, train);
        }
        self.forward(xs, train)
            .map_err(|e| torch_err("forward pass", e))
    }

    fn forward(&self, xs: &Tensor, train: bool) -> std::result::Result<Tensor, TchError> {
        match self {
            Net::Mlp { hidden, out } => {
                let mut h = xs.f_flatten(1, -1)?;
                for l in hidden {
                    h = f_linear(l, &h)?.f_relu()?;
                }
                f_linear(out, &h)
            }
            Net::Cnn { convs, fc, out } => {
                let mut h = xs.shallow_clone();
                for (i, c) in convs.iter().enumerate() {
                    h = f_conv(c, &h, 1, 0)?;
                    // Pooling before the ReLU computes relu-then-pool exactly (ReLU is monotone,
                    // so it commutes with max; gradients agree too) on a quarter of the values.
                    if i < 2 {
                        h = h.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?;
                    }
                    h = h.f_relu()?;
                }
                let h = f_linear(fc, &h.f_flatten(1, -1)?)?.f_relu()?;
                f_linear(out, &h)
            }
            Net::Resnet(r) => r.forward(xs, train),
            Net::Script(_) => Err(TchError::Torch(
                "a TorchScript module runs through Net::logits".into(),
            )),
        }
    }

    /// Names of the (producer, consumer) layer pairs joined by a ReLU, whose hidden units can be
    /// rescaled or permuted without changing the function (see [`crate::train::reparam`]).
    /// Producer weights have units along dimension 0, consumer weights along dimension 1.
    pub fn relu_joints(&self) -> Vec<(String, String)> {
        match self {
            Net::Mlp { hidden, .. } => (0..hidden.len())
                .map(|i| {
                    let next = if i + 1 < hidden.len() {
                        format!("fc{}", i + 1)
                    } else {
                        "out".to_string()
                    };
                    (format!("fc{i}"), next)
                })
                .collect(),
            Net::Cnn { .. } => vec![
                ("conv0".into(), "conv1".into()),
                ("conv1".into(), "conv2".into()),
                ("conv2".into(), "conv3".into()),
                ("fc".into(), "out".into()),
            ],
            Net::Resnet(_) | Net::Script(_) => Vec::new(),
        }
    }
}

fn image_shape(input: &[usize], model: &str) -> Result<(usize, usize, usize)> {
    match input {
        [c, h, w] => Ok((*c, *h, *w)),
        _ => Err(Error::param(
            "input shape",
            format!("{input:?}"),
            format!("{model} needs image inputs [channels, height, width]"),
        )),
    }
}

/// Height and width of the CNN's last feature map for `h x w` images (four 3x3 valid
/// convolutions, 2x2 pooling after the first two), or `None` when the images are too small.
pub(crate) fn cnn_feature_map(h: usize, w: usize) -> Option<(i64, i64)> {
    let (mut h, mut w) = (h as i64, w as i64);
    for i in 0..4 {
        h -= 2;
        w -= 2;
        if i < 2 {
            h /= 2;
            w /= 2;
        }
        if h < 1 || w < 1 {
            return None;
        }
    }
    Some((h, w))
}

/// Check that a tensor operation succeeded, naming what was being done.
pub(crate) fn check_torch<T>(context: &str, r: std::result::Result<T, tch::TchError>) -> Result<T> {
    r.map_err(|e| torch_err(context, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::Module;
    use tch::{Device, Kind};

    /// `init_scale` multiplies the same draws (one seed, the same directions); `out_init_scale`
    /// 0 starts the network at the zero function; bad scales are refused by name.
    #[test]
    fn init_scales_multiply_the_default_draws() {
        let params = |init_scale: Option<f64>, out_init_scale: Option<f64>| {
            let rng = TorchRng::seeded(5);
            let vs = nn::VarStore::new(Device::Cpu);
            let spec = ModelSpec::Mlp {
                depth: 2,
                width: 8,
                init_scale,
                out_init_scale,
            };
            let net = Net::build(&vs.root(), &spec, &[2], 2, &rng).expect("build");
            let xs = Tensor::randn([4, 2], (Kind::Float, Device::Cpu));
            let mut named = vs.variables().into_iter().collect::<Vec<_>>();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            (named, net.logits(&xs, false).expect("forward"))
        };
        let (base, _) = params(None, None);
        let (small, _) = params(Some(0.25), None);
        for ((na, a), (nb, b)) in base.iter().zip(&small) {
            assert_eq!(na, nb);
            assert!(b.allclose(&(a * 0.25), 1e-7, 1e-9, false), "{na}");
        }
        // Output weights at zero: every input gets the bias's logits (a constant function).
        let (zero_out, logits) = params(Some(0.25), Some(0.0));
        let weight = zero_out.iter().find(|(n, _)| n == "out.weight").unwrap();
        assert_eq!(weight.1.abs().max().double_value(&[]), 0.0);
        let bias = zero_out.iter().find(|(n, _)| n == "out.bias").unwrap();
        let base_bias = base.iter().find(|(n, _)| n == "out.bias").unwrap();
        assert!(bias.1.allclose(&(&base_bias.1 * 0.25), 1e-7, 1e-9, false));
        let spread = (logits.max_dim(0, false).0 - logits.min_dim(0, false).0)
            .abs()
            .max();
        assert_eq!(spread.double_value(&[]), 0.0);
        for (init, out) in [
            (Some(0.0), None),
            (Some(f64::NAN), None),
            (None, Some(-1.0)),
        ] {
            let spec = ModelSpec::Mlp {
                depth: 1,
                width: 4,
                init_scale: init,
                out_init_scale: out,
            };
            let e = spec.check().expect_err("a bad scale").to_string();
            assert!(e.contains("init_scale"), "{e}");
        }
    }

    /// The CNN pools before its ReLU; the paper's order (ReLU, then pool) must give the same bits,
    /// forward and backward.
    #[test]
    fn cnn_pool_before_relu_is_exact() {
        let rng = TorchRng::seeded(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let spec = ModelSpec::Cnn {
            channels: 8,
            hidden: 16,
        };
        let net = Net::build(&vs.root(), &spec, &[1, 28, 28], 2, &rng).expect("build");
        let Net::Cnn { convs, fc, out } = &net else {
            panic!("not a CNN")
        };
        let reference = |xs: &Tensor| {
            let mut h = xs.shallow_clone();
            for (i, c) in convs.iter().enumerate() {
                h = c.forward(&h).relu();
                if i < 2 {
                    h = h.max_pool2d_default(2);
                }
            }
            out.forward(&fc.forward(&h.flatten(1, -1)).relu())
        };
        let xs = Tensor::randn([16, 1, 28, 28], (Kind::Float, Device::Cpu));
        let grads = |logits: Tensor| {
            let vars: Vec<Tensor> = vs.trainable_variables();
            Tensor::run_backward(&[logits.sum(Kind::Float)], &vars, false, false)
        };
        let (a, b) = (net.logits(&xs, true).expect("forward"), reference(&xs));
        assert!(a.equal(&b), "logits differ");
        for (ga, gb) in grads(a).iter().zip(grads(b).iter()) {
            assert!(ga.equal(gb), "gradients differ");
        }
    }

    /// A libtorch error in the forward pass (here a shape mismatch, on a GPU also out of
    /// memory) is an `Error::Torch`, not an abort.
    #[test]
    fn forward_pass_errors_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        for spec in [
            ModelSpec::Mlp {
                depth: 1,
                width: 4,
                init_scale: None,
                out_init_scale: None,
            },
            ModelSpec::Cnn {
                channels: 2,
                hidden: 4,
            },
            ModelSpec::Resnet20 { width: 2 },
        ] {
            let shape = if matches!(spec, ModelSpec::Mlp { .. }) {
                vec![4]
            } else {
                vec![1, 28, 28]
            };
            let net =
                Net::build(&vs.root(), &spec, &shape, 2, &TorchRng::exclusive()).expect("build");
            let wrong = Tensor::zeros([3, 5], (Kind::Float, Device::Cpu));
            match net.logits(&wrong, false) {
                Err(Error::Torch(msg)) => assert!(msg.contains("forward pass"), "{msg}"),
                other => panic!("{}: {other:?}", spec.describe()),
            }
        }
    }
}
