#!/usr/bin/env bash
# Installs the OpenFeature clients the flag tests drive, pinned, into
# ${CP_CLIENTS:-.local/clients}: the JavaScript SDK with @openfeature/ofrep-provider
# (npm) and the Python SDK with openfeature-provider-ofrep (PyPI). Nothing is
# installed globally. Safe to run again: it installs only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${CP_CLIENTS:-.local/clients}"
mkdir -p "$clients"
stamp="$clients/.clients.sha256"
want=$(cat tests/clients/package.json tests/clients/package-lock.json tests/clients/requirements.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  cp tests/clients/package.json tests/clients/package-lock.json "$clients/"
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
  if [ ! -x "$clients/venv/bin/python" ]; then
    python3 -m venv "$clients/venv"
  fi
  "$clients/venv/bin/pip" install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
  echo "$want" > "$stamp"
fi
