import { describe, expect, it } from 'vitest';
import { DuplicateWindow } from './duplicate-window.js';

describe('DuplicateWindow', () => {
  it('reports a trade id seen before for the same symbol, not for another symbol', () => {
    const window = new DuplicateWindow(10);
    expect(window.remember('binance:BTCUSDT', '5266583935')).toBe(false);
    expect(window.remember('binance:BTCUSDT', '5266583935')).toBe(true);
    expect(window.remember('binance:ETHUSDT', '5266583935')).toBe(false);
  });

  it('forgets the oldest id once it holds capacity ids of a symbol', () => {
    const window = new DuplicateWindow(3);
    for (const id of ['1', '2', '3', '4']) window.remember('binance:BTCUSDT', id);
    expect(window.remember('binance:BTCUSDT', '4')).toBe(true);
    expect(window.remember('binance:BTCUSDT', '1')).toBe(false);
  });

  it('restores from its snapshot with the same memory and eviction order', () => {
    const window = new DuplicateWindow(3);
    for (const id of ['1', '2', '3']) window.remember('binance:BTCUSDT', id);
    const restored = DuplicateWindow.restore(JSON.parse(JSON.stringify(window.snapshot())));
    expect(restored.snapshot()).toEqual(window.snapshot());
    expect(restored.remember('binance:BTCUSDT', '9')).toBe(false);
    expect(restored.remember('binance:BTCUSDT', '2')).toBe(true);
    expect(restored.remember('binance:BTCUSDT', '1')).toBe(false);
  });

  it('keeps evicting oldest first after the ring wraps, and snapshots oldest first', () => {
    const window = new DuplicateWindow(3);
    for (const id of ['1', '2', '3', '4', '5']) window.remember('binance:BTCUSDT', id);
    expect(window.snapshot().symbols).toEqual({ 'binance:BTCUSDT': ['3', '4', '5'] });
    expect(window.remember('binance:BTCUSDT', '2')).toBe(false);
    expect(window.snapshot().symbols).toEqual({ 'binance:BTCUSDT': ['4', '5', '2'] });
  });
});
