# syntax=docker/dockerfile:1
# Rahnama: multi-stage build, small runtime image, non-root, healthcheck.
#   docker build -t rahnama .                                 (fetches the embedding model)
#   docker build --build-arg FETCH_MODEL=false -t rahnama .   (keyword search until a model is mounted)

# Node 22 LTS (Node 20 reached end of life in April 2026); the code and tests also run on Node 20.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: compile TypeScript, then keep only production dependencies ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- model: the embedding model, fetched once at build time (optional) ----------------------------
FROM build AS model
ARG FETCH_MODEL=true
ARG EMBEDDING_MODEL=Xenova/multilingual-e5-small
ARG EMBEDDING_DTYPE=q8
ENV MODELS_DIR=/app/models EMBEDDING_MODEL=${EMBEDDING_MODEL} EMBEDDING_DTYPE=${EMBEDDING_DTYPE}
RUN mkdir -p /app/models && if [ "$FETCH_MODEL" = "true" ]; then node dist/cli/model-fetch.js; fi

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    MODELS_DIR=/app/models \
    KNOWLEDGE_DIR=/app/knowledge \
    LOCALES_DIR=/app/locales
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=model --chown=node:node /app/models ./models
# Writable by the server: without DATABASE_URL the staff console publishes into this folder
# (mount a volume there to keep those edits; with DATABASE_URL it only seeds the database).
COPY --chown=node:node knowledge ./knowledge
COPY --chown=root:root locales ./locales
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
