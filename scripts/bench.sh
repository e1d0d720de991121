#!/usr/bin/env bash
# Performance figures (doc/performance.md): runs the criterion benchmarks,
# then builds every function and the baseline in release mode and measures
# their Lambda init times. Not part of the test run: it takes minutes and its
# figures are read, not asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench --locked -p cp-bench --bench edge_auth -- --noplot "$@"
cargo bench --locked -p cp-bench --bench flags -- --noplot "$@"
cargo bench --locked -p cp-bench --bench billing_ingest -- --noplot "$@"
cargo bench --locked -p cp-bench --bench oauth -- --noplot "$@"

# After the benchmarks: the bench profile writes to target/release too, and
# the init figures must come from the release profile's binaries.
packages=$(python3 -c 'import json; print(" ".join("-p " + n for n in json.load(open("functions/functions.json"))["functions"]))')
# shellcheck disable=SC2086
cargo build --release --locked $packages -p cp-bench --bins
target="${CARGO_TARGET_DIR:-target}"
# Lambda's provided.al2023 keeps its TLS roots in one bundle file; use this
# machine's bundle likewise, so that init is measured as Lambda would see it.
for bundle in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt; do
  if [ -z "${SSL_CERT_FILE:-}" ] && [ -f "$bundle" ]; then export SSL_CERT_FILE="$bundle"; fi
done
"$target/release/init-harness" --runs "${RUNS:-30}"
