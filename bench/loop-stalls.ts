/**
 * Event-loop stalls of this process, attributed to their causes (bench:kafka `--stalls`): V8's sampling
 * CPU profiler runs while the row runs (in this process, through the inspector); a stall is a stretch of
 * consecutive non-idle samples (the loop never got back to waiting for I/O) longer than `thresholdMs`, and
 * each sample's time goes to the cause of the innermost frame that names one (CAUSES, leaf first), else to
 * the module of its innermost frame (kafkajs/<dir>, ioredis, node:…). Sampling, so ± the interval per stall.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver } from 'node:perf_hooks';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** [cause, file suffix or '' for any, function names] — checked from the leaf up, first match wins. */
const CAUSES: readonly [string, string, readonly string[]][] = [
  ['gc', '', ['(garbage collector)']],
  ['checkpoint capture', 'processor/partition-task.ts', ['checkpoint']],
  ['checkpoint serialise', 'processor/checkpoint-chunks.ts', ['checkpointRecords']],
  ['checkpoint capture', 'processor/owned-partition.ts', ['takeCheckpoint']],
  ['engine', 'processor/partition-task.ts', ['processSome', 'catchUpStep', 'advanceWatermark', 'take']],
  ['rule changes', 'processor/partition-task.ts', ['syncRules', 'upsertRule', 'removeRule']],
  ['restore', 'processor/restore-partition.ts', ['restorePartition']],
  ['restore', 'processor/partition-task.ts', ['restore']],
  ['encode outputs', 'processor/encode-outputs.ts', ['encodeOutputs']],
  ['transaction (kafkajs, sync part)', 'processor/partition-committer.ts', ['commit']],
  ['committer', 'processor/partition-committer.ts', ['enqueue', 'drain']],
  ['state table reader', 'processor/table-reader.ts', []],
  ['fan-out publish', 'pipeline/fanout/', []],
  ['batch handling', 'processor/owned-partition.ts', []],
  ['processor', 'processor/processor.ts', []],
  ['kafka adapter', 'runtime/log/kafka', []],
  ['bench: lag probe', 'bench/kafka.ts', ['lagOf']],
  ['bench', 'bench/', []],
];

function causeOf(frames: readonly CallFrame[]): string {
  for (const frame of frames) {
    for (const [cause, file, names] of CAUSES) {
      if (file !== '' && !frame.url.includes(file)) continue;
      if (names.length === 0 || names.includes(frame.functionName)) return cause;
    }
  }
  const leaf = frames.find((frame) => frame.url !== '');
  if (!leaf) return frames[0]?.functionName ?? '?';
  const here = moduleOf(leaf.url);
  // a library's or Node's frame: name whose code called it as well
  const caller = frames
    .map((frame) => moduleOf(frame.url))
    .find((name) => name !== '' && name !== here && !name.startsWith('node:'));
  return caller === undefined || !(here.startsWith('node:') || here.startsWith('kafkajs'))
    ? here
    : `${here} ← ${caller}`;
}

function moduleOf(url: string): string {
  if (url === '') return '';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:src\/)?([^/]+)?/.exec(url);
  if (module) return module[1] === 'kafkajs' ? `kafkajs/${module[2]}` : (module[1] ?? '?');
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  return url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, '');
}

export interface Stall {
  /** ms after the profile started */
  readonly at: number;
  readonly ms: number;
  readonly causes: ReadonlyMap<string, number>;
}

export interface StallReport {
  readonly thresholdMs: number;
  readonly stalls: readonly Stall[];
  /** ms of stalls by cause, summed over every stall */
  readonly byCause: ReadonlyMap<string, number>;
  /** busy ms (all samples, stalls or not) by cause */
  readonly busyByCause: ReadonlyMap<string, number>;
  readonly profiledMs: number;
  /** epochMs-compatible start: performance.timeOrigin + performance.now() when profiling began */
  readonly startedAt: number;
  /** GC pauses by kind: count, total ms, longest ms */
  readonly gc: ReadonlyMap<string, { count: number; ms: number; max: number }>;
}

