#!/usr/bin/env bash
# Sends a file to the local endpoint and prints the answer.
#   ./predict.sh payload.csv [CONTENT_TYPE]     (default text/csv)
# The port is PORT, else SAGEMAKER_BIND_TO_PORT (as for serve-local.sh), else 8080.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: predict.sh FILE [CONTENT_TYPE]" >&2
  exit 2
fi
payload="$1"
content="${2:-text/csv}"
# curl would send an empty body for a file it cannot read, and the answer would blame the body.
if [ ! -f "$payload" ] || [ ! -r "$payload" ]; then
  echo "predict.sh: cannot read the file \"$payload\"" >&2
  exit 2
fi
curl --silent --show-error --fail-with-body \
  --data-binary "@$payload" -H "Content-Type: $content" \
  "http://localhost:${PORT:-${SAGEMAKER_BIND_TO_PORT:-8080}}/invocations"
