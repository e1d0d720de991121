#!/usr/bin/env bash
# Creates .local/venv with the local stack's emulators (moto server for AWS,
# oidc-provider-mock for Entra ID). Safe to run again: it only installs what
# local/requirements.txt asks for and is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CP_VENV:-.local/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum local/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r local/requirements.txt
  echo "$want" > "$stamp"
fi
