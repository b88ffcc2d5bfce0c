import { zodFunction } from 'openai/helpers/zod';
import { z } from 'zod';
import { type Mover, moverOf } from '../../../schemas/movers.js';
import type { StoreReader } from '../../../schemas/ports/store.js';
import { isoTime, recentBars, resolveSymbol } from '../market-data.js';

export interface ToolContext {
  readonly store: StoreReader;
  readonly owner: string | null;
  readonly now: number;
  readonly staleAfterMs: number;
}

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
      if (!context.owner) return { error: 'the user has not linked a Nexural account (/link)' };
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
      default:
        return { error: `unknown tool ${name}` };
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
}
