# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and build better-sqlite3's native addon.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY docs ./docs
# Key, history and the DLC outcome journal live on volumes owned by the unprivileged user, never in
# the image. The journal has a volume of its own: it must never be restored with an old key or data
# backup (docs/DLC.md), and the oracle refuses a journal inside either of them.
RUN groupadd --system oracle && useradd --system --gid oracle --home /var/lib/peer-stables oracle \
 && mkdir -p /var/lib/peer-stables/key /var/lib/peer-stables/data /var/lib/peer-stables/journal \
 && chown -R oracle:oracle /var/lib/peer-stables && chmod 700 /var/lib/peer-stables/key /var/lib/peer-stables/journal
COPY config/docker.json /etc/peer-stables/config.json
USER oracle
VOLUME ["/var/lib/peer-stables/key", "/var/lib/peer-stables/data", "/var/lib/peer-stables/journal"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["oracle", "--config", "/etc/peer-stables/config.json"]
