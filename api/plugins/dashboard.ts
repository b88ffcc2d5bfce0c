import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The dashboard's files: next to the sources, also when running the compiled dist/ build. */
function publicFolder(): string {
  const candidates = ['../dashboard/public', '../../../api/dashboard/public'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const found = candidates.find((folder) => existsSync(join(folder, 'index.html')));
  if (!found) throw new Error(`dashboard files not found in ${candidates.join(' or ')}`);
  return found;
}

/** lightweight-charts' standalone build from node_modules: installed with the app, never fetched from a CDN. */
const chartsFolder = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json')), 'dist');

/** The live dashboard at `/` (static files; its data comes from /v1 and /v1/live). */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: publicFolder(), prefix: '/', index: 'index.html' });
  await app.register(fastifyStatic, {
    root: chartsFolder(),
    prefix: '/vendor/lightweight-charts/',
    decorateReply: false,
    allowedPath: (path) => path === '/lightweight-charts.standalone.production.js',
  });
}
