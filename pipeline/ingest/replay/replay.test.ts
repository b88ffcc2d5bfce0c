import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { type TopicNames, topicNames } from '../../../schemas/topics.js';
import { createEmbeddedLog } from '../../runtime/log/embedded-log.js';
import { endToEndScenario, scenarioEngine } from '../../runtime/processor/testing/end-to-end-scenario.js';
import { jsonSerdes, readAll, recordImage } from '../../runtime/processor/testing/processor-test-kit.js';
import { replay } from './replay.js';
import { deleteRun, listRuns } from './runs.js';

const live = topicNames();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const serdesFor = async (names: TopicNames) => jsonSerdes({ ...names, trades: live.trades });
const decode = <T>(record: LogRecord): T => JSON.parse(record.value?.toString('utf8') ?? 'null') as T;
const derivedRoles = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;

/** The live raw topic of an embedded log holding the real BTCUSDT trades with 1,600 fuzzed bad records. */
async function recordedLog() {
  const log = createEmbeddedLog();
  cleanups.push(() => log.close());
  await log.admin.createTopics([
    { name: live.trades, partitions: 1, compacted: false },
    { name: live.alertRules, partitions: 1, compacted: true },
  ]);
  const scenario = endToEndScenario(live.trades, 0, 'replay');
  const producer = await log.createProducer();
  await producer.send(
    scenario.rules.map((rule) => ({
      topic: live.alertRules,
      key: rule.id,
      value: Buffer.from(JSON.stringify(rule)),
    })),
  );
  const positions = await producer.send(scenario.records);
  return { log, scenario, positions };
}

async function images(log: StreamLog, names: TopicNames) {
  const result: Record<string, string[][]> = {};
  for (const role of derivedRoles) {
    result[role] = (await readAll(log, names[role], 200)).map((records) => records.map(recordImage));
  }
  return result;
}

describe('replay of the recorded raw topic', () => {
  it('re-runs the processor into the run namespace: the bars of `nexural bars`, the alerts of the engine alone, a dead letter per bad record; a second replay writes byte-identical outputs', async () => {
    const { log, scenario, positions } = await recordedLog();
    const first = await replay(
      { log, serdesFor },
      { run: 'first', speed: Number.POSITIVE_INFINITY, engine: scenarioEngine },
    );
    expect(first.topics.bars).toBe('nexural.run.first.bars');
    expect(first.reusedSlice).toBe(false);
    expect(first.copied).toBe(scenario.records.length);
    expect(first.counts).toMatchObject({ ticks: 21_313, deadLetters: scenario.badCount });
    const read = async <T>(topic: string) => (await readAll(log, topic, 200)).flat().map((r) => decode<T>(r));
    // the slice keeps partitions and order: its positions are the raw ones, in the slice topic
    await scenario.verify(
      positions.map((position) => ({ ...position, topic: first.slice })),
      {
        finals: await read<Bar>(first.topics.barsFinal),
        alerts: await read<AlertEvent>(first.topics.alerts),
        deadLetters: await read<DeadLetter>(first.topics.deadLetters),
      },
    );

    const second = await replay(
      { log, serdesFor },
      { run: 'second', speed: Number.POSITIVE_INFINITY, engine: scenarioEngine },
    );
    expect(second.slice).toBe(first.slice);
    expect(second.reusedSlice).toBe(true);
    const [a, b] = [await images(log, first.topics), await images(log, second.topics)];
    for (const role of derivedRoles) expect(b[role], role).toEqual(a[role]);
    expect(a.bars?.flat().length).toBeGreaterThan(21_313);
    // live derived topics were never written
    expect((await log.admin.listTopics()).map((topic) => topic.name)).not.toContain(live.bars);
  }, 60_000);

  it('keeps only the trades of the event-time range and symbols asked for', async () => {
    const { log } = await recordedLog();
    const window = await replay(
      { log, serdesFor },
      {
        run: 'window',
        from: '2024-08-08T23:56:00Z',
        to: '2024-08-08T23:58:00Z',
        symbols: ['BTCUSDT'],
        speed: Number.POSITIVE_INFINITY,
        engine: { bars: { intervals: ['1m'], firstBar: 'keep' } },
      },
    );
    const finals = (await readAll(log, window.topics.barsFinal, 200)).flat().map((r) => decode<Bar>(r));
    // 23:56 closes when the first 23:57 trade arrives; 23:57 stays open (nothing after 23:58 is in range).
    // Binance's 23:56 kline (binance_um_BTCUSDT_klines_1m…csv): 61760.40 61760.40 61700.00 61701.20, 1,992 trades
    expect(finals.map((bar) => [bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.trades])).toEqual([
      [1_723_161_360_000, 61_760.4, 61_760.4, 61_700, 61_701.2, 1992],
    ]);
    // the kline trade counts of 23:56 and 23:57 (1,992 + 4,717); bad records in the range are dead letters
    expect(window.counts.ticks).toBe(1992 + 4717);
    // a filtered slice names where each record came from in the raw topic
    const sliced = (await readAll(log, window.slice, 200)).flat();
    expect(sliced[0]?.headers['nexural-raw-position']).toMatch(/^nexural\.trades\.raw\/0\/\d+$/);
    const other = await replay(
      { log, serdesFor },
      { run: 'other', symbols: ['ETHUSDT'], speed: Number.POSITIVE_INFINITY, engine: scenarioEngine },
    );
    expect(other.counts.ticks).toBe(0);
  }, 60_000);

  it('lists runs and deletes one with its topics, and the shared slice once no run reads it', async () => {
    const { log } = await recordedLog();
    const engine = { bars: { intervals: ['1m' as const] } };
    const to = '5000';
    const a = await replay({ log, serdesFor }, { run: 'a', to, speed: Number.POSITIVE_INFINITY, engine });
    await replay({ log, serdesFor }, { run: 'b', to, speed: Number.POSITIVE_INFINITY, engine });
    await expect(
      replay({ log, serdesFor }, { run: 'a', speed: Number.POSITIVE_INFINITY, engine }),
    ).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      message: expect.stringContaining('run "a" exists'),
    });
    const runs = await listRuns(log);
    expect(runs.map((run) => [run.run, run.manifest?.status, run.manifest?.range.partitions])).toEqual([
      ['a', 'done', [{ partition: 0, start: '0', end: '5000' }]],
      ['b', 'done', [{ partition: 0, start: '0', end: '5000' }]],
    ]);
    expect(runs[0]?.topics).toContain('nexural.run.a.bars.final');

    const deletedA = await deleteRun(log, 'a');
    expect(deletedA.topics).toHaveLength(6);
    expect(deletedA.shared).toEqual([]);
    const deletedB = await deleteRun(log, 'b');
    expect(deletedB.shared).toContain(a.slice);
    expect(deletedB.shared).toContain(a.rules);
    const left = (await log.admin.listTopics()).map((topic) => topic.name);
    expect(
      left.filter((name) => name.startsWith('nexural.run.') || name.startsWith('nexural.replay.')),
    ).toEqual([]);
    expect(left).toContain(live.trades);
    expect(await listRuns(log)).toEqual([]);
    await expect(deleteRun(log, 'a')).rejects.toMatchObject({ message: 'no run "a"; runs: none' });
  }, 60_000);
});
