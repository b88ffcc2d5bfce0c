import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RoleState } from '../../../schemas/ports/role-health.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type HealthChange = RoleState & { readonly at: number; readonly role: string };

/**
 * A role in a child process (`node --import tsx <script> '<json config>'`) that prints `ready`, `health <json>`
 * lines and stops on SIGTERM: the crash test and the fault suite kill it with SIGKILL by its PID.
 */
export interface RoleChild {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** every health change the child printed, in order */
  readonly health: HealthChange[];
  /** stderr lines (warnings, the reason it failed) */
  readonly errors: string[];
  /** resolves at the first health change after now that matches */
  healthBecomes(status: RoleState['status'], timeoutMs: number): Promise<HealthChange>;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
  /** SIGKILL by PID, then wait for it to be gone */
  kill(): Promise<void>;
}

export function spawnRoleChild(script: string, config: unknown, say: (line: string) => void): RoleChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const health: HealthChange[] = [];
  const errors: string[] = [];
  const listeners = new Set<(change: HealthChange) => void>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') markReady();
      else if (line.startsWith('health ')) {
        const change = JSON.parse(line.slice('health '.length)) as HealthChange;
        health.push(change);
        say(`  ${change.role}: ${change.status}${'reason' in change ? ` (${change.reason})` : ''}`);
        for (const listener of listeners) listener(change);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.trimEnd().split('\n')) {
      errors.push(line);
      say(`  child: ${line}`);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    ready: Promise.race([ready, exited.then(() => {})]),
    exited,
    health,
    errors,
    healthBecomes(status, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`role health not "${status}" within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (change: HealthChange) => {
          if (change.status !== status) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(change);
        };
        listeners.add(listener);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
