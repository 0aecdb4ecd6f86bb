# SageMaker bring-your-own-algorithm image: one executable (`deno compile` of main.ts) + nginx.
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
        flags=$(deno run --frozen --cached-only scripts/permission_flags.ts); \
        deno bundle --frozen --platform deno --output /out/lib/sagemaker-tree/main.js main.ts; \
        curl -fsSL "$NPM_REGISTRY/@deno/linux-$pkg-glibc/-/linux-$pkg-glibc-$DENO_VERSION.tgz" \
          | tar -xz -C /out/lib/sagemaker-tree --strip-components=1 package/deno; \
        printf '%s\n' '#!/bin/sh' \
          ': "${DENO_DIR:=/tmp/deno-dir}"; export DENO_DIR DENO_NO_UPDATE_CHECK=1' \
          "exec /usr/local/lib/sagemaker-tree/deno run --cached-only --no-config $flags /usr/local/lib/sagemaker-tree/main.js \"\$@\"" \
          > /out/bin/sagemaker-tree; \
        chmod 0755 /out/bin/sagemaker-tree ;; \
      *) echo "RUNTIME must be compile or bundle, got: $RUNTIME" >&2; exit 1 ;; \
    esac; \
    for cmd in train serve; do \
      printf '#!/bin/sh\nexec /usr/local/bin/sagemaker-tree %s "$@"\n' "$cmd" > "/out/bin/$cmd"; \
      chmod 0755 "/out/bin/$cmd"; \
    done; \
    find /out -exec ls -ld {} +

# ---- final: bookworm-slim + nginx-light + /out ----
FROM ${RUNTIME_BASE}
ARG RUNTIME
LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true \
      com.amazonaws.sagemaker.capabilities.multi-models=true \
      org.opencontainers.image.title="sagemaker-tree" \
      org.opencontainers.image.description="SageMaker bring-your-own-algorithm decision tree (Deno)" \
      sagemaker-tree.runtime=${RUNTIME}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt \
      /var/log/dpkg.log /var/log/alternatives.log \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log \
 && groupadd --gid 1000 sagemaker \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sagemaker \
 && mkdir -p /opt/ml/input/config /opt/ml/input/data /opt/ml/model /opt/ml/output/data \
      /opt/ml/checkpoints \
 && chown -R sagemaker:sagemaker /opt/ml
COPY --from=build /out/ /usr/local/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /opt/ml
# Root by default like SageMaker; `docker run --user sagemaker` works too (writes: /opt/ml, /tmp).
# tini as PID 1: forwards SIGTERM to the program (a PID 1 without a handler would ignore it)
# and reaps orphaned processes.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/sagemaker-tree"]
