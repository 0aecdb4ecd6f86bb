#!/usr/bin/env bash
# Image test: builds ./Dockerfile with buildah (no Docker daemon, no Docker Hub) and runs
# `train` and `serve` inside the image against local-test/test-dir.
#   deno task test:image       (root; needs buildah, podman, debootstrap, curl, jq)
# Env: IMAGE_TEST_CACHE (default /var/tmp/sagemaker-image-test), IMAGE_TEST_CONTEXT (build
# context, default the repo), IMAGE_TEST_KEEP=1 keeps the work dir.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
context=${IMAGE_TEST_CONTEXT:-$repo}
cache=${IMAGE_TEST_CACHE:-/var/tmp/sagemaker-image-test}
store=(--root "$cache/storage" --runroot "$cache/runroot" --storage-driver vfs)
base_image=localhost/sagemaker-image-test/bookworm-minbase:latest
image=localhost/sagemaker-tree:image-test
started=$(date +%s)
passed=0
failed=0
container=""
serve_pid=""
work=$(mktemp -d /tmp/sagemaker-image-test.XXXXXX)

log() { printf '\n== %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
check() { # check NAME COMMAND...
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
bah() { buildah "${store[@]}" "$@"; }

finish() {
  local rc=$?
  if [[ -n $serve_pid ]] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM -- "-$serve_pid" 2>/dev/null || true
    sleep 2
    kill -KILL -- "-$serve_pid" 2>/dev/null || true
  fi
  if [[ -n $container ]]; then bah rm "$container" >/dev/null 2>&1 || true; fi
  if [[ ${IMAGE_TEST_KEEP:-0} == 1 ]]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
  if ((rc != 0 && passed + failed == 0)); then failed=1; fi
  if ((rc != 0)); then echo "aborted (exit $rc)"; fi
  printf '\n%d passed, %d failed (%ds)\n' "$passed" "$failed" "$(($(date +%s) - started))"
  if ((failed > 0 || rc != 0)); then exit 1; fi
}
trap finish EXIT

for tool in buildah podman debootstrap curl jq tar setsid; do
  command -v "$tool" >/dev/null || { echo "Missing tool: $tool (apt-get install $tool)" >&2; exit 1; }
done
if [[ $(id -u) != 0 ]]; then echo "Run as root (buildah chroot isolation, debootstrap)" >&2; exit 1; fi

log "Static checks"
pinned=$(tr -d '[:space:]' <"$repo/.deno-version")
dockerfile_default=$(sed -n 's/^ARG DENO_VERSION=\(.*\)$/\1/p' "$repo/Dockerfile" | head -n1)
check "Dockerfile DENO_VERSION default ($dockerfile_default) equals .deno-version ($pinned)" \
  test "$dockerfile_default" = "$pinned"
# shellcheck disable=SC2016 # a literal $ in the pattern
check "build_and_push.sh passes --build-arg DENO_VERSION from .deno-version" \
  grep -qF -- '--build-arg "DENO_VERSION=$deno_version"' "$repo/build_and_push.sh"
check "Dockerfile ENTRYPOINT is exec form" grep -Eq '^ENTRYPOINT \["[^"]+"(, "[^"]+")*\]$' "$repo/Dockerfile"
# The compiled variant: the final stage copies only /out, and the compile branch puts exactly
# one file there (the deno compile output) besides the train/serve wrappers.
final_copies=$(sed -n '/^FROM \${RUNTIME_BASE}/,$p' "$repo/Dockerfile" | grep -c '^COPY' || true)
check "final stage has one COPY, and it is --from=build /out/" \
  test "$final_copies" = 1 -a -n "$(grep -x 'COPY --from=build /out/ /usr/local/' "$repo/Dockerfile")"
compile_branch=$(sed -n '/^      compile) \\$/,/;; \\$/p' "$repo/Dockerfile")
compile_outputs() {
  [[ $compile_branch == *"--output /out/bin/sagemaker-tree main.ts"* ]] &&
    [[ $compile_branch == *"rmdir /out/lib/sagemaker-tree /out/lib"* ]] &&
    [[ $(grep -o '/out/[a-z/-]*' <<<"$compile_branch" | sort -u | tr '\n' ' ') == \
      "/out/bin/sagemaker-tree /out/lib /out/lib/sagemaker-tree " ]]
}
check "compile branch writes only /out/bin/sagemaker-tree (and removes /out/lib)" compile_outputs

log "Base image (debootstrap bookworm minbase, cached in $cache)"
mkdir -p "$cache"
if [[ ! -s $cache/bookworm-minbase.tar ]]; then
  rootfs="$cache/rootfs.tmp"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log"; exit 1; }
  # Slim it like debian:bookworm-slim: no docs/man/locales, no apt lists or cached debs.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$rootfs/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" -cf "$cache/bookworm-minbase.tar.tmp" .
  mv "$cache/bookworm-minbase.tar.tmp" "$cache/bookworm-minbase.tar"
  rm -rf "$rootfs"
fi
if ! bah inspect --type image "$base_image" >/dev/null 2>&1; then
  podman "${store[@]}" import "$cache/bookworm-minbase.tar" "$base_image" >/dev/null
fi
pass "base image $base_image ($(du -h "$cache/bookworm-minbase.tar" | cut -f1) rootfs tar)"
# Build stage only: trust the host's CA bundle too (this network may intercept TLS; the build
# stage fetches from the npm registry). The final image's base stays plain.
build_base_image=$base_image
host_ca=/etc/ssl/certs/ca-certificates.crt
if [[ -s $host_ca ]]; then
  build_base_image=localhost/sagemaker-image-test/bookworm-minbase-hostca:latest
  ca_sum=$(sha256sum "$host_ca" | cut -c1-16)
  if [[ $(bah inspect --type image --format '{{index .OCIv1.Config.Labels "host-ca"}}' \
    "$build_base_image" 2>/dev/null || true) != "$ca_sum" ]]; then
    ctr=$(bah from --pull-never "$base_image")
    bah copy "$ctr" "$host_ca" /usr/local/share/ca-certificates/host-ca-bundle.crt >/dev/null
    bah config --label "host-ca=$ca_sum" "$ctr"
    bah commit --quiet --rm "$ctr" "$build_base_image" >/dev/null
  fi
  pass "build-stage base $build_base_image (+ host CA bundle)"
fi

log "Build (buildah bud, RUNTIME=bundle)"
cat <<'EOF'
NOTE: this build SUBSTITUTES the `deno compile` step. `deno compile` downloads its runtime
(denort) from dl.deno.land, which this machine cannot reach. With RUNTIME=bundle the same
Dockerfile puts the Deno binary (npm @deno/linux-*-glibc) plus one `deno bundle`d main.js where
the compiled executable would be. Every other step is the one that ships.
EOF
build_started=$(date +%s)
if bah bud --isolation chroot --pull=never --layers \
  --build-arg RUNTIME=bundle \
  --build-arg "BUILD_BASE=$build_base_image" --build-arg "RUNTIME_BASE=$base_image" \
  -f "$repo/Dockerfile" -t "$image" "$context" >"$work/build.log" 2>&1; then
  pass "image built in $(($(date +%s) - build_started))s"
else
  tail -n 40 "$work/build.log"
  fail "image build (log above)"
  exit 1
fi

log "Image contents"
container=$(bah from --pull-never "$image")
root=$(bah mount "$container")
check "label accept-bind-to-port=true" test "$(bah inspect --type image --format \
  '{{index .OCIv1.Config.Labels "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"}}' "$image")" = true
read -r -a entrypoint <<<"$(bah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}' "$image")"
check "entrypoint is tini -- /usr/local/bin/sagemaker-tree" \
  test "${entrypoint[*]}" = "/usr/bin/tini -- /usr/local/bin/sagemaker-tree"
modules=$(find "$root" -xdev -name node_modules -print | head -n 5)
check "no node_modules in the image${modules:+: $modules}" test -z "$modules"
local_files=$(cd "$root/usr/local" && find bin lib -type f -o -type l | sort | tr '\n' ' ')
echo "/usr/local: $local_files"
check "/usr/local holds only the runtime files" test "$local_files" = \
  "bin/sagemaker-tree bin/serve bin/train lib/sagemaker-tree/deno lib/sagemaker-tree/main.js "
denos=$(find "$root" -xdev -name deno -type f ! -path "$root/usr/local/lib/sagemaker-tree/deno" -print)
check "no other deno binary or DENO_DIR in the image${denos:+: $denos}" \
  test -z "$denos" -a ! -e "$root/deno-dir" -a ! -e "$root/root/.cache/deno"
for tool in gcc cc make node npm curl; do
  if [[ -e $root/usr/bin/$tool ]]; then fail "no $tool in the final image"; else pass "no $tool in the final image"; fi
done
check "nginx installed" test -x "$root/usr/sbin/nginx"
check "train and serve on PATH" test -x "$root/usr/local/bin/train" -a -x "$root/usr/local/bin/serve"

log "arm64: the build stage with TARGETARCH=arm64 (--target build; no arm64 base here to run)"
elf_machine() { od -A n -t x1 -j 18 -N 2 "$1" | tr -d ' \n'; } # b700 aarch64, 3e00 x86-64
if bah bud --isolation chroot --pull=never --layers --target build \
  --build-arg RUNTIME=bundle --build-arg TARGETARCH=arm64 --build-arg "BUILD_BASE=$build_base_image" \
  -f "$repo/Dockerfile" -t "$image-build-arm64" "$context" >"$work/build-arm64.log" 2>&1; then
  arm=$(bah from --pull-never "$image-build-arm64")
  arm_root=$(bah mount "$arm")
  check "arm64 build stage: /out/lib/sagemaker-tree/deno is an aarch64 ELF" \
    test "$(elf_machine "$arm_root/out/lib/sagemaker-tree/deno")" = b700
  bah rm "$arm" >/dev/null
else
  tail -n 20 "$work/build-arm64.log"
  fail "arm64 build stage builds"
fi
check "amd64 image: /usr/local/lib/sagemaker-tree/deno is an x86-64 ELF" \
  test "$(elf_machine "$root/usr/local/lib/sagemaker-tree/deno")" = 3e00

log "Run train and serve inside the image (buildah run --isolation chroot)"
ml="$work/ml"
cp -a "$repo/local-test/test-dir" "$ml"
mkdir -p "$ml/model" "$ml/output"
touch "$work/marker"
sleep 1

# Like `docker run -v $ml:/opt/ml [--user U] IMAGE ARGS...`: the image's ENTRYPOINT + ARGS as
# PID 1 of a new PID namespace (chroot isolation has none), so `docker stop` semantics hold.
# unshare needs CAP_SYS_ADMIN; setpriv then drops it and switches to the user.
as_pid1() { # as_pid1 UID:GID
  local home=/root
  [[ ${1%%:*} == 0 ]] || home=/nonexistent
  printf '%s\n' --cap-add CAP_SYS_ADMIN -e "HOME=$home" -v "$ml:/opt/ml" "$container" -- \
    unshare --pid --fork --mount-proc setpriv "--reuid=${1%%:*}" "--regid=${1##*:}" \
    --clear-groups --bounding-set=-sys_admin --
}
run_image() { # run_image UID:GID ARGS...
  local user=$1
  shift
  local prefix
  mapfile -t prefix < <(as_pid1 "$user")
  bah run --isolation chroot "${env_flags[@]}" "${prefix[@]}" "${entrypoint[@]}" "$@"
}

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  return 1
}

# train as USER; checks exit code, model file, no failure file, metric line.
train_as() {
  local user=$1 label=$2 out
  find "$ml/model" "$ml/output" -mindepth 1 -delete
  env_flags=()
  local t0
  t0=$(date +%s%N)
  if out=$(run_image "$user" train 2>&1); then
    pass "$label: train exits 0 ($((($(date +%s%N) - t0) / 1000000)) ms)"
  else
    printf '%s\n' "$out" | tail -n 20
    fail "$label: train exits 0"
  fi
  check "$label: train wrote a model to /opt/ml/model" test -n "$(find "$ml/model" -type f -print -quit)"
  check "$label: no /opt/ml/output/failure" test ! -e "$ml/output/failure"
  check "$label: train logs a metric line" grep -Eq 'train:accuracy=[0-9.]+;' <<<"$out"
}

# serve as USER on a free port; checks /ping, /invocations, 413, SIGTERM.
serve_as() {
  local user=$1 label=$2 port t0 code body rows answers
  port=$(free_port)
  env_flags=(-e "SAGEMAKER_BIND_TO_PORT=$port" -e MODEL_SERVER_WORKERS=2)
  t0=$(date +%s%N)
  # Own session, so the test can find (and clean up) exactly what it started.
  local prefix
  mapfile -t prefix < <(as_pid1 "$user")
  setsid buildah "${store[@]}" run --isolation chroot "${env_flags[@]}" "${prefix[@]}" \
    "${entrypoint[@]}" serve >"$work/serve-$user.log" 2>&1 &
  serve_pid=$!
  code=000
  for _ in $(seq 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ping" || true)
    [[ $code == 200 ]] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ $code == 200 ]]; then
    pass "$label: GET /ping 200 after $((($(date +%s%N) - t0) / 1000000)) ms (port $port)"
  else
    tail -n 30 "$work/serve-$user.log"
    fail "$label: GET /ping 200 (got $code); skipping this serve's other checks"
    if kill -0 "$serve_pid" 2>/dev/null; then kill -KILL -- "-$serve_pid" 2>/dev/null || true; fi
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=""
    return
  fi
  body=$(curl -s -w '\n%{http_code}' --data-binary "@$repo/local-test/payload.csv" \
    -H 'Content-Type: text/csv' "http://127.0.0.1:$port/invocations" || true)
  code=${body##*$'\n'}
  body=${body%$'\n'*}
  rows=$(grep -c . "$repo/local-test/payload.csv")
  answers=$(grep -c . <<<"$body" || true)
  check "$label: POST /invocations payload.csv -> 200 (got $code)" test "$code" = 200
  check "$label: one prediction per row ($answers of $rows): $(head -n 3 <<<"$body" | tr '\n' ' ')" \
    test "$answers" = "$rows"
  code=$(head -c $((7 * 1024 * 1024)) /dev/zero | tr '\0' '1' | curl -s -o /dev/null -w '%{http_code}' \
    --data-binary @- -H 'Content-Type: text/csv' "http://127.0.0.1:$port/invocations" || true)
  check "$label: 7 MiB body -> 413 from nginx (got $code)" test "$code" = 413
  check "$label: nginx runs in the container" grep -q nginx <<<"$(ps -o args= -s "$serve_pid" || true)"
  # SIGTERM to PID 1 (the entry point) only, like `docker stop`.
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    fail "$label: serve still running after the requests"
    serve_pid=""
    return
  fi
  local main_pid
  main_pid=$(ps -o pid=,args= -s "$serve_pid" |
    awk '$2 !~ /buildah|unshare|setpriv/ && $0 ~ / serve$/ {print $1; exit}' || true)
  if [[ -n $main_pid ]]; then
    local main_args
    main_args=$(ps -o args= -p "$main_pid" | cut -c1-40)
    kill -TERM "$main_pid"
    local stopped=false
    for _ in $(seq 300); do
      if ! kill -0 "$serve_pid" 2>/dev/null; then stopped=true; break; fi
      sleep 0.1
    done
    local rc=0
    wait "$serve_pid" || rc=$?
    check "$label: SIGTERM to PID 1 ($main_args) stops serve, nginx and workers within 30 s (exit $rc)" \
      test $stopped = true -a -z "$(ps -o pid= -s "$serve_pid" || true)"
  else
    ps -o pid,args -s "$serve_pid" || true
    fail "$label: found the serve process to send SIGTERM to"
  fi
  serve_pid=""
}

# StopTrainingJob: SIGTERM to PID 1 while train waits for a Pipe-mode writer.
train_stop_as() {
  local user=$1 label=$2 pid1_pid="" code=000 t0 rc=0 stopped=false
  find "$ml/model" "$ml/output" -mindepth 1 -delete
  local config="$ml/input/config/inputdataconfig.json"
  echo '{"training": {"TrainingInputMode": "Pipe", "ContentType": "text/csv"}}' >"$config"
  mkfifo "$ml/input/data/training_0"
  chown "$user" "$config" "$ml/input/data/training_0"
  env_flags=()
  local prefix
  mapfile -t prefix < <(as_pid1 "$user")
  setsid buildah "${store[@]}" run --isolation chroot "${prefix[@]}" "${entrypoint[@]}" train \
    >"$work/train-stop-${user%%:*}.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 300); do
    grep -q 'mode=Pipe' "$work/train-stop-${user%%:*}.log" && break
    sleep 0.1
  done
  pid1_pid=$(ps -o pid=,args= -s "$serve_pid" |
    awk '$2 !~ /buildah|unshare|setpriv/ && $0 ~ / train$/ {print $1; exit}' || true)
  if [[ -n $pid1_pid ]]; then
    t0=$(date +%s%N)
    kill -TERM "$pid1_pid"
    for _ in $(seq 100); do
      if ! kill -0 "$serve_pid" 2>/dev/null; then stopped=true; break; fi
      sleep 0.1
    done
    wait "$serve_pid" || rc=$?
    code=$((($(date +%s%N) - t0) / 1000000))
    check "$label: SIGTERM to PID 1 stops train waiting on a Pipe channel within 10 s ($code ms, exit $rc)" \
      test $stopped = true -a "$rc" = 1
    check "$label: output/failure says it was stopped: $(head -c 80 "$ml/output/failure" 2>/dev/null)" \
      grep -q SIGTERM "$ml/output/failure"
  else
    tail -n 20 "$work/train-stop-${user%%:*}.log"
    fail "$label: train reached Pipe mode and was found to send SIGTERM to"
    kill -KILL -- "-$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  serve_pid=""
  rm -f "$config" "$ml/input/data/training_0"
}

train_stop_as 0:0 root
train_as 0:0 root
serve_as 0:0 root
chown -R 1000:1000 "$ml"
train_stop_as 1000:1000 "uid 1000"
train_as 1000:1000 "uid 1000"
serve_as 1000:1000 "uid 1000"


written=$(cd "$root" && find . -xdev -newer "$work/marker" ! -path ./opt/ml ! -path './opt/ml/*' \
  ! -path ./tmp ! -path './tmp/*' ! -path ./etc/hosts ! -path ./etc/resolv.conf ! -path ./etc/hostname \
  ! -path ./run ! -path ./run/.containerenv ! -path ./proc ! -path ./sys ! -path ./dev -print | head -n 20)
check "train and serve wrote nothing outside /opt/ml and /tmp${written:+: $written}" test -z "$written"
# ...and that check does see a write:
bah run --isolation chroot "$container" -- touch /var/write-probe
probe=$(cd "$root" && find . -xdev -newer "$work/marker" -path ./var/write-probe -print)
check "the write check sees a write to /var (probe)" test "$probe" = ./var/write-probe

log "Image size"
bah rm "$container" >/dev/null
container=""
size_bytes() { podman "${store[@]}" image inspect --format '{{.Size}}' "$1"; }
image_bytes=$(size_bytes "$image")
base_bytes=$(size_bytes "$base_image")
rm -rf "$work/oci"
bah push --quiet --compression-format gzip "$image" "oci:$work/oci:image" >/dev/null
manifest=$(jq -r '.manifests[0].digest' "$work/oci/index.json" | sed 's/sha256://')
compressed=$(jq '[.layers[].size] | add' "$work/oci/blobs/sha256/$manifest")
base_layer=$(jq '.layers[0].size' "$work/oci/blobs/sha256/$manifest")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "image (RUNTIME=bundle): $(mb "$image_bytes") uncompressed, $(mb "$compressed") compressed (gzip layers)"
echo "  of which base (debootstrap bookworm minbase, slimmed): $(mb "$base_bytes") uncompressed, $(mb "$base_layer") compressed"
echo "  compressed layers: $(jq -r '[.layers[].size | tostring] | join(" + ")' \
  "$work/oci/blobs/sha256/$manifest") bytes (base, nginx + tini + user, /usr/local)"
echo "  uncompressed layers (podman history):"
podman "${store[@]}" history --no-trunc --format '{{.Size}}{{"\t"}}{{.CreatedBy}}' "$image" |
  awk -F'\t' '$1 != "0 B" { printf "    %9s  %s\n", $1, substr($2, 1, 80) }'
pass "image size measured: $(mb "$image_bytes") uncompressed, $(mb "$compressed") compressed"