const GC_KINDS = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak callbacks'],
]);

const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);

export async function profileStalls(
  thresholdMs = 10,
  intervalUs = 500,
): Promise<{ stop: () => Promise<StallReport> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  const gc = new Map<string, { count: number; ms: number; max: number }>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS.get((entry as unknown as { detail: { kind: number } }).detail.kind) ?? 'other';
      const figures = gc.get(kind) ?? { count: 0, ms: 0, max: 0 };
      gc.set(kind, {
        count: figures.count + 1,
        ms: figures.ms + entry.duration,
        max: Math.max(figures.max, entry.duration),
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const startedAt = performance.timeOrigin + performance.now();
  return {
    stop: async () => {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      observer.disconnect();
      // the raw profile, for Chrome DevTools or a closer look
      const out = process.env.BENCH_STALLS_PROFILE;
      if (out) writeFileSync(out, JSON.stringify(profile));
      return { ...analyse(profile, thresholdMs, startedAt), gc };
    },
  };
}

export function analyse(profile: Profile, thresholdMs: number, startedAt: number): Omit<StallReport, 'gc'> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const causeById = new Map<number, string>();
  const cause = (id: number): string => {
    const known = causeById.get(id);
    if (known !== undefined) return known;
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node) frames.push(node.callFrame);
    }
    const name = causeOf(frames);
    causeById.set(id, name);
    return name;
  };
  const idle = (id: number) => {
    const name = byId.get(id)?.callFrame.functionName;
    return name === '(idle)' || name === '(root)';
  };
  const stalls: Stall[] = [];
  const byCause = new Map<string, number>();
  const busyByCause = new Map<string, number>();
  let t = profile.startTime;
  let run: { start: number; ms: number; causes: Map<string, number> } | null = null;
  const close = () => {
    if (run !== null && run.ms > thresholdMs) {
      stalls.push({ at: (run.start - profile.startTime) / 1000, ms: run.ms, causes: run.causes });
      for (const [name, ms] of run.causes) add(byCause, name, ms);
    }
    run = null;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const id = profile.samples[i] as number;
    // a sample stands for the time until the next one
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (idle(id)) {
      close();
      continue;
    }
    const name = cause(id);
    add(busyByCause, name, ms);
    run ??= { start: t, ms: 0, causes: new Map() };
    run.ms += ms;
    add(run.causes, name, ms);
  }
  close();
  return {
    thresholdMs,
    stalls,
    byCause,
    busyByCause,
    profiledMs: (profile.endTime - profile.startTime) / 1000,
    startedAt,
  };
}

const top = (causes: ReadonlyMap<string, number>, n: number) =>
  [...causes]
    .sort(([, a], [, b]) => b - a)
    .slice(0, n)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(', ');

/** A few lines: stalls by cause, and the longest stalls (s after `origin`, an epochMs). */
export function describeStalls(report: StallReport, origin: number, longest = 12): string {
  const total = report.stalls.reduce((sum, stall) => sum + stall.ms, 0);
  const offset = (report.startedAt - origin) / 1000;
  return [
    `stalls > ${report.thresholdMs} ms: ${report.stalls.length}, ${total.toFixed(0)} ms of ${report.profiledMs.toFixed(0)} ms profiled; by cause (ms): ${top(report.byCause, 14)}`,
    `GC pauses (count / ms / longest ms): ${[...report.gc].map(([kind, { count, ms, max }]) => `${kind} ${count} / ${ms.toFixed(0)} / ${max.toFixed(1)}`).join(', ')}`,
    `busy ms by cause (all samples): ${top(report.busyByCause, 14)}`,
    `longest stalls (s after start: ms = causes): ${[...report.stalls]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, longest)
      .map(
        (stall) =>
          `${(offset + stall.at / 1000).toFixed(2)}: ${stall.ms.toFixed(0)} = ${top(stall.causes, 3)}`,
      )
      .join('; ')}`,
  ].join('\n');
}
