import { NexuralError } from '../../schemas/errors.js';
import { type BarInterval, intervalOf } from '../../schemas/interval.js';
import type { TradeTick } from '../../schemas/tick.js';
import {
  type BarAggregatorOptions,
  type BarAggregatorOptionsInput,
  type BarSink,
  parseBarAggregatorOptions,
} from './bar-options.js';
import { type BarAggregatorSnapshot, placeholderTick } from './bar-snapshot.js';
import { SymbolBars, symbolScratch } from './symbol-bars.js';

/**
 * Builds bars at several intervals at once from one stream of trade ticks, for any number of symbols.
 *
 * - Time bars (`1s`…`1d`) are aligned to the UTC epoch (openTime = floor(t / interval) · interval,
 *   closeTime = openTime + interval − 1) and decided by event time; activity bars (`100t`, `10v`,
 *   `1000000q`) close on their threshold. open/close are the first/last trade by event time (ties: arrival).
 * - Volume, quote volume and taker-buy volume are exact decimal sums (see exact-sum.ts).
 * - Watermark per symbol = max event time seen − `allowedLatenessMs`; a time bar is final once the
 *   watermark passes its close and revisable for `graceMs` more; later ticks go to `sink.late`.
 * - Output goes synchronously to the sink, in a deterministic order (see BarSink).
 *
 * ```ts
 * const aggregator = new BarAggregator({ intervals: ['1m', '1h'] }, { bar: (bar) => store(bar.toBar()), late });
 * for (const tick of ticks) aggregator.add(tick);
 * aggregator.advanceWatermark(Date.now()); // a runtime's clock: quiet symbols' bars become final too
 * aggregator.flush(); // end of input: every remaining bar is emitted final
 * ```
 */
export class BarAggregator {
  readonly options: BarAggregatorOptions;
  private readonly intervals: readonly BarInterval[];
  private readonly byVenue = new Map<string, Map<string, SymbolBars>>();
  /** in order of first appearance, so flush and advanceWatermark emit deterministically */
  private readonly symbols: SymbolBars[] = [];
  private lastVenue = '';
  private lastSymbol = '';
  private last: SymbolBars | undefined;
  private lastVenueSymbols: Map<string, SymbolBars> | undefined;
  private flushed = false;
  private readonly sink: BarSink;
  private readonly scratch = symbolScratch();
  /** bars handed to the sink so far: how much work a watermark step did */
  private emitted = 0;

  constructor(options: BarAggregatorOptionsInput, sink: BarSink) {
    this.options = parseBarAggregatorOptions(options);
    this.intervals = this.options.intervals.map(intervalOf);
    this.sink = {
      bar: (bar) => {
        this.emitted++;
        sink.bar(bar);
      },
      late: (late) => sink.late(late),
    };
  }

  add(tick: TradeTick): void {
    if (this.flushed) throw new Error('BarAggregator: add() after flush(); the input already ended');
    let bars = this.last;
    if (bars === undefined || tick.symbol !== this.lastSymbol || tick.venue !== this.lastVenue) {
      bars = this.symbolBars(tick);
      this.last = bars;
      this.lastVenue = tick.venue;
      this.lastSymbol = tick.symbol;
    }
    bars.add(tick);
  }

  /**
   * An external clock (ms, event time) for every symbol: treated like a tick at that time without a trade,
   * so quiet symbols' bars become final (and flat bars are emitted) as the clock passes them. Event time:
   * advancing a replay of old data by the wall clock would emit a flat bar for every interval in between.
   */
  advanceWatermark(timeMs: number): void {
    const steps = this.advanceWatermarkSteps(timeMs);
    while (!steps.next().done) {}
  }

  /**
   * `advanceWatermark` in steps, the same outputs in the same order: it pauses after a symbol once about
   * `barsPerStep` bars were emitted since the last pause (a jump in event time across thousands of symbols),
   * so a runtime can return to the event loop in between. Nothing else may touch the aggregator until the
   * steps are done.
   */
  *advanceWatermarkSteps(timeMs: number, barsPerStep = 1000): Generator<void, void, void> {
    const timeUs = timeMs * 1000;
    let since = this.emitted;
    const count = this.symbols.length;
    for (let index = 0; index < count; index++) {
      (this.symbols[index] as SymbolBars).advanceTo(timeUs);
      if (this.emitted - since >= barsPerStep && index < count - 1) {
        yield;
        since = this.emitted;
      }
    }
  }

  /** The symbol's watermark (ms), or null if the symbol has had no tick. */
  watermark(venue: string, symbol: string): number | null {
    return this.byVenue.get(venue)?.get(symbol)?.watermark ?? null;
  }

  /** End of input: emits every remaining bar as final (activity bars short of their threshold included). */
  flush(): void {
    this.flushed = true;
    for (const bars of this.symbols) bars.flush();
  }

  /** Everything that decides future bars, as plain data (see bar-snapshot.ts). */
  snapshot(): BarAggregatorSnapshot {
    const names = new Map<SymbolBars, { venue: string; symbol: string }>();
    for (const [venue, bySymbol] of this.byVenue) {
      for (const [symbol, bars] of bySymbol) names.set(bars, { venue, symbol });
    }
    const symbols = this.symbols.map((bars) => {
      const name = names.get(bars);
      if (!name) throw new Error('BarAggregator: a symbol is missing from its venue map');
      return { ...name, ...bars.snapshot() };
    });
    return { options: this.options, flushed: this.flushed, symbols };
  }

  /** Loads a snapshot taken with the same options into this aggregator, which must not have seen a tick. */
  restore(snapshot: BarAggregatorSnapshot): void {
    if (this.symbols.length > 0) {
      throw new Error('BarAggregator.restore: the aggregator already holds symbols');
    }
    if (JSON.stringify(snapshot.options) !== JSON.stringify(this.options)) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        `bar snapshot taken with options ${JSON.stringify(snapshot.options)}, not ${JSON.stringify(this.options)}`,
      );
    }
    for (const saved of snapshot.symbols) {
      this.symbolBars(placeholderTick(saved.venue, saved.symbol)).restore(saved);
    }
    this.flushed = snapshot.flushed;
  }

  private symbolBars(tick: TradeTick): SymbolBars {
    let bySymbol = tick.venue === this.lastVenue ? this.lastVenueSymbols : this.byVenue.get(tick.venue);
    if (!bySymbol) {
      bySymbol = new Map();
      this.byVenue.set(tick.venue, bySymbol);
    }
    this.lastVenueSymbols = bySymbol;
    let bars = bySymbol.get(tick.symbol);
    if (!bars) {
      bars = new SymbolBars(tick.venue, tick.symbol, this.intervals, this.options, this.sink, this.scratch);
      bySymbol.set(tick.symbol, bars);
      this.symbols.push(bars);
    }
    return bars;
  }
}
