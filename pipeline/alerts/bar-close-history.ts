import type { CloseHistorySnapshot } from './alert-snapshot.js';

/** Lowest and highest value over a window of bar closes. */
export interface Extremes {
  readonly min: number;
  readonly max: number;
}

/**
 * Min and max over the last `size` pushed values with two monotonic deques (O(1) amortised per push): the min
 * deque keeps increasing values, the max deque decreasing ones; the front is the answer.
 */
export class MonotonicWindow implements Extremes {
  readonly size: number;
  readonly #capacity: number;
  readonly #minSeq: Float64Array;
  readonly #minValue: Float64Array;
  readonly #maxSeq: Float64Array;
  readonly #maxValue: Float64Array;
  #minHead = 0;
  #minLength = 0;
  #maxHead = 0;
  #maxLength = 0;

  constructor(size: number) {
    this.size = size;
    this.#capacity = size + 1;
    this.#minSeq = new Float64Array(this.#capacity);
    this.#minValue = new Float64Array(this.#capacity);
    this.#maxSeq = new Float64Array(this.#capacity);
    this.#maxValue = new Float64Array(this.#capacity);
  }

  get empty(): boolean {
    return this.#minLength === 0;
  }

  get min(): number {
    return this.#minValue[this.#minHead] as number;
  }

  get max(): number {
    return this.#maxValue[this.#maxHead] as number;
  }

  /** Adds the value with sequence number `seq` (strictly increasing) and drops values older than the window. */
  push(seq: number, value: number): void {
    const capacity = this.#capacity;
    const oldest = seq - this.size;
    // min deque: drop from the back every value ≥ the new one; they can never be the minimum again
    while (this.#minLength > 0) {
      const back = (this.#minHead + this.#minLength - 1) % capacity;
      if ((this.#minValue[back] as number) < value) break;
      this.#minLength--;
    }
    const minTail = (this.#minHead + this.#minLength) % capacity;
    this.#minSeq[minTail] = seq;
    this.#minValue[minTail] = value;
    this.#minLength++;
    while ((this.#minSeq[this.#minHead] as number) <= oldest) {
      this.#minHead = (this.#minHead + 1) % capacity;
      this.#minLength--;
    }
    while (this.#maxLength > 0) {
      const back = (this.#maxHead + this.#maxLength - 1) % capacity;
      if ((this.#maxValue[back] as number) > value) break;
      this.#maxLength--;
    }
    const maxTail = (this.#maxHead + this.#maxLength) % capacity;
    this.#maxSeq[maxTail] = seq;
    this.#maxValue[maxTail] = value;
    this.#maxLength++;
    while ((this.#maxSeq[this.#maxHead] as number) <= oldest) {
      this.#maxHead = (this.#maxHead + 1) % capacity;
      this.#maxLength--;
    }
  }
}

/** How many closes a series keeps before any rule asks for more, so a new moving_* rule starts warm. */
const DEFAULT_KEPT_CLOSES = 64;

/**
 * The final values of one series, one per bar, newest last: a ring of recent closes plus one monotonic window
 * per look-back length that some moving_* rule uses. A window created later is warmed from the ring.
 */
export class BarCloseHistory {
  #ring = new Float64Array(DEFAULT_KEPT_CLOSES);
  #count = 0;
  /** how many of the newest closes the ring holds */
  #kept = 0;
  readonly #windows = new Map<number, MonotonicWindow>();

  /** Number of closes pushed so far. */
  get count(): number {
    return this.#count;
  }

  push(value: number): void {
    const seq = this.#count;
    this.#ring[seq % this.#ring.length] = value;
    this.#count = seq + 1;
    this.#kept = Math.min(this.#kept + 1, this.#ring.length);
    for (const window of this.#windows.values()) window.push(seq, value);
  }

  /** Min and max of the last `bars` closes (fewer while warming up); null before the first close. */
  extremes(bars: number): Extremes | null {
    if (this.#count === 0) return null;
    const window = this.#windows.get(bars) ?? this.#createWindow(bars);
    return window.empty ? null : window;
  }

  /** The ring's closes and the window lengths, as plain data (see alert-snapshot.ts). */
  snapshot(): CloseHistorySnapshot {
    const ring = this.#ring;
    const recent = new Float64Array(this.#kept);
    const first = this.#count - this.#kept;
    for (let index = 0; index < recent.length; index++)
      recent[index] = ring[(first + index) % ring.length] as number;
    return { count: this.#count, capacity: ring.length, recent, windows: [...this.#windows.keys()] };
  }

  /**
   * The history a snapshot was taken of. Windows are warmed from the ring, which gives each the closes the
   * original held: a window always holds the newest min(kept, length) closes, kept being the ring's count.
   */
  static restore(snapshot: CloseHistorySnapshot): BarCloseHistory {
    const history = new BarCloseHistory();
    const ring = new Float64Array(snapshot.capacity);
    const first = snapshot.count - snapshot.recent.length;
    snapshot.recent.forEach((value, index) => {
      ring[(first + index) % ring.length] = value;
    });
    history.#ring = ring;
    history.#count = snapshot.count;
    history.#kept = snapshot.recent.length;
    for (const bars of snapshot.windows) history.#createWindow(bars);
    return history;
  }

  #createWindow(bars: number): MonotonicWindow {
    if (bars > this.#ring.length) this.#grow(bars);
    const window = new MonotonicWindow(bars);
    const ring = this.#ring;
    const kept = Math.min(this.#kept, bars);
    for (let seq = this.#count - kept; seq < this.#count; seq++) {
      window.push(seq, ring[seq % ring.length] as number);
    }
    this.#windows.set(bars, window);
    return window;
  }

  #grow(capacity: number): void {
    const old = this.#ring;
    const ring = new Float64Array(capacity);
    for (let seq = this.#count - this.#kept; seq < this.#count; seq++) {
      ring[seq % capacity] = old[seq % old.length] as number;
    }
    this.#ring = ring;
  }
}
