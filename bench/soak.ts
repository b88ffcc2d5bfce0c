/**
 * npm run bench:soak — the main job (`npm start`: `serve --demo` on embedded defaults) in a child process on a
 * scratch NEXURAL_DATA_DIR and a free port, for N minutes; every minute it scrapes the child's /metrics and
 * prints RSS, heap used and event-loop delay (prom-client's default metrics). Printed, never asserted.
 *
 *   npm run bench:soak -- [--minutes 10]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mib, printTable } from './bench-table.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`--minutes must be a whole number ≥ 1`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Values of unlabelled samples in a Prometheus text exposition. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) found.set(match[1], Number(match[2]));
  }
  return found;
}

const dataDir = mkdtempSync(join(tmpdir(), 'nexural-soak-'));
const port = await freePort();
const root = fileURLToPath(new URL('..', import.meta.url));
// embedded defaults: no external service even when the caller's shell points at the stack
const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXURAL_DATA_DIR: dataDir, API_HOST: '127.0.0.1' };
childEnv.API_PORT = String(port);
for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'DATABASE_URL'])
  delete childEnv[name];
const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--demo'], {
  cwd: root,
  env: childEnv,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

const scrape = async (): Promise<Map<string, number> | null> => {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return response.ok ? samples(await response.text()) : null;
  } catch {
    return null;
  }
};

const rows: Record<string, string | number>[] = [];
const startedAt = Date.now();
try {
  for (let minute = 1; minute <= minutes; minute += 1) {
    const due = startedAt + minute * 60_000;
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), due - Date.now())),
    ]);
    if (stopped) throw new Error(`serve exited early (code ${String(child.exitCode)})`);
    const metrics = await scrape();
    const value = (name: string) => metrics?.get(`nexural_api_${name}`) ?? Number.NaN;
    rows.push({
      minute,
      'RSS MiB': mib(value('process_resident_memory_bytes')),
      'heap used MiB': mib(value('nodejs_heap_size_used_bytes')),
      'loop delay p50 ms': value('nodejs_eventloop_lag_p50_seconds') * 1000,
      'loop delay p99 ms': value('nodejs_eventloop_lag_p99_seconds') * 1000,
      'loop delay max ms': value('nodejs_eventloop_lag_max_seconds') * 1000,
    });
    process.stdout.write(`minute ${minute}: ${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
printTable(`serve --demo on embedded defaults, ${minutes} min (scrapes of /metrics, one a minute)`, rows);
