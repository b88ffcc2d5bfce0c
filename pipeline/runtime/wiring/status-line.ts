import type { ProcessorStats } from '../processor/processor-stats.js';

const count = (value: number) => value.toLocaleString('en-US');

/** One status line from two readings of the processor's counters `elapsedMs` apart. */
export function statusLine(before: ProcessorStats, after: ProcessorStats, elapsedMs: number): string {
  const perSecond = elapsedMs > 0 ? ((after.ticks - before.ticks) * 1000) / elapsedMs : 0;
  return [
    `${count(Math.round(perSecond))} ticks/s`,
    `lag ${count(after.lag)}`,
    `ticks ${count(after.ticks)}`,
    `bars ${count(after.bars)} (final ${count(after.finalBars)})`,
    `indicators ${count(after.indicators)}`,
    `alerts ${count(after.alerts)}`,
    `DLQ ${count(after.deadLetters)}`,
    `partitions ${after.partitions}`,
  ].join(' · ');
}
