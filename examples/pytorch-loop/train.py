"""Check the paper's finding on your own PyTorch training loop.

A plain PyTorch script in a user's own style: its own model, its own ``torch.optim.SGD``, its own
loop and learning-rate schedule. It trains a small CNN on binary MNIST (digits 0-4 against 5-9,
the data's own labels) until every training label is fitted, records hard predictions at the
harness's log-spaced checkpoints with ``sgdc.Recorder``, fits the linear classifier L with the
harness's own fit (``sgdc.fit_linear``), and then asks the harness for its verdicts on claims
C2-C5 over seeds, by the harness's decision rule: seeds in batches of three while a claim is
undecided, up to twelve. It exits 1 unless every claim holds.

    python examples/pytorch-loop/train.py --out out/pytorch-loop       # after `just python`
    just example-pytorch                                               # torch installed for you

The same folder through the command line gives the same verdicts:

    sgdc report out/pytorch-loop --experiments out/pytorch-loop/experiments

Regime (the quick tier's binary MNIST, with a smaller network), chosen on seed 0 by the regime
criteria alone: 8000 training and 2000 test images, batch 64, plain SGD at lr 0.01 for ten
epochs (the linear phase: F rises to L's level over about fifteen checkpoints and departs from
it before the rate changes), then SGD with lr 0.02 and momentum 0.9 until the training set is
fitted. Measured on seed 0: at the quick tier's 0.001 for three epochs, this CNN was still at
I(F;Y) = 0.04 bits (L: 0.43) when the rate changed, and the whole rise to L's level fell
between two checkpoints; at 0.01 for three epochs it reached half of L's level, and T0 came
at the change of rate; at plain 0.02 after the linear phase it stood at 99.6% training
accuracy after 60 epochs. The run's printout says whether each seed met the regime: it fits its training set,
ends above L on the test set, and its linear phase spans at least ten checkpoints.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import sgdc

CLAIMS = ["C2", "C3", "C4", "C5"]


# ---------------------------------------------------------------------------------------------
# Data: MNIST's IDX files as `sgdc data fetch mnist` leaves them (data/mnist/), or any folder.
# ---------------------------------------------------------------------------------------------

def read_idx(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != math.prod(dims):
        raise SystemExit(f"{path}: header says {dims}, file holds {body.size} values")
    return body.reshape(dims)


def binary_mnist(data_dir: Path, n_train: int, n_test: int):
    """Images as float32 in [0, 1] (pixel / 255, as the harness), labels 0 (digits 0-4) and 1
    (digits 5-9), on fixed random subsets (numpy seed 0, the same for every training seed)."""
    files = {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    out = {}
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        paths = [data_dir / f for f in files[split]]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise SystemExit(f"missing {', '.join(missing)}: run `sgdc data fetch mnist` "
                             f"(or pass --data DIR)")
        images, digits = (read_idx(p) for p in paths)
        if n > len(digits):
            raise SystemExit(f"--n-{split} {n}: MNIST's {split} split has {len(digits)} images")
        pick = np.sort(rng.choice(len(digits), n, replace=False))
        out[f"x_{split}"] = (images[pick].astype(np.float32) / 255.0)[:, None]  # n x 1 x 28 x 28
        out[f"y_{split}"] = (digits[pick] >= 5).astype(np.uint8)
    return out


# ---------------------------------------------------------------------------------------------
# The user's model and loop.
# ---------------------------------------------------------------------------------------------

class SmallCNN(nn.Module):
    """Two 3x3 convolutions (16 and 32 channels) with max-pooling, a hidden layer of 128."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc1 = nn.Linear(32 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


@torch.no_grad()
def predict(model, x: torch.Tensor, batch: int = 1000) -> np.ndarray:
    model.eval()
    out = torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    model.train()
    return out.to("cpu", torch.uint8).numpy()


def train_seed(seed: int, d: dict, linear: sgdc.LinearFit, args) -> dict:
    torch.manual_seed(seed)
    shuffle = torch.Generator().manual_seed(seed)  # data order drawn on the CPU
    device = torch.device(args.device)
    x_train = torch.from_numpy(d["x_train"]).to(device)
    y_train = torch.from_numpy(d["y_train"]).long().to(device)
    x_test = torch.from_numpy(d["x_test"]).to(device)
    n = len(y_train)
    steps_per_epoch = math.ceil(n / args.batch_size)
    model = SmallCNN().to(device)
    # Two phases: plain SGD at a small rate through the linear phase, then a new optimiser with
    # momentum to fit every training label in tens of epochs.
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    # The harness's schedule: step 0, 30 log-spaced steps through the linear phase, every epoch
    # end. Training stops at the first epoch end at which every training label is fitted.
    checkpoints = set(sgdc.checkpoint_steps(steps_per_epoch, args.max_epochs, log_points=30,
                                            log_epochs=float(args.linear_epochs)))
    config = {k: v for k, v in vars(args).items() if k not in ("out", "data", "seeds")}
    config.update(model="SmallCNN", optimizer="torch.optim.SGD", n_train=n,
                  n_test=len(d["y_test"]))
    started = time.perf_counter()
    with sgdc.Recorder(args.out, name="pytorch-loop", seed=seed, y_test=d["y_test"],
                       y_train=d["y_train"], linear=linear, x_test=d["x_test"],
                       x_train=d["x_train"], steps_per_epoch=steps_per_epoch, config=config,
                       device=str(device), threads=torch.get_num_threads(),
                       versions={"torch": torch.__version__}, overwrite=True) as rec:
        rec.record(0, predict(model, x_test), predict(model, x_train))
        step, fitted = 0, False
        for epoch in range(1, args.max_epochs + 1):
            if epoch == args.linear_epochs + 1:
                opt = torch.optim.SGD(model.parameters(), lr=args.lr_fit,
                                      momentum=args.momentum_fit)
            order = torch.randperm(n, generator=shuffle).to(device)
            for i in range(0, n, args.batch_size):
                idx = order[i:i + args.batch_size]
                loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                if step in checkpoints and step % steps_per_epoch:
                    rec.record(step, predict(model, x_test))
            pred_train = predict(model, x_train)
            rec.record(step, predict(model, x_test), pred_train, epoch=float(epoch))
            fitted = bool((pred_train == d["y_train"]).all())
            if fitted:
                break
    seconds = time.perf_counter() - started
    return dict(seed=seed, dir=rec.dir, epochs=epoch, steps=step, fitted=fitted,
                seconds=seconds)


