#!/usr/bin/env bash
# Serves the model in local-test/test-dir on port 8080, like a SageMaker endpoint.
#   ./serve-local.sh           runs main.ts with deno (nginx in front if installed)
#   ./serve-local.sh IMAGE     runs the image with docker (or podman), test-dir mounted at /opt/ml
# SAGEMAKER_BIND_TO_PORT=8081 serves on port 8081 instead (predict.sh reads it too).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-}"

if [ -z "$image" ]; then
  cd "$here/.."
  SAGEMAKER_BASE_DIR="$here/test-dir" exec deno task serve
fi
engine="$(command -v docker || command -v podman || true)"
[ -n "$engine" ] || { echo "serve-local.sh: neither docker nor podman is installed" >&2; exit 1; }
exec "$engine" run --rm -p "${SAGEMAKER_BIND_TO_PORT:-8080}:8080" -v "$here/test-dir:/opt/ml" "$image" serve
