/** What a slot holds besides a value's length (>= 0) in `valueLength`. */
const NULL_VALUE = -1;
const CONTROL = -2;
const HOLE = -3;

/** Values are copied one after another into chunks, each twice the last up to this size; a larger value gets a chunk of its own. */
const CHUNK_BYTES = 256 * 1024;
const FIRST_CHUNK_BYTES = 4 * 1024;
/** rough per-record overhead, so tiny records still count against the cache bound */
const ENTRY_OVERHEAD = 160;
/** distinct keys remembered for reuse of one string per key (most partitions hold few keys) */
const KNOWN_KEYS = 1024;

export type Headers = Readonly<Record<string, string>>;

export interface SlotRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/**
 * A partition's cached entries as columns: numbers in typed arrays, the values' bytes copied into a few
 * large chunks, keys one string per distinct key. With the whole log in memory a replay holds millions of
 * records; as objects (a record, its value's view, its key and offset strings) every old-space GC marked
 * each one. Readers get a record built on demand, its value a view into a chunk.
 *
 * A compacted partition keeps each value's own buffer instead: compaction drops records one by one, and a
 * chunk would keep their bytes as long as any record in it lives.
 */
export class RecordColumns {
  /** physical index of logical slot 0 (slots before it were evicted; compacted away once half the space) */
  private head = 0;
  private size = 0;
  private valueLength = new Int32Array(1024);
  private valueChunk = new Int32Array(1024);
  private valueStart = new Int32Array(1024);
  private timestamps = new Float64Array(1024);
  private written = new Float64Array(1024);
  private keys: (string | null)[] = [];
  private readonly boxed: (Buffer | null)[] | null;
  /** non-empty headers by serial (slots appended before this one, evicted ones included) */
  private readonly headers = new Map<number, Headers>();
  private evicted = 0;
  /** chunk id → its bytes; ids grow with the slots that use them, so evicting slots frees a prefix */
  private readonly chunks: (Buffer | null)[] = [];
  private writeChunk: Buffer | null = null;
  private writeAt = 0;
  private readonly knownKeys = new Map<string, string>();

  constructor(boxValues: boolean) {
    this.boxed = boxValues ? [] : null;
  }

  get length(): number {
    return this.size;
  }

  isData(index: number): boolean {
    const length = this.valueLength[this.head + index];
    return index >= 0 && index < this.size && length !== undefined && length >= NULL_VALUE;
  }

  pushRecord(record: SlotRecord, writtenAt: number): void {
    const at = this.reserve(writtenAt);
    this.timestamps[at] = record.timestamp;
    this.keys.push(this.knownKey(record.key));
    if (!isEmpty(record.headers)) this.headers.set(this.evicted + this.size - 1, record.headers);
    const { value } = record;
    if (this.boxed !== null) {
      this.boxed.push(value);
      this.valueLength[at] = value === null ? NULL_VALUE : value.length;
      return;
    }
    if (value === null) {
      this.valueLength[at] = NULL_VALUE;
      return;
    }
    this.valueLength[at] = value.length;
    this.valueChunk[at] = this.place(value.length);
    this.valueStart[at] = this.writeAt;
    (this.writeChunk as Buffer).set(value, this.writeAt);
    this.writeAt += value.length;
  }

  pushControl(writtenAt: number): void {
    // reserve first: it may replace the columns with larger ones
    const at = this.reserve(writtenAt);
    this.valueLength[at] = CONTROL;
    this.keys.push(null);
    this.boxed?.push(null);
  }

  pushHole(): void {
    const at = this.reserve(0);
    this.valueLength[at] = HOLE;
    this.keys.push(null);
    this.boxed?.push(null);
  }

  /** Compaction: the slot's record is gone for readers (its bytes stay until its chunk is evicted). */
  drop(index: number): void {
    const at = this.head + index;
    this.valueLength[at] = HOLE;
    this.keys[at] = null;
    if (this.boxed !== null) this.boxed[at] = null;
    this.headers.delete(this.evicted + index);
  }

  key(index: number): string | null {
    return this.keys[this.head + index] ?? null;
  }

  timestamp(index: number): number {
    return this.timestamps[this.head + index] as number;
  }

  writtenAt(index: number): number {
    return this.written[this.head + index] as number;
  }

  /** Bytes the cache bound counts for a data slot (0 for anything else). */
  bytes(index: number): number {
    const at = this.head + index;
    const length = this.valueLength[at] as number;
    if (length < NULL_VALUE) return 0;
    return ENTRY_OVERHEAD + (this.keys[at]?.length ?? 0) + Math.max(length, 0);
  }

