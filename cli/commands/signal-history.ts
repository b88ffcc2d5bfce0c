import { strategySignalOf } from '../../consumers/strategy/strategy-consumer.js';
import { readTradeRange } from '../../pipeline/ingest/replay/read-trade-range.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import type { Env } from '../../schemas/env.js';
import type { SignalHistory } from '../../schemas/ports/signal-history.js';
import type { StrategyStore } from '../../schemas/ports/strategies.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { strategySymbols } from '../../schemas/strategy.js';
import type { StrategySignal } from '../../schemas/strategy-signal.js';
import { topicNames } from '../../schemas/topics.js';
import { prepareStrategy, runBooks } from './backtest.js';

/**
 * Signals over a past range by the backtest machinery (`nexural backtest --from/--to`): each matching strategy
 * of the owner over the raw trades topic of `log`, through MarketEngine and the StrategyBook the live consumer
 * runs; nothing is written or published. Indicators warm up inside the range, as in a backtest.
 */
export function backtestSignalHistory(deps: {
  readonly strategies: Pick<StrategyStore, 'listStrategies'>;
  readonly log: StreamLog;
}): SignalHistory {
  return {
    async signals(owner, wanted, range) {
      const stored = (await deps.strategies.listStrategies(owner)).filter(
        (entry) => wanted === undefined || entry.id === wanted || entry.strategy.name === wanted,
      );
      const signals: StrategySignal[] = [];
      for (const entry of stored) {
        const prepared = prepareStrategy(entry.strategy);
        const { strategy } = prepared;
        const trades = await readTradeRange({
          log: deps.log,
          topic: topicNames().trades,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          keys: strategySymbols(strategy).map((symbol) => `${strategy.venue}:${symbol}`),
        });
        const { books } = await runBooks([prepared], {
          ticks: trades.ticks,
          progressed: () => {},
          done: () => {},
        });
        for (const book of books)
          for (const signal of book.signals) signals.push(strategySignalOf(entry, signal));
      }
      return signals.sort((a, b) => a.barCloseTime - b.barCloseTime || a.id.localeCompare(b.id));
    },
  };
}

/**
 * The same for a one-off command (`nexural automations dry-run`): the log the environment selects (Kafka with
 * KAFKA_BROKERS, else the embedded log in NEXURAL_DATA_DIR) is opened for the call only.
 */
export function envSignalHistory(
  strategies: Pick<StrategyStore, 'listStrategies'>,
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'>,
): SignalHistory {
  return {
    async signals(owner, strategy, range) {
      const log = streamLogFromEnv(env);
      try {
        return await backtestSignalHistory({ strategies, log }).signals(owner, strategy, range);
      } finally {
        await log.close();
      }
    },
  };
}
