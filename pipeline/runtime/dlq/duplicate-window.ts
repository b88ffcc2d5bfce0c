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
      ids = { seen: new Set(), order: [], next: 0 };
      this.bySymbol.set(symbolKey, ids);
    }
    if (ids.seen.has(tradeId)) return true;
    ids.seen.add(tradeId);
    // A ring of ids in arrival order finds the oldest in O(1); asking the Set for its first entry walks
    // over every entry deleted before it, which made eviction the processor's hottest line.
    if (ids.order.length < this.capacityPerSymbol) {
      ids.order.push(tradeId);
    } else {
      const oldest = ids.order[ids.next];
      if (oldest !== undefined) ids.seen.delete(oldest);
      ids.order[ids.next] = tradeId;
      ids.next = (ids.next + 1) % this.capacityPerSymbol;
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
  readonly seen: Set<string>;
  readonly order: string[];
  next: number;
}
