/**
 * npm run bench:replay — a replay end to end on the embedded log: the real Binance trades of
 * ../shared/data (USDⓈ-M BTCUSDT, spot BTCUSDT and ETHUSDT; 55,732 trades) repeated with shifted times and
 * ids to ≥ 2M ticks in the raw topic, then `replay` (copy of the range into its slice + the processor with
 * `nexural run`'s engine: 1m/5m/1h bars, 6 indicators, the demo rules) into a run namespace, writing a forming
 * bar update a second per series as `nexural run` and a paced replay do. A second replay of the same range
 * reuses the slice: the processor alone, the same outputs. A third, also the processor alone, writes final
 * bars only (`--forming-bars none`, the default of a replay at --speed max): its final bars, indicator values
 * and alerts are the second's. The engine alone on the same ticks (in a child process) is the reference the
 * issue divides by; it swings ~1.7× between runs of one build on a shared machine, so the final-bars-only
 * replay and the engine alone run `--pairs` times each, interleaved (the order alternating), and the ratio is
 * of their medians: both measured in the same minutes. Printed, never asserted.
 *
 *   npm run bench:replay -- [--ticks 2000000] [--partitions 6] [--batch 5000 (records per handler call)]
 *     [--pairs 3 (final-bars-only replays and engine-alone runs, interleaved)]
 *     [--digest: hashes of the replays' outputs (replay-digest.ts), with the wall clock frozen; the first two
 *     replays' lines first, as before the third replay was added, then the third's]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MarketEngine } from '../pipeline/engine/market-engine.js';
import { type ReplaySummary, replay } from '../pipeline/ingest/replay/replay.js';
import { readTradeFile } from '../pipeline/readers/read-trades.js';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { derivedSerdesFor } from '../pipeline/runtime/serdes/derived-serdes.js';
import { demoRules } from '../pipeline/runtime/wiring/demo-producer.js';
import type { OutgoingRecord } from '../schemas/ports/stream-log.js';
import type { TradeTick } from '../schemas/tick.js';
import { symbolKey, topicNames } from '../schemas/topics.js';
import { measureGc, mib, printTable } from './bench-table.js';
import { derivedDigest, stateCapture } from './replay-digest.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '2000000' },
    partitions: { type: 'string', default: '6' },
    batch: { type: 'string', default: '5000' },
    pairs: { type: 'string', default: '3' },
    'engine-alone': { type: 'boolean', default: false },
    digest: { type: 'boolean', default: false },
  },
});
const target = Number(values.ticks);
const partitions = Number(values.partitions);
const pairs = Math.max(1, Number(values.pairs));
const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};
const loadAtStart = loadavg();

const data = (file: string) => fileURLToPath(new URL(`../../shared/data/${file}`, import.meta.url));
const sources = [
  {
    venue: 'binance-um',
    symbol: 'BTCUSDT',
    file: 'binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
  },
  {
    venue: 'binance',
    symbol: 'BTCUSDT',
    file: 'binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
  },
  {
    venue: 'binance',
    symbol: 'ETHUSDT',
    file: 'binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
  },
];

const sample: TradeTick[] = [];
for (const { venue, symbol, file } of sources) {
  for await (const tick of readTradeFile(data(file), { format: 'binance-trades', venue, symbol }))
    sample.push(tick);
}
sample.sort((a, b) => a.timeUs - b.timeUs);
const rounds = Math.ceil(target / sample.length);
// 15 minutes per round (the sample spans 10 m 50 s): time runs on, 1m and 5m bars keep their alignment
const roundUs = 15 * 60 * 1_000_000;
const idSpan = 10_000_000_000n;

const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** CPU s of the main thread (the rest of the process's is GC and compiler threads), from /proc. */
const mainThreadSeconds = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function timed<T>(run: () => Promise<T>) {
  const cpu = cpuUsage();
  const main = mainThreadSeconds();
  const startedAt = performance.now();
  const { result, gcMs } = await measureGc(run);
  const seconds = (performance.now() - startedAt) / 1000;
  return { result, seconds, cpu: cpuSeconds(cpu), main: mainThreadSeconds() - main, gcMs };
}

