"""Save the small CNN of docs/own-data.md as TorchScript: examples/own-data/net.pt.

    .venv-torch/bin/python scripts/make_example_net.py examples/own-data/net.pt

(scripts/setup-torch-venv.sh makes .venv-torch/ with torch 2.11.0). This is all sgdc needs of a
network of your own: a module whose forward maps a batch N x C x H x W (or N x d) to N x 2
logits, scripted and saved. sgdc re-initialises its weights from each run's seed unless the
experiment says `init = "file"`, and trains it with its own SGD.
"""

import sys

import torch
from torch import nn


class SmallCnn(nn.Module):
    """A 3x3 convolution, 2x2 max-pooling and two fully connected layers, for 1 x 8 x 8 inputs."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 4 x 4
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/own-data/net.pt"
    torch.manual_seed(0)
    model = SmallCnn()
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 2)
    torch.jit.script(model).save(out)
    print(out)


if __name__ == "__main__":
    main()
