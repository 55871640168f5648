FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libvirt-dev libvirt-clients pkg-config python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/vnfm
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
# npm ci builds vnfm's libvirt addon (the root package's install script), so its sources come first.
COPY libs/libvirt-native ./libs/libvirt-native
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
ENV UV_THREADPOOL_SIZE=16
# The executable's command line (apps/api/src/main.ts, first line): malloc's arenas and the V8 flags.
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--enable-source-maps", "--max-old-space-size=512", "--max-semi-space-size=2", "--compact-on-every-full-gc", "dist/apps/api/src/main.js"]
