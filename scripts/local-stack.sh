#!/usr/bin/env bash
# Starts the whole control plane on this machine: moto server (AWS), the
# local OIDC provider (Entra ID), the table, bus, queues and keys, the API
# gateway and the event plumbing. Prints where everything is and how to try
# it. Ctrl-C stops everything it started.
#
# Options go to `cp-local up` (e.g. --gateway-port 8080 --moto-port 5000
# --oidc-port 9400; 0 picks a free port).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-venv.sh
exec cargo run --quiet --locked -p cp-local -- up "$@"
