/**
 * Where this process allocates (bench:kafka `--allocations`): V8's sampling heap profiler, counting the objects
 * that scavenges and mark-compacts have already freed as well (the garbage that drives young-generation GC, which
 * a plain heap profile would miss), summed by the allocating function and by module. Sampling: a sample stands
 * for ~`intervalBytes` of allocation.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface SamplingNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

export interface AllocationReport {
  readonly profiledMs: number;
  readonly totalBytes: number;
  /** self bytes by `function (file:line)`, largest first */
  readonly byFunction: readonly (readonly [string, number])[];
  /** bytes by the first frame (leaf up) outside node internals and the bytes' own builtins, by file */
  readonly byFile: readonly (readonly [string, number])[];
  /** young-generation collections (scavenges) while profiling: count and pause ms */
  readonly scavenges: number;
  readonly scavengeMs: number;
}

export async function profileAllocations(
  intervalBytes = 16_384,
): Promise<{ stop: () => Promise<AllocationReport> }> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let scavenges = 0;
  let scavengeMs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      scavenges += 1;
      scavengeMs += entry.duration;
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  return {
    stop: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      gcs.disconnect();
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
        profile: { head: SamplingNode };
      };
      const profiledMs = performance.now() - started;
      session.disconnect();
      const out = process.env.BENCH_ALLOCATIONS_PROFILE;
      if (out) writeFileSync(out, JSON.stringify(profile));
      return { ...summarise(profile.head, profiledMs), scavenges, scavengeMs };
    },
  };
}

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*?\/(pipeline|bench|schemas|consumers|api|cli)\//, '$1/');

function summarise(
  head: SamplingNode,
  profiledMs: number,
): Omit<AllocationReport, 'scavenges' | 'scavengeMs'> {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: SamplingNode, stack: readonly CallFrame[]) => {
    const frames = [node.callFrame, ...stack];
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = `${functionName || '(anonymous)'} (${shortUrl(url) || 'native'}:${lineNumber + 1})`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
      const owner = frames.find((frame) => frame.url !== '' && !frame.url.startsWith('node:'));
      const file = owner ? shortUrl(owner.url) : 'node internals';
      byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(head, []);
  const sorted = (map: Map<string, number>) => [...map].sort(([, a], [, b]) => b - a);
  return { profiledMs, totalBytes, byFunction: sorted(byFunction), byFile: sorted(byFile) };
}

/** `ticks`: the input records the processor applied while profiling, for bytes and scavenges per tick */
export function describeAllocations(report: AllocationReport, ticks: number, top = 25): string {
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const perSecond = (bytes: number) => mib((bytes * 1000) / report.profiledMs);
  const share = (bytes: number) => ((100 * bytes) / Math.max(1, report.totalBytes)).toFixed(1);
  const perTick = (report.totalBytes / Math.max(1, ticks)).toFixed(0);
  const scavengesPer10k = ((report.scavenges * 10_000) / Math.max(1, ticks)).toFixed(2);
  const lines = [
    `allocations (sampled, freed objects included): ${mib(report.totalBytes)} MiB in ${(report.profiledMs / 1000).toFixed(1)} s = ${perSecond(report.totalBytes)} MiB/s`,
    `per tick (${ticks.toLocaleString('en')} records applied): ${perTick} B; scavenges ${report.scavenges} (${scavengesPer10k} per 10k ticks, ${Math.round(report.scavengeMs)} ms)`,
    'by file (the first frame outside node internals, leaf up): MiB/s (share)',
    ...report.byFile
      .slice(0, top)
      .map(([name, bytes]) => `  ${perSecond(bytes)} (${share(bytes)}%)  ${name}`),
    'by allocating function (self): MiB/s (share)',
    ...report.byFunction
      .slice(0, top)
      .map(([name, bytes]) => `  ${perSecond(bytes)} (${share(bytes)}%)  ${name}`),
  ];
  return lines.join('\n');
}
