import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Private service instances for the fault suite: a Kafka broker, a Redis and a PostgreSQL (+ TimescaleDB)
 * of its own, on free ports and in temporary data folders, started from the same cached builds that
 * scripts/stack-*.sh use. The fault suite kills and restarts these by PID — never the shared stack, which
 * other engineers and CI use at the same time.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MACHINE_CACHE = process.env.NEXURAL_STACK_MACHINE_CACHE ?? '/var/cache/nexural-stack';
const KAFKA_VERSION = process.env.NEXURAL_STACK_KAFKA_VERSION ?? '4.4.0';
const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs: number, child: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} while starting`);
    if (await ready()) return;
    await sleep(200);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A server process this suite started: kill -9 it, start it again on the same port and data, stop it. */
export interface PrivateService {
  readonly name: string;
  readonly port: number;
  /** the URL or broker list clients use */
  readonly address: string;
  pid(): number | undefined;
  /** SIGKILL, waiting until the process is gone */
  kill(): Promise<void>;
  /** starts it (again) on the same port and data folder; resolves once it answers */
  start(): Promise<void>;
  /** stops it for good and removes its data folder (`keep`: leaves the folder, its logs included) */
  stop(keep?: boolean): Promise<void>;
  /** its data folder (the server's log file `<name>.log` in it) */
  readonly dir: string;
}

/** A private broker that can describe its transaction state (a failed case's evidence). */
export interface PrivateKafka extends PrivateService {
  /**
   * `KafkaState.java` on it: transactions not complete, and per partition of `topics` the end offset, the
   * last stable offset and the open transactions' producers. stdout + stderr.
   */
  transactionState(topics: readonly string[], partitions: number): Promise<string>;
}

interface ServerSpec {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  readonly dir: string;
  readonly command: () => { readonly file: string; readonly args: readonly string[]; readonly uid?: number };
  readonly ready: () => Promise<boolean>;
  readonly beforeStart?: () => void;
  readonly startTimeoutMs: number;
}

function managed(spec: ServerSpec): PrivateService {
  let child: ChildProcess | null = null;
  const exited = () =>
    new Promise<void>((resolve) => {
      if (child === null || child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  const service: PrivateService = {
    name: spec.name,
    port: spec.port,
    address: spec.address,
    dir: spec.dir,
    pid: () => child?.pid,
    async kill() {
      child?.kill('SIGKILL');
      await exited();
      child = null;
    },
    async start() {
      spec.beforeStart?.();
      const { file, args, uid } = spec.command();
      const logFile = openSync(join(spec.dir, `${spec.name}.log`), 'a');
      child = spawn(file, [...args], {
        cwd: spec.dir,
        stdio: ['ignore', logFile, logFile],
        ...(uid === undefined ? {} : { uid, gid: uid }),
      });
      const started = child;
      await waitFor(spec.name, spec.ready, spec.startTimeoutMs, started);
    },
    async stop(keep = false) {
      if (child !== null) {
        child.kill('SIGTERM');
        const done = exited();
        const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
        await done;
        clearTimeout(timer);
        child = null;
      }
      if (!keep) rmSync(spec.dir, { recursive: true, force: true });
    },
  };
  return service;
}

/** A single-node KRaft broker from the cached Kafka jars (scripts/stack-kafka.sh builds them). */
export async function privateKafka(
  /** broker settings beside scripts/kafka/server.properties' (a test's own) */
  settings: Readonly<Record<string, string>> = {},
): Promise<PrivateKafka> {
  const libs = [
    join(repoRoot, '.stack/cache', `kafka-${KAFKA_VERSION}`),
    join(MACHINE_CACHE, `kafka-${KAFKA_VERSION}`),
  ]
    .map((dir) => join(dir, 'libs'))
    .find((dir) => existsSync(dir));
  if (libs === undefined)
    throw new Error(`no cached Kafka ${KAFKA_VERSION} jars: run \`npm run stack\` once`);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'nexural-fault-kafka-'));
  const properties = join(dir, 'server.properties');
  const template = execFileSync('cat', [join(repoRoot, 'scripts/kafka/server.properties')], {
    encoding: 'utf8',
  });
  writeFileSync(
    properties,
    template
      .replaceAll('@PORT@', String(port))
      .replaceAll('@CONTROLLER_PORT@', String(controllerPort))
      .replaceAll('@DATA_DIR@', join(dir, 'data'))
      .concat(
        Object.entries(settings)
          .map(([name, value]) => `\n${name}=${value}`)
          .join(''),
        '\n',
      ),
  );
  const javaOptions = [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(repoRoot, 'scripts/kafka/log4j2.xml')}`,
    '-cp',
    `${libs}/*`,
  ];
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  execFileSync(
    'java',
    [
      ...javaOptions,
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '--cluster-id',
      clusterId,
      '--config',
      properties,
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const { Kafka, logLevel } = await import('kafkajs');
  const address = `127.0.0.1:${port}`;
  const ready = async () => {
    if (!(await portAnswers(port))) return false;
    const admin = new Kafka({
      brokers: [address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
  const service = managed({
    name: 'kafka',
    port,
    address,
    dir,
    command: () => ({ file: 'java', args: [...javaOptions, 'kafka.Kafka', properties] }),
    ready,
    startTimeoutMs: 120_000,
  });
  const transactionState = async (topics: readonly string[], partitions: number): Promise<string> => {
    const source = join(repoRoot, 'test/faults/KafkaState.java');
    try {
      const { stdout, stderr } = await promisify(execFile)(
        'java',
        [...javaOptions, source, address, topics.join(','), String(partitions)],
        { cwd: dir, encoding: 'utf8', timeout: 90_000 },
      );
      return `${stdout}${stderr}`;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      return `${failed.stdout ?? ''}${failed.stderr ?? String(error)}`;
    }
  };
  return { ...service, transactionState };
}

/** Debian's redis-server, nothing persisted: a restart comes back empty, like the Redis restart. */
export async function privateRedis(): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nexural-fault-redis-'));
  return managed({
    name: 'redis',
    port,
    address: `redis://127.0.0.1:${port}`,
    dir,
    command: () => ({
      file: 'redis-server',
      args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    }),
    ready: () => portAnswers(port),
    startTimeoutMs: 20_000,
  });
}

/** PostgreSQL 15 with TimescaleDB preloaded, its own cluster (initdb) in a temporary folder. */
export async function privatePostgres(): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nexural-fault-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  // PostgreSQL refuses to run as root: as root, the server runs as the postgres user
  const uid =
    process.getuid?.() === 0
      ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
      : undefined;
  if (uid !== undefined) {
    chmodSync(dir, 0o755);
    chownSync(dir, uid, uid);
    chownSync(sockets, uid, uid);
  }
  execFileSync(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], {
    stdio: 'ignore',
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  const address = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  const ready = async () => {
    const client = new pg.Client({ connectionString: address, connectionTimeoutMillis: 1_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  };
  return managed({
    name: 'postgres',
    port,
    address,
    dir,
    // a kill -9 leaves postmaster.pid behind; its PID is ours and gone, so the file only blocks the restart
    beforeStart: () => rmSync(join(data, 'postmaster.pid'), { force: true }),
    command: () => ({
      file: `${PG_BIN}/postgres`,
      args: [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        sockets,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'shared_preload_libraries=timescaledb',
        '-c',
        'timescaledb.telemetry_level=off',
        '-c',
        'fsync=off',
      ],
      ...(uid === undefined ? {} : { uid }),
    }),
    ready,
    startTimeoutMs: 60_000,
  });
}
