//! Which input shapes a built-in network takes, checked before any network is built so that a
//! data set of the wrong shape is named with the file it came from.

use super::ModelSpec;

impl ModelSpec {
    /// Why the network cannot take inputs of shape `input` (one example), or `None` when it can.
    /// A TorchScript module is checked by running it (see [`super::torchscript`]), so it always
    /// passes here.
    pub fn input_problem(&self, input: &[usize]) -> Option<String> {
        if input.is_empty() || input.contains(&0) {
            return Some(format!("inputs of shape {input:?} hold no values"));
        }
        let images = |model: &str| match input {
            [_, _, _] => None,
            _ => Some(format!(
                "{model} needs image inputs (N x C x H x W, or N x H x W for one channel); these \
                 are vectors of shape {input:?}"
            )),
        };
        match self {
            ModelSpec::Mlp { .. } | ModelSpec::Linear | ModelSpec::Torchscript { .. } => None,
            ModelSpec::Resnet20 { .. } => images("resnet20"),
            ModelSpec::Cnn { .. } => images("the cnn").or_else(|| {
                super::cnn_feature_map(input[1], input[2])
                    .is_none()
                    .then(|| {
                        format!(
                            "the cnn needs images of at least 26x26 pixels; these are {}x{}",
                            input[1], input[2]
                        )
                    })
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnn_needs_26_pixels_and_images() {
        let cnn = ModelSpec::Cnn {
            channels: 4,
            hidden: 8,
        };
        assert!(cnn.input_problem(&[1, 26, 26]).is_none());
        assert!(cnn.input_problem(&[3, 32, 32]).is_none());
        assert!(cnn.input_problem(&[1, 25, 26]).unwrap().contains("26x26"));
        assert!(cnn.input_problem(&[784]).unwrap().contains("image"));
        let mlp = ModelSpec::Mlp {
            depth: 1,
            width: 4,
            init_scale: None,
            out_init_scale: None,
        };
        assert!(mlp.input_problem(&[1, 2, 2]).is_none());
    }
}
