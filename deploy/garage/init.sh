#!/bin/bash
# Prepares the single Garage node of deploy/compose.yaml for tributary, once; running it again
# changes nothing.
#
# 1. gives the node a role in the cluster layout, and applies the layout;
# 2. creates the bucket;
# 3. imports the access key tributary uses, and lets it read and write the bucket.
#
# Environment (from deploy/.env): GARAGE_RPC_SECRET, TRIBUTARY_BLOB_S3_BUCKET,
# TRIBUTARY_BLOB_S3_ACCESS_KEY_ID, TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY. The CLI reads
# /etc/garage.toml (the node's own) and the node's id from its metadata directory, mounted
# read-only.
set -euo pipefail

: "${GARAGE_RPC_SECRET:?set GARAGE_RPC_SECRET}"
bucket="${TRIBUTARY_BLOB_S3_BUCKET:?set TRIBUTARY_BLOB_S3_BUCKET}"
key_id="${TRIBUTARY_BLOB_S3_ACCESS_KEY_ID:?set TRIBUTARY_BLOB_S3_ACCESS_KEY_ID}"
secret="${TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY:?set TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY}"
capacity="${GARAGE_CAPACITY:-10GB}"

echo "garage-init: waiting for the node"
for attempt in $(seq 1 60); do
    if status="$(garage status 2>/dev/null)"; then
        break
    fi
    if [ "$attempt" -eq 60 ]; then
        echo "garage-init: the node did not answer in 60 s" >&2
        exit 1
    fi
    sleep 1
done

# A node without a role shows as "NO ROLE ASSIGNED" ("pending..." once assigned but not
# applied).
if grep -q -e 'NO ROLE ASSIGNED' -e 'pending' <<<"$status"; then
    node_id="$(garage node id -q)"
    node_id="${node_id%%@*}"
    echo "garage-init: assigning the node ${node_id:0:16} a role (zone dc1, ${capacity})"
    garage layout assign -z dc1 -c "$capacity" "$node_id"
    # `layout apply` wants the new version, one above the current one.
    current="$(garage layout show | sed -n 's/^Current cluster layout version: \([0-9][0-9]*\)$/\1/p')"
    garage layout apply --version "$((${current:?cannot read the layout version} + 1))"
else
    echo "garage-init: the layout is already applied"
fi

if garage bucket info "$bucket" >/dev/null 2>&1; then
    echo "garage-init: bucket ${bucket} exists"
else
    echo "garage-init: creating bucket ${bucket}"
    garage bucket create "$bucket"
fi

if garage key info "$key_id" >/dev/null 2>&1; then
    echo "garage-init: key ${key_id} exists"
else
    echo "garage-init: importing key ${key_id}"
    garage key import --yes -n tributary "$key_id" "$secret"
fi

garage bucket allow --read --write --owner "$bucket" --key "$key_id"
echo "garage-init: done"
