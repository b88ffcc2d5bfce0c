import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { parseEnv } from '../../schemas/env.js';
import { runFileIngest } from './ingest.js';
import { runReplay } from './replay.js';
import { printRuns } from './runs.js';

// Real Binance USDⓈ-M BTCUSDT trades, 23:54:16 → 23:59:59 UTC (../shared/data/README.md)
const umTrades = fileURLToPath(
  new URL(
    '../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('nexural replay and nexural runs on the embedded log stored in NEXURAL_DATA_DIR', () => {
  it('replays what `nexural ingest` recorded into a run namespace, prints a summary, and lists the run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nexural-replay-cli-'));
    const env = { ...parseEnv({ NEXURAL_DATA_DIR: dataDir }), NEXURAL_PARTITIONS: 2 };
    const signal = new AbortController().signal;
    await runFileIngest(
      {
        file: umTrades,
        format: 'binance-trades',
        venue: 'binance-um',
        persist: true,
        intervals: '1m',
        indicators: '',
        progress: false,
      },
      env,
      sink().stream,
      signal,
    );
    const out = sink();
    const options = {
      run: 'minutes-56-57',
      from: '2024-08-08T23:56:00Z',
      to: '2024-08-08T23:58:00Z',
      intervals: '1m',
      indicators: '',
      firstBar: 'keep' as const,
      progress: false,
    };
    const summary = await runReplay(options, env, out.stream, signal);
    // Binance's 23:56 and 23:57 klines count 1,992 and 4,717 trades (binance_um_BTCUSDT_klines_1m…csv)
    expect(summary.counts).toMatchObject({ ticks: 6709, finalBars: 1, deadLetters: 0 });
    const lines = out.text().split('\n');
    expect(lines[0]).toBe(
      `nexural replay: run minutes-56-57 · 2024-08-08T23:56:00Z → 2024-08-08T23:58:00Z · embedded log in ${dataDir}`,
    );
    expect(lines[1]).toBe('  final bars only (default at this speed; --forming-bars all|none|N)');
    expect(lines[4]).toMatch(/^ {2}ticks 6,709 · bars 1 \(final 1\) · indicators 0 · alerts 0 · DLQ 0 · /);

    const again = sink();
    const every = await runReplay(
      { ...options, run: 'again', formingBars: 'all' },
      env,
      again.stream,
      signal,
    );
    expect(every.reusedSlice).toBe(true);
    // the 6,709 trades update the forming 23:56 and 23:57 bars once each; 23:56 is then final
    expect(every.counts).toMatchObject({ ticks: 6709, bars: 6709 + 1, finalBars: 1 });
    expect(again.text().split('\n')[1]).toBe('  forming bars: every update');

    const listed = sink();
    const log = createEmbeddedLog({ dataDir: join(dataDir, 'log') });
    try {
      expect(await printRuns(log, listed.stream)).toBe(2);
    } finally {
      await log.close();
    }
    const [header, ...rows] = listed.text().trimEnd().split('\n');
    expect(header).toMatch(/^run +status +created \(UTC\) +range +ticks +bars +forming +alerts +duration$/);
    expect(rows.map((row) => [...row.split(/ {2,}/).slice(0, 2), ...row.split(/ {2,}/).slice(4, 7)])).toEqual(
      [
        ['again', 'done', '6,709', '6,710', 'all'],
        ['minutes-56-57', 'done', '6,709', '1', 'none'],
      ],
    );
    expect(rows[1]).toContain('0:0-21313 2024-08-08T23:56:00Z→2024-08-08T23:58:00Z');
  }, 60_000);

  it('refuses a run name that is not a topic namespace and a time without a zone', async () => {
    const env = { ...parseEnv({ NEXURAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'nexural-replay-cli-')) }) };
    const signal = new AbortController().signal;
    await expect(runReplay({ run: 'My Run' }, env, sink().stream, signal)).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      message: expect.stringContaining('--run'),
    });
    await expect(
      runReplay({ run: 'x', from: '2024-08-08 23:56' }, env, sink().stream, signal),
    ).rejects.toMatchObject({ message: expect.stringContaining('--from "2024-08-08 23:56" is neither') });
    await expect(
      runReplay({ run: 'x', formingBars: 'some' }, env, sink().stream, signal),
    ).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      message: '--forming-bars "some": expected all, none, or a whole number of ms of event time (e.g. 1000)',
    });
  });
});
