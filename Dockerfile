# Baosong on Node 24 LTS. Two stages: `build` has every dependency and compiles dist/;
# the final image has production dependencies, dist/, migrations/ and examples/ only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable pnpm
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages ./packages
COPY services ./services
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
RUN corepack enable pnpm
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
# The workspace's manifests: pnpm checks the lockfile against them.
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
RUN pnpm install --frozen-lockfile --prod && rm -rf /root/.local/share/pnpm /root/.cache
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY examples ./examples
RUN mkdir -p /data/blobs && chown -R node /data
USER node
ENTRYPOINT ["node", "/app/dist/baosong.js"]
CMD ["start"]
