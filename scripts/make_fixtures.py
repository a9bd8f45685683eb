"""Write the TorchScript fixture modules of the tests into tests/fixtures/torchscript/.

Run once with the PyPI torch of scripts/setup-torch-venv.sh (torch 2.11.0):

    ./scripts/setup-torch-venv.sh
    .venv-torch/bin/python scripts/make_fixtures.py

The modules are tiny (a few kB each) and committed, so the tests need no Python. Their weights
come from torch.manual_seed(0); the tests re-initialise them from the run's seed unless they
ask for init = "file".

| file | input | what |
|---|---|---|
| mlp.pt | N x 8 | Linear(8, 16), ReLU, Linear(16, 2) |
| cnn.pt | N x 1 x 12 x 12 | Conv2d(1, 4, 3), ReLU, MaxPool2d(2), Linear(100, 2) |
| cnn_bn_dropout.pt | N x 1 x 12 x 12 | Conv2d, BatchNorm2d, ReLU, MaxPool2d, Dropout(0.25), Linear |
| three_logits.pt | N x 8 | Linear(8, 3): the wrong number of logits |
| free_scale.pt | N x 8 | Linear(8, 2) times a learned 0-D scale: no default init rule |
"""

import pathlib

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torchscript"


class FreeScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x):
        return self.fc(x) * self.scale


def modules():
    yield "mlp", nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    yield "cnn", nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(100, 2)
    )
    yield "cnn_bn_dropout", nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(100, 2),
    )
    yield "three_logits", nn.Sequential(nn.Flatten(), nn.Linear(8, 3))
    yield "free_scale", FreeScale()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, module in modules():
        torch.manual_seed(0)
        for p in module.parameters():
            # Fresh weights from the seed, in parameter order (reproducible file contents).
            if p.dim() >= 2:
                nn.init.kaiming_uniform_(p, a=5 ** 0.5)
            else:
                nn.init.uniform_(p, -0.1, 0.1)
        path = OUT / f"{name}.pt"
        torch.jit.script(module).save(str(path))
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
