#!/usr/bin/env bash
# Uploads a release's artifacts to the artifact bucket, once (CC-OPS-002):
#   dist/functions/<function>.zip -> s3://BUCKET/functions/<commit>/<function>.zip
#   dist/functions/SHA256SUMS     -> s3://BUCKET/functions/<commit>/SHA256SUMS
#   dist/sbom/*.cdx.json          -> s3://BUCKET/sbom/<commit>/
# An object that exists is never overwritten (a conditional write, and the
# bucket's object lock); a re-run of the same commit succeeds only if the
# stored bytes are the same.
#
#   scripts/publish-artifacts.sh DIST BUCKET COMMIT
set -euo pipefail
dist="$1" bucket="$2" commit="$3"
[[ "$commit" =~ ^[0-9a-f]{40}$ ]] || { echo "not a commit id: $commit" >&2; exit 1; }

put_once() {
  local file="$1" key="$2" sum stored
  sum=$(openssl dgst -sha256 -binary "$file" | base64)
  if aws s3api put-object --bucket "$bucket" --key "$key" --body "$file" \
      --checksum-algorithm SHA256 --checksum-sha256 "$sum" --if-none-match '*' >/dev/null 2>"$RUNNER_TEMP_ERR"; then
    echo "uploaded s3://$bucket/$key"
    return
  fi
  if ! grep -q PreconditionFailed "$RUNNER_TEMP_ERR"; then
    cat "$RUNNER_TEMP_ERR" >&2
    exit 1
  fi
  stored=$(aws s3api head-object --bucket "$bucket" --key "$key" --checksum-mode ENABLED --query ChecksumSHA256 --output text)
  if [ "$stored" != "$sum" ]; then
    echo "s3://$bucket/$key exists with other bytes: a release is never rebuilt differently" >&2
    exit 1
  fi
  echo "unchanged s3://$bucket/$key"
}

RUNNER_TEMP_ERR=$(mktemp)
trap 'rm -f "$RUNNER_TEMP_ERR"' EXIT
(cd "$dist/functions" && sha256sum --check --quiet SHA256SUMS)
for zip in "$dist"/functions/*.zip; do
  put_once "$zip" "functions/$commit/$(basename "$zip")"
done
put_once "$dist/functions/SHA256SUMS" "functions/$commit/SHA256SUMS"
for sbom in "$dist"/sbom/*.cdx.json; do
  put_once "$sbom" "sbom/$commit/$(basename "$sbom")"
done
