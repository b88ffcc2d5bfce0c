import { zodFunction } from 'openai/helpers/zod';
import { z } from 'zod';
import { type Mover, moverOf } from '../../../schemas/movers.js';
import type { ResearchReader } from '../../../schemas/ports/research.js';
import type { StoreReader } from '../../../schemas/ports/store.js';
import type { StrategyStore } from '../../../schemas/ports/strategies.js';
import { storedStrategyMetrics } from '../../strategy/round-trips.js';
import { isoTime, recentBars, resolveSymbol } from '../market-data.js';

export interface ToolContext {
  readonly store: StoreReader;
  readonly owner: string | null;
  readonly now: number;
  readonly staleAfterMs: number;
  /** the linked account's notes (sql/0016); null where the process has none */
  readonly research: ResearchReader | null;
  /** the linked account's strategies (sql/0013); null where the process has none */
  readonly strategies: StrategyStore | null;
}

const notLinked = { error: 'the user has not linked a Nexural account (/link)' } as const;
const percent = (ratio: number | null) => (ratio === null ? null : Number((ratio * 100).toFixed(4)));

const symbol = z.string().describe('symbol, e.g. BTCUSDT or binance:BTCUSDT');
const interval = z.string().describe('bar interval, e.g. 1m, 5m, 1h');

const freshness = (eventTime: number, context: ToolContext) => ({
  asOf: isoTime(eventTime),
  ageMinutes: Math.round((context.now - eventTime) / 60_000),
  stale: context.now - eventTime > context.staleAfterMs,
});

