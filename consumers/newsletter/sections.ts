import type { IndicatorValue } from '../../schemas/indicator-value.js';

export type IndicatorSignal =
  | { readonly kind: 'rsi_overbought' | 'rsi_oversold'; readonly spec: string; readonly value: number }
  | { readonly kind: 'macd_cross_up' | 'macd_cross_down'; readonly spec: string; readonly hist: number }
  | {
      readonly kind: 'bollinger_break_up' | 'bollinger_break_down';
      readonly spec: string;
      readonly close: number;
      readonly band: number;
    };

export type SignalAt = IndicatorSignal & {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
};

export const rsiOverbought = 70;
export const rsiOversold = 30;

/**
 * Signals where a reading crosses a level between two consecutive bars (a reading that stays overbought is one
 * signal, not one per bar). `values` are one series' final values in bar order; `closes` maps open time → close.
 */
export function indicatorSignals(
  values: readonly IndicatorValue[],
  closes: ReadonlyMap<number, number>,
): SignalAt[] {
  const signals: SignalAt[] = [];
  const previousBySpec = new Map<string, IndicatorValue>();
  for (const value of values) {
    const previous = previousBySpec.get(value.spec);
    previousBySpec.set(value.spec, value);
    if (!previous) continue;
    const signal = crossing(previous, value, closes);
    if (signal) {
      signals.push({
        ...signal,
        venue: value.venue,
        symbol: value.symbol,
        interval: value.interval,
        openTime: value.openTime,
      });
    }
  }
  return signals;
}

function crossing(
  previous: IndicatorValue,
  current: IndicatorValue,
  closes: ReadonlyMap<number, number>,
): IndicatorSignal | null {
  const name = current.spec.replace(/\(.*$/, '');
  const spec = current.spec;
  if (name === 'rsi') {
    const before = previous.outputs.value;
    const now = current.outputs.value;
    if (before === undefined || now === undefined) return null;
    if (before < rsiOverbought && now >= rsiOverbought) return { kind: 'rsi_overbought', spec, value: now };
    if (before > rsiOversold && now <= rsiOversold) return { kind: 'rsi_oversold', spec, value: now };
    return null;
  }
  if (name === 'macd') {
    const before = previous.outputs.hist;
    const now = current.outputs.hist;
    if (before === undefined || now === undefined) return null;
    if (before <= 0 && now > 0) return { kind: 'macd_cross_up', spec, hist: now };
    if (before >= 0 && now < 0) return { kind: 'macd_cross_down', spec, hist: now };
    return null;
  }
  if (name === 'bbands') {
    const closeBefore = closes.get(previous.openTime);
    const close = closes.get(current.openTime);
    const { upper, lower } = current.outputs;
    const { upper: upperBefore, lower: lowerBefore } = previous.outputs;
    if (close === undefined || closeBefore === undefined) return null;
    if (
      upper === undefined ||
      lower === undefined ||
      upperBefore === undefined ||
      lowerBefore === undefined
    ) {
      return null;
    }
    if (closeBefore <= upperBefore && close > upper) {
      return { kind: 'bollinger_break_up', spec, close, band: upper };
    }
    if (closeBefore >= lowerBefore && close < lower) {
      return { kind: 'bollinger_break_down', spec, close, band: lower };
    }
  }
  return null;
}