const engine = {
  bars: { intervals: ['1m', '5m', '1h'] as const },
  indicators: ['sma(20)', 'ema(50)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'],
  liveBarThrottleMs: 1000,
};
// The same ticks through MarketEngine alone (no log, no parsing, no transactions): the ceiling a replay
// approaches, on the same rules and engine config. It runs in a child process of its own (`--engine-alone`),
// so its heap holds none of the replays' garbage: run in this process, its main-thread CPU went with the
// replays' (median 1.44 s beside c716cd3's replays, 1.08 s beside 09ef7fd's, which promote 130 MB less each).
const ticksOnly = (upTo: number): TradeTick[] => {
  const ticks: TradeTick[] = [];
  for (let round = 0; round < upTo; round++) {
    for (const tick of sample) ticks.push({ ...tick, timeUs: tick.timeUs + round * roundUs });
  }
  return ticks;
};
const engineAloneHere = async (upTo = rounds) => {
  let ticks: TradeTick[] | null = ticksOnly(upTo);
  const run = await timed(async () => {
    const output = { bar() {}, indicator() {}, alert() {}, late() {} };
    const engineOnly = new MarketEngine(
      { ...engine, bars: { intervals: [...engine.bars.intervals] } },
      output,
      demoRules(sample),
    );
    let second = 0;
    for (const tick of ticks ?? []) {
      engineOnly.add(tick);
      const ms = Math.floor(tick.timeUs / 1_000_000) * 1000;
      if (ms > second) {
        second = ms;
        engineOnly.advanceWatermark(ms);
      }
    }
    return ticks?.length ?? 0;
  });
  ticks = null;
  return run;
};

if (values['engine-alone']) {
  // warmed up on 3 rounds of the sample first, as the replays it is compared with run on optimized code
  await engineAloneHere(Math.min(3, rounds));
  const run = await engineAloneHere();
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}
/** The engine alone in a child process (this script with --engine-alone): its run's figures. */
const engineAlone = async (): Promise<Awaited<ReturnType<typeof engineAloneHere>>> => {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--engine-alone', '--ticks', String(target)],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !last.startsWith('{'))
    throw new Error(`engine alone (child): exit ${child.status}: ${child.stderr}`);
  return JSON.parse(last);
};

// --digest: state records carry the raw records' log times (the wall clock at ingest) and checkpoints fall due
// by wall clock too; frozen, two runs of the same code send the same state records
const wallClock = Date.now;
if (values.digest) Date.now = () => 1_800_000_000_000;
const live = topicNames();
const log = createEmbeddedLog({ maxBatchRecords: Number(values.batch) });
await log.admin.createTopics([
  { name: live.trades, partitions, compacted: false },
  { name: live.alertRules, partitions: 1, compacted: true },
]);
const producer = await log.createProducer();
await producer.send(
  demoRules(sample).map((rule) => ({
    topic: live.alertRules,
    key: rule.id,
    value: Buffer.from(JSON.stringify(rule)),
  })),
);

const ingest = await timed(async () => {
  let sent = 0;
  let batch: OutgoingRecord[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const tick of sample) {
      const raw = {
        venue: tick.venue,
        symbol: tick.symbol,
        tradeId: String(BigInt(tick.tradeId) + BigInt(round) * idSpan),
        timeUs: tick.timeUs + round * roundUs,
        price: tick.price,
        size: tick.size,
        side: tick.aggressor,
      };
      batch.push({
        topic: live.trades,
        key: symbolKey(tick.venue, tick.symbol),
        value: Buffer.from(JSON.stringify(raw)),
      });
      if (batch.length === 10_000) {
        await producer.send(batch);
        sent += batch.length;
        batch = [];
      }
    }
  }
  await producer.send(batch);
  return sent + batch.length;
});
const ticks = ingest.result;

const replayEngine = { bars: { intervals: [...engine.bars.intervals] }, indicators: engine.indicators };
const state = stateCapture(log);
const deps = { log: values.digest ? state.log : log, serdesFor: derivedSerdesFor(undefined) };
const first = await timed(() =>
  replay(deps, {
    run: 'bench',
    speed: Number.POSITIVE_INFINITY,
    engine: replayEngine,
    formingBars: engine.liveBarThrottleMs,
  }),
);
const second = await timed(() =>
  replay(deps, {
    run: 'bench-again',
    speed: Number.POSITIVE_INFINITY,
    engine: replayEngine,
    formingBars: engine.liveBarThrottleMs,
  }),
);
// The final-bars-only replay and the engine alone, `pairs` times each, interleaved: replay first in even
// pairs, engine first in odd ones. The first replay's run keeps its name (and its digest lines).
const finalOnlyRun = 'bench-final-only';
const finalOnlyRuns: Awaited<ReturnType<typeof timed<ReplaySummary>>>[] = [];
const aloneRuns: Awaited<ReturnType<typeof engineAlone>>[] = [];
for (let pair = 0; pair < pairs; pair++) {
  const run = pair === 0 ? finalOnlyRun : `${finalOnlyRun}-${pair + 1}`;
  const replayOnce = async () => {
    finalOnlyRuns.push(
      await timed(() => replay(deps, { run, speed: Number.POSITIVE_INFINITY, engine: replayEngine })),
    );
  };
  if (pair % 2 === 0) {
    await replayOnce();
    aloneRuns.push(await engineAlone());
  } else {
    aloneRuns.push(await engineAlone());
    await replayOnce();
  }
}
Date.now = wallClock;
const stateLines = values.digest
  ? state.lines().filter((line) => !line.includes(`.run.${finalOnlyRun}-`))
  : [];
