import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type DecodedFrame, decodeFrames, encodeFrame, type Frame } from './frame-codec.js';

/** One file of a partition: frames from `base` on, with a sparse offset → byte position index. */
interface Segment {
  readonly base: number;
  readonly path: string;
  bytes: number;
  /** offset after the last frame written to it */
  next: number;
  /** newest record timestamp in it (offsetsForTimes skips older segments) */
  maxTimestamp: number;
  /** wall-clock time of the last write: what age-based retention looks at */
  lastWriteMs: number;
  /** [offset, position] every ~INDEX_EVERY bytes, ascending */
  index: [number, number][];
}

const INDEX_EVERY = 64 * 1024;
const READ_CHUNK = 1024 * 1024;
const SUFFIX = '.seg';
const fileName = (base: number) => `${String(base).padStart(20, '0')}${SUFFIX}`;

/**
 * The on-disk frames of one partition as a list of segment files (`<dir>/<base offset>.seg`), like a Kafka
 * partition directory. Appends go to the last (active) segment and roll over at `segmentBytes`; closed
 * segments are only ever deleted whole (retention) or rewritten whole (compaction). Memory held: one small
 * entry per segment plus its sparse index, whatever the history.
 */
export class SegmentStore {
  private readonly segments: Segment[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private fd: number | null = null;

  constructor(
    private readonly directory: string,
    private readonly segmentBytes: number,
    private readonly now: () => number,
  ) {
    mkdirSync(directory, { recursive: true });
  }

  /** Reads every segment in order, cutting a torn tail off the last one (a crash mid-append). */
  recover(visit: (frame: Frame) => void): void {
    const bases = readdirSync(this.directory)
      .filter((name) => name.endsWith(SUFFIX))
      .map((name) => Number(name.slice(0, -SUFFIX.length)))
      .filter(Number.isSafeInteger)
      .sort((a, b) => a - b);
    for (const base of bases) {
      const path = join(this.directory, fileName(base));
      const bytes = readFileSync(path);
      const { frames, validBytes } = decodeFrames(bytes);
      if (validBytes < bytes.length) {
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, validBytes);
        closeSync(fd);
      }
      const segment = this.describe(base, path, frames, validBytes, statSync(path).mtimeMs);
      if (frames.length === 0 && base !== bases.at(-1)) {
        rmSync(path, { force: true });
        continue;
      }
      this.segments.push(segment);
      for (const { frame } of frames) visit(frame);
    }
  }

  /** Offset of the oldest frame kept on disk, or null when there is none. */
  get firstOffset(): number | null {
    return this.segments[0]?.base ?? null;
  }

