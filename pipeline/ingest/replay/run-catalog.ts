import { z } from 'zod';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { openTableReader } from '../../runtime/processor/table-reader.js';

/** Compacted table of replay runs and the input slices they read (key → latest JSON; tombstone = gone). */
export const RUNS_TOPIC = 'nexural.runs';

const countsSchema = z.object({
  ticks: z.number(),
  bars: z.number(),
  finalBars: z.number(),
  indicators: z.number(),
  alerts: z.number(),
  deadLetters: z.number(),
});

export const runManifestSchema = z.object({
  run: z.string().describe('run name = namespace of its derived topics'),
  status: z.enum(['running', 'done', 'failed', 'stopped']),
  createdAt: z.string().describe('wall clock, ISO'),
  finishedAt: z.string().nullable(),
  /** what was asked: --from/--to/--symbols/--speed as given */
  request: z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    symbols: z.array(z.string()),
    speed: z.string(),
    /** all, none or N ms (forming-bars.ts); absent in manifests written before the option */
    formingBars: z.string().optional(),
  }),
  /** the raw topic range it resolved to, offsets as decimal strings */
  range: z.object({
    topic: z.string(),
    partitions: z.array(z.object({ partition: z.number(), start: z.string(), end: z.string() })),
    fromUs: z.number().nullable(),
    toUs: z.number().nullable(),
  }),
  slice: z.string().describe('input topic the processor read (shared by replays of the same range)'),
  rules: z.string().describe('alert rules snapshot topic'),
  engine: z.unknown(),
  copied: z.number().nullable(),
  counts: countsSchema.nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
});

export type RunManifest = z.infer<typeof runManifestSchema>;

/** A content-addressed topic (slice or rules snapshot) and whether it was written to the end. */
export const sharedTopicSchema = z.object({ topic: z.string(), complete: z.boolean(), records: z.number() });
export type SharedTopic = z.infer<typeof sharedTopicSchema>;

export const runKey = (run: string) => `run:${run}`;
export const sharedKey = (topic: string) => `topic:${topic}`;

export async function ensureCatalog(log: StreamLog): Promise<void> {
  await log.admin.createTopics([{ name: RUNS_TOPIC, partitions: 1, compacted: true }]);
}

export interface Catalog {
  readonly runs: ReadonlyMap<string, RunManifest>;
  readonly shared: ReadonlyMap<string, SharedTopic>;
}

/** Reads the whole table (entries that do not parse are skipped: written by a newer version). */
export async function readCatalog(log: StreamLog): Promise<Catalog> {
  const runs = new Map<string, RunManifest>();
  const shared = new Map<string, SharedTopic>();
  if (!(await log.admin.listTopics()).some((topic) => topic.name === RUNS_TOPIC)) return { runs, shared };
  const reader = await openTableReader({ log, topics: [RUNS_TOPIC], groupPrefix: 'nexural-runs' });
  try {
    await reader.readToEnd(RUNS_TOPIC, 30_000);
    for (const [key, value] of reader.entries(RUNS_TOPIC)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value.toString('utf8'));
      } catch {
        continue;
      }
      if (key.startsWith('run:')) {
        const manifest = runManifestSchema.safeParse(parsed);
        if (manifest.success) runs.set(manifest.data.run, manifest.data);
      } else if (key.startsWith('topic:')) {
        const entry = sharedTopicSchema.safeParse(parsed);
        if (entry.success) shared.set(entry.data.topic, entry.data);
      }
    }
  } finally {
    await reader.close();
  }
  return { runs, shared };
}

export async function writeCatalog(log: StreamLog, key: string, value: unknown | null): Promise<void> {
  const producer = await log.createProducer();
  try {
    await producer.send([
      { topic: RUNS_TOPIC, key, value: value === null ? null : Buffer.from(JSON.stringify(value), 'utf8') },
    ]);
  } finally {
    await producer.close();
  }
}
