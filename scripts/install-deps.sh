#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine with Node.js: Deno (the version
# pinned in .deno-version, from npm) and nginx (from apt), plus ps and curl used by tests.
set -euo pipefail
cd "$(dirname "$0")/.."

want="$(cat .deno-version)"
if ! command -v deno >/dev/null || [ "$(deno --version | head -1 | cut -d' ' -f2)" != "$want" ]; then
  echo "installing deno $want from npm"
  npm install -g "deno@$want" >/dev/null 2>&1 || { echo "cannot install deno $want with npm" >&2; exit 1; }
fi
missing=()
if ! command -v nginx >/dev/null; then
  # Debian installs nginx in /usr/sbin, which a non-root user's PATH lacks; serve looks on PATH only.
  sbin_nginx=""
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    if [ -x "$dir/nginx" ]; then sbin_nginx="$dir/nginx"; break; fi
  done
  if [ -n "$sbin_nginx" ]; then
    echo "install-deps.sh: nginx is at $sbin_nginx, not on PATH: add $(dirname "$sbin_nginx") to PATH, or serve runs without nginx" >&2
  else
    missing+=(nginx-light)
  fi
fi
command -v ps >/dev/null || missing+=(procps)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: ${missing[*]} missing; apt-get needs root: run this as root, or install them yourself" >&2
    exit 1
  fi
  echo "installing ${missing[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
