# syntax=docker/dockerfile:1
# One image for the workers, the gRPC service and the ops CLI: they differ only by command
# (see docker-compose.yml). The TypeScript sources run through tsx, as in development.

ARG NODE_VERSION=20

# --- dependencies: hnswlib-node is compiled by node-gyp at install time, so this stage has a toolchain
FROM node:${NODE_VERSION}-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# tsx is a devDependency and runs the sources, so dev dependencies are kept
RUN npm ci --no-audit --no-fund

# --- runtime: same base (same glibc for the compiled addon), no toolchain, non-root
FROM node:${NODE_VERSION}-slim
ENV MARQUEE_DATA_DIR=/data/raw \
    MARQUEE_ARTIFACTS_DIR=/data/artifacts \
    MARQUEE_MODEL_DIR=/models \
    MARQUEE_GRPC_ADDR=0.0.0.0:50051 \
    REDIS_URL=redis://redis:6379
WORKDIR /app
# mount points, owned by the unprivileged `node` user of the base image (a new named volume takes
# this ownership, so the non-root workers can write artifacts into it)
RUN mkdir -p /data/raw /data/artifacts /models && chown -R node:node /data /models
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY proto ./proto
COPY pipeline ./pipeline
COPY workers ./workers
COPY service ./service
USER node
VOLUME ["/data/artifacts"]
EXPOSE 50051
# node directly (not npm) so SIGTERM reaches the process: the service drains in-flight calls, the
# workers let their active job finish
CMD ["node", "--import", "tsx", "service/main.ts"]
