import { z } from 'zod';
import type { StoredStrategy, StrategyStore } from '../../schemas/ports/strategies.js';
import { strategySymbols } from '../../schemas/strategy.js';
import type { StrategySignal } from '../../schemas/strategy-signal.js';
import {
  type ConsumerBatch,
  type ConsumerContext,
  type ConsumerRecord,
  defineConsumer,
} from '../define-consumer.js';
import { requiredSpecs } from './required-specs.js';
import { type Signal, StrategyBook } from './strategy-book.js';
import { decodeFeedState, encodeFeedState, type FeedOptions, StrategyFeed } from './strategy-feed.js';

const configSchema = z.object({
  refreshMs: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('how often the list of enabled strategies is read again, ms (default 10000)'),
  idleSymbolMs: z
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe(
      "a multi-symbol strategy's symbol silent this long (wall clock, ms) stops holding the others back (default 60000)",
    ),
});

interface Runner {
  readonly stored: StoredStrategy;
  readonly symbols: ReadonlySet<string>;
  readonly feed: StrategyFeed;
  /** `topic/partition` → last offset taken in (records at or before it are skipped after a restart) */
  readonly offsets: Record<string, string>;
}

type Input = 'trades' | 'barsFinal' | 'indicators';

async function openRunner(
  store: StrategyStore,
  stored: StoredStrategy,
  options: FeedOptions,
): Promise<Runner | null> {
  const { strategy } = stored;
  const ms = intervalMs(strategy.interval);
  if (ms === null) return null;
  const required = requiredSpecs(strategy);
  const checkpoint = await store.loadCheckpoint(stored.id);
  const feed = checkpoint
    ? StrategyFeed.restore(strategy, ms, required, decodeFeedState(checkpoint.state), options)
    : new StrategyFeed(new StrategyBook(strategy), ms, required, options);
  return {
    stored,
    symbols: new Set(strategySymbols(strategy)),
    feed,
    offsets: { ...(checkpoint?.offsets ?? {}) },
  };
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Time intervals only (activity bars have no window a trade can be placed in before its bar closes). */
function intervalMs(label: string): number | null {
  const match = /^(\d+)([smhd])$/.exec(label);
  return match?.[1] && match[2] ? Number(match[1]) * (units[match[2]] ?? 0) : null;
}

function wants(runner: Runner, record: ConsumerRecord<Input>): boolean {
  const { strategy } = runner.stored;
  const value = record.value;
  if (value.venue !== strategy.venue || !runner.symbols.has(value.symbol)) return false;
  if (record.input === 'trades') return true;
  return record.value.interval === strategy.interval && record.value.final;
}

function take(runner: Runner, record: ConsumerRecord<Input>): void {
  if (record.input === 'trades') {
    const { symbol, timeUs, price } = record.value;
    runner.feed.addTrade({ symbol, timeUs, price });
  } else if (record.input === 'barsFinal') runner.feed.addBar(record.value);
  else runner.feed.addIndicator(record.value);
}

/** A book's signal as the strategy-signals topic carries it; its id is the same live and in a dry-run. */
export function strategySignalOf(stored: StoredStrategy, signal: Signal): StrategySignal {
  return {
    id: `${stored.id}:${signal.symbol}:${signal.barOpenTime}:${signal.kind}:${signal.side}`,
    strategyId: stored.id,
    owner: stored.owner,
    name: stored.strategy.name,
    venue: stored.strategy.venue,
    symbol: signal.symbol,
    interval: stored.strategy.interval,
    kind: signal.kind,
    side: signal.side,
    barOpenTime: signal.barOpenTime,
    barCloseTime: signal.barCloseTime,
    signalOnly: stored.strategy.signalOnly,
  };
}

/** Writes what the book made since the last flush — fills and signals each once (effect keys) — then the state. */
async function flush(runner: Runner, context: ConsumerContext<unknown>, store: StrategyStore) {
  const { stored, feed } = runner;
  const { book } = feed;
  for (const fill of book.fills.splice(0)) {
    await context.ledger.perform(`fill:${stored.id}:${fill.seq}`, async () => {
      await store.recordFills([
        {
          strategyId: stored.id,
          owner: stored.owner,
          seq: fill.seq,
          time: fill.time,
          symbol: fill.symbol,
          side: fill.side,
          positionSide: fill.position,
          quantity: fill.size,
          price: fill.price,
          fee: fill.fee,
          reason: fill.reason,
          pnl: fill.pnl ?? null,
        },
      ]);
      return fill.seq;
    });
    context.metrics.count('fills');
  }
  for (const signal of book.signals.splice(0)) {
    const event = strategySignalOf(stored, signal);
    await context.ledger.perform(`signal:${event.id}`, async () => {
      await context.signals?.publish([event]);
      return event.id;
    });
    context.metrics.count('signals');
  }
  // the last equity point may still change (a later final bar at the same close time): it stays in the book
  const points = book.equity.splice(0, Math.max(0, book.equity.length - 1));
  const last = book.equity.at(-1);
  await store.recordEquity(stored.id, stored.owner, last ? [...points, last] : points);
  book.trades.splice(0);
  book.closes.splice(0);
  await store.saveCheckpoint(stored.id, stored.owner, {
    state: encodeFeedState(feed.state()),
    offsets: runner.offsets,
    positions: book.positions,
  });
}

/**
 * The live strategy tracker: every enabled strategy of every user (the store's `strategies`) paper-trades on
 * the raw trades, final bars and indicator values, through the StrategyFeed and StrategyBook the backtest runs.
 * Fills go to strategy_trades under the effect key `fill:<strategy>:<n>`, signals to the strategy-signals
 * topic under `signal:<id>`, equity to strategy_equity; the book's state and the last offset taken in per
 * topic/partition are saved before the batch's offset is committed, so a restart goes on where the state was
 * saved, skips what it already took in, and fills nothing twice.
 */
export const strategyConsumer = defineConsumer({
  name: 'strategy',
  description:
    'paper-trades every enabled user strategy on raw trades, final bars and indicators: fills, equity and state in the store, signals on the strategy-signals topic',
  inputs: ['trades', 'barsFinal', 'indicators'],
  configSchema,
  create(context) {
    const { strategies: store, config, logger, clock } = context;
    if (!store) logger.warn('consumer strategy: this process has no strategy store; it does nothing');
    const runners = new Map<string, Runner>();
    let loadedAt = Number.NEGATIVE_INFINITY;
    const refresh = async (active: StrategyStore) => {
      loadedAt = clock.now();
      const enabled = await active.enabledStrategies();
      const ids = new Set(enabled.map((stored) => stored.id));
      for (const id of runners.keys()) if (!ids.has(id)) runners.delete(id);
      for (const stored of enabled) {
        const running = runners.get(stored.id);
        if (running && running.stored.updatedAt === stored.updatedAt) continue;
        const runner = await openRunner(active, stored, { idleAfterMs: config.idleSymbolMs, clock });
        if (runner) runners.set(stored.id, runner);
        else
          logger.warn(
            `strategy ${stored.id}: live runs need a time interval, not ${stored.strategy.interval}`,
          );
      }
    };
    const handleNow = async (batch: ConsumerBatch<Input>) => {
      if (!store) return;
      if (clock.now() - loadedAt >= config.refreshMs) await refresh(store);
      const touched = new Set<Runner>();
      try {
        for (const record of batch.records) {
          const at = `${record.source.topic}/${record.source.partition}`;
          for (const runner of runners.values()) {
            if (!wants(runner, record)) continue;
            const last = runner.offsets[at];
            if (last !== undefined && BigInt(record.source.offset) <= BigInt(last)) continue;
            runner.offsets[at] = record.source.offset;
            take(runner, record);
            touched.add(runner);
          }
        }
        for (const runner of touched) await flush(runner, context, store);
      } catch (error) {
        // memory is ahead of the saved state: start again from the saved state on the redelivery
        runners.clear();
        loadedAt = Number.NEGATIVE_INFINITY;
        throw error;
      }
    };
    // one batch at a time: the books and their saved state are shared by every partition's batches
    let queue: Promise<unknown> = Promise.resolve();
    return {
      handle(batch) {
        const run = queue.then(() => handleNow(batch));
        queue = run.catch(() => {});
        return run;
      },
      async close() {},
    };
  },
});
