import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { type TopicNames, topicNames } from '../../../schemas/topics.js';
import { createEmbeddedLog } from '../../runtime/log/embedded-log.js';
import { endToEndScenario, scenarioEngine } from '../../runtime/processor/testing/end-to-end-scenario.js';
import { jsonSerdes, readAll, recordImage } from '../../runtime/processor/testing/processor-test-kit.js';
import type { FormingBars } from './forming-bars.js';
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
      { run: 'first', speed: Number.POSITIVE_INFINITY, engine: scenarioEngine, formingBars: 'all' },
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
      { run: 'second', speed: Number.POSITIVE_INFINITY, engine: scenarioEngine, formingBars: 'all' },
    );
    expect(second.slice).toBe(first.slice);
    expect(second.reusedSlice).toBe(true);
    const [a, b] = [await images(log, first.topics), await images(log, second.topics)];
    for (const role of derivedRoles) expect(b[role], role).toEqual(a[role]);
    expect(a.bars?.flat().length).toBeGreaterThan(21_313);
    // live derived topics were never written
    expect((await log.admin.listTopics()).map((topic) => topic.name)).not.toContain(live.bars);
  }, 60_000);

  it('writes no forming bar as fast as possible by default, and the final bars, indicator values, alerts and dead letters of a replay writing every update', async () => {
    const { log } = await recordedLog();
    const request = { speed: Number.POSITIVE_INFINITY, engine: scenarioEngine };
    const every = await replay({ log, serdesFor }, { ...request, run: 'every', formingBars: 'all' });
    const finalOnly = await replay({ log, serdesFor }, { ...request, run: 'final-only' });
    const perSecond = await replay({ log, serdesFor }, { ...request, run: 'per-second', formingBars: 1000 });
    const [all, none, throttled] = [
      await images(log, every.topics),
      await images(log, finalOnly.topics),
      await images(log, perSecond.topics),
    ];
    for (const role of ['barsFinal', 'indicators', 'alerts', 'deadLetters'] as const) {
      expect(none[role], role).toEqual(all[role]);
      expect(throttled[role], role).toEqual(all[role]);
    }
    // 1m and 1s bars of the 21,313 trades (the first test checks them against `nexural bars`), rsi(14) on each
    expect(every.counts).toEqual({
      ticks: 21_313,
      bars: 42_974,
      finalBars: 348,
      indicators: 329,
      alerts: 7,
      deadLetters: 1_600,
    });
    expect(all.barsFinal?.flat()).toHaveLength(348);
    expect(all.indicators?.flat()).toHaveLength(329);
    expect(all.alerts?.flat()).toHaveLength(7);
    // the bars topic: every final bar and revision, and no forming bar
    expect(none.bars).toEqual(all.barsFinal);
    expect(finalOnly.counts).toEqual({ ...every.counts, bars: every.counts.finalBars });
    const bars = async (topic: string) => (await readAll(log, topic, 200)).flat().map((r) => decode<Bar>(r));
    const forming = (list: readonly Bar[]) => list.filter((bar) => !bar.final);
    const [everyBar, secondBar] = [await bars(every.topics.bars), await bars(perSecond.topics.bars)];
    expect(forming(everyBar)).toHaveLength(42_974 - 348);
    // one a second of event time: each bar's first update, then at most one per 1,000 ms per series
    const seconds = forming(secondBar);
    expect(seconds).toHaveLength(658);
    expect(perSecond.counts.bars).toBe(658 + 348);
    const everyImage = new Set(forming(everyBar).map((bar) => JSON.stringify(bar)));
    for (const bar of seconds) expect(everyImage.has(JSON.stringify(bar))).toBe(true);
    const firsts = (list: readonly Bar[]) =>
      list.filter((bar) => bar.revision === 0).map((bar) => `${bar.symbol} ${bar.interval} ${bar.openTime}`);
    expect(firsts(seconds)).toEqual(firsts(forming(everyBar)));
    // a paced replay (here 10,000× the recorded pace) writes one forming update a second by default
    const paced = await replay({ log, serdesFor }, { ...request, run: 'paced', speed: 10_000 });
    expect(paced.counts).toEqual(perSecond.counts);
    expect(await images(log, paced.topics)).toEqual(throttled);
    // what each run asked for is in its manifest
    const manifests = new Map((await listRuns(log)).map((run) => [run.run, run.manifest]));
    expect(manifests.get('final-only')?.request.formingBars).toBe('none');
    expect(manifests.get('final-only')?.engine).toMatchObject({ liveBarThrottleMs: -1 });
    expect(manifests.get('per-second')?.request.formingBars).toBe('1000');
    expect(manifests.get('every')?.engine).toMatchObject({ liveBarThrottleMs: 0 });
    expect(manifests.get('paced')?.request).toMatchObject({ speed: '10000', formingBars: '1000' });
  }, 60_000);

  it('refuses a forming-bars choice other than all, none or a whole number of ms, naming it', async () => {
    const { log } = await recordedLog();
    const request = { run: 'bad', speed: Number.POSITIVE_INFINITY, engine: scenarioEngine };
    for (const formingBars of ['some', '0', '-5', '1.5', 0, 2.5]) {
      await expect(
        replay({ log, serdesFor }, { ...request, formingBars: formingBars as FormingBars }),
      ).rejects.toMatchObject({
        code: 'NXR_CONFIG_INVALID',
        message: `formingBars ${JSON.stringify(formingBars)}: expected all, none, or a whole number of ms of event time (e.g. 1000)`,
      });
    }
    expect(await listRuns(log)).toEqual([]);
  });

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
