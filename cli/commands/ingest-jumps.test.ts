import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nexural-ingest-jumps-'));
const symbols = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT', 'DDDUSDT'];
const DAY = 86_400_000;
const JUNE = Date.UTC(2024, 5, 1);

/** A csv trades file: `rows` of [time ms, symbol]. */
function tradesFile(name: string, rows: readonly (readonly [number, string])[]): string {
  const path = join(dir, name);
  const lines = rows.map(([time, symbol], index) => `${time},100.5,1,buy,${index + 1},${symbol}`);
  writeFileSync(path, `time,price,size,side,trade_id,symbol\n${lines.join('\n')}\n`);
  return path;
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** the child's peak resident set (VmHWM), kB, as last read from /proc */
  readonly peakRssKb: number;
}

/** `nexural ingest` as a child process on the embedded log; `onStdout` sees its output as it comes. */
function ingest(file: string, onStdout: (text: string, pid: number) => void = () => {}): Promise<Finished> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'ingest', '--file', file, '--format', 'csv'],
    {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_BROKERS: '', NEXURAL_DATA_DIR: join(dir, `data-${Math.random()}`) },
    },
  );
  let stdout = '';
  let stderr = '';
  let peakRssKb = 0;
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakRssKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? peakRssKb);
    } catch {
      // exited between polls
    }
  }, 50);
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
    onStdout(stdout, child.pid ?? 0);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, peakRssKb });
    });
  });
}

/** stderr lines that are not pino records below warn (info and debug are the command's normal logging). */
const troubles = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return ((JSON.parse(line) as { level?: number }).level ?? 60) >= 40;
      } catch {
        return true;
      }
    });

const count = (stdout: string, what: string) =>
  Number((new RegExp(`${what} ([\\d,]+)`).exec(stdout)?.[1] ?? 'NaN').replaceAll(',', ''));

describe('nexural ingest of trades far apart in event time (child process, embedded log)', () => {
  it('processes 8 trades of 4 symbols 180 days apart with at most maxFlatBars bars per series', async () => {
    const file = tradesFile('jump8.csv', [
      ...symbols.map((symbol) => [JUNE, symbol] as const),
      ...symbols.map((symbol) => [JUNE + 180 * DAY, symbol] as const),
    ]);
    const run = await ingest(file);
    expect(troubles(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(count(run.stdout, 'ticks')).toBe(8);
    // 4 symbols × 3 intervals (1m, 5m, 1h) × (1440 flat bars + the bar after the jump); before: 315,360
    expect(count(run.stdout, 'bars')).toBeLessThanOrEqual(4 * 3 * 1442);
    expect(count(run.stdout, 'indicators')).toBeLessThanOrEqual(6 * 4 * 3 * 1442);
    // before: still running after 12 minutes at 4 GB
    expect(run.peakRssKb).toBeGreaterThan(0);
    expect(run.peakRssKb).toBeLessThan(800 * 1024);
  }, 180_000);

  it('honours SIGTERM while the pipeline catches up: drains, reports and exits by itself', async () => {
    // a jump, then 60,000 trades the pipeline processes in slices after the file is published
    const rows: (readonly [number, string])[] = symbols.map((symbol) => [JUNE, symbol] as const);
    for (let i = 0; i < 60_000; i++) rows.push([JUNE + 180 * DAY + i * 10, symbols[i % 4] ?? 'AAAUSDT']);
    const file = tradesFile('jump-then-many.csv', rows);
    let signalled = false;
    const run = await ingest(file, (stdout, pid) => {
      if (!signalled && stdout.includes('published')) {
        signalled = true;
        process.kill(pid, 'SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/processed: ticks [\d,]+/);
    expect(count(run.stdout, 'ticks')).toBeLessThanOrEqual(60_004);
    expect(run.peakRssKb).toBeLessThan(800 * 1024);
  }, 180_000);
});
