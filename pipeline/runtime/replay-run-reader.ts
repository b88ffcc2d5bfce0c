import { NexuralError } from '../../schemas/errors.js';
import type { ReplayRun, ReplayRunReader } from '../../schemas/ports/market-extras.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { type RunManifest, readCatalog } from '../ingest/replay/run-catalog.js';

const statusOf: Record<RunManifest['status'], ReplayRun['status']> = {
  running: 'running',
  done: 'succeeded',
  failed: 'failed',
  stopped: 'cancelled',
};

const msOrNull = (us: number | null): number | null => (us === null ? null : Math.floor(us / 1000));

export function replayRunOf(manifest: RunManifest): ReplayRun {
  const counts = manifest.counts;
  return {
    namespace: manifest.run,
    status: statusOf[manifest.status],
    source: { request: manifest.request, range: manifest.range },
    fromTime: msOrNull(manifest.range.fromUs),
    toTime: msOrNull(manifest.range.toUs),
    recordsIn: counts?.ticks ?? manifest.copied ?? 0,
    recordsOut: counts ? counts.bars + counts.indicators + counts.alerts + counts.deadLetters : 0,
    startedAt: Date.parse(manifest.createdAt),
    finishedAt: manifest.finishedAt === null ? null : Date.parse(manifest.finishedAt),
    error: manifest.error,
  };
}

const encodeCursor = (run: ReplayRun): string =>
  Buffer.from(JSON.stringify([run.startedAt, run.namespace])).toString('base64url');

function decodeCursor(cursor: string): readonly [number, string] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (Array.isArray(parts) && typeof parts[0] === 'number' && typeof parts[1] === 'string') {
    return [parts[0], parts[1]];
  }
  throw new NexuralError('NXR_BAD_VALUE', `cursor "${cursor}" is not a cursor this query returned`, {
    path: ['cursor'],
  });
}

/** Newest first, ties by name (descending), so a page boundary is a strict position. */
const newestFirst = (a: ReplayRun, b: ReplayRun): number =>
  b.startedAt - a.startedAt || (a.namespace < b.namespace ? 1 : a.namespace > b.namespace ? -1 : 0);

/**
 * Replay runs as `nexural replay` records them: the run catalog, a compacted topic of the stream log
 * (pipeline/ingest/replay/run-catalog.ts), read to its end on each call.
 */
export function catalogReplayRuns(log: StreamLog): ReplayRunReader {
  return {
    async replayRuns({ limit, cursor }) {
      const after = cursor ? decodeCursor(cursor) : null;
      const runs = [...(await readCatalog(log)).runs.values()].map(replayRunOf).sort(newestFirst);
      const start =
        after === null
          ? 0
          : runs.findIndex(
              (run) => newestFirst(run, { ...run, startedAt: after[0], namespace: after[1] }) > 0,
            );
      const rest = start < 0 ? [] : runs.slice(start);
      const items = rest.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rest.length > limit && last ? encodeCursor(last) : null };
    },
  };
}
