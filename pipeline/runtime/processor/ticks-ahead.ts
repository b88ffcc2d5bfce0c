import type { TradeTick } from '../../../schemas/tick.js';
import type { BatchInput } from './batch-input.js';
import { lastScannedTradeIdNumber } from './raw-trade-scanner.js';

/** Records scanned in one loop before the engine sees any of them. */
const RECORDS_AHEAD = 256;

/**
 * The fast ticks (`BatchInput.fastTick`) of up to 256 records of a batch, scanned in one loop before the engine
 * sees any of them. Scanning a record between two engine calls found the scanner's code and tables cold in L1
 * each time (about twice the time a record of the same instructions, counted with callgrind); a run of
 * records keeps them warm. A scan is a function of the record's bytes alone, so ticks scanned ahead are the
 * ones scanned in turn; those a caller stops before (a watermark catch-up) are kept for its next call on the
 * same input, and a call on any other input or position scans again.
 */
export class TicksAhead {
  private input: BatchInput | null = null;
  /** the scanned records are `[from, to)` of `input`; `ticks[index - from]` is record `index`'s */
  private from = 0;
  private to = 0;
  private readonly ticks: (TradeTick | undefined)[] = new Array(RECORDS_AHEAD).fill(undefined);
  /** each tick's trade id number as the scanner read it (see `lastScannedTradeIdNumber`), NaN: not read */
  private readonly idNumbers = new Float64Array(RECORDS_AHEAD);

  /**
   * Makes record `from` of `input` and some after it, before `end`, scanned; returns the end of that run
   * (more than `from` when `from < end`).
   */
  scan(input: BatchInput, from: number, end: number): number {
    if (input === this.input && from >= this.from && from < this.to) return Math.min(this.to, end);
    const to = Math.min(end, from + RECORDS_AHEAD);
    const ticks = this.ticks;
    const idNumbers = this.idNumbers;
    for (let index = from; index < to; index++) {
      const tick = input.fastTick(index);
      ticks[index - from] = tick;
      idNumbers[index - from] = tick === undefined ? Number.NaN : (lastScannedTradeIdNumber() ?? Number.NaN);
    }
    this.input = input;
    this.from = from;
    this.to = to;
    return to;
  }

  /** The fast tick of record `index`, which the last `scan` covered; undefined: the full check decides. */
  tick(index: number): TradeTick | undefined {
    return this.ticks[index - this.from];
  }

  /** The canonical number of that tick's trade id (−1: not one), undefined if the scanner did not read it. */
  tradeIdNumber(index: number): number | undefined {
    const number = this.idNumbers[index - this.from] as number;
    return Number.isNaN(number) ? undefined : number;
  }

  /** The caller handed over every record before `end`: lets go of the batch and its ticks unless some are left. */
  release(end: number): void {
    if (this.input === null || this.to > end) return;
    this.input = null;
    this.ticks.fill(undefined);
  }
}
