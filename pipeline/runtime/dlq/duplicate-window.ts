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
      const room = Math.min(this.capacityPerSymbol, FIRST_ROOM);
      ids = {
        seen: null,
        numbers: new Float64Array(room),
        others: null,
        size: 0,
        next: 0,
        maxNumeric: -1,
        fastInARow: 0,
      };
      this.bySymbol.set(symbolKey, ids);
    }
    // a canonical id is kept as its number (one string per number): same verdicts as the string; the set's
    // entry is made only where a set is asked (a number in a variable that may hold a string is boxed)
    const numeric = canonicalNumber(tradeId);
    if (numeric > ids.maxNumeric) {
      // Venues number trades in increasing order: an id above every numeric id this symbol ever had cannot be
      // in the window (an equal id would be the same canonical number), so no set is asked. The set is
      // dropped after a whole window of such ids (rebuilding it later costs one window, paid for by them).
      ids.maxNumeric = numeric;
      if (ids.seen !== null && ++ids.fastInARow >= this.capacityPerSymbol) ids.seen = null;
      ids.seen?.add(numeric >= 0 ? numeric : tradeId);
    } else {
      ids.fastInARow = 0;
      ids.seen ??= new Set(entries(ids));
      const size = ids.seen.size;
      ids.seen.add(numeric >= 0 ? numeric : tradeId);
      if (ids.seen.size === size) return true;
    }
    // A ring of ids in arrival order finds the oldest in O(1); asking the Set for its first entry walks
    // over every entry deleted before it, which made eviction the processor's hottest line.
    let place: number;
    if (ids.size < this.capacityPerSymbol) {
      place = ids.size++;
      if (place === ids.numbers.length) {
        const grown = new Float64Array(Math.min(this.capacityPerSymbol, place * 2));
        grown.set(ids.numbers);
        ids.numbers = grown;
      }
    } else {
      place = ids.next;
      if (ids.seen !== null) ids.seen.delete(entryAt(ids, place));
      ids.others?.delete(place);
      ids.next = place + 1 === this.capacityPerSymbol ? 0 : place + 1;
    }
    ids.numbers[place] = numeric;
    if (numeric < 0) {
      ids.others ??= new Map();
      ids.others.set(place, tradeId);
    }
    return false;
  }

  snapshot(): DuplicateWindowSnapshot {
    const symbols: Record<string, readonly string[]> = {};
    for (const [symbolKey, ids] of this.bySymbol) {
      const oldestFirst: string[] = [];
      for (let index = 0; index < ids.size; index++) {
        const place = (ids.next + index) % ids.size;
        const number = ids.numbers[place] as number;
        oldestFirst.push(number >= 0 ? String(number) : (ids.others?.get(place) ?? ''));
      }
      symbols[symbolKey] = oldestFirst;
    }
    return { capacityPerSymbol: this.capacityPerSymbol, symbols };
  }
}

/** Ring places a symbol starts with; the ring doubles up to the capacity (most symbols trade little). */
const FIRST_ROOM = 64;

/**
 * The ids of one venue:symbol: a ring whose oldest entry sits at `next` once it is full. Canonical numeric
 * ids are held as numbers in a typed array, not as strings: a replay remembers every trade id, and strings
 * held for a window's length outlived the young generation, so each one was copied into the old space.
 */
interface SymbolIds {
  /** the ids of the ring as a set (canonical ids as numbers); null while every id came in increasing numeric order (built on demand) */
  seen: Set<number | string> | null;
  /** the ring: a canonical id's number, −1 where the id is not one (then it is in `others`) */
  numbers: Float64Array;
  /** the ids that are not canonical numbers, by ring place (null until the first) */
  others: Map<number, string> | null;
  /** places used: the ring is full at the capacity */
  size: number;
  next: number;
  /** the largest canonical numeric id ever remembered for the symbol (−1: none) */
  maxNumeric: number;
  /** ids in a row that were above `maxNumeric` while `seen` was kept */
  fastInARow: number;
}

const entryAt = (ids: SymbolIds, place: number): number | string => {
  const number = ids.numbers[place] as number;
  return number >= 0 ? number : (ids.others?.get(place) ?? '');
};

function* entries(ids: SymbolIds): Generator<number | string> {
  for (let place = 0; place < ids.size; place++) yield entryAt(ids, place);
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
