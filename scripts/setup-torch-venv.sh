#!/usr/bin/env bash
# Create .venv-torch/ with the full PyPI torch==2.11.0 (Python), the reference for
# scripts/compare_torch.py. The lean libtorch of .libtorch/ cannot be imported by Python.
# Idempotent: an existing venv with torch 2.11.0 is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-torch
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.11.0")' 2>/dev/null; then
  exit 0
fi
py=${PYTHON:-python3}
echo "setup-torch-venv: installing torch 2.11.0 (about 4.7 GB) into $venv/ ..." >&2
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.11.0 numpy
echo "setup-torch-venv: done" >&2