/** The analyst's tools: each returns plain data with its as-of event time and whether it is stale. */
export const analystTools = {
  get_quote: {
    tool: zodFunction({
      name: 'get_quote',
      description: 'latest price (close of the newest 1m bar) of a symbol',
      parameters: z.object({ symbol }),
    }),
    async run(args: { symbol: string }, context: ToolContext) {
      const ref = await resolveSymbol(context.store, args.symbol);
      const bar = await context.store.latestBar({ ...ref, interval: '1m' });
      if (!bar) return { symbol: ref.symbol, error: 'no bars stored' };
      return {
        symbol: ref.symbol,
        venue: ref.venue,
        price: bar.close,
        barOpen: bar.open,
        barHigh: bar.high,
        barLow: bar.low,
        ...freshness(bar.closeTime, context),
      };
    },
  },
  get_bars: {
    tool: zodFunction({
      name: 'get_bars',
      description: 'newest OHLCV bars of a symbol, oldest first',
      parameters: z.object({ symbol, interval, count: z.number().int().min(1).max(100) }),
    }),
    async run(args: { symbol: string; interval: string; count: number }, context: ToolContext) {
      const ref = await resolveSymbol(context.store, args.symbol);
      const bars = await recentBars(context.store, ref, args.interval, args.count);
      const last = bars.at(-1);
      return {
        symbol: ref.symbol,
        interval: args.interval,
        bars: bars.map((bar) => ({
          openTime: isoTime(bar.openTime),
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
          final: bar.final,
        })),
        ...(last ? freshness(last.closeTime, context) : { error: 'no bars stored' }),
      };
    },
  },
  get_indicator: {
    tool: zodFunction({
      name: 'get_indicator',
      description: 'newest stored values of an indicator (e.g. rsi(14), sma(20), macd(12,26,9)) on a symbol',
      parameters: z.object({ symbol, interval, spec: z.string(), count: z.number().int().min(1).max(50) }),
    }),
    async run(args: { symbol: string; interval: string; spec: string; count: number }, context: ToolContext) {
      const ref = await resolveSymbol(context.store, args.symbol);
      const page = await context.store.indicatorValues({
        ...ref,
        interval: args.interval,
        spec: args.spec,
        from: 0,
        to: 7_258_118_400_000,
        limit: args.count,
        order: 'desc',
      });
      const values = [...page.items].reverse();
      const last = values.at(-1);
      if (!last) return { symbol: ref.symbol, spec: args.spec, error: 'no stored values for this spec' };
      const bar = await context.store.latestBar({ ...ref, interval: args.interval });
      const eventTime = bar && bar.openTime === last.openTime ? bar.closeTime : last.openTime;
      return {
        symbol: ref.symbol,
        spec: args.spec,
        values: values.map((value) => ({ barOpenTime: isoTime(value.openTime), ...value.outputs })),
        ...freshness(eventTime, context),
      };
    },
  },
  get_alerts: {
    tool: zodFunction({
      name: 'get_alerts',
      description: "the asking user's most recent alert events (needs a linked account)",
      parameters: z.object({ limit: z.number().int().min(1).max(20) }),
    }),
    async run(args: { limit: number }, context: ToolContext) {
      if (!context.owner) return notLinked;
      const page = await context.store.alertEvents({
        owner: context.owner,
        from: 0,
        to: 7_258_118_400_000,
        limit: args.limit,
        order: 'desc',
      });
      return {
        alerts: page.items.map((event) => ({
          id: event.id,
          symbol: event.symbol,
          time: isoTime(event.time),
          message: event.message,
          ...(event.kind === 'fired'
            ? { value: event.current, previous: event.previous }
            : { stopped: event.reason }),
        })),
      };
    },
  },
  get_market_movers: {
    tool: zodFunction({
      name: 'get_market_movers',
      description:
        'every stored symbol ranked by its % change (first open to last close) over the last `hours`, and by quote volume',
      parameters: z.object({
        interval,
        hours: z.number().int().min(1).max(168).describe('look-back window in hours, ending now'),
        count: z.number().int().min(1).max(10),
      }),
    }),
    async run(args: { interval: string; hours: number; count: number }, context: ToolContext) {
      const from = context.now - args.hours * 3_600_000;
      const movers: Mover[] = [];
      let newest = Number.NEGATIVE_INFINITY;
      for (const ref of await context.store.listSymbols()) {
        const page = await context.store.bars({
          ...ref,
          interval: args.interval,
          from,
          to: context.now,
          limit: 10_000,
          finalOnly: true,
        });
        const mover = moverOf(page.items);
        if (!mover) continue;
        movers.push(mover);
        newest = Math.max(newest, page.items.at(-1)?.closeTime ?? newest);
      }
      if (movers.length === 0)
        return { interval: args.interval, hours: args.hours, error: 'no final bars stored in this window' };
      const row = (mover: Mover) => ({
        symbol: mover.symbol,
        venue: mover.venue,
        open: mover.open,
        close: mover.close,
        changePct: Number(mover.changePct.toFixed(4)),
        quoteVolume: mover.quoteVolume,
      });
      return {
        interval: args.interval,
        hours: args.hours,
        symbols: movers.length,
        topMovers: [...movers]
          .sort((a, b) => Math.abs(b.changePct) - Math.abs(a.changePct))
          .slice(0, args.count)
          .map(row),
        volumeLeaders: [...movers]
          .sort((a, b) => b.quoteVolume - a.quoteVolume)
          .slice(0, args.count)
          .map(row),
        ...freshness(newest, context),
      };
    },
  },
  get_strategy_performance: {
    tool: zodFunction({
      name: 'get_strategy_performance',
      description:
        "the linked user's paper-trading strategies with their metrics over the whole run (returns and drawdown also in %), as of the newest equity point",
      parameters: z.object({
        strategyId: z
          .string()
          .nullable()
          .describe("one strategy id, or null for all of the user's strategies"),
      }),
    }),
    async run(args: { strategyId: string | null }, context: ToolContext) {
      if (!context.owner) return notLinked;
      if (!context.strategies) return { error: 'strategies are not available in this process' };
      const owner = context.owner;
      const strategies = context.strategies;
      const all = await strategies.listStrategies(owner);
      const chosen = args.strategyId === null ? all : all.filter((entry) => entry.id === args.strategyId);
      if (chosen.length === 0)
        return {
          error: args.strategyId === null ? 'the user has no strategies' : `no strategy "${args.strategyId}"`,
          known: all.map((entry) => entry.id),
        };
      const rows = [];
      for (const stored of chosen) {
        const run = await storedStrategyMetrics(strategies, owner, stored.id, stored.strategy);
        const { metrics } = run;
        rows.push({
          id: stored.id,
          enabled: stored.enabled,
          interval: stored.strategy.interval,
          startingEquity: stored.strategy.startingEquity,
          fills: run.fills,
          ...metrics,
          total_return_pct: percent(metrics.total_return),
          cagr_pct: percent(metrics.cagr),
          max_drawdown_pct: percent(metrics.max_drawdown),
          win_rate_pct: percent(metrics.win_rate),
          exposure_pct: percent(metrics.exposure),
          ...(run.asOf === null
            ? { asOf: null, note: 'no fills or equity yet' }
            : freshness(run.asOf, context)),
        });
      }
      return { strategies: rows };
    },
  },
  search_notes: {
    tool: zodFunction({
      name: 'search_notes',
      description:
        'the linked user\'s own research notes matching a query (words, "a phrase", -excluded, or), best first',
      parameters: z.object({
        query: z.string().min(1),
        tag: z.string().nullable().describe('only notes with this tag, or null'),
        limit: z.number().int().min(1).max(10),
      }),
    }),
    async run(args: { query: string; tag: string | null; limit: number }, context: ToolContext) {
      if (!context.owner) return notLinked;
      if (!context.research) return { error: 'notes are not available in this process' };
      const hits = await context.research.searchNotes(context.owner, args.query, {
        limit: args.limit,
        ...(args.tag === null ? {} : { tag: args.tag }),
      });
      return {
        query: args.query,
        notes: hits.map((hit) => ({
          id: hit.id,
          title: hit.title,
          passage: hit.headline.replaceAll(/<\/?b>/g, ''),
          tags: hit.tags,
          anchor: `${hit.anchor.venue}:${hit.anchor.symbol} ${hit.anchor.interval} at ${isoTime(hit.anchor.eventTime)}`,
          idea: hit.idea,
          score:
            hit.score === null || hit.score.status === 'pending'
              ? hit.score
              : {
                  ...hit.score,
                  entryTime: isoTime(hit.score.entryTime),
                  exitTime: isoTime(hit.score.exitTime),
                  return_pct: percent(hit.score.return),
                },
          writtenAt: isoTime(hit.createdAt),
          updatedAt: isoTime(hit.updatedAt),
        })),
      };
    },
  },
} as const;

