import { describe, expect, it } from 'vitest';
import { NexuralError } from '../../schemas/errors.js';
import type { StoreWriteBatch, StoreWriteResult, StoreWriter } from '../../schemas/ports/store.js';
import { binanceKlines, binanceTrades } from './market-data-fixtures.js';
import { openPgliteStore } from './pglite-store.js';
import { SinkWriter } from './sink-writer.js';

const trades = binanceTrades();
const counted = (batch: StoreWriteBatch): StoreWriteResult => ({
  bars: batch.bars?.length ?? 0,
  trades: batch.trades?.length ?? 0,
  quotes: batch.quotes?.length ?? 0,
  indicatorValues: batch.indicatorValues?.length ?? 0,
  alertEvents: batch.alertEvents?.length ?? 0,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store that takes `delayMs` per transaction and remembers what it committed. */
function slowStore(delayMs: number, failures: unknown[] = []) {
  const committed: StoreWriteBatch[] = [];
  const store: StoreWriter = {
    async write(batch) {
      await sleep(delayMs);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      committed.push(batch);
      return counted(batch);
    },
  };
  const tradeIds = () => committed.flatMap((batch) => (batch.trades ?? []).map((tick) => tick.tradeId));
  return { store, committed, tradeIds };
}

describe('SinkWriter', () => {
  it('flushes full batches at once and the rest when the interval passes', async () => {
    const { store, committed, tradeIds } = slowStore(0);
    const writer = new SinkWriter(store, { maxBatchRows: 1_000, flushIntervalMs: 20 });
    await writer.write({ trades: trades.slice(0, 2_500) });
    expect(committed.map((batch) => batch.trades?.length)).toEqual([1_000, 1_000, 500]);
    expect(tradeIds()).toEqual(trades.slice(0, 2_500).map((tick) => tick.tradeId));
  });

  it('resolves a write only after the transaction holding its rows committed', async () => {
    let commit: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const store: StoreWriter = { write: async (batch) => gate.then(() => counted(batch)) };
    const writer = new SinkWriter(store, { maxBatchRows: 10, flushIntervalMs: 1 });
    let durable = false;
    const written = writer.write({ bars: binanceKlines().slice(0, 3) }).then(() => {
      durable = true;
    });
    await sleep(30);
    expect(durable).toBe(false);
    commit();
    await written;
    expect(durable).toBe(true);
  });

  it('makes callers wait when the store is slow, holding no more rows than allowed and dropping none', async () => {
    const { store, tradeIds } = slowStore(15);
    const writer = new SinkWriter(store, { maxBatchRows: 200, maxHeldRows: 600, flushIntervalMs: 5 });
    const input = trades.slice(0, 4_000);
    // A producer that does not wait for durability: 40 writes of 100 rows issued at once.
    const writes = Array.from({ length: 40 }, (_, index) =>
      writer.write({ trades: input.slice(index * 100, index * 100 + 100) }),
    );
    await sleep(20);
    expect(writer.stats().heldRows).toBeLessThanOrEqual(600);
    await Promise.all(writes);
    expect(writer.stats()).toEqual({ heldRows: 0, peakHeldRows: 600 });
    expect(tradeIds()).toEqual(input.map((tick) => tick.tradeId));
  });

  it('retries a retryable failure until the rows are written, exactly once', async () => {
    const lost = new NexuralError('NXR_SERVICE_UNAVAILABLE', 'database: Connection terminated unexpectedly');
    const { store, tradeIds } = slowStore(0, [lost, lost]);
    const attempts: number[] = [];
    const writer = new SinkWriter(store, {
      flushIntervalMs: 1,
      retryDelayMs: 1,
      onRetry: (_error, attempt) => attempts.push(attempt),
    });
    await writer.write({ trades: trades.slice(0, 50) });
    expect(attempts).toEqual([1, 2]);
    expect(tradeIds()).toEqual(trades.slice(0, 50).map((tick) => tick.tradeId));
  });

  it('fails the write and every later one after a permanent failure', async () => {
    const refused = new NexuralError(
      'NXR_SCHEMA_INVALID',
      'new row for relation "trade_ticks" violates check constraint',
    );
    const { store } = slowStore(0, [refused]);
    const writer = new SinkWriter(store, { flushIntervalMs: 1 });
    await expect(writer.write({ trades: trades.slice(0, 5) })).rejects.toBe(refused);
    await expect(writer.write({ trades: trades.slice(5, 10) })).rejects.toBe(refused);
  });

  it('merges concurrent writes of different kinds into one transaction', async () => {
    const { store, committed } = slowStore(0);
    const writer = new SinkWriter(store, { flushIntervalMs: 10 });
    await Promise.all([
      writer.write({ bars: binanceKlines() }),
      writer.write({ trades: trades.slice(0, 7) }),
    ]);
    expect(committed.map(counted)).toEqual([
      { bars: 30, trades: 7, quotes: 0, indicatorValues: 0, alertEvents: 0 },
    ]);
  });

  it('writes real trades into PGlite in batches, and a replay through it changes nothing', async () => {
    const pglite = await openPgliteStore();
    await pglite.migrate();
    const results: StoreWriteResult[] = [];
    const recording: StoreWriter = {
      write: async (batch) => {
        const result = await pglite.write(batch);
        results.push(result);
        return result;
      },
    };
    const writer = new SinkWriter(recording, { maxBatchRows: 2_000, flushIntervalMs: 5 });
    const input = trades.slice(0, 5_000);
    await writer.write({ trades: input });
    await writer.write({ trades: input });
    await writer.close();
    expect(results.map((result) => result.trades)).toEqual([2_000, 2_000, 1_000, 0, 0, 0]);
    await pglite.close();
  }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine
});
