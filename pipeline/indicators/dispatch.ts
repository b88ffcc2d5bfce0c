import { Atr } from './atr.js';
import { Bbands } from './bbands.js';
import { Ema } from './ema.js';
import type { BarInput, Indicator, IndicatorResult } from './indicator.js';
import { Macd } from './macd.js';
import { Rsi } from './rsi.js';
import { Sma } from './sma.js';

/*
 * A call site that feeds bars to indicators of many classes (the engine's loop over a series' slots) is
 * megamorphic: every `indicator.add` went through V8's megamorphic property lookup, and through its slow
 * path when the shared stub cache missed (bench:engine's constant book: ~6% of the loop, more with 1,000
 * symbols than with 100). `feedIndicator` calls each common class's method directly; the other classes
 * share the generic call.
 */

/** Which call site `feedIndicator` uses for an indicator: one per common class, 0 for the others. */
export type IndicatorKind = number;

export const OTHER = 0;
export const SMA = 1;
export const EMA = 2;
export const RSI = 3;
export const MACD = 4;
export const BBANDS = 5;
export const ATR = 6;

export function indicatorKind(indicator: Indicator): IndicatorKind {
  if (indicator instanceof Sma) return SMA;
  if (indicator instanceof Ema) return EMA;
  if (indicator instanceof Rsi) return RSI;
  if (indicator instanceof Macd) return MACD;
  if (indicator instanceof Bbands) return BBANDS;
  if (indicator instanceof Atr) return ATR;
  return OTHER;
}

// The classes' own methods, called on the instance: a call through `indicator.add` is a property lookup keyed by the
// instance's map, and V8 gives an instance of one class several maps while its fields settle (a number field that
// held only integers first, a result that was null), enough for the lookup to turn megamorphic anyway.
const smaAdd = Sma.prototype.add;
const smaReplace = Sma.prototype.replace;
const emaAdd = Ema.prototype.add;
const emaReplace = Ema.prototype.replace;
const rsiAdd = Rsi.prototype.add;
const rsiReplace = Rsi.prototype.replace;
const macdAdd = Macd.prototype.add;
const macdReplace = Macd.prototype.replace;
const bbandsAdd = Bbands.prototype.add;
const bbandsReplace = Bbands.prototype.replace;
const atrAdd = Atr.prototype.add;
const atrReplace = Atr.prototype.replace;

/** `indicator.replace(bar)` when `replacing`, else `indicator.add(bar)`; `kind` is `indicatorKind(indicator)`. */
export function feedIndicator(
  indicator: Indicator,
  kind: IndicatorKind,
  bar: BarInput,
  replacing: boolean,
): IndicatorResult | null {
  switch (kind) {
    case SMA:
      return replacing ? smaReplace.call(indicator as Sma, bar) : smaAdd.call(indicator as Sma, bar);
    case EMA:
      return replacing ? emaReplace.call(indicator as Ema, bar) : emaAdd.call(indicator as Ema, bar);
    case RSI:
      return replacing ? rsiReplace.call(indicator as Rsi, bar) : rsiAdd.call(indicator as Rsi, bar);
    case MACD:
      return replacing ? macdReplace.call(indicator as Macd, bar) : macdAdd.call(indicator as Macd, bar);
    case BBANDS:
      return replacing
        ? bbandsReplace.call(indicator as Bbands, bar)
        : bbandsAdd.call(indicator as Bbands, bar);
    case ATR:
      return replacing ? atrReplace.call(indicator as Atr, bar) : atrAdd.call(indicator as Atr, bar);
    default:
      return replacing ? indicator.replace(bar) : indicator.add(bar);
  }
}
