/** An entry ordered by `key`, ties broken by `id`; (key, id) is unique within one collection. */
export interface KeyedEntry {
  readonly key: number;
  readonly id: string;
}

/**
 * Chunk bound: a chunk is split when it grows past this. Inserting or removing moves at most one chunk's
 * elements, so 100,000 thresholds on one series stay cheap to change (a single sorted array would move
 * tens of thousands of elements per insert).
 */
const MAX_CHUNK = 512;

/** An open interval of keys: see SortedEntries.narrowGap. */
export interface Gap {
  low: number;
  high: number;
}

const precedes = (a: KeyedEntry, key: number, id: string): boolean =>
  a.key < key || (a.key === key && a.id < id);

/**
 * A sorted multiset of thresholds in chunks (a B-tree of height two): binary search to find the chunk and
 * the position inside it, so a range visit costs O(log n + entries visited).
 */
export class SortedEntries<Entry extends KeyedEntry> {
  readonly #chunks: Entry[][] = [];
  #size = 0;
  #firstKey = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.#size;
  }

  /** The smallest key, or +Infinity when empty. */
  get firstKey(): number {
    return this.#firstKey;
  }

  insert(entry: Entry): void {
    const chunkIndex = this.#chunkFor(entry.key, entry.id);
    const chunk = this.#chunks[chunkIndex];
    if (entry.key < this.#firstKey) this.#firstKey = entry.key;
    if (!chunk) {
      this.#chunks.push([entry]);
      this.#size++;
      return;
    }
    chunk.splice(this.#positionIn(chunk, entry.key, entry.id), 0, entry);
    this.#size++;
    if (chunk.length > MAX_CHUNK) this.#chunks.splice(chunkIndex + 1, 0, chunk.splice(chunk.length >> 1));
  }

  /** Removes the entry with this key and id; returns it, or undefined if absent. */
  remove(key: number, id: string): Entry | undefined {
    const chunkIndex = this.#chunkFor(key, id);
    const chunk = this.#chunks[chunkIndex];
    if (!chunk) return undefined;
    const position = this.#positionIn(chunk, key, id);
    const found = chunk[position];
    if (!found || found.key !== key || found.id !== id) return undefined;
    chunk.splice(position, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(chunkIndex, 1);
    this.#firstKey = this.#chunks[0]?.[0]?.key ?? Number.POSITIVE_INFINITY;
    return found;
  }

  /**
   * Visits, in ascending order, the entries whose key lies between `low` and `high` (each bound inclusive or
   * not); ±Infinity bounds make one-sided ranges.
   */
  visitRange(
    low: number,
    lowInclusive: boolean,
    high: number,
    highInclusive: boolean,
    visit: (entry: Entry) => void,
  ): void {
    const chunks = this.#chunks;
    let chunkIndex = this.#firstChunkReaching(low, lowInclusive);
    if (chunkIndex >= chunks.length) return;
    let chunk = chunks[chunkIndex] as Entry[];
    let position = firstReaching(chunk, low, lowInclusive);
    for (;;) {
      for (; position < chunk.length; position++) {
        const entry = chunk[position] as Entry;
        if (entry.key > high || (entry.key === high && !highInclusive)) return;
        visit(entry);
      }
      chunkIndex++;
      const next = chunks[chunkIndex];
      if (!next) return;
      chunk = next;
      position = 0;
    }
  }

  /** Whether some key lies between `low` and `high`, both inclusive: one binary search, no visit. */
  hasKeyBetween(low: number, high: number): boolean {
    const chunks = this.#chunks;
    const chunkIndex = this.#firstChunkReaching(low, true);
    const chunk = chunks[chunkIndex];
    if (!chunk) return false;
    const entry = chunk[firstReaching(chunk, low, true)];
    return entry !== undefined && entry.key <= high;
  }

  /**
   * Narrows `gap` to the keys around `value`: `gap.low` to at least the largest key below it, `gap.high` to at
   * most the smallest key above it. False when `value` is itself a key (no open gap holds it).
   */
  narrowGap(value: number, gap: Gap): boolean {
    const chunks = this.#chunks;
    const chunkIndex = this.#firstChunkReaching(value, true);
    const chunk = chunks[chunkIndex];
    let position = chunk ? firstReaching(chunk, value, true) : 0;
    const above = chunk?.[position];
    if (above !== undefined) {
      if (above.key === value) return false;
      if (above.key < gap.high) gap.high = above.key;
    }
    // the entry before `position`, in this chunk or at the end of the previous one
    let before = chunk?.[--position];
    if (before === undefined) {
      const previous = chunks[chunkIndex - 1];
      before = previous?.[previous.length - 1];
    }
    if (before !== undefined && before.key > gap.low) gap.low = before.key;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<Entry> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** Index of the first chunk whose last entry is not before (key, id); the last chunk if none is. */
  #chunkFor(key: number, id: string): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid] as Entry[];
      if (precedes(chunk[chunk.length - 1] as Entry, key, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #positionIn(chunk: readonly Entry[], key: number, id: string): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (precedes(chunk[mid] as Entry, key, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #firstChunkReaching(low: number, inclusive: boolean): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid] as Entry[];
      if (below(chunk[chunk.length - 1] as Entry, low, inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** True when the entry lies below a range starting at `low`. */
const below = (entry: KeyedEntry, low: number, inclusive: boolean): boolean =>
  entry.key < low || (entry.key === low && !inclusive);

function firstReaching(chunk: readonly KeyedEntry[], low: number, inclusive: boolean): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(chunk[mid] as KeyedEntry, low, inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
