import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { parseEnv } from '../schemas/env.js';
import { runSink } from './commands/sink.js';
import { startRoleHealth } from './role-health.js';

it('answers /health always, /ready 200 when every check passes, 503 naming the failing ones, 503 while draining', async () => {
  let storeUp = true;
  const health = await startRoleHealth({
    role: 'sink',
    host: '127.0.0.1',
    port: 0,
    checks: [
      { name: 'stream-log', check: async () => [] },
      {
        name: 'store',
        check: async () => {
          if (!storeUp) throw new Error('connection refused');
        },
      },
    ],
  });
  try {
    const get = async (path: string) => {
      const response = await fetch(`${health.url}${path}`);
      return { status: response.status, body: await response.json() };
    };
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok', role: 'sink' } });
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', role: 'sink' } });
    storeUp = false;
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { status: 'not ready', role: 'sink', failing: ['store: connection refused'] },
    });
    storeUp = true;
    health.draining();
    expect(await get('/ready')).toEqual({ status: 503, body: { status: 'draining', role: 'sink' } });
    expect((await get('/health')).status).toBe(200);
  } finally {
    await health.close();
  }
});

it('nexural sink refuses the embedded log: the sink of one process runs inside `nexural serve`', async () => {
  const env = parseEnv({ NEXURAL_DATA_DIR: '/nonexistent' });
  await expect(runSink({}, env, new PassThrough(), new AbortController().signal)).rejects.toThrow(
    /nexural sink reads the derived topics from Kafka: set KAFKA_BROKERS/,
  );
});
