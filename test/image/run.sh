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
exec_form() { # every ENTRYPOINT (there is one per runtime-* stage) is exec form
  local lines
  lines=$(grep '^ENTRYPOINT' "$repo/Dockerfile")
  [[ $(wc -l <<<"$lines") == 2 ]] && ! grep -Evq '^ENTRYPOINT \["[^"]+"(, "[^"]+")*\]$' <<<"$lines"
}
check "Dockerfile ENTRYPOINTs (2) are exec form" exec_form
# The final image is one COPY of the rootfs stage's /rootfs onto an empty image: the final stage
# is FROM one of the runtime-* stages, which are FROM scratch and set only the ENTRYPOINT.
final_stage=$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' "$repo/Dockerfile")
final_from=$(head -n1 <<<"$final_stage")
final_copies=$(grep '^COPY' <<<"$final_stage" || true)
# shellcheck disable=SC2016 # a literal ${RUNTIME}
check "final stage is FROM runtime-\${RUNTIME} (got: $final_from)" test "$final_from" = 'FROM runtime-${RUNTIME}'
check "final stage has one COPY, and it is --from=rootfs /rootfs/ / (got: $(tr '\n' ';' <<<"$final_copies"))" \
  test "$final_copies" = 'COPY --from=rootfs /rootfs/ /'
check "final stage has no RUN or ADD" test -z "$(grep -E '^(RUN|ADD)' <<<"$final_stage" || true)"
stage_of() { # stage_of NAME: the lines of the stage NAME
  awk -v name="$1" '/^FROM /{inside = ($NF == name)} inside' "$repo/Dockerfile"
}
runtime_stages_empty() {
  local name body
  for name in runtime-compile runtime-bundle; do
    body=$(stage_of "$name" | grep -Ev '^(#|$)')
    [[ $(head -n1 <<<"$body") == "FROM scratch AS $name" ]] || return 1
    [[ $(tail -n +2 <<<"$body") == "ENTRYPOINT ["*"]" ]] || return 1
  done
}
check "runtime-compile and runtime-bundle are FROM scratch with only an ENTRYPOINT" runtime_stages_empty
compile_branch=$(sed -n '/^      compile) \\$/,/;; \\$/p' "$repo/Dockerfile")
compile_outputs() {
  [[ $compile_branch == *"--output /out/bin/sagemaker-tree main.ts"* ]] &&
    [[ $compile_branch == *"rmdir /out/lib/sagemaker-tree /out/lib"* ]] &&
    [[ $(grep -o '/out/[a-z/-]*' <<<"$compile_branch" | sort -u | tr '\n' ' ') == \
      "/out/bin/sagemaker-tree /out/lib /out/lib/sagemaker-tree " ]]
}
check "compile branch writes only /out/bin/sagemaker-tree (and removes /out/lib)" compile_outputs
compile_entry=$(stage_of runtime-compile | sed -n 's/^ENTRYPOINT //p' | jq -r 'join(" ")')
check "compile entry point runs the compiled executable under tini ($compile_entry)" \
  test "$compile_entry" = "/usr/bin/tini -- /usr/local/bin/sagemaker-tree"
bundle_entry=$(stage_of runtime-bundle | sed -n 's/^ENTRYPOINT //p' | jq -r 'join(" ")')
check "bundle entry point runs deno with -P=program from the generated deno.json and the bundle" \
  test "$bundle_entry" = \
  "/usr/bin/tini -- /usr/local/lib/sagemaker-tree/deno run -q --cached-only --config /usr/local/lib/sagemaker-tree/deno.json -P=program /usr/local/lib/sagemaker-tree/main.js"

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
the compiled executable would be, and the entry point (stage runtime-bundle instead of
runtime-compile) runs that binary with the bundle. Every other step is the one that ships.
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
check "entry point is the runtime-bundle stage's (${entrypoint[*]})" test "${entrypoint[*]}" = "$bundle_entry"
# SageMaker runs `docker run IMAGE train|serve`: with no CMD, that word is the program's argument.
image_env=$(bah inspect --type image --format '{{range .OCIv1.Config.Env}}{{.}} {{end}}' "$image")
check "DENO_DIR is under /tmp ($image_env)" grep -q 'DENO_DIR=/tmp/' <<<"$image_env"
check "no CMD, so train/serve reach the program as its argument" \
  test -z "$(bah inspect --type image --format '{{range .OCIv1.Config.Cmd}}{{.}}{{end}}' "$image")"
