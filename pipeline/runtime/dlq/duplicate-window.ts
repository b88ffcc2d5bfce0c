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
  private readonly bySymbol = new Map<string, Set<string>>();

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
      ids = new Set();
      this.bySymbol.set(symbolKey, ids);
    }
    if (ids.has(tradeId)) return true;
    ids.add(tradeId);
    if (ids.size > this.capacityPerSymbol) {
      // a Set iterates in insertion order: the first id is the oldest
      const oldest = ids.values().next();
      if (!oldest.done) ids.delete(oldest.value);
    }
    return false;
  }

  snapshot(): DuplicateWindowSnapshot {
    const symbols: Record<string, readonly string[]> = {};
    for (const [symbolKey, ids] of this.bySymbol) symbols[symbolKey] = [...ids];
    return { capacityPerSymbol: this.capacityPerSymbol, symbols };
  }
}
