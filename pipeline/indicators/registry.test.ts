import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isNexuralError } from '../../schemas/errors.js';
import { indicatorSpecSchema } from '../../schemas/indicator-value.js';
import { createIndicator, indicatorNames, indicatorRegistry, parseIndicatorSpec } from './registry.js';

const errorOf = (spec: string) => {
  try {
    parseIndicatorSpec(spec);
  } catch (error) {
    if (isNexuralError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`${spec} parsed`);
};

describe('indicator registry', () => {
  it('registers the 21 indicators of issue 3', () => {
    expect(indicatorNames).toEqual([
      'sma',
      'ema',
      'wma',
      'dema',
      'tema',
      'rsi',
      'macd',
      'bbands',
      'atr',
      'natr',
      'stoch',
      'stochrsi',
      'cci',
      'adx',
      'mfi',
      'obv',
      'roc',
      'willr',
      'vwap',
      'donchian',
      'keltner',
    ]);
  });

  it('fills TA-Lib default parameters and writes the canonical spec', () => {
    expect(parseIndicatorSpec('rsi').spec).toBe('rsi(14)');
    expect(parseIndicatorSpec('sma').spec).toBe('sma(30)');
    expect(parseIndicatorSpec('sma()').spec).toBe('sma(30)');
    expect(parseIndicatorSpec('macd').spec).toBe('macd(12,26,9)');
    expect(parseIndicatorSpec(' MACD( 12, 26 ) ').spec).toBe('macd(12,26,9)');
    expect(parseIndicatorSpec('bbands(20,2)').spec).toBe('bbands(20,2)');
    expect(parseIndicatorSpec('stoch').spec).toBe('stoch(5,3,3)');
    expect(parseIndicatorSpec('stochrsi').spec).toBe('stochrsi(14,5,3)');
    expect(parseIndicatorSpec('obv').spec).toBe('obv');
    expect(parseIndicatorSpec('vwap').spec).toBe('vwap(1d)');
    expect(parseIndicatorSpec('vwap(0)').spec).toBe('vwap(0)');
    expect(parseIndicatorSpec('vwap(4h)').spec).toBe('vwap(4h)');
    expect(parseIndicatorSpec('keltner').spec).toBe('keltner(20,2,10)');
    expect(parseIndicatorSpec('donchian').spec).toBe('donchian(20)');
  });

  it('writes canonical specs the indicator-value schema accepts', () => {
    for (const name of indicatorNames) {
      expect(indicatorSpecSchema.safeParse(parseIndicatorSpec(name).spec).success).toBe(true);
    }
  });

  it('lists the outputs of each spec', () => {
    expect(parseIndicatorSpec('macd').outputs).toEqual(['macd', 'signal', 'hist']);
    expect(parseIndicatorSpec('adx').outputs).toEqual(['adx', 'plusDi', 'minusDi']);
    expect(parseIndicatorSpec('bbands').outputs).toEqual(['upper', 'middle', 'lower']);
    expect(parseIndicatorSpec('stoch').outputs).toEqual(['k', 'd']);
    expect(parseIndicatorSpec('ema').outputs).toEqual(['value']);
    expect(createIndicator('macd(5,35,5)').outputs).toEqual(['macd', 'signal', 'hist']);
  });

  it('describes every parameter with its name and default', () => {
    for (const definition of Object.values(indicatorRegistry)) {
      for (const item of definition.params.def.items) {
        expect(z.safeParse(item, undefined).success).toBe(true);
        expect(z.globalRegistry.get(item)?.description).toMatch(/^\w+: .+ \(default .+\)$/);
      }
    }
  });

  it('rejects an unknown name with NXR_UNKNOWN_INDICATOR listing the known ones', () => {
    expect(errorOf('rsx(14)')).toEqual({
      code: 'NXR_UNKNOWN_INDICATOR',
      message: `unknown indicator "rsx"; known: ${indicatorNames.join(', ')}`,
    });
  });

  it('rejects bad parameters with NXR_INDICATOR_PARAMS naming the parameter and why', () => {
    expect(errorOf('rsi(1)')).toEqual({
      code: 'NXR_INDICATOR_PARAMS',
      message: 'rsi(1): period must be ≥ 2 (got 1)',
    });
    expect(errorOf('sma(2.5)').message).toBe('sma(2.5): period must be a whole number (got 2.5)');
    expect(errorOf('sma(x)').message).toBe('sma(x): period must be a number (got x)');
    expect(errorOf('macd(26,12)').message).toBe('macd(26,12): fast must be shorter than slow (got 26)');
    expect(errorOf('macd(12,,9)').message).toBe('macd(12,,9): slow is empty');
    expect(errorOf('rsi(14,3)').message).toBe('rsi(14,3): rsi takes at most 1 (period), got 2');
    expect(errorOf('obv(3)').message).toBe('obv(3): obv takes no parameters, got 1');
    expect(errorOf('bbands(20,-1)').message).toBe('bbands(20,-1): deviations must be > 0 (got -1)');
    expect(errorOf('vwap(5)').message).toBe(
      'vwap(5): anchor must be 0 (never reset) or a duration like 30m, 4h, 1d, 1w (got 5)',
    );
    expect(errorOf('sma(20').code).toBe('NXR_INDICATOR_PARAMS');
  });
});
