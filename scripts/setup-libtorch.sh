#!/usr/bin/env bash
# Install libtorch (the PyPI torch==2.11.0 wheel, no dependencies) into .libtorch/ for the tch crate.
# Idempotent: when the installed version already matches, it only checks and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.libtorch
want=2.11.0
stamp="$dest/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/torch/lib/libtorch_cpu.so" ]; then
  exit 0
fi
py=${PYTHON:-python3}
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null || {
  echo "setup-libtorch: the pinned wheels are for CPython 3.11; set PYTHON to a 3.11 interpreter" >&2
  exit 1
}
echo "setup-libtorch: installing torch $want (libtorch, ~540 MB) into $dest/ ..." >&2
rm -rf "$dest.tmp"
"$py" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  --target "$dest.tmp" -r requirements-libtorch.txt
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$want" > "$stamp"
echo "setup-libtorch: done" >&2
