# Nexural app image (used by docker-compose.yml). TypeScript runs through tsx, as `npm start` does locally.
# Node 24 (LTS): Node 20, the project's floor, is past its end of life, and the processor on Kafka spent about
# half the GC time on 24 (bench/README.md, "bench:kafka on Node 24"). CI runs the main job and unit tests on both.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV API_HOST=0.0.0.0 API_PORT=8080
EXPOSE 8080
CMD ["npm", "start"]
