//! The layers the built-in networks are made of: their constructors (libtorch's default
//! initialisation: He-uniform weights, PyTorch's uniform biases), the initial-scale multipliers applied after construction, and fallible versions of
//! the `tch` layers' forward passes.

use tch::nn;
use tch::{TchError, Tensor};

/// A fully connected layer with libtorch's default initialisation (`tch`'s `LinearConfig`):
/// Kaiming-uniform weights with the ReLU gain (variance `2 / fan_in`; PyTorch's `nn.Linear` draws
/// them with variance `1 / (3 fan_in)`) and biases uniform in `+-1/sqrt(fan_in)`, as PyTorch's.
pub(super) fn linear(vs: nn::Path, i: usize, o: usize) -> nn::Linear {
    nn::linear(vs, i as i64, o as i64, Default::default())
}

/// A 3x3 valid convolution: Kaiming-uniform weights with the ReLU gain (libtorch's default,
/// variance `2 / fan_in`; PyTorch's `nn.Conv2d` uses `1 / (3 fan_in)`) and a uniform bias with
/// bound `1/sqrt(fan_in)`, as PyTorch's.
pub(super) fn conv3x3(vs: nn::Path, i: usize, o: usize) -> nn::Conv2D {
    let bound = 1.0 / ((i * 9) as f64).sqrt();
    let cfg = nn::ConvConfig {
        bs_init: nn::Init::Uniform {
            lo: -bound,
            up: bound,
        },
        ..Default::default()
    };
    nn::conv2d(vs, i as i64, o as i64, 3, cfg)
}

/// Multiply a layer's weights and bias by `s` in place, outside autograd.
pub(super) fn scale_layer(l: &nn::Linear, s: f64) -> std::result::Result<(), TchError> {
    tch::no_grad(|| {
        let mut ws = l.ws.shallow_clone();
        let _ = ws.f_mul_scalar_(s)?;
        if let Some(b) = &l.bs {
            let mut b = b.shallow_clone();
            let _ = b.f_mul_scalar_(s)?;
        }
        Ok(())
    })
}

/// Multiply the output layer's weights by `ws` and its bias by `bs` (nothing when both are 1).
pub(super) fn scale_output(l: &nn::Linear, ws: f64, bs: f64) -> std::result::Result<(), TchError> {
    if ws == 1.0 && bs == 1.0 {
        return Ok(());
    }
    tch::no_grad(|| {
        let _ = l.ws.shallow_clone().f_mul_scalar_(ws)?;
        if let Some(b) = &l.bs {
            let _ = b.shallow_clone().f_mul_scalar_(bs)?;
        }
        Ok(())
    })
}

/// `xs W^T + b`, as `nn::Linear`'s forward, fallibly.
pub(super) fn f_linear(l: &nn::Linear, xs: &Tensor) -> std::result::Result<Tensor, TchError> {
    xs.f_linear(&l.ws, l.bs.as_ref())
}

/// A 2-D convolution with zero padding, as `nn::Conv2D`'s forward (dilation 1, one group),
/// fallibly; tch keeps the layer's stride and padding private, so the caller passes them.
pub(super) fn f_conv(
    c: &nn::Conv2D,
    xs: &Tensor,
    stride: i64,
    padding: i64,
) -> std::result::Result<Tensor, TchError> {
    xs.f_conv2d(
        &c.ws,
        c.bs.as_ref(),
        [stride, stride],
        [padding, padding],
        [1, 1],
        1,
    )
}

/// Batch normalisation as `nn::BatchNorm`'s forward with the default configuration (the one the
/// ResNet builds with), fallibly.
pub(super) fn f_batch_norm(
    bn: &nn::BatchNorm,
    xs: &Tensor,
    train: bool,
) -> std::result::Result<Tensor, TchError> {
    let c = nn::BatchNormConfig::default();
    Tensor::f_batch_norm(
        xs,
        bn.ws.as_ref(),
        bn.bs.as_ref(),
        Some(&bn.running_mean),
        Some(&bn.running_var),
        train,
        c.momentum,
        c.eps,
        c.cudnn_enabled,
    )
}
