#!/usr/bin/env bash
# Installs what the image test (test/image/run.sh) needs on a Debian machine, from apt, when it
# is missing: buildah (build and run), podman (import, size), debootstrap (the offline base), jq,
# curl. Then checks that buildah can use its storage here; says plainly what is wrong if not.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-image-test-deps.sh: the image test needs root (buildah chroot isolation, debootstrap); running as uid $(id -u)" >&2
  exit 1
fi
missing=()
for tool in buildah podman debootstrap jq curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null ||
    { echo "install-image-test-deps.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
# buildah with the image test's storage options (vfs, a private root): can it create and mount
# a working container?
probe="$(mktemp -d /tmp/buildah-probe.XXXXXX)"
trap 'buildah --root "$probe/storage" --runroot "$probe/run" --storage-driver vfs rm --all >/dev/null 2>&1 || true; rm -rf "$probe"' EXIT
store=(--root "$probe/storage" --runroot "$probe/run" --storage-driver vfs)
if ! out="$(buildah "${store[@]}" from --name probe scratch 2>&1 && buildah "${store[@]}" mount probe 2>&1)"; then
  echo "install-image-test-deps.sh: buildah cannot work on this machine: $out" >&2
  exit 1
fi
echo "image test tools: $(buildah --version), $(podman --version), debootstrap $(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null || echo '?'), $(jq --version)"
