import { ConditionIndex } from './condition-index.js';
import type { RuleRuntime } from './rule-runtime.js';

const expiresBefore = (a: RuleRuntime, b: RuleRuntime): boolean => {
  const ae = a.rule.expiresAt ?? Number.POSITIVE_INFINITY;
  const be = b.rule.expiresAt ?? Number.POSITIVE_INFINITY;
  return ae < be || (ae === be && a.id < b.id);
};

/**
 * Rules with an expiry, soonest first (binary heap). Entries of rules that left the book are skipped when
 * they surface rather than searched for on removal.
 */
class ExpiryQueue {
  readonly #heap: RuleRuntime[] = [];

  push(runtime: RuleRuntime): void {
    const heap = this.#heap;
    heap.push(runtime);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const parentRuntime = heap[parent] as RuleRuntime;
      if (!expiresBefore(runtime, parentRuntime)) break;
      heap[child] = parentRuntime;
      child = parent;
    }
    heap[child] = runtime;
  }

  /** The earliest expiry in the queue (possibly of a rule that left), +Infinity when empty. */
  get next(): number {
    return this.#heap[0]?.rule.expiresAt ?? Number.POSITIVE_INFINITY;
  }

  /** Moves to `out` the rules of `book` whose expiry is before `time`, soonest first. */
  popExpired(time: number, book: RuleBook, out: RuleRuntime[]): void {
    const heap = this.#heap;
    for (;;) {
      const top = heap[0];
      if (!top) return;
      const live = top.status === 'active' && book.has(top);
      if (live && (top.rule.expiresAt ?? Number.POSITIVE_INFINITY) >= time) return;
      this.#popTop();
      if (live) out.push(top);
    }
  }

  #popTop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= heap.length) break;
      const right = heap[child + 1];
      if (right && expiresBefore(right, heap[child] as RuleRuntime)) child++;
      const smallest = heap[child] as RuleRuntime;
      if (!expiresBefore(smallest, last)) break;
      heap[parent] = smallest;
      parent = child;
    }
    heap[parent] = last;
  }
}

/** Every active rule of one (symbol or *, interval, series): split by evaluation mode, plus expiries. */
export class RuleBook {
  readonly intrabar = new ConditionIndex();
  readonly close = new ConditionIndex();
  readonly #members = new Set<RuleRuntime>();
  readonly #expiries = new ExpiryQueue();
  /** mirror of the queue's earliest expiry, so a point reads only this object when nothing expires */
  #nextExpiry = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.#members.size;
  }

  has(runtime: RuleRuntime): boolean {
    return this.#members.has(runtime);
  }

  add(runtime: RuleRuntime): void {
    this.#members.add(runtime);
    // A series-threshold rule sits here for its expiry only; its condition is a SeriesRuleGroup's.
    if (runtime.condition) (runtime.mode === 'close' ? this.close : this.intrabar).add(runtime);
    if (runtime.rule.expiresAt !== null) {
      this.#expiries.push(runtime);
      this.#nextExpiry = this.#expiries.next;
    }
  }

  remove(runtime: RuleRuntime): void {
    if (!this.#members.delete(runtime)) return;
    if (runtime.condition) (runtime.mode === 'close' ? this.close : this.intrabar).remove(runtime);
  }

  /** No intrabar rule and no expiry: a forming bar's point can change nothing here but the last value. */
  get closeOnly(): boolean {
    return this.intrabar.size === 0 && this.#nextExpiry === Number.POSITIVE_INFINITY;
  }

  /** The earliest expiry (event time) collectExpired knows of; +Infinity when none. */
  get nextExpiry(): number {
    return this.#nextExpiry;
  }

  /** Whether some rule's expiry (event time) is before `time`, as far as collectExpired is concerned. */
  expiresBefore(time: number): boolean {
    return time > this.#nextExpiry;
  }

  /** Appends the rules whose expiry (event time) is before `time`; the caller stops them. */
  collectExpired(time: number, out: RuleRuntime[]): void {
    if (time <= this.#nextExpiry) return;
    this.#expiries.popExpired(time, this, out);
    this.#nextExpiry = this.#expiries.next;
  }
}
