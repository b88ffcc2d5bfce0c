import { describe, expect, it } from 'vitest';
import { ensureCatalog, type RunManifest, runKey, writeCatalog } from '../ingest/replay/run-catalog.js';
import { createEmbeddedLog } from './log/embedded-log.js';
import { catalogReplayRuns, replayRunOf } from './replay-run-reader.js';

const manifest = (run: string, status: RunManifest['status'], createdAt: string): RunManifest => ({
  run,
  status,
  createdAt,
  finishedAt: status === 'running' ? null : createdAt,
  request: { from: null, to: null, symbols: ['BTCUSDT'], speed: 'max' },
  range: { topic: 'nexural.trades.raw', partitions: [], fromUs: 1_723_161_256_322_000, toUs: null },
  slice: 'slice',
  rules: 'rules',
  engine: {},
  copied: 5,
  counts:
    status === 'running'
      ? null
      : { ticks: 5, bars: 2, finalBars: 1, indicators: 1, alerts: 1, deadLetters: 1 },
  durationMs: null,
  error: status === 'failed' ? 'broker went away' : null,
});

describe('catalogReplayRuns', () => {
  it('maps manifests to replay runs (done → succeeded, stopped → cancelled, µs → ms)', () => {
    expect(replayRunOf(manifest('a', 'done', '2026-11-20T10:00:00.000Z'))).toMatchObject({
      status: 'succeeded',
      fromTime: 1_723_161_256_322,
      recordsIn: 5,
      recordsOut: 5,
      startedAt: Date.UTC(2026, 10, 20, 10),
    });
    expect(replayRunOf(manifest('b', 'stopped', '2026-11-20T10:00:00.000Z')).status).toBe('cancelled');
    expect(replayRunOf(manifest('c', 'running', '2026-11-20T10:00:00.000Z'))).toMatchObject({
      recordsIn: 5,
      recordsOut: 0,
      finishedAt: null,
    });
  });

  it('pages newest first with ties broken by name, and refuses a foreign cursor', async () => {
    const log = createEmbeddedLog();
    await ensureCatalog(log);
    const same = '2026-11-21T00:00:00.000Z';
    for (const [run, at] of [
      ['x', same],
      ['y', same],
      ['old', '2026-11-01T00:00:00.000Z'],
    ] as const) {
      await writeCatalog(log, runKey(run), manifest(run, 'done', at));
    }
    const reader = catalogReplayRuns(log);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await reader.replayRuns({ limit: 1, cursor });
      names.push(...page.items.map((run) => run.namespace));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(names).toEqual(['y', 'x', 'old']);
    await expect(reader.replayRuns({ limit: 1, cursor: 'bm9wZQ' })).rejects.toMatchObject({
      code: 'NXR_BAD_VALUE',
    });
    await log.close();
  });
});
