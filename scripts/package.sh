#!/usr/bin/env bash
# Builds every function of functions/functions.json for Lambda (arm64,
# provided.al2023) with cargo-lambda and writes one zip per function:
#   target/lambda/<function>/bootstrap.zip
# then prints their sizes. cargo-lambda and zig come from PyPI into the
# project's virtualenv. The function list is read from the definition; a
# new entry there (and its crate) is packaged with no change here.
#
#   scripts/package.sh          build all
#   scripts/package.sh --list   print the functions it would build
#
# CARGO_TARGET_DIR is honoured (the zips go to $CARGO_TARGET_DIR/lambda).
set -euo pipefail
cd "$(dirname "$0")/.."

functions=$(python3 -c 'import json; print("\n".join(json.load(open("functions/functions.json"))["functions"]))')
if [ "${1:-}" = "--list" ]; then
  echo "$functions"
  exit 0
fi

venv="${CP_VENV:-.local/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.package-requirements.sha256"
want=$(sha256sum scripts/requirements-package.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-package.txt
  echo "$want" > "$stamp"
fi
# cargo-lambda finds zig as `python -m ziglang` of the venv's python.
export PATH="$(cd "$venv/bin" && pwd):$PATH"

if command -v rustup >/dev/null 2>&1; then
  rustup target add aarch64-unknown-linux-gnu >/dev/null
fi

target_dir="${CARGO_TARGET_DIR:-target}"
lambda_dir="$target_dir/lambda"
packages=()
for f in $functions; do
  packages+=(--package "$f")
done

cargo lambda build --release --arm64 --locked --output-format zip --lambda-dir "$lambda_dir" "${packages[@]}"

echo
echo "function zips ($lambda_dir):"
total=0
for f in $functions; do
  zip="$lambda_dir/$f/bootstrap.zip"
  if [ ! -f "$zip" ]; then
    echo "missing: $zip (is the binary of functions/$f named $f?)" >&2
    exit 1
  fi
  size=$(stat -c %s "$zip")
  total=$((total + size))
  awk -v f="$f" -v s="$size" -v z="$zip" 'BEGIN { printf "  %-24s %8.1f KiB  %s\n", f, s / 1024, z }'
done
awk -v s="$total" 'BEGIN { printf "  %-24s %8.1f KiB\n", "total", s / 1024 }'
