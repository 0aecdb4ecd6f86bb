#!/usr/bin/env bash
# The whole workflow in one command: install Deno and nginx if missing, train on
# local-test/test-dir, then serve on port 8080 (Ctrl-C stops). In another terminal:
#   local-test/predict.sh local-test/payload.csv
# For another port, export SAGEMAKER_BIND_TO_PORT (for example 8081) in both terminals.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
local-test/train-local.sh
exec local-test/serve-local.sh
