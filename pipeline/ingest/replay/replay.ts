import { createHash } from 'node:crypto';
import { NexuralError } from '../../../schemas/errors.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { type TopicNames, topicNames } from '../../../schemas/topics.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import type { DerivedSerdes } from '../../runtime/processor/encode-outputs.js';
import { createProcessor } from '../../runtime/processor/processor.js';
import type { ProcessorStats } from '../../runtime/processor/processor-stats.js';
import { copyRange } from './copy-range.js';
import {
  defaultFormingBars,
  type FormingBars,
  formingBarsText,
  liveBarThrottleMsOf,
  parseFormingBars,
} from './forming-bars.js';
import { parseBound, type ResolvedRange, rangeSize, resolveRange } from './replay-range.js';
import { ensureShared, replayGroup, runPrefix, sliceTopic } from './replay-topics.js';
import { snapshotRules } from './rules-snapshot.js';
import {
  ensureCatalog,
  type RunManifest,
  readCatalog,
  runKey,
  sharedKey,
  writeCatalog,
} from './run-catalog.js';

export interface ReplayRequest {
  /** run name: the namespace of its derived topics (`topicNames(run)`) */
  readonly run: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly symbols?: readonly string[];
  /** 1 = recorded pace, Infinity = as fast as possible */
  readonly speed: number;
  /** the engine's config; its forming-bar updates are `formingBars`' */
  readonly engine: Omit<EngineConfigInput, 'liveBarThrottleMs'>;
  /**
   * forming-bar updates on the run's bars topic (final bars, indicator values and alerts are the same
   * whichever); default `defaultFormingBars(speed)`: none as fast as possible, one a second when paced
   */
  readonly formingBars?: FormingBars | undefined;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  /** records of the raw range (an upper bound of what is copied) */
  readonly total: number;
  readonly scanned: number;
  readonly copied: number;
  /** input records the processor applied */
  readonly processed: number;
}

export interface ReplayDeps {
  readonly log: StreamLog;
  /** the derived topics' serdes (plain JSON, or the Schema Registry's on Kafka) */
  readonly serdesFor: (topics: TopicNames) => Promise<DerivedSerdes>;
  readonly onWarning?: (message: string) => void;
  /** wall clock for the manifest only (outputs are timed by event time) */
  readonly now?: () => number;
  /** the recorded topics a replay reads (default: the live raw trades and alert rules) */
  readonly sources?: { readonly trades: string; readonly alertRules: string };
}

export type ReplayCounts = Pick<
  ProcessorStats,
  'ticks' | 'bars' | 'finalBars' | 'indicators' | 'alerts' | 'deadLetters'
>;

