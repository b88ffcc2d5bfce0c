import {
  appendFileSync,
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { NexuralError } from '../../../../schemas/errors.js';
import type { PartitionOffset, TopicSpec } from '../../../../schemas/ports/stream-log.js';
import { partitionOffsetSchema, topicSpecSchema } from '../topic-spec.js';
import type { AppendInput, PartitionJournal } from './partition-log.js';

/** A partition file entry: a record (maybe in a transaction) or a transaction's commit/abort marker. */
export type Frame =
  | { readonly kind: 'data'; readonly transactionId: number | null; readonly input: AppendInput }
  | { readonly kind: 'control'; readonly transactionId: number; readonly committed: boolean };

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

const DATA = 0;
const COMMIT = 1;
const ABORT = 2;
const NONE = -1;

function encodeData(input: AppendInput, transactionId: number | null): Buffer {
  const key = input.key === null ? null : Buffer.from(input.key, 'utf8');
  const headers = Object.keys(input.headers).length === 0 ? null : Buffer.from(JSON.stringify(input.headers));
  const size = 4 + 1 + 8 + 8 + 12 + (key?.length ?? 0) + (input.value?.length ?? 0) + (headers?.length ?? 0);
  const frame = Buffer.allocUnsafe(size);
  let at = frame.writeUInt32LE(size - 4, 0);
  at = frame.writeUInt8(DATA, at);
  at = frame.writeDoubleLE(transactionId ?? NONE, at);
  at = frame.writeDoubleLE(input.timestamp, at);
  for (const part of [key, input.value, headers]) {
    at = frame.writeInt32LE(part === null ? NONE : part.length, at);
    if (part !== null) at += part.copy(frame, at);
  }
  return frame;
}

function encodeControl(transactionId: number, committed: boolean): Buffer {
  const frame = Buffer.allocUnsafe(4 + 1 + 8);
  frame.writeUInt32LE(9, 0);
  frame.writeUInt8(committed ? COMMIT : ABORT, 4);
  frame.writeDoubleLE(transactionId, 5);
  return frame;
}

/** Decodes whole frames; a torn last frame (crash mid-write) is reported by `validBytes` < file size. */
export function decodeFrames(file: Buffer): { frames: Frame[]; validBytes: number } {
  const frames: Frame[] = [];
  let at = 0;
  while (at + 4 <= file.length) {
    const end = at + 4 + file.readUInt32LE(at);
    if (end > file.length) break;
    const kind = file.readUInt8(at + 4);
    const transactionId = file.readDoubleLE(at + 5);
    if (kind !== DATA) {
      frames.push({ kind: 'control', transactionId, committed: kind === COMMIT });
    } else {
      const timestamp = file.readDoubleLE(at + 13);
      let cursor = at + 21;
      const parts: (Buffer | null)[] = [];
      for (let part = 0; part < 3; part += 1) {
        const length = file.readInt32LE(cursor);
        cursor += 4;
        parts.push(length === NONE ? null : Buffer.from(file.subarray(cursor, cursor + length)));
        cursor += Math.max(length, 0);
      }
      const [key, value, headers] = parts;
      frames.push({
        kind: 'data',
        transactionId: transactionId === NONE ? null : transactionId,
        input: {
          key: key === null || key === undefined ? null : key.toString('utf8'),
          value: value ?? null,
          timestamp,
          headers: headers === null || headers === undefined ? {} : JSON.parse(headers.toString('utf8')),
        },
      });
    }
    at = end;
  }
  return { frames, validBytes: at };
}

/** Topics of the embedded log stored in `directory`, or null when none is (read without opening the log). */
export function persistedTopics(directory: string): TopicSpec[] | null {
  if (!existsSync(join(directory, 'topics.json'))) return null;
  return new LogDirectory(directory).readTopics();
}

/** Buffers a partition's frames; `flush` writes them with one system call. */
class PartitionFile implements PartitionJournal {
  private pending: Buffer[] = [];

  constructor(
    private readonly fd: number,
    private readonly dirty: Set<PartitionFile>,
  ) {}

  data(input: AppendInput, transactionId: number | null): void {
    this.pending.push(encodeData(input, transactionId));
    this.dirty.add(this);
  }

  control(transactionId: number, committed: boolean): void {
    this.pending.push(encodeControl(transactionId, committed));
    this.dirty.add(this);
  }

  flush(): void {
    const bytes = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    writeSync(this.fd, bytes);
  }

  close(): void {
    if (this.pending.length > 0) this.flush();
    closeSync(this.fd);
  }
}

/**
 * The files of a persisted embedded log in one directory (NEXURAL_DATA_DIR/log): topics.json, one append-only file per
 * partition (`<topic>/<partition>.log`), and coordinator.log (offset commits and transaction outcomes,
 * one JSON line each). Writes reach the OS before a send or commit resolves, so they survive the process
 * being killed; they are not fsynced, so a machine crash can lose the last writes.
 */
export class LogDirectory {
  private readonly root: string;
  private readonly files = new Map<string, PartitionFile>();
  private readonly dirty = new Set<PartitionFile>();

  constructor(directory: string) {
    this.root = directory;
    mkdirSync(this.root, { recursive: true });
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

  /** Reads a partition's frames, cutting off a torn tail so appends continue from a whole frame. */
  readPartition(topic: string, partition: number): Frame[] {
    const path = this.partitionPath(topic, partition);
    if (!existsSync(path)) return [];
    const file = readFileSync(path);
    const { frames, validBytes } = decodeFrames(file);
    if (validBytes < file.length) {
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, validBytes);
      closeSync(fd);
    }
    return frames;
  }

  journal(topic: string, partition: number): PartitionJournal {
    const path = this.partitionPath(topic, partition);
    let file = this.files.get(path);
    if (file === undefined) {
      mkdirSync(join(this.root, topic), { recursive: true });
      file = new PartitionFile(openSync(path, 'a'), this.dirty);
      this.files.set(path, file);
    }
    return file;
  }

  flush(): void {
    for (const file of this.dirty) file.flush();
    this.dirty.clear();
  }

  deleteTopic(topic: string): void {
    for (const [path, file] of this.files) {
      if (path.startsWith(join(this.root, topic, '/'))) {
        this.dirty.delete(file);
        file.close();
        this.files.delete(path);
      }
    }
    rmSync(join(this.root, topic), { recursive: true, force: true });
  }

  close(): void {
    this.flush();
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  private appendCoordinator(entry: CoordinatorEntry): void {
    appendFileSync(join(this.root, 'coordinator.log'), `${JSON.stringify(entry)}\n`);
  }

  private partitionPath(topic: string, partition: number): string {
    return join(this.root, topic, `${partition}.log`);
  }
}
