# syntax=docker/dockerfile:1
# One image for the workers, the service and the ops CLI: they differ only by command (see
# docker-compose.yml). Production runs the compiled build (dist/, `npm run build`) with plain node.

ARG NODE_VERSION=20

# --- build: hnswlib-node is compiled by node-gyp at install time, so this stage has a toolchain;
# tsc compiles the sources to dist/ and Vite bundles the page to web/dist/, then dev dependencies go
FROM node:${NODE_VERSION}-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# hnswlib-node is recompiled for AVX2 when the build machine has it (npm postinstall,
# pipeline/index/native-build.mjs): pass --build-arg MARQUEE_HNSW_SIMD=off for an image that must
# run on CPUs without AVX2
ARG MARQUEE_HNSW_SIMD=auto
COPY package.json package-lock.json ./
COPY pipeline/index/native-build.mjs ./pipeline/index/
# ...and compiles Marquee's parallel-graph binding over the same hnswlib (one graph on several threads)
COPY pipeline/index/parallel-graph ./pipeline/index/parallel-graph/
RUN MARQUEE_HNSW_SIMD=$MARQUEE_HNSW_SIMD npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY pipeline ./pipeline
COPY workers ./workers
COPY service ./service
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: same base (same glibc for the compiled addon), no toolchain, no TypeScript, non-root
FROM node:${NODE_VERSION}-slim
ENV NODE_ENV=production \
    MARQUEE_DATA_DIR=/data/raw \
    MARQUEE_ARTIFACTS_DIR=/data/artifacts \
    MARQUEE_MODEL_DIR=/models \
    MARQUEE_GRPC_ADDR=0.0.0.0:50051 \
    MARQUEE_HTTP_ADDR=0.0.0.0:8080 \
    MARQUEE_WORKER_METRICS_ADDR=0.0.0.0:9464 \
    REDIS_URL=redis://redis:6379
WORKDIR /app
# mount points, owned by the unprivileged `node` user of the base image (a new named volume takes
# this ownership, so the non-root workers can write artifacts into it)
RUN mkdir -p /data/raw /data/artifacts /models && chown -R node:node /data /models
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# the compiled wire contract (reflection, strict decoding, the HTTP routes)
COPY --from=build /app/proto/descriptors.binpb ./proto/descriptors.binpb
COPY package.json ./
USER node
VOLUME ["/data/artifacts"]
# gRPC, HTTP/JSON + page + /metrics, the workers' /metrics
EXPOSE 50051 8080 9464
# node directly (not npm) so SIGTERM reaches the process: the service drains in-flight calls, the
# workers let their active job finish
CMD ["node", "--max-semi-space-size=2", "--expose-gc", "dist/service/main.js"]