export interface ReplaySummary {
  readonly run: string;
  readonly topics: TopicNames;
  readonly slice: string;
  readonly rules: string;
  readonly reusedSlice: boolean;
  readonly copied: number;
  readonly counts: ReplayCounts;
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const hashOf = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

const rangeJson = (range: ResolvedRange) => ({
  topic: range.topic,
  partitions: range.partitions.map(({ partition, start, end }) => ({
    partition,
    start: String(start),
    end: String(end),
  })),
  fromUs: range.fromUs,
  toUs: range.toUs,
  symbols: range.symbols,
});

/** Waits until `groupId` committed the end of every partition of `topic` (the processor read it all). */
async function processedToEnd(log: StreamLog, groupId: string, topic: string, stop: () => boolean) {
  const ends = await log.admin.partitionRanges(topic);
  for (;;) {
    const committed = await log.admin.committedOffsets(groupId, topic);
    const done = ends.every(
      ({ partition, low, high }) =>
        high === low || committed.find((entry) => entry.partition === partition)?.offset === high,
    );
    if (done || stop()) return;
    await sleep(50);
  }
}

/**
 * Re-runs the live processor over a fixed range of the raw trades topic into the run's own namespace:
 * the range is copied once into a slice topic named by its content (the same range gives the same slice,
 * so the outputs — which cite their input positions — are byte-identical between replays), the alert
 * rules are frozen into a snapshot topic named by their content, and a processor with the run's consumer
 * group reads the slice and writes `topicNames(run)`. Nothing is written to the live derived topics, and
 * no alert goes to the live fan-out. Event time only: no wall clock decides an output.
 */
export async function replay(deps: ReplayDeps, request: ReplayRequest): Promise<ReplaySummary> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const names = topicNames(request.run);
  const live = deps.sources ?? topicNames();
  const startedAt = performance.now();
  const from = parseBound(request.from, '--from');
  const to = parseBound(request.to, '--to');
  const formingBars =
    request.formingBars === undefined
      ? defaultFormingBars(request.speed)
      : parseFormingBars(request.formingBars);
  const engine: EngineConfigInput = {
    ...request.engine,
    liveBarThrottleMs: liveBarThrottleMsOf(formingBars),
  };
  const existing = (await log.admin.listTopics()).map((topic) => topic.name);
  if (!existing.includes(live.trades)) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `no raw trades topic "${live.trades}" to replay: ingest trades first (embedded log: nexural ingest)`,
    );
  }
  await ensureCatalog(log);
  const catalog = await readCatalog(log);
  if (catalog.runs.has(request.run) || existing.some((name) => name.startsWith(runPrefix(request.run)))) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `run "${request.run}" exists; choose another name or delete it (nexural runs delete ${request.run})`,
      { run: request.run },
    );
  }
  const range = await resolveRange(log, live.trades, from, to, request.symbols ?? []);
  const partitions = range.partitions.length;
  const slice = sliceTopic(hashOf(rangeJson(range)));
  const rules = await snapshotRules(log, live.alertRules, catalog);
  const manifest: RunManifest = {
    run: request.run,
    status: 'running',
    createdAt: new Date(now()).toISOString(),
    finishedAt: null,
    request: {
      from: request.from ?? null,
      to: request.to ?? null,
      symbols: [...(request.symbols ?? [])],
      speed: Number.isFinite(request.speed) ? String(request.speed) : 'max',
      formingBars: formingBarsText(formingBars),
    },
    range: (({ symbols: _, ...rest }) => rest)(rangeJson(range)),
    slice,
    rules,
    engine,
    copied: null,
    counts: null,
    durationMs: null,
    error: null,
  };
  await writeCatalog(log, runKey(request.run), manifest);
  const derived = [
    names.processorState,
    names.bars,
    names.barsFinal,
    names.indicators,
    names.alerts,
    names.deadLetters,
  ];
  await log.admin.createTopics(
    derived.map((name) => ({ name, partitions, compacted: name === names.processorState })),
  );
  const reusedSlice = catalog.shared.get(slice)?.complete === true;
  if (!reusedSlice) await ensureShared(log, slice, partitions);
  const groupId = replayGroup(request.run);
  const failed: { error: Error | null } = { error: null };
  const processor = createProcessor({
    log,
    topics: { trades: slice, alertRules: rules, processorState: names.processorState },
    serdes: await deps.serdesFor(names),
    fanout: null,
    // per-partition as before the live processor's `auto` default: a replay's speed (bench:replay) was
    // measured with them; shared rounds were not measured on replays yet
    config: { groupId, engine, wallClockIdleMs: null, transactions: 'per-partition' },
    onError: (error) => {
      failed.error = error;
    },
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
  });
  const total = rangeSize(range);
  let copy = { scanned: reusedSlice ? total : 0, copied: catalog.shared.get(slice)?.records ?? 0 };
  const report = () => request.onProgress?.({ total, ...copy, processed: processor.stats.records });
  const ticker = setInterval(report, 200);
  // A paced replay processes as the copy goes; one at full speed copies first, so the processor reads whole
  // batches instead of chasing the copy a few records at a time (same outputs: a slice is processed the same
  // however its records are batched).
  const paced = Number.isFinite(request.speed);
  try {
    if (paced || reusedSlice) await processor.start();
    if (!reusedSlice) {
      copy = await copyRange({
        log,
        range,
        target: slice,
        groupId: `${groupId}.copy`,
        speed: request.speed,
        ...(request.signal ? { signal: request.signal } : {}),
        onProgress: (scanned, copied) => {
          copy = { scanned, copied };
        },
      });
      if (request.signal?.aborted)
        throw new NexuralError('NXR_TIMEOUT', 'replay stopped before its range was copied');
      await writeCatalog(log, sharedKey(slice), { topic: slice, complete: true, records: copy.copied });
      if (!paced) await processor.start();
    }
    await processedToEnd(
      log,
      groupId,
      slice,
      () => failed.error !== null || request.signal?.aborted === true,
    );
    if (failed.error !== null) throw failed.error;
    if (request.signal?.aborted)
      throw new NexuralError('NXR_TIMEOUT', 'replay stopped before the end of its range');
    await processor.close();
    report();
    const { ticks, bars, finalBars, indicators, alerts, deadLetters } = processor.stats;
    const counts = { ticks, bars, finalBars, indicators, alerts, deadLetters };
    const durationMs = Math.round(performance.now() - startedAt);
    await writeCatalog(log, runKey(request.run), {
      ...manifest,
      status: 'done',
      finishedAt: new Date(now()).toISOString(),
      copied: copy.copied,
      counts,
      durationMs,
    });
    return {
      run: request.run,
      topics: names,
      slice,
      rules,
      reusedSlice,
      copied: copy.copied,
      counts,
      durationMs,
    };
  } catch (error) {
    await processor.close().catch(() => {});
    const stopped = request.signal?.aborted === true;
    await writeCatalog(log, runKey(request.run), {
      ...manifest,
      status: stopped ? 'stopped' : 'failed',
      finishedAt: new Date(now()).toISOString(),
      error: error instanceof Error ? error.message : String(error),
    }).catch(() => {});
    throw error;
  } finally {
    clearInterval(ticker);
  }
}
