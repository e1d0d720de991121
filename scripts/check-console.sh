#!/usr/bin/env bash
# The console's checks: locked dependencies (npm ci), the type check, the
# Vitest unit tests of its components, the production build, and the browser
# tests: Debian's Chromium (never a downloaded one) driven by playwright-core
# against a local stack this script starts on free ports of 127.0.0.1 and
# stops again, with real sign-in through the local OIDC provider.
# Screenshots and timings land in console/test-results/.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "check-console: $chromium not found; install Debian's chromium (apt-get install chromium)" >&2
  exit 1
fi

cd console
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lock-copy; then
  npm ci --no-audit --no-fund --silent
  cp package-lock.json node_modules/.lock-copy
fi
echo "== console: type check, unit tests, build"
npx --no-install tsc --noEmit -p .
npx --no-install vitest run --reporter=dot
npx --no-install vite build --logLevel warn
cd ..

echo "== console: browser tests against the local stack"
cargo build --quiet --locked -p cp-local --bin cp-local
state=$(mktemp -d)
"${CARGO_TARGET_DIR:-target}/debug/cp-local" --state-dir "$state" up \
  --venv "${CP_VENV:-.local/venv}" --gateway-port 0 --moto-port 0 --oidc-port 0 --customer-oidc-port 0 \
  --console-dir console/dist > "$state/stack.out" 2>&1 &
stack_pid=$!
stop_stack() {
  kill "$stack_pid" 2>/dev/null || true
  wait "$stack_pid" 2>/dev/null || true
  rm -rf "$state"
}
trap stop_stack EXIT
for _ in $(seq 1 240); do
  [ -f "$state/stack.json" ] && break
  if ! kill -0 "$stack_pid" 2>/dev/null; then
    cat "$state/stack.out" >&2
    exit 1
  fi
  sleep 0.5
done
[ -f "$state/stack.json" ] || { echo "check-console: the local stack did not start" >&2; exit 1; }
cd console
CP_STACK_JSON="$state/stack.json" CHROMIUM="$chromium" \
  node --test --test-concurrency=1 --test-reporter=spec e2e/
