import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgresStore } from '../../pipeline/store/postgres-store.js';
import type { OutgoingRecord, StreamLog } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A `nexural <role> … --health-port <n>` process, as a supervisor runs it. */
export interface CliRole {
  readonly process: ChildProcess;
  /** the /ready URL the role printed once it started; null when it exited first */
  readonly readyUrl: Promise<string | null>;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
  /** SIGKILL by PID, then wait for it to be gone */
  kill(): Promise<void>;
}

export function spawnCliRole(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  label: string,
  say: (line: string) => void,
): CliRole {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let found: (url: string | null) => void = () => {};
  const readyUrl = new Promise<string | null>((resolve) => {
    found = resolve;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.trimEnd().split('\n')) {
      const match = /health (http:\/\/\S+\/ready)/.exec(line);
      if (match?.[1]) found(match[1]);
      if (!line.includes('"logger":"kafkajs"')) say(`  ${label}: ${line}`);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => say(`  ${label}! ${chunk.trimEnd()}`));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => found(null));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    readyUrl,
    exited,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A database of its own on the shared PostgreSQL/TimescaleDB server (the server itself is never touched). */
export async function scratchDatabase(
  serverUrl: string,
  name: string,
  options: { readonly migrate?: boolean } = {},
): Promise<{ readonly url: string; drop(): Promise<void> }> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (options.migrate) {
    try {
      const store = await openPostgresStore({ connectionString: url.toString() });
      await store.migrate().finally(() => store.close());
    } catch (error) {
      await drop();
      throw error;
    }
  }
  return { url: url.toString(), drop };
}

/** The environment of a role process on the shared Kafka and a database of the case, JSON serdes, no Redis. */
export function roleEnv(brokers: readonly string[], databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: databaseUrl,
    NEXURAL_PARTITIONS: '2',
    API_HOST: '127.0.0.1',
  };
  delete env.SCHEMA_REGISTRY_URL;
  delete env.REDIS_URL;
  return env;
}

/** Deletes a case's groups and its namespace's derived topics (the raw topics are shared with everyone). */
export async function dropNamespace(log: StreamLog, namespace: string, groups: readonly string[]) {
  await log.admin.deleteGroups([...groups]).catch(() => {});
  await log.admin
    .deleteTopics(Object.values(topicNames(namespace)).filter((name) => name.includes(`.run.${namespace}.`)))
    .catch(() => {});
}

/** Sends `records` in batches of `perTick` every 250 ms (a steady load), calling `after(sent)` after each. */
export async function producePaced(
  log: StreamLog,
  records: readonly OutgoingRecord[],
  perTick: number,
  after: (sent: number) => void,
): Promise<void> {
  const producer = await log.createProducer();
  try {
    for (let from = 0; from < records.length; from += perTick) {
      await producer.send(records.slice(from, from + perTick));
      after(Math.min(records.length, from + perTick));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await producer.close();
  }
}
