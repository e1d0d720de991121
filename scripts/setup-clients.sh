#!/usr/bin/env bash
# Installs the clients nobody here wrote that the tests drive, pinned, into
# ${CP_CLIENTS:-.local/clients}: the OpenFeature JavaScript SDK with
# @openfeature/ofrep-provider (npm); the OpenFeature Python SDK with
# openfeature-provider-ofrep, Authlib, and the example application's
# libraries (examples/sign-in-flask, PyPI); and the relying party on the
# openidconnect crate (tests/clients/oidc-rp-rust, a Cargo project of its own,
# built into oidc-rp-rust-target/debug/oidc-rp-rust). Nothing is installed
# globally. Safe to run again: it installs only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${CP_CLIENTS:-.local/clients}"
mkdir -p "$clients"
stamp="$clients/.clients.sha256"
rp=tests/clients/oidc-rp-rust
want=$({
  cat tests/clients/package.json tests/clients/package-lock.json tests/clients/requirements.txt \
    examples/sign-in-flask/requirements.txt \
    "$rp/Cargo.toml" "$rp/Cargo.lock"
  find "$rp/src" -type f | sort | xargs cat
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  cp tests/clients/package.json tests/clients/package-lock.json "$clients/"
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
  if [ ! -x "$clients/venv/bin/python" ]; then
    python3 -m venv "$clients/venv"
  fi
  "$clients/venv/bin/pip" install --quiet --disable-pip-version-check \
    -r tests/clients/requirements.txt -r examples/sign-in-flask/requirements.txt
  # A debug build: about 1.5 minutes from nothing on two cores, a release
  # build 2.5, and the program runs for a second.
  CARGO_TARGET_DIR="$clients/oidc-rp-rust-target" \
    cargo build --quiet --locked --manifest-path "$rp/Cargo.toml"
  echo "$want" > "$stamp"
fi
