#!/usr/bin/env python3
"""Seconds per SGD step: sgdc's trainer (libtorch via tch) against PyTorch eager, side by side.

Both sides train the same models with the same step (index_select a minibatch from a pool of
1024 random examples, zero_grad, forward, cross-entropy, backward, SGD momentum 0.9 with weight
decay 5e-4), the same MKL_CBWR and CPU kernel pins (ATEN_CPU_CAPABILITY, DNNL_MAX_CPU_ISA: the
values sgdc sets when they are unset, docs/train.md "Numerics"), the same thread count and
deterministic algorithms on. The two
implementations alternate, several rounds, and the medians are compared.

With --eval-batch N both sides time evaluation instead: hard predictions (no gradients, argmax of
the logits) over a pool of 4096 random inputs in batches of N, in seconds per predicted example,
which is what recording a checkpoint costs per point.

Usage: scripts/compare_torch.py [--sgdc target/release/sgdc] [--threads 1 2] [--rounds 3]
                                [--eval-batch N]
Run it with the Python of .venv-torch (scripts/setup-torch-venv.sh); `just compare-torch` does.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODELS = {"mlp": 128, "cnn": 64}


def torch_bench(model_name, threads, steps, warmup, repeats, eval_batch=None):
    """Run the PyTorch side in this process (threads are set per call)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(0)
    if model_name == "mlp":
        model = nn.Sequential(
            nn.Flatten(), nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
            nn.Linear(512, 2))
        shape = (3072,)
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 32, 3), nn.ReLU(),
            nn.Flatten(), nn.Linear(32, 2000), nn.ReLU(), nn.Linear(2000, 2))
        shape = (1, 28, 28)
    batch = MODELS[model_name]
    if eval_batch:
        model.eval()
        x = torch.randn((4096,) + shape)

        def predict():
            with torch.no_grad():
                for s in range(0, x.shape[0], eval_batch):
                    model(x[s:s + eval_batch]).argmax(1)

        for _ in range(min(warmup, 2)):
            predict()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            predict()
            times.append((time.perf_counter() - t0) / x.shape[0])
        times.sort()
        return times[len(times) // 2]
    pool = 1024
    x = torch.randn((pool,) + shape)
    y = torch.randint(0, 2, (pool,))
    order = torch.randperm(pool)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    model.train()
    k = 0

    def step():
        nonlocal k
        start = (k * batch) % (pool - batch + 1)
        k += 1
        idx = order[start:start + batch]
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps)
    times.sort()
    return times[len(times) // 2]


def cpu_has_avx2():
    """Whether the CPU has AVX2 and FMA (where sgdc pins libtorch's and oneDNN's kernels)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
                    return "avx2" in flags and "fma" in flags
    except OSError:
        pass
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sgdc", default="target/release/sgdc")
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--eval-batch", type=int, default=None,
                    help="time evaluation (seconds per predicted example) in batches of N")
    ap.add_argument("--torch-child", nargs=2, metavar=("MODEL", "THREADS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("MKL_CBWR", "AVX2,STRICT")
    if cpu_has_avx2():
        # What sgdc sets for itself; PyTorch must run the same kernels for a fair comparison.
        os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
        os.environ.setdefault("DNNL_MAX_CPU_ISA", "AVX2")
    if args.torch_child:
        m, t = args.torch_child[0], int(args.torch_child[1])
        s = torch_bench(m, t, args.steps, 10, args.repeats, args.eval_batch)
        print(json.dumps({"impl": "torch", "model": m, "threads": t, "s_per_step": s}))
        return
    import torch  # noqa: F401  (fail early when run outside the venv)

    env = dict(os.environ)
    pins = "  ".join(f"{k}={env[k]}" for k in ("ATEN_CPU_CAPABILITY", "DNNL_MAX_CPU_ISA") if k in env)
    print(f"MKL_CBWR={env['MKL_CBWR']}  {pins}  torch {torch.__version__}  rounds={args.rounds}")
    mode = ["--eval-batch", str(args.eval_batch)] if args.eval_batch else []
    key = "s_per_example" if args.eval_batch else "s_per_step"
    unit = f"ms/example (eval batch {args.eval_batch})" if args.eval_batch else "ms/step"
    results = []
    for model in args.models:
        for threads in args.threads:
            rust, py = [], []
            for _ in range(args.rounds):
                out = subprocess.run(
                    [args.sgdc, "bench-step", "--model", model, "--threads", str(threads),
                     "--steps", str(args.steps), "--repeats", str(args.repeats)] + mode,
                    env=env, check=True, capture_output=True, text=True).stdout
                rust.append(json.loads(out.strip().splitlines()[-1])[key])
                # A fresh process per round on the Python side too (same start-up conditions).
                out = subprocess.run(
                    [sys.executable, __file__, "--torch-child", model, str(threads),
                     "--steps", str(args.steps), "--repeats", str(args.repeats)] + mode,
                    env=env, check=True, capture_output=True, text=True).stdout
                py.append(json.loads(out.strip().splitlines()[-1])["s_per_step"])
            r, p = statistics.median(rust), statistics.median(py)
            results.append({"model": model, "threads": threads, "batch": MODELS[model],
                            "eval_batch": args.eval_batch, f"sgdc_{key}": r, f"torch_{key}": p,
                            "ratio": r / p, "sgdc_all": rust, "torch_all": py})
            print(f"{model:4s} batch {MODELS[model]:3d} threads {threads}: sgdc {r*1e3:8.4f}, "
                  f"PyTorch {p*1e3:8.4f} {unit}, "
                  f"ratio {r/p:.3f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
