# SageMaker bring-your-own-algorithm image: one executable (`deno compile` of main.ts), nginx,
# tini and the shared libraries they load; nothing else (no shell, no package manager).
#   docker build -t sagemaker-tree .                          # host architecture
#   docker buildx build --platform linux/arm64 -t sagemaker-tree .   # Graviton
# See docs/image.md for run, push and deploy.

# Must equal .deno-version (build_and_push.sh passes it; test/image/run.sh checks the default).
ARG DENO_VERSION=2.9.6
# compile: one executable from `deno compile` (what ships).
# bundle: the Deno binary + one `deno bundle`d .js in the executable's place; used by the offline
# image test, where `deno compile` cannot download its runtime (denort).
ARG RUNTIME=compile
# Base images; the offline test passes a debootstrapped bookworm for both.
ARG BUILD_BASE=debian:bookworm-slim
ARG RUNTIME_BASE=debian:bookworm-slim

# ---- build: runs on the build machine's architecture, cross-compiles for TARGETARCH ----
FROM --platform=$BUILDPLATFORM ${BUILD_BASE} AS build
ARG DENO_VERSION
ARG RUNTIME
ARG BUILDARCH
ARG TARGETARCH
ARG NPM_REGISTRY=https://registry.npmjs.org
# DENO_TLS_CA_STORE=system: trust /etc/ssl/certs (corporate TLS proxies add their CA there).
ENV DENO_DIR=/deno-dir DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 DENO_TLS_CA_STORE=system
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# Deno for the build machine, from the npm package that `npm install deno` uses.
RUN set -eu; \
    arch="${BUILDARCH:-$(dpkg --print-architecture)}"; \
    case "$arch" in amd64) pkg=x64 ;; arm64) pkg=arm64 ;; \
      *) echo "Unsupported build architecture: $arch" >&2; exit 1 ;; esac; \
    curl -fsSL "$NPM_REGISTRY/@deno/linux-$pkg-glibc/-/linux-$pkg-glibc-$DENO_VERSION.tgz" \
      | tar -xz -C /usr/local/bin --strip-components=1 package/deno; \
    deno --version
WORKDIR /src
# Dependencies first so source edits reuse this layer.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
# Everything the final image gets goes to /out (mirrors /usr/local).
RUN set -eu; \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}"; \
    case "$arch" in \
      amd64) target=x86_64-unknown-linux-gnu; pkg=x64 ;; \
      arm64) target=aarch64-unknown-linux-gnu; pkg=arm64 ;; \
      *) echo "Unsupported target architecture: $arch (use amd64 or arm64)" >&2; exit 1 ;; \
    esac; \
    mkdir -p /out/bin /out/lib/sagemaker-tree; \
    case "$RUNTIME" in \
      compile) \
        deno compile --frozen --target "$target" -P=program \
          --output /out/bin/sagemaker-tree main.ts; \
        rmdir /out/lib/sagemaker-tree /out/lib ;; \
      bundle) \
        echo "RUNTIME=bundle: Deno binary + deno bundle output instead of deno compile"; \
        deno run --frozen --cached-only scripts/bundle_config.ts \
          > /out/lib/sagemaker-tree/deno.json; \
        deno bundle --frozen --platform deno --output /out/lib/sagemaker-tree/main.js main.ts; \
        curl -fsSL "$NPM_REGISTRY/@deno/linux-$pkg-glibc/-/linux-$pkg-glibc-$DENO_VERSION.tgz" \
          | tar -xz -C /out/lib/sagemaker-tree --strip-components=1 package/deno; \
        rmdir /out/bin ;; \
      *) echo "RUNTIME must be compile or bundle, got: $RUNTIME" >&2; exit 1 ;; \
    esac; \
    find /out -exec ls -ld {} +

