# syntax=docker/dockerfile:1
# Sluice: the server and workers, with OpenTofu, dbt and bubblewrap inside.
#   docker build -t sluice .
#   docker build --build-arg DBT_ADAPTERS="dbt-postgres==1.10.0 dbt-snowflake" -t sluice .
# The sandbox needs user namespaces and its own /proc in the container; see docs/deployment.md#sandbox
# (docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined
#  --security-opt systempaths=unconfined …). Without them Sluice refuses to plan and says why.

ARG NODE_IMAGE=node:22-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm

# 1. OpenTofu, built from its released Go module exactly as scripts/install-tool.sh does for a checkout.
FROM ${GO_IMAGE} AS opentofu
ARG TOFU_VERSION=1.12.6
WORKDIR /src
COPY scripts/install-tool.sh scripts/install-tool.sh
RUN bash scripts/install-tool.sh opentofu "${TOFU_VERSION}" /out/tofu

# 2. The app: npm ci from the lock file, compiled to JavaScript, then only production packages kept.
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.sh scripts/build.sh
COPY src src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# 3. dbt-core and dbt-duckdb in a virtualenv; more adapters by build argument.
FROM ${NODE_IMAGE} AS dbt
ARG DBT_CORE_VERSION=1.11.16
ARG DBT_DUCKDB_VERSION=1.11.1
# Space-separated pip requirements, e.g. "dbt-postgres==1.10.0 dbt-bigquery".
ARG DBT_ADAPTERS=""
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-venv \
  && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/dbt \
  && /opt/dbt/bin/pip install --no-cache-dir --disable-pip-version-check \
    "dbt-core==${DBT_CORE_VERSION}" "dbt-duckdb==${DBT_DUCKDB_VERSION}" ${DBT_ADAPTERS} \
  && /opt/dbt/bin/dbt --version

# 4. What runs: Node.js 22 LTS (24 aborts in better-sqlite3 12, see .ci/other-node.sh), git, bubblewrap, the tools above; no compilers, no TypeScript, no tsx.
FROM ${NODE_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap git ca-certificates openssh-client python3 tini \
  && rm -rf /var/lib/apt/lists/*
COPY --from=opentofu /out/tofu /usr/local/bin/tofu
COPY --from=dbt /opt/dbt /opt/dbt
RUN ln -s /opt/dbt/bin/dbt /usr/local/bin/dbt \
  && groupadd --system --gid 10001 sluice \
  && useradd --system --uid 10001 --gid sluice --home-dir /data --shell /usr/sbin/nologin sluice \
  && mkdir -p /data \
  && chown sluice:sluice /data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY app.yml ./app.yml
COPY templates ./templates
COPY deploy/docker/entrypoint.sh /usr/local/bin/sluice-entrypoint
# SLUICE_SANDBOX=bwrap: a worker whose bubblewrap cannot start refuses to run plans and says why, instead
# of running them unsandboxed (docs/deployment.md#sandbox).
ENV NODE_ENV=production \
  SLUICE_SANDBOX=bwrap \
  SLUICE_DATA_DIR=/data \
  HOST=0.0.0.0 \
  PORT=3000
USER sluice
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps the sandboxes' processes and forwards SIGTERM; the entry point runs node dist/src/cli.js.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/sluice-entrypoint"]
CMD ["server"]
