import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { rawTradeSchema } from '../../schemas/tick.js';
import { topicNames } from '../../schemas/topics.js';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { readAll } from '../runtime/processor/testing/processor-test-kit.js';
import { runLiveFeed } from './live-feed-runner.js';

describe('runLiveFeed', () => {
  it('publishes the synthetic feed to the raw trades topic at its rate until stopped, with metrics on /metrics', async () => {
    const log = createEmbeddedLog();
    const live = topicNames();
    await log.admin.createTopics([
      { name: live.trades, partitions: 2, compacted: false },
      { name: live.quotes, partitions: 2, compacted: false },
    ]);
    const lines: string[] = [];
    const output = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trimEnd().split('\n'));
        done();
      },
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    await runLiveFeed(
      { kind: 'synthetic', symbols: ['3'], rate: 1000, seed: 5, metricsPort: 0, statusEveryMs: 100 },
      log,
      output,
      stop.signal,
    );
    const records = (await readAll(log, live.trades, 100)).flat();
    // 1,000 ticks/s for about 0.3 s (bounds loose: the machine is shared)
    expect(records.length).toBeGreaterThan(100);
    expect(records.length).toBeLessThan(2000);
    const ticks = records.map((record) => rawTradeSchema.parse(JSON.parse(String(record.value))));
    expect(new Set(ticks.map((tick) => tick.symbol))).toEqual(new Set(['SYN00001', 'SYN00002', 'SYN00003']));
    expect(lines[0]).toMatch(/^ {2}metrics on http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(lines[1]).toBe('nexural ingest: synthetic GBM feed, 3 symbols at 1,000 ticks/s (seed 5)');
    expect(lines.some((line) => / {2}\d+ ticks published/.test(line))).toBe(true);
    await log.close();
  });

  it('asks for symbols for an exchange feed', async () => {
    const log = createEmbeddedLog();
    await expect(
      runLiveFeed(
        { kind: 'binance', symbols: [], rate: 1, seed: 1 },
        log,
        new Writable(),
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      message: '--symbols is required for the binance feed',
    });
    await log.close();
  });
});