def regime(run: dict, d: dict, l_test: np.ndarray) -> str:
    """The regime criteria for one seed (never a claim): it fits its training set, ends above L
    on the test set, and its linear phase is resolved: at least ten checkpoints before T0 (the
    first with I(F;Y) - mu above 0.05 bits), and at least three of them on the rise to L's level
    (I(F;Y) between C2's floor, max(0.02 bits, 5 I(F_0;Y)), and I(L;Y))."""
    pred = np.load(run["dir"] / "pred_test.npy")
    m = sgdc.curve(pred, l_test, d["y_test"])
    i_ly = sgdc.measures(l_test, l_test, d["y_test"])["i_fy"]
    gap = m["i_fy"] - m["mu"]
    t0 = int(np.argmax(gap > 0.05)) if (gap > 0.05).any() else len(pred)
    floor = max(0.02, 5 * m["i_fy"][0])
    rise = int(((m["i_fy"][:t0] >= floor) & (m["i_fy"][:t0] < i_ly)).sum())
    acc_f = float((pred[-1] == d["y_test"]).mean())
    acc_l = float((l_test == d["y_test"]).mean())
    ok = run["fitted"] and acc_f > acc_l and t0 >= 10 and rise >= 3
    return (f"{'meets' if ok else 'MISSES'} the regime: fitted {run['fitted']}, test acc "
            f"F {acc_f:.3f} vs L {acc_l:.3f}, T0 at checkpoint {t0}, {rise} on the rise to L")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path,
                   default=Path(os.environ.get("SGDC_DATA_DIR", "data")) / "mnist")
    p.add_argument("--out", type=Path, default=Path("out/pytorch-loop"))
    p.add_argument("--seeds", default="1,2,3", help="the first seeds (more while undecided)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n-train", type=int, default=8000)
    p.add_argument("--n-test", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01, help="rate of the linear phase")
    p.add_argument("--linear-epochs", type=int, default=10)
    p.add_argument("--lr-fit", type=float, default=0.02, help="rate after the linear phase")
    p.add_argument("--momentum-fit", type=float, default=0.9,
                   help="momentum after the linear phase")
    p.add_argument("--max-epochs", type=int, default=60)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    try:
        own = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        raise SystemExit(f"--seeds {args.seeds!r}: a comma-separated list of integers")

    t0 = time.perf_counter()
    d = binary_mnist(args.data, args.n_train, args.n_test)
    linear = sgdc.fit_linear(d["x_train"], d["y_train"])
    l_test = linear.predict(d["x_test"])
    print(f"L: {linear}, test accuracy {(l_test == d['y_test']).mean():.3f} "
          f"({time.perf_counter() - t0:.1f} s)", flush=True)

    seeds, todo = [], own
    while todo:
        for seed in todo:
            run = train_seed(seed, d, linear, args)
            print(f"seed {seed}: {run['epochs']} epochs, {run['steps']} steps, "
                  f"{run['seconds']:.0f} s; {regime(run, d, l_test)}", flush=True)
            seeds.append(seed)
        vs = sgdc.verdicts(args.out, claims=CLAIMS, seeds=seeds)
        undecided = [v.id for v in vs if v.outcome == "undecided"]
        todo = sgdc.next_seeds(own, seeds) if undecided else []
        if todo:
            print(f"{', '.join(undecided)} undecided on {len(seeds)} seeds: adding seeds "
                  f"{todo} (the harness's rule)", flush=True)

    report = sgdc.report(args.out, args.out / "report", claims=CLAIMS, seeds=seeds)
    print(f"\nverdicts on seeds {seeds} ({time.perf_counter() - t0:.0f} s in all):")
    for v in report:
        lo, hi = v.interval if v.interval else (float("nan"), float("nan"))
        print(f"  {v.id} {v.outcome:<9} IQM {v.statistic:.3f} [{lo:.3f}, {hi:.3f}], "
              f"threshold {v.threshold}  {v.reason}")
    print(f"report: {args.out / 'report' / 'index.html'}")
    failed = [v.id for v in report if not v.holds]
    if failed:
        print(f"FAIL: {', '.join(failed)} not holding", file=sys.stderr)
        return 1
    print("PASS: C2-C5 hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
