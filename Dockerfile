# syntax=docker/dockerfile:1
#
# Shelfsync store controller as a container: the built JavaScript on the current Node LTS, run as an
# unprivileged user, the SQLite database on a volume. See docs/install.md.
#
#   docker build -t shelfsync .
#   docker run -d --name shelfsync --restart unless-stopped \
#     -p 8080:8080 -p 1883:1883 -v shelfsync-data:/var/lib/shelfsync \
#     -e SHELFSYNC_STORE_ID=store-0042 shelfsync
#
# The same image runs the other commands, e.g. a backup into the volume while the controller runs:
#   docker exec shelfsync node dist/controller/cli/backup.mjs /var/lib/shelfsync/backup.db

ARG NODE_VERSION=26

# ---- build: dependencies (better-sqlite3 compiles its addon), the bundles in dist/, then dev tools out
FROM node:${NODE_VERSION}-trixie-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (a layer that survives code changes); install scripts run below, for the native
# packages only, because `prepare` (the build) needs the sources that are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 esbuild
COPY . .
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- run: the built controller, nothing to compile
FROM node:${NODE_VERSION}-trixie-slim
ENV NODE_ENV=production \
    SHELFSYNC_DB=/var/lib/shelfsync/shelfsync.db \
    SHELFSYNC_HTTP_HOST=0.0.0.0 \
    SHELFSYNC_HTTP_PORT=8080 \
    SHELFSYNC_LOG_FORMAT=json \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    MALLOC_MMAP_THRESHOLD_=131072
# The MALLOC_* settings: glibc's allocator with two arenas instead of one per thread, memory given
# back sooner; ~20 MB less resident with a loaded store (docs/benchmarks.md, "Memory settings"). glibc reads
# them at process start, so they are set here rather than by the controller.
WORKDIR /app
# The pruned build: dist/, production node_modules (native addons built for this Node), and the files
# read at run time (migrations, label fonts, the demo catalogue); tests, benches and docs never entered.
COPY --from=build /app ./
RUN mkdir -p /var/lib/shelfsync && chown node:node /var/lib/shelfsync
USER node
VOLUME ["/var/lib/shelfsync"]
EXPOSE 8080 1883
# Liveness over HTTP (no curl in the slim image; Node's fetch does it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.SHELFSYNC_HTTP_PORT}/api/v1/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself, not npm: SIGTERM reaches the controller, which stops cleanly (10 s at most).
STOPSIGNAL SIGTERM
# No V8 heap flags: --max-semi-space-size=1 would also cap the young generation a big job grows
# (on this image's Node 26: 425 MB resident after a 50,000-label reprice instead of 172 MB, and 6.7 s
# instead of 4.5 s). The controller sizes it itself (docs/operations.md, Memory).
CMD ["node", "dist/controller/main.mjs"]
