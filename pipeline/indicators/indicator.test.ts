import { describe, expect, it } from 'vitest';
import { toOutputs } from './indicator.js';

describe('toOutputs', () => {
  it('names a single-output result value', () => {
    expect(toOutputs(42.5)).toEqual({ value: 42.5 });
  });

  it('keeps the named outputs of a multi-output result', () => {
    expect(toOutputs({ macd: 1, signal: 0.5, hist: 0.5 })).toEqual({ macd: 1, signal: 0.5, hist: 0.5 });
  });
});