  get totalBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.bytes, 0) + this.pendingBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Buffers a frame; returns true when the active segment rolled over (closed segments changed). */
  append(frame: Frame): boolean {
    let active = this.segments.at(-1);
    let rolled = false;
    if (
      active === undefined ||
      (active.bytes + this.pendingBytes >= this.segmentBytes && active.next > active.base)
    ) {
      this.flush();
      this.closeActive();
      active = this.openSegment(frame.offset);
      rolled = this.segments.length > 1;
    }
    const bytes = encodeFrame(frame);
    const position = active.bytes + this.pendingBytes;
    const lastIndexed = active.index.at(-1);
    if (lastIndexed === undefined || position - lastIndexed[1] >= INDEX_EVERY)
      active.index.push([frame.offset, position]);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    active.next = frame.offset + 1;
    if (frame.kind === 'data') active.maxTimestamp = Math.max(active.maxTimestamp, frame.input.timestamp);
    return rolled;
  }

  /** Writes what is buffered with one system call: on return it survives the process being killed. */
  flush(): void {
    const active = this.segments.at(-1);
    if (this.pendingBytes === 0 || active === undefined) return;
    const bytes = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    writeSync(this.fd ?? this.openFd(active), bytes);
    active.bytes += bytes.length;
    active.lastWriteMs = this.now();
  }

  /** Frames from `from` (ascending) handed to `visit` until it returns false or `before` is reached. */
  read(from: number, before: number, visit: (frame: Frame) => boolean): void {
    this.flush();
    let at = this.segments.findLastIndex((segment) => segment.base <= from);
    if (at < 0) at = 0;
    for (; at < this.segments.length; at += 1) {
      const segment = this.segments[at] as Segment;
      if (segment.base >= before) return;
      const start = segment.index.findLast(([offset]) => offset <= from)?.[1] ?? 0;
      if (
        !this.readSegment(
          segment,
          start,
          (frame) => frame.offset >= before || (frame.offset >= from && !visit(frame)),
        )
      )
        return;
    }
  }

  /** First data frame at or after `from` whose timestamp is ≥ `timestamp`, checked by `accept`. */
  findTime(timestamp: number, before: number, accept: (frame: Frame) => boolean): number | null {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      let found: number | null = null;
      this.read(segment.base, Math.min(before, segment.next), (frame) => {
        if (frame.kind === 'data' && frame.input.timestamp >= timestamp && accept(frame))
          found = frame.offset;
        return found === null;
      });
      if (found !== null) return found;
    }
    return null;
  }

  /**
   * Deletes closed segments, oldest first, while `expired` says so; the active segment always stays.
   * Returns the new first offset on disk.
   */
  deleteOldest(
    expired: (segment: { bytes: number; lastWriteMs: number; next: number }, totalBytes: number) => boolean,
  ): number | null {
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      if (!expired(oldest, this.totalBytes)) break;
      rmSync(oldest.path, { force: true });
      this.segments.shift();
    }
    return this.firstOffset;
  }

  /**
   * Rewrites every closed segment that ends before `before`, keeping what `keep` returns for each frame
   * (a frame, possibly changed, or null to drop it); empty segments are deleted. Written to a temporary file
   * and renamed, so a crash leaves either the old or the new segment.
   */
  rewriteClosed(before: number, keep: (frame: Frame) => Frame | null): void {
    const closed = this.segments.slice(0, -1).filter((segment) => segment.next <= before);
    for (const segment of closed) {
      const { frames } = decodeFrames(readFileSync(segment.path));
      const kept = frames.flatMap(({ frame }) => {
        const result = keep(frame);
        return result === null ? [] : [encodeFrame(result)];
      });
      const index = this.segments.indexOf(segment);
      if (kept.length === 0) {
        rmSync(segment.path, { force: true });
        this.segments.splice(index, 1);
        continue;
      }
      const bytes = Buffer.concat(kept);
      if (bytes.length === segment.bytes) continue;
      writeFileSync(`${segment.path}.tmp`, bytes);
      renameSync(`${segment.path}.tmp`, segment.path);
      const decoded = decodeFrames(bytes).frames;
      const rebuilt = this.describe(segment.base, segment.path, decoded, bytes.length, segment.lastWriteMs);
      rebuilt.next = segment.next;
      this.segments[index] = rebuilt;
    }
  }

  close(): void {
    this.flush();
    this.closeActive();
  }

  /** Deletes the partition's files (topic deleted). */
  destroy(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.closeActive();
    this.segments.length = 0;
    rmSync(this.directory, { recursive: true, force: true });
  }

  private readSegment(segment: Segment, start: number, stop: (frame: Frame) => boolean): boolean {
    if (!existsSync(segment.path)) return true;
    const fd = openSync(segment.path, 'r');
    try {
      const size = fstatSync(fd).size;
      let position = start;
      while (position < size) {
        const chunk = Buffer.allocUnsafe(
          Math.min(Math.max(READ_CHUNK, this.frameLength(fd, position)), size - position),
        );
        const read = readSync(fd, chunk, 0, chunk.length, position);
        const { frames, validBytes } = decodeFrames(chunk.subarray(0, read));
        if (validBytes === 0) return true;
        for (const { frame } of frames) if (stop(frame)) return false;
        position += validBytes;
      }
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** Size of the frame at `position` (a frame bigger than a read chunk gets a chunk of its own). */
  private frameLength(fd: number, position: number): number {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, position) === 4 ? head.readUInt32LE(0) + 4 : 0;
  }

  private describe(
    base: number,
    path: string,
    frames: DecodedFrame[],
    bytes: number,
    lastWriteMs: number,
  ): Segment {
    const segment: Segment = {
      base,
      path,
      bytes,
      next: base,
      maxTimestamp: Number.NEGATIVE_INFINITY,
      lastWriteMs,
      index: [],
    };
    for (const { frame, position } of frames) {
      const lastIndexed = segment.index.at(-1);
      if (lastIndexed === undefined || position - lastIndexed[1] >= INDEX_EVERY)
        segment.index.push([frame.offset, position]);
      segment.next = frame.offset + 1;
      if (frame.kind === 'data') segment.maxTimestamp = Math.max(segment.maxTimestamp, frame.input.timestamp);
    }
    return segment;
  }

  private openSegment(base: number): Segment {
    const path = join(this.directory, fileName(base));
    const segment: Segment = {
      base,
      path,
      bytes: 0,
      next: base,
      maxTimestamp: Number.NEGATIVE_INFINITY,
      lastWriteMs: this.now(),
      index: [],
    };
    this.segments.push(segment);
    this.openFd(segment);
    return segment;
  }

  private openFd(segment: Segment): number {
    this.fd = openSync(segment.path, 'a');
    return this.fd;
  }

  private closeActive(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
