# Nexural app image (used by docker-compose.yml). TypeScript runs through tsx, as `npm start` does locally.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV API_HOST=0.0.0.0 API_PORT=8080
EXPOSE 8080
CMD ["npm", "start"]
