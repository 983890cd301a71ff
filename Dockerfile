FROM node:24-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@10.34.8
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages ./packages
COPY services ./services
RUN pnpm install --frozen-lockfile
COPY . .
ENV NODE_ENV=production
RUN mkdir -p /data/blobs && chown -R node /data /app
USER node
CMD ["pnpm", "start"]
