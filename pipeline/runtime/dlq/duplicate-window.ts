/**
 * Serializable state of a DuplicateWindow, oldest ids first, so a processor can checkpoint it. A symbol's
 * ids are strings, or — where every id is a canonical number and they mostly count up by one, as venues
 * number their trades — runs of consecutive ids: `[first, count, first, count, …]`. A window of 10,000
 * such ids is then 16 bytes instead of ~110 KB, and taking it makes no string per id.
 */
export interface DuplicateWindowSnapshot {
  readonly capacityPerSymbol: number;
  readonly symbols: Readonly<Record<string, readonly string[] | IdRuns>>;
}

/** Runs of consecutive canonical numeric ids, oldest first: `[first, count, first, count, …]`. */
export type IdRuns = Float64Array;

/** A snapshot's ids of each symbol as strings, oldest first (runs written out). */
export function idsBySymbol(snapshot: DuplicateWindowSnapshot): Record<string, string[]> {
  const symbols: Record<string, string[]> = {};
  for (const [symbolKey, ids] of Object.entries(snapshot.symbols)) {
    if (!(ids instanceof Float64Array)) {
      symbols[symbolKey] = [...ids];
      continue;
    }
    const written: string[] = [];
    for (let index = 0; index + 1 < ids.length; index += 2) {
      const first = ids[index] as number;
      const count = ids[index + 1] as number;
      for (let offset = 0; offset < count; offset++) written.push(String(first + offset));
    }
    symbols[symbolKey] = written;
  }
  return symbols;
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
      if (!(ids instanceof Float64Array)) {
        for (const id of ids) window.remember(symbolKey, id);
        continue;
      }
      for (let index = 0; index + 1 < ids.length; index += 2) {
        const first = ids[index] as number;
        const count = ids[index + 1] as number;
        for (let offset = 0; offset < count; offset++) window.rememberNumber(symbolKey, first + offset, '');
      }
    }
    return window;
  }

  /**
   * True if this id was seen recently for the symbol; otherwise remembers it and returns false. `numeric` is
   * the id's canonical number where the caller read it already (see `canonicalNumber`), else it is read here.
   */
  remember(symbolKey: string, tradeId: string, numeric = canonicalNumber(tradeId)): boolean {
    return this.rememberNumber(symbolKey, numeric, tradeId);
  }

  /** `remember` with the id's canonical number known (−1: not one, then `tradeId` is the id). */
  private rememberNumber(symbolKey: string, numeric: number, tradeId: string): boolean {
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
    const symbols: Record<string, readonly string[] | IdRuns> = {};
    for (const [symbolKey, ids] of this.bySymbol) {
      const runs = ids.others === null || ids.others.size === 0 ? runsOf(ids) : null;
      if (runs !== null) {
        symbols[symbolKey] = runs;
        continue;
      }
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

/**
 * The ring's ids (all canonical numbers) oldest first as runs of consecutive ids, or null where the runs would
 * take more than a quarter of the places the ids do (ids that rarely count up by one keep the string form).
 */
function runsOf(ids: SymbolIds): IdRuns | null {
  const limit = Math.floor(ids.size / 4);
  const runs: number[] = [];
  let first = -1;
  let count = 0;
  for (let index = 0; index < ids.size; index++) {
    const number = ids.numbers[(ids.next + index) % ids.size] as number;
    if (count > 0 && number === first + count) {
      count++;
      continue;
    }
    if (count > 0) {
      runs.push(first, count);
      if (runs.length > limit) return null;
    }
    first = number;
    count = 1;
  }
  if (count > 0) runs.push(first, count);
  return runs.length > limit && runs.length > 2 ? null : Float64Array.from(runs);
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
export function canonicalNumber(id: string): number {
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
