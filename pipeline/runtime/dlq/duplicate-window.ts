/** Serializable state of a DuplicateWindow, oldest ids first, so a processor can checkpoint it. */
export interface DuplicateWindowSnapshot {
  readonly capacityPerSymbol: number;
  readonly symbols: Readonly<Record<string, readonly string[]>>;
}

/**
 * Remembers the last `capacityPerSymbol` trade ids of each venue:symbol. Bounded on purpose: venues
 * replay recent trades after a reconnect, not last week's, and memory must not grow with the stream.
 */
export class DuplicateWindow {
  private readonly bySymbol = new Map<string, SymbolIds>();

  constructor(readonly capacityPerSymbol = 10_000) {
    if (!Number.isInteger(capacityPerSymbol) || capacityPerSymbol < 1) {
      throw new RangeError(`capacityPerSymbol must be a positive integer, got ${capacityPerSymbol}`);
    }
  }

  static restore(snapshot: DuplicateWindowSnapshot): DuplicateWindow {
    const window = new DuplicateWindow(snapshot.capacityPerSymbol);
    for (const [symbolKey, ids] of Object.entries(snapshot.symbols)) {
      for (const id of ids) window.remember(symbolKey, id);
    }
    return window;
  }

  /** True if this id was seen recently for the symbol; otherwise remembers it and returns false. */
  remember(symbolKey: string, tradeId: string): boolean {
    let ids = this.bySymbol.get(symbolKey);
    if (ids === undefined) {
      ids = { seen: null, order: [], next: 0, maxNumeric: -1, fastInARow: 0 };
      this.bySymbol.set(symbolKey, ids);
    }
    const numeric = canonicalNumber(tradeId);
    if (numeric > ids.maxNumeric) {
      // Venues number trades in increasing order: an id above every numeric id this symbol ever had cannot be
      // in the window (an equal id would be the same canonical number), so no set is asked. The set is
      // dropped after a whole window of such ids (rebuilding it later costs one window, paid for by them).
      ids.maxNumeric = numeric;
      if (ids.seen !== null && ++ids.fastInARow >= this.capacityPerSymbol) ids.seen = null;
      ids.seen?.add(tradeId);
    } else {
      ids.fastInARow = 0;
      ids.seen ??= new Set(ids.order);
      const size = ids.seen.size;
      ids.seen.add(tradeId);
      if (ids.seen.size === size) return true;
    }
    // A ring of ids in arrival order finds the oldest in O(1); asking the Set for its first entry walks
    // over every entry deleted before it, which made eviction the processor's hottest line.
    if (ids.order.length < this.capacityPerSymbol) {
      ids.order.push(tradeId);
    } else {
      const oldest = ids.order[ids.next];
      if (oldest !== undefined) ids.seen?.delete(oldest);
      ids.order[ids.next] = tradeId;
      ids.next = ids.next + 1 === this.capacityPerSymbol ? 0 : ids.next + 1;
    }
    return false;
  }

  snapshot(): DuplicateWindowSnapshot {
    const symbols: Record<string, readonly string[]> = {};
    for (const [symbolKey, ids] of this.bySymbol) {
      symbols[symbolKey] = [...ids.order.slice(ids.next), ...ids.order.slice(0, ids.next)];
    }
    return { capacityPerSymbol: this.capacityPerSymbol, symbols };
  }
}

/** The ids of one venue:symbol: `order` is a ring whose oldest entry sits at `next` once it is full. */
interface SymbolIds {
  /** the ids of `order` as a set; null while every id came in increasing numeric order (built on demand) */
  seen: Set<string> | null;
  readonly order: string[];
  next: number;
  /** the largest canonical numeric id ever remembered for the symbol (−1: none) */
  maxNumeric: number;
  /** ids in a row that were above `maxNumeric` while `seen` was kept */
  fastInARow: number;
}

/**
 * The value of an id written as a canonical decimal integer below 10^15 (no sign, no leading zero: exactly
 * one string per number), else −1.
 */
function canonicalNumber(id: string): number {
  const length = id.length;
  if (length === 0 || length > 15 || (length > 1 && id.charCodeAt(0) === 48)) return -1;
  let value = 0;
  for (let index = 0; index < length; index++) {
    const digit = id.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
