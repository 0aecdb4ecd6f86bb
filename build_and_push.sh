#!/usr/bin/env bash
# Build the image and push it to Amazon ECR, like the SageMaker sample's build_and_push.sh.
#   ./build_and_push.sh IMAGE_NAME [--platform linux/amd64|linux/arm64] [--tag TAG] [--dry-run]
# Account and region come from the AWS CLI (region: AWS_REGION, AWS_DEFAULT_REGION,
# `aws configure get region`, else us-west-2). Uses docker, or podman if docker is missing
# (CONTAINER_ENGINE=podman forces it). --dry-run still runs the read-only AWS look-ups
# (identity, region, does the repository exist) and prints every other command instead of
# running it; it never calls the container engine. Without the AWS CLI, credentials or an
# engine, --dry-run prints placeholders (ACCOUNT_ID, docker) for what it could not look up.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The header comment above, lines 2 to 9, is the help text.
help_text() {
  sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}
usage() {
  help_text >&2
  exit 2
}
die() {
  echo "build_and_push.sh: $*" >&2
  exit 1
}

image_name=""
platform=linux/amd64
tag=latest
dry_run=false
while (($# > 0)); do
  case "$1" in
    --platform) platform=${2:-}; shift 2 || usage ;;
    --platform=*) platform=${1#*=}; shift ;;
    --tag) tag=${2:-}; shift 2 || usage ;;
    --tag=*) tag=${1#*=}; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) help_text; exit 0 ;;
    -*) echo "Unknown option: $1" >&2; usage ;;
    *)
      [[ -z $image_name ]] || { echo "Unexpected argument: $1" >&2; usage; }
      image_name=$1
      shift
      ;;
  esac
done
[[ -n $image_name ]] || usage

# ECR repository and tag rules.
[[ $image_name =~ ^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$ ]] ||
  die "Invalid image name '$image_name': use lower-case letters, digits, '.', '_', '-' and '/'"
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "Invalid tag '$tag'"
case "$platform" in
  linux/amd64 | amd64 | linux/x86_64 | x86_64) platform=linux/amd64 ;;
  linux/arm64 | arm64 | linux/aarch64 | aarch64 | linux/arm64/v8) platform=linux/arm64 ;;
  *) die "Unsupported platform '$platform': use linux/amd64 or linux/arm64 (Graviton)" ;;
esac

deno_version=$(tr -d '[:space:]' <"$repo_dir/.deno-version")
[[ -n $deno_version ]] || die "Empty $repo_dir/.deno-version"

# A missing tool fails a real run before it does anything; a dry run notes it and goes on
# with a placeholder, so that users can try it before they install anything.
missing() {
  if [[ $dry_run == true ]]; then echo "# dry run: $1; going on with $2"; else die "$1"; fi
}

# Tools.
have_aws=true
command -v aws >/dev/null || {
  have_aws=false
  missing "The AWS CLI (aws) is not on PATH: install it, see https://aws.amazon.com/cli/" \
    "placeholders for the AWS look-ups"
}
engine=${CONTAINER_ENGINE:-}
if [[ -z $engine ]]; then
  if command -v docker >/dev/null; then engine=docker
  elif command -v podman >/dev/null; then engine=podman
  fi
fi
[[ $engine == "" || $engine == docker || $engine == podman ]] ||
  die "CONTAINER_ENGINE must be docker or podman, got '$engine'"
if [[ -z $engine ]]; then
  missing "Neither docker nor podman is on PATH: install one of them" "docker"
  engine=docker
elif ! command -v "$engine" >/dev/null; then
  missing "CONTAINER_ENGINE=$engine is not on PATH" "$engine"
fi

# Print a command (shell-quoted), and run it unless --dry-run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [[ $dry_run == false ]]; then "$@"; fi
}

# Read-only look-ups run in --dry-run too (printed as comments).
account=ACCOUNT_ID
if [[ $have_aws == true ]]; then
  if identity=$(aws sts get-caller-identity --query Account --output text 2>&1); then
    [[ $identity =~ ^[0-9]{12}$ ]] ||
      die "Unexpected account id from aws sts get-caller-identity: '$identity'"
    account=$identity
    echo "# aws sts get-caller-identity --query Account --output text -> $account"
  else
    have_aws=false
    missing "AWS CLI is not logged in (aws sts get-caller-identity failed): ${identity:-no message}" \
      "placeholders for the AWS look-ups"
  fi
fi

region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
if [[ -z $region && $have_aws == true ]]; then
  region=$(aws configure get region 2>/dev/null || true)
  echo "# aws configure get region -> ${region:-(none, using us-west-2)}"
fi
region=${region:-us-west-2}

domain=amazonaws.com
[[ $region == cn-* ]] && domain=amazonaws.com.cn
registry="$account.dkr.ecr.$region.$domain"
local_image="$image_name:$tag"
remote_image="$registry/$image_name:$tag"

if [[ $dry_run == false ]]; then
  "$engine" info >/dev/null 2>&1 || die "Cannot reach $engine ('$engine info' failed): is the daemon/service running?"
fi

# Create the repository if it does not exist; any other error stops here.
if [[ $have_aws == false ]]; then
  echo "# aws ecr describe-repositories --repository-names $image_name --region $region -> not asked"
  echo "# a real run creates the repository only if it is missing:"
  run aws ecr create-repository --repository-name "$image_name" --region "$region" \
    --image-scanning-configuration scanOnPush=true --output text --query repository.repositoryUri
elif describe=$(aws ecr describe-repositories --repository-names "$image_name" --region "$region" \
  --output text --query 'repositories[0].repositoryUri' 2>&1); then
  echo "# aws ecr describe-repositories --repository-names $image_name --region $region -> exists"
elif [[ $describe == *RepositoryNotFoundException* ]]; then
  echo "# aws ecr describe-repositories --repository-names $image_name --region $region -> not found"
  run aws ecr create-repository --repository-name "$image_name" --region "$region" \
    --image-scanning-configuration scanOnPush=true --output text --query repository.repositoryUri
else
  die "Cannot check ECR repository '$image_name' in $region: $describe"
fi

# Log in to ECR (the password goes through a pipe, never the command line).
printf '+ aws ecr get-login-password --region %q | %q login --username AWS --password-stdin %q\n' \
  "$region" "$engine" "$registry"
if [[ $dry_run == false ]]; then
  aws ecr get-login-password --region "$region" |
    "$engine" login --username AWS --password-stdin "$registry"
fi

# Build for the chosen architecture. SageMaker wants a single-platform image manifest:
# docker buildx would otherwise add a provenance attestation (an image index).
build_flags=(--platform "$platform" --build-arg "DENO_VERSION=$deno_version" -t "$local_image")
if [[ $engine == docker ]]; then build_flags+=(--provenance=false); else build_flags+=(--format docker); fi
run "$engine" build "${build_flags[@]}" "$repo_dir"
run "$engine" tag "$local_image" "$remote_image"
run "$engine" push "$remote_image"
echo "# image: $remote_image ($platform)"
