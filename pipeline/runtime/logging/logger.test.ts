import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiHarness,
  bearer,
  openApiHarness,
  pgliteTestDatabase,
} from '../../../api/testing/api-harness.js';
import { commandLogger } from '../../../cli/command-logger.js';
import { parseEnv } from '../../../schemas/env.js';
import { createLogger, redactUrl } from './logger.js';

/** A destination that keeps every line written to it. */
function memory(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, text };
}

describe('the logger factory', () => {
  it('honours NEXURAL_LOG_LEVEL: warn drops info and keeps warn; debug keeps debug', () => {
    const quiet = memory();
    const warnOnly = commandLogger('run', parseEnv({ NEXURAL_LOG_LEVEL: 'warn' }), quiet.stream);
    warnOnly.info('an info line');
    warnOnly.warn('a warning');
    expect(quiet.lines().map((line) => [line.level, line.msg, line.name])).toEqual([
      [40, 'a warning', 'run'],
    ]);

    const chatty = memory();
    const debug = commandLogger('run', parseEnv({ NEXURAL_LOG_LEVEL: 'debug' }), chatty.stream);
    debug.debug('a debug line');
    expect(chatty.lines().map((line) => line.msg)).toEqual(['nexural run starting', 'a debug line']);
    expect(parseEnv({}).NEXURAL_LOG_LEVEL).toBe('info');
  });

  it('writes the services it uses on start, with the passwords of their URLs redacted', () => {
    const out = memory();
    commandLogger(
      'serve',
      parseEnv({
        NEXURAL_LOG_LEVEL: 'debug',
        DATABASE_URL: 'postgres://nexural:s3cret-pw@127.0.0.1:5432/nexural',
        REDIS_URL: 'redis://:redis-pw@127.0.0.1:6379',
      }),
      out.stream,
    );
    expect(out.text()).not.toContain('s3cret-pw');
    expect(out.text()).not.toContain('redis-pw');
    expect(out.lines()[0]).toMatchObject({
      msg: 'nexural serve starting',
      database: 'postgres://nexural:[redacted]@127.0.0.1:5432/nexural',
      redis: 'redis://:[redacted]@127.0.0.1:6379',
      kafka: 'embedded',
    });
  });

  it('redacts secrets in logged objects and URLs', () => {
    const out = memory();
    const logger = createLogger({ level: 'info', name: 'test', destination: out.stream });
    logger.info(
      {
        config: { password: 'pw-1', apiKey: 'nxr_x' },
        token: 'jwt-1',
        headers: { authorization: 'Bearer b' },
      },
      'config',
    );
    expect(out.text()).not.toMatch(/pw-1|nxr_x|jwt-1|Bearer b/);
    expect(redactUrl('/v1/live?token=abc.def&x=1')).toBe('/v1/live?token=[redacted]&x=1');
    expect(redactUrl('http://127.0.0.1:8080/v1/symbols')).toBe('http://127.0.0.1:8080/v1/symbols');
  });
});

describe('API request logs through the process logger', () => {
  const out = memory();
  let harness: ApiHarness;
  beforeAll(async () => {
    const logger = createLogger({ level: 'info', name: 'serve', destination: out.stream });
    harness = await openApiHarness(pgliteTestDatabase, { logger: logger.child({ role: 'api' }) });
  }, 60_000);
  afterAll(async () => {
    await harness.close();
  }, 60_000);

  it('logs each request and its response, never an API key or a session token', async () => {
    const key = harness.keys.alice;
    expect((await harness.app.inject({ url: '/v1/symbols', headers: bearer(key) })).statusCode).toBe(200);
    expect((await harness.app.inject({ url: '/v1/symbols', headers: { 'x-api-key': key } })).statusCode).toBe(
      200,
    );
    const session = await harness.app.inject({ method: 'POST', url: '/v1/session', headers: bearer(key) });
    const token = session.json().token as string | undefined;
    await harness.app.inject({ url: `/v1/live?token=${token ?? key}` });
    await harness.app.inject({ url: `/v1/live?token=${key}` });
    await harness.app.inject({ url: '/v1/symbols', headers: { 'x-api-key': `${key.slice(0, -1)}X` } });

    const lines = out.lines();
    const requests = lines.filter((line) => line.msg === 'incoming request');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((line) => line.msg === 'request completed').length).toBeGreaterThanOrEqual(5);
    expect(requests[0]).toMatchObject({
      name: 'serve',
      role: 'api',
      req: { method: 'GET', url: '/v1/symbols' },
    });
    const text = out.text();
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4, 40)); // not even most of one
    if (token) expect(text).not.toContain(token);
    expect(text).toContain('/v1/live?token=[redacted]');
  });
});
