#!/usr/bin/env bash
# Moves every function's alias to the version the last apply published, with
# CodeDeploy: by the deployment group's configuration (canary or linear in
# nonprod and prod, all at once in sandbox), watching the group's alarms and
# rolling the alias back on any of them (CC-OPS-001, ADR 0021). The
# deployments run side by side; the script waits for all and fails if any
# was stopped or rolled back.
#
#   scripts/shift-traffic.sh CODEDEPLOY_APP FUNCTIONS_JSON
# FUNCTIONS_JSON is `terraform output -json functions`:
#   { "<name>": { "function_name", "alias_name", "version", "deployment_group" } }
set -euo pipefail
app="$1" outputs="$2"

declare -A deployments=()
for name in $(jq -r 'keys[]' "$outputs"); do
  function_name=$(jq -r --arg n "$name" '.[$n].function_name' "$outputs")
  alias_name=$(jq -r --arg n "$name" '.[$n].alias_name' "$outputs")
  target=$(jq -r --arg n "$name" '.[$n].version' "$outputs")
  group=$(jq -r --arg n "$name" '.[$n].deployment_group' "$outputs")
  current=$(aws lambda get-alias --function-name "$function_name" --name "$alias_name" --query FunctionVersion --output text)
  if [ "$current" = "$target" ]; then
    echo "$name: already on version $target"
    continue
  fi
  appspec=$(jq -cn --arg f "$function_name" --arg a "$alias_name" --arg c "$current" --arg t "$target" \
    '{version: 0.0, Resources: [{function: {Type: "AWS::Lambda::Function", Properties: {Name: $f, Alias: $a, CurrentVersion: $c, TargetVersion: $t}}}]}')
  revision=$(jq -cn --arg content "$appspec" '{revisionType: "AppSpecContent", appSpecContent: {content: $content}}')
  id=$(aws deploy create-deployment --application-name "$app" --deployment-group-name "$group" \
    --revision "$revision" --description "$name: version $current -> $target" --query deploymentId --output text)
  echo "$name: shifting $current -> $target ($id)"
  deployments[$name]=$id
done

failed=0
for name in "${!deployments[@]}"; do
  id=${deployments[$name]}
  if aws deploy wait deployment-successful --deployment-id "$id"; then
    echo "$name: live on the new version"
  else
    status=$(aws deploy get-deployment --deployment-id "$id" --query 'deploymentInfo.[status, errorInformation.message]' --output text)
    echo "::error::$name: deployment $id did not succeed ($status); its alias is back on the previous version" >&2
    failed=1
  fi
done
exit "$failed"
