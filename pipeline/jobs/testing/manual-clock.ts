import type { JobClock } from '../embedded-jobs.js';

/** A clock that moves only when told: timers fire in due order as `advance` passes them. */
export class ManualClock implements JobClock {
  private current: number;
  private readonly timers = new Set<{ at: number; wake: () => void }>();

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(wake: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), wake };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time forward to `to`, firing each timer at its due time on the way. */
  advanceTo(to: number): void {
    for (;;) {
      const next = [...this.timers].filter((timer) => timer.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.wake();
    }
    this.current = Math.max(this.current, to);
  }
}
