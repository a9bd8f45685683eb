#!/usr/bin/env bash
# The timeline forecast of theory/README.md ("Predicting a network's timeline"): trains the MLPs of
# configs/trajectory-mlp*.toml (2x256 and 4x256, lr 0.05 and 0.01) on seeds 0-2 and runs
# `sgdc trajectory --network RUN --spectrum ntk` on each, into OUT (default out/timeline).
# Needs the release build (cargo build --release). About 1 minute per run on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/timeline}
sgdc=./target/release/sgdc
mkdir -p "$out"
for cfg in trajectory-mlp trajectory-mlp-lr0.01 trajectory-mlp-4x256 trajectory-mlp-4x256-lr0.01; do
  for seed in 0 1 2; do
    run="$out/runs/$cfg-s$seed"
    [ -f "$run/manifest.json" ] && grep -q '"complete"' "$run/manifest.json" ||
      "$sgdc" train --config "configs/$cfg.toml" --seed "$seed" --threads 2 --out "$run" > /dev/null
    start=$(date +%s)
    "$sgdc" trajectory --network "$run" --spectrum ntk --out "$out/$cfg-s$seed" > /dev/null
    echo "$cfg seed $seed: forecast in $(( $(date +%s) - start )) s" >&2
  done
done
