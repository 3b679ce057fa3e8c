#!/usr/bin/env bash
# The same protocol with the AWS CLI: four processes.
set -euo pipefail
id=$1 key=$2 value=$3
cur=$(aws secretsmanager get-secret-value --secret-id "$id" --version-stage AWSCURRENT --output json)
base=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["VersionId"])' <<<"$cur")
new=$(python3 -c 'import json,sys; d=json.loads(json.load(sys.stdin)["SecretString"]); d[sys.argv[1]]=sys.argv[2]; print(json.dumps(d))' "$key" "$value" <<<"$cur")
token=$(python3 -c 'import uuid; print(uuid.uuid4())')
aws secretsmanager put-secret-value --secret-id "$id" --secret-string "$new" --client-request-token "$token" \
  --version-stages "janitor-pending-$token" >/dev/null
aws secretsmanager update-secret-version-stage --secret-id "$id" --version-stage AWSCURRENT \
  --move-to-version-id "$token" --remove-from-version-id "$base" >/dev/null
aws secretsmanager update-secret-version-stage --secret-id "$id" --version-stage "janitor-pending-$token" \
  --remove-from-version-id "$token" >/dev/null