  value(index: number): Buffer | null {
    const at = this.head + index;
    const length = this.valueLength[at] as number;
    if (length < 0) return null;
    if (this.boxed !== null) return this.boxed[at] ?? null;
    const chunk = this.chunks[this.valueChunk[at] as number] as Buffer;
    return Buffer.from(chunk.buffer, chunk.byteOffset + (this.valueStart[at] as number), length);
  }

  /** The bytes holding a slot's value in place (its chunk, or its own buffer when boxed); null for a null value. */
  valueBytes(index: number): Buffer | null {
    const at = this.head + index;
    if ((this.valueLength[at] as number) < 0) return null;
    if (this.boxed !== null) return this.boxed[at] ?? null;
    return this.chunks[this.valueChunk[at] as number] as Buffer;
  }

  /** Where a data slot's value starts in `valueBytes(index)`. */
  valueAt(index: number): number {
    return this.boxed === null ? (this.valueStart[this.head + index] as number) : 0;
  }

  /** A data slot's value length (−1 for a null value). */
  valueSize(index: number): number {
    return Math.max(this.valueLength[this.head + index] as number, NULL_VALUE);
  }

  headersOf(index: number): Headers | undefined {
    return this.headers.get(this.evicted + index);
  }

  /** Drops the first `count` slots. */
  evict(count: number): void {
    if (count <= 0) return;
    for (const serial of this.headers.keys()) {
      if (serial < this.evicted + count) this.headers.delete(serial);
    }
    this.head += count;
    this.size -= count;
    this.evicted += count;
    this.freeChunksBefore(this.head);
    if (this.head >= 1024 && this.head * 2 >= this.keys.length) this.compactSpace();
  }

  /** Every slot names the write chunk of its time (a slot without bytes too), so ids never go down. */
  private freeChunksBefore(at: number): void {
    const firstUsed = this.size > 0 ? (this.valueChunk[at] as number) : this.chunks.length - 1;
    for (let id = firstUsed - 1; id >= 0 && this.chunks[id] !== null; id--) this.chunks[id] = null;
  }

  private compactSpace(): void {
    const end = this.head + this.size;
    for (const column of [this.valueLength, this.valueChunk, this.valueStart])
      column.copyWithin(0, this.head, end);
    this.timestamps.copyWithin(0, this.head, end);
    this.written.copyWithin(0, this.head, end);
    this.keys.splice(0, this.head);
    this.boxed?.splice(0, this.head);
    this.head = 0;
  }

  /** A slot at the end; returns its physical index. */
  private reserve(writtenAt: number): number {
    const at = this.head + this.size;
    if (at === this.valueLength.length) this.grow();
    this.written[at] = writtenAt;
    this.valueChunk[at] = this.chunks.length - 1;
    this.size += 1;
    return at;
  }

  private grow(): void {
    const capacity = this.valueLength.length * 2;
    const wider = <T extends Int32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(column);
      return next;
    };
    this.valueLength = wider(this.valueLength, (n) => new Int32Array(n));
    this.valueChunk = wider(this.valueChunk, (n) => new Int32Array(n));
    this.valueStart = wider(this.valueStart, (n) => new Int32Array(n));
    this.timestamps = wider(this.timestamps, (n) => new Float64Array(n));
    this.written = wider(this.written, (n) => new Float64Array(n));
  }

  /** Makes room for `length` bytes at `writeAt` in the write chunk; returns that chunk's id. */
  private place(length: number): number {
    if (this.writeChunk !== null && this.writeAt + length <= this.writeChunk.length) {
      return this.chunks.length - 1;
    }
    const doubled = Math.min(CHUNK_BYTES, 2 * (this.writeChunk?.length ?? FIRST_CHUNK_BYTES / 2));
    this.writeChunk = Buffer.alloc(Math.max(doubled, length));
    this.writeAt = 0;
    this.chunks.push(this.writeChunk);
    return this.chunks.length - 1;
  }

  private knownKey(key: string | null): string | null {
    if (key === null) return null;
    const known = this.knownKeys.get(key);
    if (known !== undefined) return known;
    if (this.knownKeys.size >= KNOWN_KEYS) this.knownKeys.clear();
    this.knownKeys.set(key, key);
    return key;
  }
}

/** No own key (without the array `Object.keys` makes: one per record appended). */
function isEmpty(headers: Headers): boolean {
  for (const key in headers) if (Object.hasOwn(headers, key)) return false;
  return true;
}