const ofFinalOnly = (line: string) => line.includes(`.run.${finalOnlyRun}.`);
const digest = values.digest
  ? [
      ...(await derivedDigest(log, 'bench')),
      ...(await derivedDigest(log, 'bench-again')),
      ...stateLines.filter((line) => !ofFinalOnly(line)),
      '',
      `${finalOnlyRun} (final bars only: its barsFinal, indicators, alerts and deadLetters lines equal bench-again's)`,
      ...(await derivedDigest(log, finalOnlyRun)),
      ...stateLines.filter(ofFinalOnly),
    ]
  : [];
await log.close();

type Timed = { seconds: number; cpu: number; main: number; gcMs: number };
const median = (numbers: readonly number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
/** Each figure's median over the runs (not one run's figures). */
const medianRun = (runs: readonly Timed[]): Timed => ({
  seconds: median(runs.map((run) => run.seconds)),
  cpu: median(runs.map((run) => run.cpu)),
  main: median(runs.map((run) => run.main)),
  gcMs: median(runs.map((run) => run.gcMs)),
});
const finalOnly = medianRun(finalOnlyRuns);
const alone = medianRun(aloneRuns);
const finalOnlyCounts = (finalOnlyRuns[0] as (typeof finalOnlyRuns)[number]).result.counts;
const aloneTicks = (aloneRuns[0] as (typeof aloneRuns)[number]).result;

const row = (phase: string, run: Timed, count: number) => ({
  phase,
  ticks: count,
  'wall s': Number(run.seconds.toFixed(2)),
  'ticks/s': Math.round(count / run.seconds),
  'CPU s': Number(run.cpu.toFixed(2)),
  'main thread CPU s': Number(run.main.toFixed(2)),
  'GC s': Number((run.gcMs / 1000).toFixed(2)),
});
printTable(
  `bench:replay — ${ticks.toLocaleString('en-US')} real Binance trades (${sample.length.toLocaleString('en-US')} × ${rounds}, shifted), embedded log, ${partitions} partitions, 3 symbols`,
  [
    row('ingest into the raw topic', ingest, ticks),
    row('replay: copy range + process, forming bars 1/s', first, first.result.counts.ticks),
    row('replay again: process only, forming bars 1/s', second, second.result.counts.ticks),
    row(`replay again: process only, final bars only (median of ${pairs})`, finalOnly, finalOnlyCounts.ticks),
    row(`engine alone, same ticks (median of ${pairs})`, alone, aloneTicks),
  ],
);
const outputs = (mode: string, { counts }: { counts: typeof first.result.counts }) => ({
  'forming bars': mode,
  ticks: counts.ticks,
  bars: counts.bars,
  'final bars': counts.finalBars,
  indicators: counts.indicators,
  alerts: counts.alerts,
  'dead letters': counts.deadLetters,
});
printTable(
  `outputs of one replay (heap ${Math.round(mib(process.memoryUsage().heapUsed))} MiB after the runs)`,
  [
    outputs('1/s (1000 ms: paced default, nexural run)', second.result),
    outputs('none (default at --speed max)', { counts: finalOnlyCounts }),
  ],
);
const times = (run: Timed) => `${run.seconds.toFixed(2)} / ${run.main.toFixed(2)}`;
printTable(
  `final bars only replay and engine alone, interleaved (load ${loadAtStart} at the start, ${loadavg()} at the end)`,
  finalOnlyRuns.map((replayRun, pair) => {
    const aloneRun = aloneRuns[pair] as Timed;
    return {
      pair: pair + 1,
      first: pair % 2 === 0 ? 'replay' : 'engine',
      'replay wall s / main thread CPU s': times(replayRun),
      'engine alone wall s / main thread CPU s': times(aloneRun),
      'ratio wall': Number((aloneRun.seconds / replayRun.seconds).toFixed(2)),
      'ratio main thread CPU': Number((aloneRun.main / replayRun.main).toFixed(2)),
    };
  }),
);
const ratio = (run: Timed) =>
  `${(alone.seconds / run.seconds).toFixed(2)}× wall, ${(alone.main / run.main).toFixed(2)}× main-thread CPU, ${(alone.cpu / run.cpu).toFixed(2)}× CPU`;
process.stdout.write(
  `\nprocess-only replay ÷ engine alone (issue #17 target ≥ 0.5×; medians of ${pairs} interleaved runs each): final bars only ${ratio(finalOnly)}; forming bars 1/s (one run) ${ratio(second)}\n` +
    `final bars only replay: ${finalOnly.seconds.toFixed(2)} s wall (median; issue #17 target ≤ 3 s)\n`,
);
const { counts } = first.result;
if (digest.length > 0) process.stdout.write(`\ndigest\n${digest.join('\n')}\n`);
process.stdout.write(
  `\ngoal: 2M ticks replayed in < 10 s — ${first.seconds < 10 && ticks >= 2_000_000 ? 'met' : 'not met'} (${first.seconds.toFixed(1)} s for ${counts.ticks.toLocaleString('en-US')})\n`,
);