# Every file (not directory) in the image, and what it may be: anything else fails the check.
image_files=$(cd "$root" && find . -xdev ! -type d | sed 's|^\./||' | sort)
echo "files in the image ($(wc -l <<<"$image_files")):"
(cd "$root" && find . -xdev ! -type d -printf '  %M %U:%G %10s  %P %l\n' | sort -k4)
unexpected=$(grep -Ev '^(usr/local/lib/sagemaker-tree/(deno|deno\.json|main\.js)|usr/sbin/nginx|usr/bin/tini|etc/(passwd|group)|usr/lib(64)?/([a-z0-9_-]+/)?(lib[^/]+|ld-linux[^/]*)\.so(\.[0-9]+)*|bin|sbin|lib|lib32|lib64|libx32)$' \
  <<<"$image_files" || true)
check "the image holds only the runtime, the bundle, nginx, tini, shared libraries, passwd and group${unexpected:+; unexpected: $(tr '\n' ' ' <<<"$unexpected")}" \
  test -z "$unexpected"
for link in bin sbin lib lib32 lib64 libx32; do
  if [[ -L $root/$link && $(readlink "$root/$link") != "usr/$link" ]]; then fail "/$link -> usr/$link"; fi
done
# The shared libraries are exactly what nginx, tini and deno load: ask the image's own dynamic
# loader (chroot into the image, ld.so --list) and compare with the library files present.
loader=$(cd "$root" && find usr -name 'ld-linux*.so*' ! -type d | head -n1)
loaded_libs() {
  local exe
  for exe in usr/sbin/nginx usr/bin/tini usr/local/lib/sagemaker-tree/deno; do
    chroot "$root" "/$loader" --list "/$exe" || echo "$exe: ld.so --list failed"
  done
}
loaded=$(loaded_libs 2>&1)
missing=$(grep -E 'not found|failed' <<<"$loaded" || true)
check "nginx, tini and deno find every library they load in the image${missing:+: $missing}" test -z "$missing"
used_files=$(grep -o '/[^ ]*' <<<"$loaded" | while read -r lib; do
  (cd "$root" && realpath -m --relative-to=. "./$lib" 2>/dev/null) || true
done | sort -u)
present_libs=$(grep -E '\.so(\.[0-9]+)*$' <<<"$image_files" | sort -u)
unused=$(comm -23 <(echo "$present_libs") <(echo "$used_files"))
check "every shared library in the image is loaded by one of them ($(wc -l <<<"$present_libs") libraries)${unused:+; unused: $(tr '\n' ' ' <<<"$unused")}" \
  test -n "$present_libs" -a -z "$unused"
shells=$(cd "$root" && find . -xdev \( -name sh -o -name bash -o -name dash -o -name ash -o -name zsh \
  -o -name busybox -o -name toybox \) -print)
check "no shell in the image${shells:+: $shells}" test -z "$shells"
pkg=$(cd "$root" && find . -xdev \( -name 'dpkg*' -o -name 'apt*' \) -print | head -n 5)
check "no package manager or package database (dpkg, apt)${pkg:+: $pkg}" test -z "$pkg"
certs=$(cd "$root" && find . -xdev \( -name '*.crt' -o -name '*.pem' -o -path ./etc/ssl \) -print | head -n 3)
check "no CA certificates (nothing in the image makes TLS connections)${certs:+: $certs}" test -z "$certs"
check "/tmp is mode 1777 ($(stat -c %a "$root/tmp"))" test "$(stat -c %a "$root/tmp")" = 1777
check "/etc/passwd has sagemaker with uid 1000, gid 1000" \
  grep -qx 'sagemaker:x:1000:1000:[^:]*:[^:]*:[^:]*' "$root/etc/passwd"
check "/etc/group has sagemaker with gid 1000" grep -qx 'sagemaker:x:1000:' "$root/etc/group"
# nginx started as root with no `user` directive looks up its built-in user nobody:nogroup.
nginx_user() { grep -q '^nobody:x:65534:65534:' "$root/etc/passwd" && grep -qx 'nogroup:x:65534:' "$root/etc/group"; }
check "/etc/passwd has nobody and /etc/group nogroup (nginx's default worker user when root)" nginx_user
not_owned=$(find "$root/opt/ml" ! -uid 1000 -print -o ! -gid 1000 -print | head -n 3)
check "the /opt/ml tree is owned by 1000:1000${not_owned:+; not: $not_owned}" \
  test -d "$root/opt/ml/input/data" -a -d "$root/opt/ml/model" -a -d "$root/opt/ml/output" -a -z "$not_owned"
