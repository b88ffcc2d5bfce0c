import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { NexuralError } from '../../../../schemas/errors.js';
import type { PartitionOffset, TopicSpec } from '../../../../schemas/ports/stream-log.js';
import { partitionOffsetSchema, topicSpecSchema } from '../topic-spec.js';
import { SegmentStore } from './segment-store.js';

export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
/** coordinator.log is rewritten down to the current offsets past this size */
const COORDINATOR_BOUND = 4 * 1024 * 1024;

const coordinatorEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('commit'), groupId: z.string(), offsets: z.array(partitionOffsetSchema) }),
  z.object({
    kind: z.literal('decision'),
    transactionId: z.number(),
    committed: z.boolean(),
    offsets: z.record(z.string(), z.array(partitionOffsetSchema)),
  }),
]);

export type CoordinatorEntry = z.infer<typeof coordinatorEntrySchema>;

/** Topics of the embedded log stored in `directory`, or null when none is (read without opening the log). */
export function persistedTopics(directory: string): TopicSpec[] | null {
  if (!existsSync(join(directory, 'topics.json'))) return null;
  return new LogDirectory(directory).readTopics();
}

/**
 * The files of a persisted embedded log in one directory (NEXURAL_DATA_DIR/log): topics.json, the segment files
 * of each partition (`<topic>/<partition>/<base offset>.seg`, see SegmentStore), and coordinator.log (offset commits and transaction outcomes,
 * one JSON line each). Writes reach the OS before a send or commit resolves, so they survive the process
 * being killed; they are not fsynced, so a machine crash can lose the last writes.
 */
export class LogDirectory {
  private readonly root: string;
  private readonly stores = new Map<string, SegmentStore>();
  private coordinatorBytes: number;

  constructor(
    directory: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
    private readonly now: () => number = Date.now,
  ) {
    this.root = directory;
    mkdirSync(this.root, { recursive: true });
    const coordinator = join(this.root, 'coordinator.log');
    this.coordinatorBytes = existsSync(coordinator) ? statSync(coordinator).size : 0;
  }

  readTopics(): TopicSpec[] {
    const path = join(this.root, 'topics.json');
    if (!existsSync(path)) return [];
    const parsed = z.array(topicSpecSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new NexuralError('NXR_FILE_INVALID', `${path} is not a list of topic specs`);
    return parsed.data;
  }

  writeTopics(specs: readonly TopicSpec[]): void {
    const path = join(this.root, 'topics.json');
    writeFileSync(`${path}.tmp`, JSON.stringify(specs, null, 2));
    renameSync(`${path}.tmp`, path);
  }

  readCoordinator(): CoordinatorEntry[] {
    const path = join(this.root, 'coordinator.log');
    if (!existsSync(path)) return [];
    const lines = readFileSync(path, 'utf8').split('\n');
    // a line cut short by a crash is the last one and was never acknowledged: skip it
    return lines.flatMap((line) => {
      if (line.trim() === '') return [];
      try {
        const parsed = coordinatorEntrySchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }

  recordCommit(groupId: string, offsets: readonly PartitionOffset[]): void {
    this.appendCoordinator({ kind: 'commit', groupId, offsets: [...offsets] });
  }

  recordDecision(
    transactionId: number,
    committed: boolean,
    offsets: ReadonlyMap<string, readonly PartitionOffset[]>,
  ): void {
    const byGroup = Object.fromEntries([...offsets].map(([groupId, list]) => [groupId, [...list]]));
    this.appendCoordinator({ kind: 'decision', transactionId, committed, offsets: byGroup });
  }

  /** The segments of one partition (`<topic>/<partition>/`), opened once. */
  segments(topic: string, partition: number): SegmentStore {
    const path = join(this.root, topic, String(partition));
    let store = this.stores.get(path);
    if (store === undefined) {
      store = new SegmentStore(path, this.segmentBytes, this.now);
      this.stores.set(path, store);
    }
    return store;
  }

  flush(): void {
    for (const store of this.stores.values()) store.flush();
  }

  deleteTopic(topic: string): void {
    for (const [path, store] of this.stores) {
      if (path.startsWith(join(this.root, topic, '/'))) {
        store.destroy();
        this.stores.delete(path);
      }
    }
    rmSync(join(this.root, topic), { recursive: true, force: true });
  }

  /**
   * Replaces coordinator.log by `entries` (the current group offsets) once it has grown past a bound, so the
   * file — and the work at start — does not grow with history. Only call it when every decided transaction's
   * markers are written (then no decision is needed at the next start).
   */
  compactCoordinator(entries: () => readonly CoordinatorEntry[]): void {
    if (this.coordinatorBytes < COORDINATOR_BOUND) return;
    const path = join(this.root, 'coordinator.log');
    const text = entries()
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join('');
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    this.coordinatorBytes = Buffer.byteLength(text);
  }

  close(): void {
    for (const store of this.stores.values()) store.close();
    this.stores.clear();
  }

  private appendCoordinator(entry: CoordinatorEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    appendFileSync(join(this.root, 'coordinator.log'), line);
    this.coordinatorBytes += Buffer.byteLength(line);
  }
}
