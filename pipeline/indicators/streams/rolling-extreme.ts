/**
 * Highest (or lowest) of the last `period` values in O(1) amortised: a monotonic deque holds the candidates among
 * the settled values, the last (still-forming) value is kept aside so `replace` only swaps it.
 */
export class RollingExtreme {
  private readonly sign: 1 | -1;
  // Circular deque of settled candidates: values (times sign, so the lowest becomes the highest) and bar numbers.
  private readonly values: Float64Array;
  private readonly indexes: Float64Array;
  private head = 0;
  private size = 0;
  private count = 0;
  private forming = 0;

  constructor(
    readonly period: number,
    kind: 'highest' | 'lowest',
  ) {
    this.sign = kind === 'highest' ? 1 : -1;
    this.values = new Float64Array(period);
    this.indexes = new Float64Array(period);
  }

  /** The extreme of the window ending at the last value, or null while fewer than `period` values were seen. */
  update(value: number, replacing: boolean): number | null {
    if (!replacing || this.count === 0) this.settle();
    this.forming = this.sign * value;
    if (this.count < this.period) return null;
    const front = this.size > 0 ? (this.values[this.head] ?? this.forming) : this.forming;
    return this.sign * Math.max(front, this.forming);
  }

  /** Moves the forming value into the deque and drops what left the window of the new bar. */
  private settle(): void {
    const capacity = this.period;
    const newIndex = this.count;
    this.count++;
    const windowStart = newIndex - capacity + 1;
    while (this.size > 0 && (this.indexes[this.head] ?? 0) < windowStart) {
      this.head = this.head + 1 === capacity ? 0 : this.head + 1;
      this.size--;
    }
    const settledIndex = newIndex - 1;
    if (settledIndex < 0 || settledIndex < windowStart) return;
    const settled = this.forming;
    const values = this.values;
    let size = this.size;
    let back = this.head + size - 1;
    if (back >= capacity) back -= capacity;
    while (size > 0 && (values[back] ?? 0) <= settled) {
      size--;
      back = back === 0 ? capacity - 1 : back - 1;
    }
    const slot = back + 1 === capacity ? 0 : back + 1;
    values[slot] = settled;
    this.indexes[slot] = settledIndex;
    this.size = size + 1;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.count = 0;
    this.forming = 0;
  }
}
