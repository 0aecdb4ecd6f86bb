#!/usr/bin/env bash
# Sends a file to the local endpoint and prints the answer.
#   ./predict.sh payload.csv [CONTENT_TYPE]     (default text/csv; PORT overrides 8080)
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: predict.sh FILE [CONTENT_TYPE]" >&2
  exit 2
fi
payload="$1"
content="${2:-text/csv}"
curl --silent --show-error --fail-with-body \
  --data-binary "@$payload" -H "Content-Type: $content" \
  "http://localhost:${PORT:-8080}/invocations"
