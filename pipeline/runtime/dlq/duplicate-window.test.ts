import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { canonicalNumber, DuplicateWindow, idsBySymbol } from './duplicate-window.js';

describe('DuplicateWindow', () => {
  it('reports a trade id seen before for the same symbol, not for another symbol', () => {
    const window = new DuplicateWindow(10);
    expect(window.remember('binance:BTCUSDT', '5266583935')).toBe(false);
    expect(window.remember('binance:BTCUSDT', '5266583935')).toBe(true);
    expect(window.remember('binance:ETHUSDT', '5266583935')).toBe(false);
  });

  it("gives the same verdicts with the id's canonical number handed in as when it reads the id itself", () => {
    const ids = ['5266583935', '5266583936', '01', '5266583935', 'x1', '01', '99', '5266583937', 'x1'];
    const reading = new DuplicateWindow(4);
    const handed = new DuplicateWindow(4);
    for (const id of ids) {
      expect(handed.remember('binance:BTCUSDT', id, canonicalNumber(id)), id).toBe(
        reading.remember('binance:BTCUSDT', id),
      );
    }
    expect(handed.snapshot()).toEqual(reading.snapshot());
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
    const restored = DuplicateWindow.restore(deserialize(serialize(window.snapshot())));
    expect(restored.snapshot()).toEqual(window.snapshot());
    expect(restored.remember('binance:BTCUSDT', '9')).toBe(false);
    expect(restored.remember('binance:BTCUSDT', '2')).toBe(true);
    expect(restored.remember('binance:BTCUSDT', '1')).toBe(false);
  });

  it('keeps evicting oldest first after the ring wraps, and snapshots oldest first', () => {
    const window = new DuplicateWindow(3);
    for (const id of ['1', '2', '3', '4', '5']) window.remember('binance:BTCUSDT', id);
    expect(idsBySymbol(window.snapshot())).toEqual({ 'binance:BTCUSDT': ['3', '4', '5'] });
    expect(window.remember('binance:BTCUSDT', '2')).toBe(false);
    expect(idsBySymbol(window.snapshot())).toEqual({ 'binance:BTCUSDT': ['4', '5', '2'] });
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
          expect(idsBySymbol(window.snapshot())).toEqual(expected.symbols());
          const restored = DuplicateWindow.restore(window.snapshot());
          expect(restored.snapshot()).toEqual(window.snapshot());
        }
      }
      expect(idsBySymbol(window.snapshot())).toEqual(expected.symbols());
    }
  });

  it('snapshots ids that count up by one as runs: 10,000 trade ids in 16 bytes, restored with the same verdicts', () => {
    const window = new DuplicateWindow(10_000);
    // Binance numbers a symbol's trades consecutively (e.g. BTCUSDT 5266583935, …936 in ../shared/data)
    for (let id = 5266573935; id < 5266586935; id++) window.remember('binance:BTCUSDT', String(id));
    for (let id = 101; id <= 150; id++) window.remember('binance:ETHUSDT', String(id));
    for (let id = 200; id < 250; id++) window.remember('binance:ETHUSDT', String(id));
    const snapshot = window.snapshot();
    expect(snapshot.symbols['binance:BTCUSDT']).toEqual(Float64Array.of(5266576935, 10_000));
    expect(snapshot.symbols['binance:ETHUSDT']).toEqual(Float64Array.of(101, 50, 200, 50));
    const restored = DuplicateWindow.restore(deserialize(serialize(snapshot)));
    expect(restored.remember('binance:BTCUSDT', '5266576934')).toBe(false);
    expect(restored.remember('binance:BTCUSDT', '5266576936')).toBe(true);
    expect(restored.remember('binance:ETHUSDT', '202')).toBe(true);
    expect(restored.remember('binance:ETHUSDT', '151')).toBe(false);
  });

  it('keeps strings for ids that rarely count up by one, or that are not canonical numbers', () => {
    const window = new DuplicateWindow(100);
    for (let n = 0; n < 100; n++) window.remember('a:EVEN', String(n * 2));
    window.remember('a:MIXED', '1');
    window.remember('a:MIXED', '2');
    window.remember('a:MIXED', 'e5c1-uuid');
    expect(window.snapshot().symbols['a:EVEN']).toHaveLength(100);
    expect(window.snapshot().symbols['a:MIXED']).toEqual(['1', '2', 'e5c1-uuid']);
  });
});