modules=$(find "$root" -xdev -name node_modules -print | head -n 5)
check "no node_modules in the image${modules:+: $modules}" test -z "$modules"
local_files=$(cd "$root/usr/local" && find . ! -type d | sed 's|^\./||' | sort | tr '\n' ' ')
check "/usr/local holds only the runtime, the bundle and its config ($local_files)" \
  test "$local_files" = "lib/sagemaker-tree/deno lib/sagemaker-tree/deno.json lib/sagemaker-tree/main.js "
check "nginx in the image" test -x "$root/usr/sbin/nginx"
layers=$(bah inspect --type image --format '{{len .OCIv1.RootFS.DiffIDs}}' "$image")
check "the image is one layer (got $layers)" test "$layers" = 1

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

# The image has no shell and none of the tools the harness needs inside the container (unshare,
# setpriv, touch). They come from the base image (util-linux and coreutils of the same Debian
# release), with the libraries they load, mounted read-only at $tools_mnt and run by their own
# dynamic loader, so nothing of the image's is used or changed by them.
tools="$work/tools"
tools_mnt=/tmp/.image-test-tools
mkdir -p "$tools"
base_ctr=$(bah from --pull-never "$base_image")
base_root=$(bah mount "$base_ctr")
for exe in usr/bin/unshare usr/bin/setpriv usr/bin/touch; do
  cp "$base_root/$exe" "$tools/"
  for lib in $(chroot "$base_root" ldd "/$exe" | grep -o '/[^ ]*'); do cp -L "$base_root$lib" "$tools/"; done
done
bah rm "$base_ctr" >/dev/null
tool_loader=$(cd "$tools" && ls ld-linux*)
tool() { # tool NAME: the command line that runs the harness tool NAME inside the container
  printf '%s\n' "$tools_mnt/$tool_loader" --library-path "$tools_mnt" "$tools_mnt/$1"
}

# Like `docker run -v $ml:/opt/ml [--user U] IMAGE ARGS...`: the image's ENTRYPOINT + ARGS as
# PID 1 of a new PID namespace (chroot isolation has none), so `docker stop` semantics hold.
# unshare needs CAP_SYS_ADMIN; setpriv then drops it and switches to the user.
as_pid1() { # as_pid1 UID:GID
  local home=/root
  [[ ${1%%:*} == 0 ]] || home=/nonexistent
  printf '%s\n' --cap-add CAP_SYS_ADMIN -e "HOME=$home" -v "$ml:/opt/ml" "${model_mount[@]}" \
    -v "$tools:$tools_mnt:ro" "$container" --
  tool unshare
  printf '%s\n' --pid --fork --mount-proc
  tool setpriv
  printf '%s\n' "--reuid=${1%%:*}" "--regid=${1##*:}" --clear-groups --bounding-set=-sys_admin --
}
# Extra mounts of the model folder (the serverless run mounts it read-only).
model_mount=()
# A first harness-only run, before the write check's marker: buildah makes its mount points
# (/proc, /dev, /etc/hosts, ...) in the image's root on the first run, which is not the program's
# doing.
mapfile -t touch_cmd < <(tool touch)
bah run --isolation chroot -v "$ml:/opt/ml" -v "$tools:$tools_mnt:ro" "$container" -- \
  "${touch_cmd[@]}" /opt/ml/.harness-ready
