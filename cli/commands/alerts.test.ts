import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { publishFile } from '../../pipeline/ingest/file-ingest.js';
import { RawPublisher } from '../../pipeline/ingest/raw-publisher.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createProcessor } from '../../pipeline/runtime/processor/processor.js';
import {
  caughtUp,
  jsonSerdes,
  readAll,
  testTopics,
  topicSpecs,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import { isNexuralError } from '../../schemas/errors.js';
import { type AlertsOptions, alertsEngineConfig, readRulesFile, runAlerts } from './alerts.js';

// Real Binance spot ETHUSDT trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05 UTC (../shared/data/README.md);
// ETHUSDT traded 2,673.60–2,685.37 in them.
const ETH_TRADES = fileURLToPath(
  new URL(
    '../../../shared/data/binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
    import.meta.url,
  ),
);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const rules: AlertRuleInput[] = [
  {
    id: 'eth-2680-up',
    owner: 'alice',
    symbol: 'ETHUSDT',
    interval: '1m',
    source: { kind: 'price' },
    condition: { operator: 'crossing_up', value: 2680 },
    frequency: 'once_per_bar',
  },
  {
    id: 'eth-rsi-below-50',
    owner: 'alice',
    symbol: '*',
    interval: '1m',
    source: { kind: 'indicator', spec: 'rsi(5)' },
    condition: { operator: 'less_than', value: 50 },
    frequency: 'once_per_bar_close',
  },
  {
    id: 'eth-5s-channel',
    owner: 'bob',
    symbol: 'ETHUSDT',
    interval: '5s',
    source: { kind: 'price' },
    condition: { operator: 'exiting_channel', lower: 2676, upper: 2682 },
    frequency: 'every_time',
  },
];

const scratch = mkdtempSync(join(tmpdir(), 'nexural-alerts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const writeScratch = (name: string, value: unknown) => {
  const path = join(scratch, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

async function alertLines(options: AlertsOptions) {
  const chunks: string[] = [];
  const output = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const run = await runAlerts(options, output);
  const events = chunks
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AlertEvent);
  return { run, events };
}

/** The parts of an event a file run and a log run share: everything but where the trade was read. */
const withoutPosition = (event: AlertEvent) => {
  if (event.kind !== 'fired') return event;
  const { sourcePosition: _position, ...rest } = event;
  return rest;
};

describe('nexural alerts', () => {
  it('fires on real ETHUSDT trades the alerts the live pipeline fires on the same trades', async () => {
    const rulesFile = writeScratch('rules.json', rules);
    const { run, events } = await alertLines({
      trades: ETH_TRADES,
      format: 'binance-trades',
      rules: rulesFile,
    });
    expect(run.ticks).toBe(14_515);
    expect(run.fired + run.stopped).toBe(events.length);
    for (const rule of rules) {
      expect(events.filter((event) => event.ruleId === rule.id).length, rule.id).toBeGreaterThan(0);
    }

    // The live pipeline: the file published by `nexural ingest`'s code, processed on the embedded log.
    const log = createEmbeddedLog();
    try {
      const topics = testTopics();
      await log.admin.createTopics(topicSpecs(topics, 2));
      const producer = await log.createProducer();
      await producer.send(
        rules.map((rule) => ({
          topic: topics.alertRules,
          key: rule.id,
          value: Buffer.from(JSON.stringify(rule)),
        })),
      );
      const publisher = new RawPublisher(producer, {
        trades: topics.trades,
        quotes: `${topics.trades}.quotes`,
      });
      await publishFile(
        { file: ETH_TRADES, format: 'binance-trades', venue: 'binance', symbol: 'ETHUSDT' },
        publisher,
        {
          speed: Number.POSITIVE_INFINITY,
        },
      );
      // what `nexural run` configures: its bar defaults (first bar skipped), live bar updates throttled
      const { intervals } = alertsEngineConfig(await readRulesFile(rulesFile)).bars;
      const engine = { bars: { intervals }, liveBarThrottleMs: 1000 };
      const errors: Error[] = [];
      const processor = createProcessor({
        log,
        topics,
        serdes: jsonSerdes(topics),
        fanout: null,
        config: { groupId: `${topics.trades}.group`, engine },
        onError: (error) => errors.push(error),
      });
      await processor.start();
      await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
      await processor.close();
      expect(errors).toEqual([]);
      const live = (await readAll(log, topics.alerts, 300))
        .flat()
        .map((record) => JSON.parse(record.value?.toString('utf8') ?? 'null') as AlertEvent);

      expect(live.length).toBeGreaterThan(10);
      for (const event of live)
        expect(event.kind === 'fired' && event.sourcePosition?.topic).toBe(topics.trades);
      // A stream is never flushed: the file run's extra alerts are only those of the bars its end closed.
      expect(events.slice(0, live.length).map(withoutPosition)).toEqual(live.map(withoutPosition));
      const lastTradeMs = 1_723_161_905_000;
      for (const extra of events.slice(live.length)) {
        expect(extra.kind === 'fired' && extra.trigger).toMatchObject({ kind: 'bar', final: true });
        expect(extra.time).toBeGreaterThanOrEqual(lastTradeMs);
      }
    } finally {
      await log.close();
    }
  }, 120_000);

  it('carries the bar open time of bar-based firings and the trade of price firings', async () => {
    const { events } = await alertLines({
      trades: ETH_TRADES,
      format: 'binance-trades',
      rules: writeScratch('rules-2.json', rules.slice(0, 2)),
    });
    const rsi = events.find((event) => event.ruleId === 'eth-rsi-below-50');
    // rsi(5) is warm after six 1m bars: 23:54 is partial and skipped, 23:55 … 00:00 → the 00:00 bar is first
    expect(rsi).toMatchObject({
      kind: 'fired',
      trigger: { kind: 'bar', openTime: Date.UTC(2024, 7, 9, 0, 0), final: true },
      // closed by the first trade of 00:01, on its line
      sourcePosition: { topic: ETH_TRADES, partition: 0, offset: expect.stringMatching(/^\d+$/) },
    });
    const price = events.find((event) => event.ruleId === 'eth-2680-up');
    expect(price).toMatchObject({
      kind: 'fired',
      previous: 2679.85,
      current: 2680,
      trigger: { kind: 'tick', tradeId: '1520542429', price: 2680 },
      sourcePosition: { topic: ETH_TRADES, partition: 0, offset: '3506' }, // the file's line 3506
    });
  });

  it('stops on a bad rule naming its index and path, before reading any trade', async () => {
    const bad = [rules[0], { ...rules[1], condition: { operator: 'less_than', value: 'fifty' } }];
    const error = await runAlerts(
      { trades: ETH_TRADES, format: 'binance-trades', rules: writeScratch('bad.json', bad) },
      new Writable({ write: (_c, _e, done) => done() }),
    ).catch((caught: unknown) => caught);
    expect(isNexuralError(error) && error.code).toBe('NXR_RULE_INVALID');
    expect(String((error as Error).message)).toMatch(/rule 1 \(eth-rsi-below-50\) at condition\.value: /);
    expect(isNexuralError(error) && error.details).toMatchObject({ index: 1, path: ['condition', 'value'] });

    const unknownOutput = [{ ...rules[1], source: { kind: 'indicator', spec: 'macd', output: 'upper' } }];
    await expect(readRulesFile(writeScratch('bad-output.json', unknownOutput))).rejects.toThrow(
      /rule 0 \(eth-rsi-below-50\): .*macd\(12,26,9\) has no output "upper"/,
    );
    await expect(readRulesFile(writeScratch('not-json.json', '[{'))).rejects.toThrow(/not JSON/);
    // the README's example rules (series thresholds, a symbols list) are valid as printed
    const example = await readRulesFile(
      fileURLToPath(new URL('../../docs/examples/alert-rules.json', import.meta.url)),
    );
    expect(example.map((rule) => rule.id)).toEqual([
      'eth-2680-up',
      'rsi-below-50',
      'eth-over-sma5',
      'eth-close-below-open',
    ]);
  });

  it('runs as the README prints it: one JSON line per alert on stdout, a summary on stderr', () => {
    const rulesFile = writeScratch('readme-rules.json', rules.slice(0, 1));
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'alerts',
        '--trades',
        ETH_TRADES,
        '--format',
        'binance-trades',
        '--rules',
        rulesFile,
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => (JSON.parse(line) as AlertEvent).ruleId)).toEqual(
      Array(4).fill('eth-2680-up'),
    );
    expect(result.stderr).toBe('nexural alerts: 14515 trades, 1 rules on 1m → 4 fired, 0 stopped\n');
  }, 60_000);
});
