import { type BarInput, type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { typicalPrice } from './streams/ta-lib-math.js';

const DAY_MS = 86_400_000;
// 1970-01-01 was a Thursday; weekly sessions start on Monday 00:00 UTC, as TradingView's weekly anchor does.
const MONDAY_OFFSET_MS = 4 * DAY_MS;

/**
 * Session-anchored volume-weighted average price: Σ(typical price × volume) / Σ volume since the session start,
 * typical price = (high + low + close) / 3 (TradingView's `ta.vwap(hlc3)`). Sessions are UTC-aligned blocks of
 * `anchorMs` taken from the bar's open time (weeks start on Monday); `anchorMs = 0` never resets. While a session has
 * seen no volume yet, the VWAP is the bar's typical price.
 */
export class Vwap implements Indicator<number> {
  readonly outputs = SINGLE_OUTPUT;
  private value: number | null = null;
  private readonly offsetMs: number;
  private count = 0;
  private session = Number.NaN;
  private baseSession = Number.NaN;
  private priceVolume = 0;
  private basePriceVolume = 0;
  private volume = 0;
  private baseVolume = 0;

  constructor(readonly anchorMs: number) {
    this.offsetMs = anchorMs > 0 && anchorMs % (7 * DAY_MS) === 0 ? MONDAY_OFFSET_MS : 0;
  }

  get result(): number | null {
    return this.value;
  }

  add(bar: BarInput): number | null {
    this.value = this.update(bar, false);
    return this.value;
  }

  replace(bar: BarInput): number | null {
    this.value = this.update(bar, true);
    return this.value;
  }

  reset(): void {
    this.value = null;
    this.clear();
  }

  private update(bar: BarInput, replacing: boolean): number {
    if (!replacing || this.count === 0) {
      this.count++;
      this.baseSession = this.session;
      this.basePriceVolume = this.priceVolume;
      this.baseVolume = this.volume;
    }
    const session = this.anchorMs > 0 ? Math.floor((bar.openTime - this.offsetMs) / this.anchorMs) : 0;
    const continues = session === this.baseSession;
    const typical = typicalPrice(bar.high, bar.low, bar.close);
    this.session = session;
    this.priceVolume = (continues ? this.basePriceVolume : 0) + typical * bar.volume;
    this.volume = (continues ? this.baseVolume : 0) + bar.volume;
    return this.volume > 0 ? this.priceVolume / this.volume : typical;
  }

  private clear(): void {
    this.count = 0;
    this.session = this.baseSession = Number.NaN;
    this.priceVolume = this.basePriceVolume = 0;
    this.volume = this.baseVolume = 0;
  }
}
