//! Pre-activation ResNet-20 (He et al. 2016, "Identity mappings in deep residual networks"):
//! a 3x3 stem, three stages of three basic blocks (BN-ReLU-conv3x3-BN-ReLU-conv3x3), the first
//! block of stages 2 and 3 halving the resolution with a 1x1 strided projection shortcut, then
//! BN-ReLU, global average pooling and the output layer.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

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
        }
    }
}

impl ModuleT for Block {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let pre = self.bn1.forward_t(xs, train).relu();
        let shortcut = match &self.short {
            Some(s) => s.forward(&pre),
            None => xs.shallow_clone(),
        };
        let h = self.conv1.forward(&pre);
        let h = self.conv2.forward(&self.bn2.forward_t(&h, train).relu());
        h + shortcut
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

impl ModuleT for PreActResNet {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut h = self.stem.forward(xs);
        for b in &self.blocks {
            h = b.forward_t(&h, train);
        }
        let h = self.bn.forward_t(&h, train).relu();
        let h = h.adaptive_avg_pool2d([1, 1]).flatten(1, -1);
        self.out.forward(&h)
    }
}