# ---- rootfs: the final image's files, assembled on the target architecture ----
# nginx-light and tini come from Debian; /rootfs then gets only what runs: the program, nginx, tini,
# the shared libraries ldd reports for them (with the dynamic loader), the users, /opt/ml and /tmp.
FROM ${RUNTIME_BASE} AS rootfs
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /rootfs/usr/local/
# Libraries keep the directory they load from (resolved through Debian's /lib -> usr/lib links,
# which /rootfs gets too, so that the ELF interpreter path, e.g. /lib64/ld-linux-x86-64.so.2,
# resolves). nginx runs with `-c`, `-p` and `-e stderr` and its config sets every path, so it needs
# no /etc/nginx or /var; as root it looks up its default worker user (nobody:nogroup), which glibc
# answers from /etc/passwd and /etc/group with no NSS module to load.
RUN set -eu; \
    cd /rootfs; \
    for dir in bin sbin lib lib32 lib64 libx32; do \
      if [ -L "/$dir" ]; then ln -s "$(readlink "/$dir")" "$dir"; fi; \
    done; \
    mkdir -p usr/bin usr/sbin etc; \
    cp /usr/sbin/nginx usr/sbin/nginx; \
    cp /usr/bin/tini usr/bin/tini; \
    for exe in usr/sbin/nginx usr/bin/tini $(find usr/local -type f -perm -u+x); do \
      if ! ldd "/rootfs/$exe" >/tmp/ldd.txt 2>&1; then \
        grep -q 'not a dynamic executable' /tmp/ldd.txt || { cat /tmp/ldd.txt; exit 1; }; \
        echo "$exe: static"; continue; \
      fi; \
      if grep -q 'not found' /tmp/ldd.txt; then \
        echo "$exe: missing libraries" >&2; cat /tmp/ldd.txt >&2; exit 1; \
      fi; \
      for lib in $(grep -o '/[^ ]*' /tmp/ldd.txt); do \
        dir=$(readlink -f "$(dirname "$lib")"); \
        mkdir -p "/rootfs$dir"; \
        cp -L "$lib" "/rootfs$dir/"; \
        echo "$exe: $lib -> $dir/$(basename "$lib")"; \
      done; \
    done; \
    printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' \
      'sagemaker:x:1000:1000:sagemaker:/nonexistent:/usr/sbin/nologin' > etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'sagemaker:x:1000:' > etc/group; \
    chmod 0644 etc/passwd etc/group; \
    mkdir -m 1777 tmp; \
    mkdir -p opt/ml/input/config opt/ml/input/data opt/ml/model opt/ml/output/data \
      opt/ml/checkpoints; \
    chown -R 1000:1000 opt/ml; \
    find /rootfs ! -type d -exec ls -ld {} +; \
    du -sh /rootfs

# ---- final: /rootfs on an empty image; the entry point is the only thing RUNTIME changes ----
# tini as PID 1: forwards SIGTERM to the program (a PID 1 without a handler would ignore it) and
# reaps orphaned processes. `docker run IMAGE train|serve` appends the command to the entry point.
FROM scratch AS runtime-compile
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/sagemaker-tree"]

# The Deno runtime runs the bundle directly (no wrapper script: there is no shell), with the
# permission set of deno.json (copied beside the bundle by scripts/bundle_config.ts; -q keeps
# Deno's note that config permissions are experimental out of the logs). Workers start as
# Deno.execPath() run <the same permissions as flags> Deno.mainModule (serving/self_command.ts).
FROM scratch AS runtime-bundle
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/lib/sagemaker-tree/deno", "run", "-q", "--cached-only", "--config", "/usr/local/lib/sagemaker-tree/deno.json", "-P=program", "/usr/local/lib/sagemaker-tree/main.js"]

FROM runtime-${RUNTIME}
ARG RUNTIME
LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true \
      com.amazonaws.sagemaker.capabilities.multi-models=true \
      org.opencontainers.image.title="sagemaker-tree" \
      org.opencontainers.image.description="SageMaker bring-your-own-algorithm decision tree (Deno)" \
      sagemaker-tree.runtime=${RUNTIME}
# Deno's caches (the runtime's code cache; a compiled program's npm analysis cache) go under /tmp,
# not under $HOME (root's /root is not in the image), so the program writes only /opt/ml and /tmp.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DENO_DIR=/tmp/deno-dir DENO_NO_UPDATE_CHECK=1
COPY --from=rootfs /rootfs/ /
# Root by default like SageMaker; `docker run --user sagemaker` works too (writes: /opt/ml, /tmp).
WORKDIR /opt/ml
