import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLoopbackSmtp } from './testing/loopback-smtp.js';

const child = join(import.meta.dirname, 'testing', 'send-child.ts');

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

describe('newsletter send killed with -9 mid-send', () => {
  it('resumes after the crash: every recipient receives the edition exactly once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-newsletter-crash-'));
    const recipients = [
      'a@example.test',
      'b@example.test',
      'c@example.test',
      'd@example.test',
      'e@example.test',
    ];
    let victim = 0;
    let killed = false;
    // The third message kills the sender by PID while the SMTP transaction is open: it never learns the outcome.
    const smtp = await startLoopbackSmtp({
      beforeAccept: (_mail, accepted) => {
        if (killed || accepted !== 2) return true;
        killed = true;
        process.kill(victim, 'SIGKILL');
        return false;
      },
    });
    try {
      const crashed = await run([dataDir, smtp.url, recipients.join(',')], (pid) => {
        victim = pid;
      });
      expect(crashed.signal).toBe('SIGKILL');
      expect(smtp.received.map((mail) => mail.text)).toEqual([
        'hello a@example.test\n',
        'hello b@example.test\n',
      ]);

      const resumed = await run([dataDir, smtp.url, recipients.join(',')]);
      expect(resumed.code).toBe(0);
      const outcomes = JSON.parse(resumed.stdout) as { to: string; kind: string; attempt?: number }[];
      expect(outcomes.map((o) => [o.to, o.kind, o.attempt])).toEqual([
        ['a@example.test', 'already-sent', undefined],
        ['b@example.test', 'already-sent', undefined],
        ['c@example.test', 'sent', 2],
        ['d@example.test', 'sent', 1],
        ['e@example.test', 'sent', 1],
      ]);
      expect(smtp.received.map((mail) => mail.text)).toEqual(recipients.map((to) => `hello ${to}\n`));
    } finally {
      await smtp.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
