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

  it('gives the verdicts and snapshots of a plain set + ring on increasing, shuffled, repeated and odd ids', () => {
    // the reference: every id asked of a set, the oldest evicted from a ring (what the window promises)
    const reference = (capacity: number) => {
      const ids = new Map<string, string[]>();
      return {
        remember(key: string, id: string) {
          const order = ids.get(key) ?? [];
          ids.set(key, order);
          if (order.includes(id)) return true;
          order.push(id);
          if (order.length > capacity) order.shift();
          return false;
        },
        symbols: () => Object.fromEntries(ids),
      };
    };
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const capacity of [1, 3, 50, 200]) {
      const window = new DuplicateWindow(capacity);
      const expected = reference(capacity);
      let next = 1000;
      for (let step = 0; step < 20_000; step++) {
        const key = random() < 0.8 ? 'binance:BTCUSDT' : 'binance:ETHUSDT';
        const roll = random();
        let id: string;
        if (roll < 0.6) id = String(next++);
        else if (roll < 0.8) id = String(next - 1 - Math.floor(random() * capacity * 3));
        else if (roll < 0.9) id = `0${next - Math.floor(random() * 5)}`;
        else if (roll < 0.95) id = `x${Math.floor(random() * 10)}`;
        else id = String(next + Math.floor(random() * 1000));
        expect(window.remember(key, id), `step ${step}, id ${id}`).toBe(expected.remember(key, id));
        if (step % 997 === 0) {
          expect(window.snapshot().symbols).toEqual(expected.symbols());
          const restored = DuplicateWindow.restore(window.snapshot());
          expect(restored.snapshot()).toEqual(window.snapshot());
        }
      }
      expect(window.snapshot().symbols).toEqual(expected.symbols());
    }
  });
});
