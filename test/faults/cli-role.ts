import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

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
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
