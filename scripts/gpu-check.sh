#!/usr/bin/env bash
# GPU determinism check, run on a machine with an NVIDIA GPU, with that machine's torch 2.11.0
# (CUDA) libraries on LD_LIBRARY_PATH, after `just gpu-check` built target/release/sgdc with the
# `cuda` feature. Trains the same short run twice on CUDA and compares prediction hashes, then
# times the same run on the CPU. Exit status 0 only when the two CUDA hashes agree.
#
#   scripts/gpu-check.sh [CONFIG] [SGDC]     (default: configs/gpu-check.toml, target/release/sgdc)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/gpu-check.toml}
sgdc=${2:-target/release/sgdc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
hash_of() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["prediction_hash"], m["train_seconds"], m["device"])' "$1/manifest.json"; }
"$sgdc" info
for run in cuda1 cuda2; do
  "$sgdc" train --config "$config" --device cuda --seed 1 --out "$out/$run" --quiet >/dev/null
done
"$sgdc" train --config "$config" --device cpu --seed 1 --out "$out/cpu" --quiet >/dev/null
read -r h1 s1 d1 < <(hash_of "$out/cuda1")
read -r h2 s2 d2 < <(hash_of "$out/cuda2")
read -r h3 s3 d3 < <(hash_of "$out/cpu")
echo "cuda run 1: $h1  ${s1}s  ($d1)"
echo "cuda run 2: $h2  ${s2}s"
echo "cpu run   : $h3  ${s3}s  (CPU and GPU hashes are not expected to agree)"
python3 -c "import sys; print(f'CPU / GPU time: {float(sys.argv[1]) / float(sys.argv[2]):.2f}x')" "$s3" "$s1"
grep -h '"deterministic_algorithms"\|"CUBLAS_WORKSPACE_CONFIG"\|"cudnn_benchmark"' "$out/cuda1/manifest.json"
if [ "$h1" = "$h2" ]; then echo "PASS: identical CUDA runs give the same prediction hash"; else echo "FAIL: CUDA runs differ"; exit 1; fi
