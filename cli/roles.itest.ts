import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../test/stack-env.js';
import { onCleanup } from '../test/unique.js';
import { runBars } from './commands/bars.js';

// Real data (../shared/data/README.md): 21,313 Binance USDⓈ-M BTCUSDT trades, 2024-08-08 23:54:16 → 23:59:59.
const TRADES = fileURLToPath(
  new URL(
    '../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);
const CLI = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Role {
  readonly name: string;
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function startRole(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Role {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: 'pipe' });
  const role: Role = {
    name,
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    role.output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    role.output += chunk.toString();
  });
  return role;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null> | T | null,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const matchIn = (role: Role, pattern: RegExp) => role.output.match(pattern)?.[1] ?? null;
const status = async (url: string) => (await fetch(url).catch(() => null))?.status ?? null;

describe('one process per role on the real stack', () => {
  it('processor (run), sink, API (serve --no-pipeline) and consumers (consumers run) as separate processes: real trades in, the same bars out of the API', async () => {
    const stack = stackEnv();
    const suffix = randomBytes(4).toString('hex');
    const venue = `itest-roles-${suffix}`;
    const namespace = `roles${suffix}`;
    const database = `itest_roles_${suffix}`;

    // A database of its own on the stack's TimescaleDB (dropped at the end).
    const admin = new pg.Client({ connectionString: stack.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    onCleanup(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });
    const databaseUrl = new URL(stack.DATABASE_URL);
    databaseUrl.pathname = `/${database}`;
    const inDatabase = new pg.Client({ connectionString: databaseUrl.toString() });
    await inDatabase.connect();
    await inDatabase.query('CREATE EXTENSION IF NOT EXISTS timescaledb').catch(() => undefined);
    await inDatabase.end();

    // Topics this test creates are deleted at the end; the shared raw topic only if it did not exist before.
    const kafka = new Kafka({ brokers: stack.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const topicsBefore = new Set(await kafkaAdmin.listTopics());
    onCleanup(async () => {
      const created = (await kafkaAdmin.listTopics()).filter(
        (topic) => !topicsBefore.has(topic) && (topic.includes(namespace) || topic.startsWith('nexural.')),
      );
      if (created.length > 0) await kafkaAdmin.deleteTopics({ topics: created }).catch(() => undefined);
      await kafkaAdmin.disconnect();
    });

    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-roles-'));
    onCleanup(() => rm(dataDir, { recursive: true, force: true }));
    const apiPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: stack.SCHEMA_REGISTRY_URL,
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: stack.REDIS_URL,
      NEXURAL_DATA_DIR: dataDir,
      NEXURAL_PARTITIONS: '2',
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      API_JWT_SECRET: 'roles-itest-secret-roles-itest-secret-0123',
      // the processor's transactions, as the caller chose them (unset: the default)
      ...(process.env.NEXURAL_PROCESSOR_TRANSACTIONS === undefined
        ? {}
        : { NEXURAL_PROCESSOR_TRANSACTIONS: process.env.NEXURAL_PROCESSOR_TRANSACTIONS }),
    };

    const roles: Role[] = [];
    onCleanup(async () => {
      for (const role of roles) if (role.child.exitCode === null) role.child.kill('SIGKILL');
    });
    const processor = startRole(
      'processor',
      [
        'run',
        '--namespace',
        namespace,
        '--group',
        `${namespace}-processor`,
        '--intervals',
        '1m',
        '--indicators',
        'sma(3)',
        '--health-port',
        '0',
        '--idle-finalize-ms',
        '2000',
        '--status-every',
        '60',
      ],
      env,
    );
    roles.push(processor);
    const describeRoles = () => roles.map((role) => `--- ${role.name}:\n${role.output}`).join('\n');
    const processorHealth = await waitFor('the processor', () =>
      matchIn(processor, /health (http:\S+)\/ready/),
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${describeRoles()}`)));
    // The processor creates the topics and registers the schemas first; the others find them.
    const sink = startRole(
      'sink',
      ['sink', '--namespace', namespace, '--group', `${namespace}-sink`, '--health-port', '0'],
      env,
    );
    roles.push(sink);
    const api = startRole('api', ['serve', '--no-pipeline', '--issue-key', 'alice'], env);
    roles.push(api);
    const consumers = startRole(
      'consumers',
      [
        'consumers',
        'run',
        'alert-log',
        '--namespace',
        namespace,
        '--health-port',
        '0',
        '--config',
        `alert-log=${JSON.stringify({ path: join(dataDir, 'alert-log.jsonl') })}`,
      ],
      env,
    );
    roles.push(consumers);

    const sinkHealth = await waitFor('the sink', () => matchIn(sink, /health (http:\S+)\/ready/)).catch(
      (error: Error) => Promise.reject(new Error(`${error.message}\n${describeRoles()}`)),
    );
    const apiKey = await waitFor('the API', () => matchIn(api, /\(shown once\): (nxr_\S+)/));
    expect(await status(`${processorHealth}/ready`)).toBe(200);
    expect(await status(`${sinkHealth}/ready`)).toBe(200);
    expect(await status(`http://127.0.0.1:${apiPort}/ready`)).toBe(200);
    // the consumers role is ready once it is in its group (its alert flow is the consumer fault case's subject)
    const consumersHealth = await waitFor('the consumers', () =>
      matchIn(consumers, /health (http:\S+)\/ready/),
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${describeRoles()}`)));
    await waitFor('the consumers /ready', async () =>
      (await status(`${consumersHealth}/ready`)) === 200 ? true : null,
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${describeRoles()}`)));

    const ingest = startRole(
      'ingest',
      [
        'ingest',
        '--file',
        TRADES,
        '--format',
        'binance-trades',
        '--venue',
        venue,
        '--symbol',
        'BTCUSDT',
        '--speed',
        'max',
      ],
      env,
    );
    roles.push(ingest);
    expect(await ingest.exited, ingest.output).toBe(0);

    // What the pure engine makes of the same file: the final 1m bars.
    let csv = '';
    const out = new PassThrough().on('data', (chunk: Buffer) => {
      csv += chunk.toString();
    });
    await runBars(
      { trades: TRADES, format: 'binance-trades', interval: ['1m'], venue, symbol: 'BTCUSDT' },
      out,
      new PassThrough(),
    );
    const expected = csv
      .trim()
      .split('\n')
      .filter((line) => /^\d/.test(line))
      .map((line) => line.split(',').map(Number));
    expect(expected.length).toBeGreaterThanOrEqual(5);

    type ApiBar = {
      openTime: number;
      open: number;
      high: number;
      low: number;
      close: number;
      trades: number;
      final: boolean;
    };
    const url = `http://127.0.0.1:${apiPort}/v1/markets/${venue}/BTCUSDT/bars/1m?from=2024-08-08T23:50:00Z&to=2024-08-09T00:00:00Z&final=true`;
    const bars = await waitFor(
      'final bars through the API',
      async () => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
        if (response.status !== 200) return null;
        const items = ((await response.json()) as { items: ApiBar[] }).items;
        return items.length >= 4 ? items : null;
      },
      180_000,
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${describeRoles()}`)));
    // Every final bar the API serves is the engine's bar for that minute (the last minutes finalise later).
    const expectedByOpenTime = new Map(expected.map((row) => [row[0], row]));
    expect(bars.map((bar) => [bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.trades])).toEqual(
      bars.map((bar) => {
        const [openTime, open, high, low, close, , , trades] = expectedByOpenTime.get(bar.openTime) ?? [];
        return [openTime, open, high, low, close, trades];
      }),
    );
    expect(bars.every((bar) => expectedByOpenTime.has(bar.openTime))).toBe(true);

    // SIGTERM: every role drains and exits 0.
    for (const role of [processor, sink, api, consumers]) role.child.kill('SIGTERM');
    const codes = await Promise.all([processor, sink, api, consumers].map((role) => role.exited));
    expect(codes, describeRoles()).toEqual([0, 0, 0, 0]);
    expect(sink.output).toContain('nexural sink: stopping');
    expect(api.output).toContain('nexural serve: stopping');
  }, 420_000);
});
