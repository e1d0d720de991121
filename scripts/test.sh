#!/usr/bin/env bash
# Runs every test of the product: formatting, unused dependencies and lints,
# the domain's unit and property tests, the event schema checks, the store,
# resolver and pipeline tests against moto server, and the end-to-end tests
# through the local gateway with tokens from the local OIDC provider, and the
# infrastructure checks (terraform against the definitions, checkov, fmt
# style, actionlint),
# and the console's (type check, unit tests, build, browser tests in Debian's
# Chromium against a local stack of its own).
# The tests start their own local stack on free ports, so this runs beside a
# developer's own stack.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-venv.sh
scripts/setup-clients.sh
cargo fmt --all -- --check
# Every crate declares only the dependencies it uses.
command -v cargo-machete >/dev/null 2>&1 || cargo install cargo-machete --locked --version 0.9.2
cargo machete
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The capacity tests (NFR-CAP-002), alone on an emulator of their own.
cargo test -p cp-tests --test integration --locked -- --ignored
scripts/check-infra.sh
scripts/check-console.sh