export type AnalystToolName = keyof typeof analystTools;
export const toolList = Object.values(analystTools).map((entry) => entry.tool);

/** Runs a tool by name with arguments the SDK parsed; unknown tools and failures come back as `{error}`. */
export async function runTool(
  name: string,
  args: unknown,
  context: ToolContext,
): Promise<Record<string, unknown>> {
  try {
    switch (name) {
      case 'get_quote':
        return await analystTools.get_quote.run(args as { symbol: string }, context);
      case 'get_bars':
        return await analystTools.get_bars.run(
          args as { symbol: string; interval: string; count: number },
          context,
        );
      case 'get_indicator':
        return await analystTools.get_indicator.run(
          args as { symbol: string; interval: string; spec: string; count: number },
          context,
        );
      case 'get_alerts':
        return await analystTools.get_alerts.run(args as { limit: number }, context);
      case 'get_market_movers':
        return await analystTools.get_market_movers.run(
          args as { interval: string; hours: number; count: number },
          context,
        );
      case 'get_strategy_performance':
        return await analystTools.get_strategy_performance.run(
          args as { strategyId: string | null },
          context,
        );
      case 'search_notes':
        return await analystTools.search_notes.run(
          args as { query: string; tag: string | null; limit: number },
          context,
        );
      default:
        return { error: `unknown tool ${name}` };
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
}
