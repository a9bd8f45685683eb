//! Pre-activation ResNet-20 (He et al. 2016, "Identity mappings in deep residual networks"):
//! a 3x3 stem, three stages of three basic blocks (BN-ReLU-conv3x3-BN-ReLU-conv3x3), the first
//! block of stages 2 and 3 halving the resolution with a 1x1 strided projection shortcut, then
//! BN-ReLU, global average pooling and the output layer.

use super::layers::{f_batch_norm, f_conv, f_linear};
use tch::nn;
use tch::{TchError, Tensor};

fn conv(vs: nn::Path, i: usize, o: usize, k: i64, stride: i64) -> nn::Conv2D {
    let cfg = nn::ConvConfig {
        stride,
        padding: k / 2,
        bias: false,
        ..Default::default()
    };
    nn::conv2d(vs, i as i64, o as i64, k, cfg)
}

/// One pre-activation basic block.
#[derive(Debug)]
pub struct Block {
    bn1: nn::BatchNorm,
    conv1: nn::Conv2D,
    bn2: nn::BatchNorm,
    conv2: nn::Conv2D,
    short: Option<nn::Conv2D>,
    stride: i64,
}

impl Block {
    fn new(vs: nn::Path, i: usize, o: usize, stride: i64) -> Block {
        let short = (stride != 1 || i != o).then(|| conv(&vs / "short", i, o, 1, stride));
        Block {
            bn1: nn::batch_norm2d(&vs / "bn1", i as i64, Default::default()),
            conv1: conv(&vs / "conv1", i, o, 3, stride),
            bn2: nn::batch_norm2d(&vs / "bn2", o as i64, Default::default()),
            conv2: conv(&vs / "conv2", o, o, 3, 1),
            short,
            stride,
        }
    }

    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let pre = f_batch_norm(&self.bn1, xs, train)?.f_relu()?;
        let shortcut = match &self.short {
            Some(s) => f_conv(s, &pre, self.stride, 0)?,
            None => xs.shallow_clone(),
        };
        let h = f_conv(&self.conv1, &pre, self.stride, 1)?;
        let h = f_batch_norm(&self.bn2, &h, train)?.f_relu()?;
        f_conv(&self.conv2, &h, 1, 1)?.f_add(&shortcut)
    }
}

/// The whole network.
#[derive(Debug)]
pub struct PreActResNet {
    stem: nn::Conv2D,
    blocks: Vec<Block>,
    bn: nn::BatchNorm,
    out: nn::Linear,
}

impl PreActResNet {
    /// Build for `channels` input channels, first-stage `width` and `classes` outputs.
    pub fn new(vs: &nn::Path, channels: usize, width: usize, classes: usize) -> Self {
        let stem = conv(vs / "stem", channels, width, 3, 1);
        let mut blocks = Vec::with_capacity(9);
        let mut cin = width;
        for stage in 0..3 {
            let cout = width << stage;
            for b in 0..3 {
                let stride = if stage > 0 && b == 0 { 2 } else { 1 };
                blocks.push(Block::new(vs / format!("s{stage}b{b}"), cin, cout, stride));
                cin = cout;
            }
        }
        PreActResNet {
            stem,
            blocks,
            bn: nn::batch_norm2d(vs / "bn", cin as i64, Default::default()),
            out: nn::linear(vs / "out", cin as i64, classes as i64, Default::default()),
        }
    }
}

impl PreActResNet {
    /// Logits for a batch `xs` (`train`: batch statistics), every libtorch call fallible.
    pub(super) fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let mut h = f_conv(&self.stem, xs, 1, 1)?;
        for b in &self.blocks {
            h = b.forward(&h, train)?;
        }
        let h = f_batch_norm(&self.bn, &h, train)?.f_relu()?;
        let h = h.f_adaptive_avg_pool2d([1, 1])?.f_flatten(1, -1)?;
        f_linear(&self.out, &h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::{Module, ModuleT};
    use tch::{Device, Kind};

    /// The forward pass through tch's own layers, as it was written before every call became
    /// fallible.
    fn reference(net: &PreActResNet, xs: &Tensor, train: bool) -> Tensor {
        let mut h = net.stem.forward(xs);
        for b in &net.blocks {
            let pre = b.bn1.forward_t(&h, train).relu();
            let shortcut = match &b.short {
                Some(s) => s.forward(&pre),
                None => h.shallow_clone(),
            };
            let g = b.conv1.forward(&pre);
            let g = b.conv2.forward(&b.bn2.forward_t(&g, train).relu());
            h = g + shortcut;
        }
        let h = net.bn.forward_t(&h, train).relu();
        let h = h.adaptive_avg_pool2d([1, 1]).flatten(1, -1);
        net.out.forward(&h)
    }

    /// The fallible forward pass gives the same bits as tch's layers, in training mode (batch
    /// statistics, running averages updated) and in evaluation mode.
    #[test]
    fn fallible_forward_matches_the_layers() {
        let _rng = crate::model::TorchRng::seeded(5);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = PreActResNet::new(&vs.root(), 3, 4, 2);
        let xs = Tensor::randn([8, 3, 16, 16], (Kind::Float, Device::Cpu));
        for train in [true, false] {
            let a = net.forward(&xs, train).expect("forward");
            let b = reference(&net, &xs, train);
            assert!(a.equal(&b), "train = {train}: logits differ");
        }
    }
}
