#!/usr/bin/env bash
# Trains on local-test/test-dir, like a SageMaker training job.
#   ./train-local.sh           runs main.ts with deno
#   ./train-local.sh IMAGE     runs the image with docker (or podman), test-dir mounted at /opt/ml
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-}"
rm -rf "$here/test-dir/model/"* "$here/test-dir/output/"*

if [ -z "$image" ]; then
  cd "$here/.."
  SAGEMAKER_BASE_DIR="$here/test-dir" exec deno task train
fi
engine="$(command -v docker || command -v podman || true)"
[ -n "$engine" ] || { echo "train-local.sh: neither docker nor podman is installed" >&2; exit 1; }
exec "$engine" run --rm -v "$here/test-dir:/opt/ml" "$image" train
