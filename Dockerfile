# syntax=docker/dockerfile:1
# Gale's container image: one image for every service, chosen by its command
# (`docker run gale scheduler` runs `gale scheduler`).
#
#   docker build -t gale:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#
# Build arguments: NODE_MAJOR (22 or 24, the Node.js LTS the image runs on), VERSION, REVISION,
# CREATED (OCI labels), NPM_CONFIG_CAFILE (a CA bundle npm trusts during the build, for registries
# behind a TLS-inspecting proxy; mount it into the build).
ARG NODE_MAJOR=22

# ---- build: every dependency, the native SQLite driver compiled, TypeScript and the UI built ----
FROM docker.io/library/node:${NODE_MAJOR}-bookworm-slim AS build
ARG NPM_CONFIG_CAFILE
# better-sqlite3 is compiled from source with the image's own Node.js headers: no prebuilt binary
# and no header tarball is downloaded.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change to the sources reuses this layer. --ignore-scripts keeps
# the package's own "prepare" (the build) from running before the sources are here; the two
# packages that need their install scripts get them from `npm rebuild`.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY ui ./ui
COPY examples ./examples
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ && rm -rf build deps src \
 && mkdir -p build/Release && mv /tmp/better_sqlite3.node build/Release/

# ---- run: production dependencies only, as uid 50000, tini as PID 1 ----
FROM docker.io/library/node:${NODE_MAJOR}-bookworm-slim AS run
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
 && useradd --uid 50000 --gid 0 --home-dir /opt/gale-home --no-create-home --shell /bin/sh gale \
 && mkdir -p /opt/gale-home/dags /opt/gale-home/logs /opt/gale-home/plugins /opt/gale-home/cache \
 && chown -R 50000:0 /opt/gale-home \
 && chmod -R g=u /opt/gale-home \
 && chmod 1777 /tmp
WORKDIR /opt/gale
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/examples ./examples
COPY docker/gale.sh /usr/local/bin/gale
COPY docker/gale-init.sh /usr/local/bin/gale-init
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
# Everything Gale writes is under a volume: DAG files (and their node_modules, see README), task
# logs, plugins, caches (compiled DAG files, Node's compile cache, npm's cache) and /tmp; the root
# filesystem may be read-only. API and health servers listen on every address of the container.
ENV GALE_HOME=/opt/gale-home \
    HOME=/opt/gale-home \
    NODE_ENV=production \
    NODE_COMPILE_CACHE=/opt/gale-home/cache/node-compile-cache \
    npm_config_cache=/opt/gale-home/cache/npm \
    npm_config_update_notifier=false \
    GALE__API__HOST=0.0.0.0 \
    GALE__METRICS__HOST=0.0.0.0
VOLUME ["/opt/gale-home/dags", "/opt/gale-home/logs", "/opt/gale-home/plugins", "/opt/gale-home/cache", "/tmp"]
USER 50000
WORKDIR /opt/gale-home
# API server (8080), health and metrics of the other services (8974), worker log server (8793)
EXPOSE 8080 8974 8793
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/opt/gale/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "gale"]
CMD ["--help"]
# Last, so that a new CREATED or REVISION rebuilds only this layer.
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=unknown
# A step that reads the arguments: buildah's layer cache keys a LABEL by its unexpanded text, so
# without it a cached build would keep the labels of the build before.
RUN echo "Gale ${VERSION} (${REVISION}, ${CREATED})" >/dev/null
LABEL org.opencontainers.image.title="Gale" \
      org.opencontainers.image.description="A workflow orchestrator for TypeScript: DAGs as code, scheduler, executors" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
