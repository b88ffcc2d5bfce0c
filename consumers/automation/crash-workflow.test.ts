import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkflowRun } from '../../schemas/automation.js';
import { startHookReceiver } from './testing/hook-receiver.js';

const child = join(import.meta.dirname, 'testing', 'workflow-child.ts');
/** the workflow secret in workflow-child.ts */
const secret = 'whsec_Y3Jhc2gtdGVzdC1zZWNyZXQtY3Jhc2gtdGVzdA==';

function run(args: readonly string[], onStart: (pid: number) => void = () => {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (proc.pid !== undefined) onStart(proc.pid);
  let stdout = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout })),
  );
}

describe('a workflow killed with -9 between steps', () => {
  it('resumes at the step it was on after a restart: every step delivered once, verified by standardwebhooks', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-automation-crash-'));
    let victim = 0;
    let killedOn: { id: string } | null = null;
    // Step 3's request kills the runner by PID before any answer: steps 1–2 are done, step 3 never learns its outcome.
    const receiver = await startHookReceiver(secret, (hook) => {
      if (killedOn !== null || hook.path !== '/step-3') return true;
      killedOn = { id: hook.headers['webhook-id'] ?? '' };
      process.kill(victim, 'SIGKILL');
      return false;
    });
    try {
      const crashed = await run([dataDir, receiver.url, 'start'], (pid) => {
        victim = pid;
      });
      expect(crashed.signal).toBe('SIGKILL');
      expect(receiver.received.map((hook) => hook.path)).toEqual(['/step-1', '/step-2']);

      const resumed = await run([dataDir, receiver.url, 'resume']);
      expect(resumed.code).toBe(0);
      const settled = JSON.parse(resumed.stdout) as WorkflowRun;
      expect(settled.status).toBe('succeeded');
      expect(settled.steps.map((step) => [step.name, step.status, step.responseCode])).toEqual([
        ['step-1', 'succeeded', 204],
        ['step-2', 'succeeded', 204],
        ['step-3', 'succeeded', 204],
        ['step-4', 'succeeded', 204],
      ]);
      // each step reached the receiver once, signed per Standard Webhooks (verified by the package)
      expect(receiver.received.map((hook) => hook.path)).toEqual([
        '/step-1',
        '/step-2',
        '/step-3',
        '/step-4',
      ]);
      expect(receiver.received.every((hook) => hook.verified !== null)).toBe(true);
      const ids = receiver.received.map((hook) => hook.headers['webhook-id']);
      expect(new Set(ids).size).toBe(4);
      // the interrupted step was sent again under the same idempotency key (`<run>.<step>` as webhook-id)
      expect(ids[2]).toBe((killedOn as { id: string } | null)?.id);
    } finally {
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