rm -f "$ml/.harness-ready"
touch "$work/marker"
sleep 1

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
  # nginx runs in a process group and session of its own (so that serve can stop the whole group),
  # as a child of serve: found through the parents in serve's session, its workers under it.
  local session_pids nginx_master nginx_pids=""
  session_pids=$(ps -o pid= -s "$serve_pid" | xargs | tr ' ' ',')
  nginx_master=$(ps -o pid=,args= --ppid "${session_pids:-0}" | awk '/nginx: master/ {print $1}' | xargs)
  if [[ -n $nginx_master ]]; then
    nginx_pids=$(echo "$nginx_master" $(ps -o pid= --ppid "${nginx_master// /,}") | xargs)
  fi
  check "$label: nginx runs in the container (pids ${nginx_pids:-none})" test -n "$nginx_master"
  # SIGTERM to PID 1 (the entry point) only, like `docker stop`.
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    fail "$label: serve still running after the requests"
    serve_pid=""
    return
  fi
  local main_pid
  main_pid=$(ps -o pid=,args= -s "$serve_pid" |
    awk '$2 !~ /buildah|image-test-tools/ && $0 ~ / serve$/ {print $1; exit}' || true)
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
    local left
    left=$(ps -o pid= -s "$serve_pid" || true)
    if [[ -n $nginx_pids ]]; then left+=$(ps -o pid= -p "${nginx_pids// /,}" || true); fi
    check "$label: SIGTERM to PID 1 ($main_args) stops serve, nginx and workers within 30 s (exit $rc)" \
      test $stopped = true -a -z "$left"
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
    awk '$2 !~ /buildah|image-test-tools/ && $0 ~ / train$/ {print $1; exit}' || true)
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
# Serverless endpoints mount the model read-only and allow writes only under /tmp.
model_mount=(-v "$ml/model:/opt/ml/model:ro")
serve_as 1000:1000 "serverless, /opt/ml/model read-only"
model_mount=()


written=$(cd "$root" && find . -xdev -newer "$work/marker" ! -path ./opt/ml ! -path './opt/ml/*' \
  ! -path ./tmp ! -path './tmp/*' ! -path ./etc/hosts ! -path ./etc/resolv.conf ! -path ./etc/hostname \
  ! -path ./run ! -path ./run/.containerenv ! -path ./proc ! -path ./sys ! -path ./dev -print | head -n 20)
check "train and serve wrote nothing outside /opt/ml and /tmp${written:+: $written}" test -z "$written"
# ...and that check does see a write:
bah run --isolation chroot -v "$tools:$tools_mnt:ro" "$container" -- "${touch_cmd[@]}" /etc/write-probe
probe=$(cd "$root" && find . -xdev -newer "$work/marker" -path ./etc/write-probe -print)
check "the write check sees a write to /etc (probe)" test "$probe" = ./etc/write-probe

log "Image size"
bah rm "$container" >/dev/null
container=""
size_bytes() { podman "${store[@]}" image inspect --format '{{.Size}}' "$1"; }
image_bytes=$(size_bytes "$image")
rm -rf "$work/oci"
bah push --quiet --compression-format gzip "$image" "oci:$work/oci:image" >/dev/null
manifest=$(jq -r '.manifests[0].digest' "$work/oci/index.json" | sed 's/sha256://')
compressed=$(jq '[.layers[].size] | add' "$work/oci/blobs/sha256/$manifest")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "image (RUNTIME=bundle): $(mb "$image_bytes") uncompressed, $(mb "$compressed") compressed (gzip layers)"
echo "  layers, compressed (gzip, as pushed):"
jq -r '.layers[] | "\(.size) \(.digest)"' "$work/oci/blobs/sha256/$manifest" |
  while read -r size digest; do printf '    %9s  %s\n' "$(mb "$size")" "${digest:0:19}"; done
echo "  layers, uncompressed (podman history; instructions that add no layer are left out):"
podman "${store[@]}" history --no-trunc --format '{{.Size}}{{"\t"}}{{.CreatedBy}}' "$image" |
  awk -F'\t' '$1 != "0 B" { printf "    %9s  %s\n", $1, substr($2, 1, 80) }'
echo "  what the layer holds, uncompressed:"
mount_ctr=$(bah from --pull-never "$image")
mount_root=$(bah mount "$mount_ctr")
part_bytes() { (cd "$mount_root" && du -cb --apparent-size "$@" 2>/dev/null | tail -n1 | cut -f1); }
mapfile -t image_libs < <(cd "$mount_root" && find usr/lib* -name '*.so*' ! -type d)
printf '    %9s  %s\n' "$(mb "$(part_bytes usr/local/lib/sagemaker-tree/deno)")" "Deno runtime" \
  "$(mb "$(part_bytes usr/local/lib/sagemaker-tree/main.js)")" "main.js (the bundle)" \
  "$(mb "$(part_bytes usr/sbin/nginx usr/bin/tini)")" "nginx + tini" \
  "$(mb "$(part_bytes "${image_libs[@]}")")" "${#image_libs[@]} shared libraries (with the dynamic loader)"
bah rm "$mount_ctr" >/dev/null
limit=60000000
check "compressed size $(mb "$compressed") is at most $(mb "$limit")" test "$compressed" -le "$limit"
pass "image size measured: $(mb "$image_bytes") uncompressed, $(mb "$compressed") compressed"
