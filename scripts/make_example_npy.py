"""Write a small two-class image data set as .npy files: the example of docs/own-data.md.

    python3 scripts/make_example_npy.py examples/own-data

writes train_x.npy (float32, 4000 x 1 x 8 x 8), train_y.npy (int64, 4000), test_x.npy and
test_y.npy (1000 each) into the folder. Needs only NumPy; the data are synthetic, so nothing is
downloaded, and the same seed gives the same bytes.

Each image is Gaussian noise. Its class depends on two directions of the input: u (left half
bright, right half dark) and v (top half bright, bottom half dark):

    class = 1  if  <x, u> + a * (<x, v>^2 - 1) > 0  else 0.

A linear classifier reads <x, u> and gets about three in four test images right; the quadratic
term in <x, v> is what a network can learn beyond it. Labels are stored as classes 0-3 (class
plus 2 when <x, v> > 0, which the label does not depend on), so the example also shows a class
split: negative = [0, 2], positive = [1, 3].
"""

import argparse
import pathlib

import numpy as np


def templates(side):
    u = np.zeros((side, side))
    u[:, : side // 2] = 1.0
    u[:, side // 2 :] = -1.0
    v = np.zeros((side, side))
    v[: side // 2, :] = 1.0
    v[side // 2 :, :] = -1.0
    return u / np.linalg.norm(u), v / np.linalg.norm(v)


def make(rng, n, side, a):
    x = rng.standard_normal((n, 1, side, side))
    u, v = templates(side)
    pu = (x[:, 0] * u).sum(axis=(1, 2))
    pv = (x[:, 0] * v).sum(axis=(1, 2))
    label = (pu + a * (pv**2 - 1.0) > 0).astype(np.int64)
    classes = label + 2 * (pv > 0).astype(np.int64)
    return x.astype(np.float32), classes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", type=pathlib.Path, help="folder for the four .npy files")
    p.add_argument("--n-train", type=int, default=4000)
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--side", type=int, default=8, help="image height and width")
    p.add_argument("--a", type=float, default=1.0, help="weight of the quadratic term")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, n in [("train", args.n_train), ("test", args.n_test)]:
        x, y = make(rng, n, args.side, args.a)
        np.save(args.out / f"{name}_x.npy", x)
        np.save(args.out / f"{name}_y.npy", y)
        print(f"{args.out / (name + '_x.npy')}: {x.shape} {x.dtype}; classes {np.bincount(y).tolist()}")


if __name__ == "__main__":
    main()
