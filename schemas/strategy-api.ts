import { z } from 'zod';
import { epochMsSchema } from './market.js';
import { strategySchema } from './strategy.js';

/** Request and response bodies of /v1/strategies (api/routes/strategies.ts). */
export const strategyIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'letters, digits, _ and - only' })
  .describe('strategy id (letters, digits, _ -)');

export const strategyParamsSchema = z.object({ id: strategyIdSchema });

export const strategyBodySchema = z.object({
  id: strategyIdSchema
    .optional()
    .describe('POST: generated when absent; PUT: must equal the path id if given'),
  enabled: z.boolean().default(true).describe('false = the live consumer leaves it alone'),
  strategy: strategySchema,
});

/** A stored strategy as responses carry it (validated by strategySchema when written; no transforms here). */
const strategyOutSchema = z
  .looseObject({ name: z.string(), venue: z.string(), interval: z.string() })
  .describe('the strategy (schemas/strategy.ts), indicator specs canonical');

export const storedStrategySchema = z
  .object({
    id: strategyIdSchema,
    enabled: z.boolean(),
    strategy: strategyOutSchema,
    createdAt: epochMsSchema,
    updatedAt: epochMsSchema,
  })
  .describe('one of your strategies');

export const strategyListSchema = z.object({ items: z.array(storedStrategySchema) });

export const strategyRangeQuerySchema = z.object({
  from: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('from (inclusive), ms since epoch; default: the start'),
  to: z.coerce.number().int().min(0).optional().describe('to (exclusive), ms since epoch; default: the end'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1_000)
    .describe('at most this many (default 1000)'),
});

export const strategyFillSchema = z
  .object({
    seq: z.number().int().positive().describe("the fill's number in its strategy, from 1"),
    time: epochMsSchema.describe('time of the trade it filled at'),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    positionSide: z.enum(['long', 'short']).describe('side of the position it opens or closes'),
    quantity: z.number().describe('base quantity'),
    price: z.number().describe('fill price, slippage included'),
    fee: z.number().describe('quote currency'),
    reason: z.string().describe('entry, signal, stop_loss, take_profit, trailing_stop'),
    pnl: z.number().nullable().describe('exit fills: the round trip PnL net of both fees'),
  })
  .describe('a paper fill');

export const strategyFillListSchema = z.object({ items: z.array(strategyFillSchema) });

export const strategyEquitySchema = z.object({
  items: z.array(
    z.object({
      time: epochMsSchema.describe('close of the final bar'),
      equity: z.number().describe('starting equity + realised PnL + open positions marked at the close'),
      drawdown: z.number().describe('fraction below the running peak of the points returned'),
      position: z.number().describe('net base position, negative = short'),
    }),
  ),
});

export const strategyPositionsSchema = z.object({
  items: z.array(
    z.object({
      symbol: z.string(),
      side: z.enum(['long', 'short']),
      size: z.number(),
      entryTime: epochMsSchema,
      entryPrice: z.number(),
      entryFee: z.number(),
    }),
  ),
});

const nullableNumber = z.number().nullable();
export const strategyMetricsSchema = z
  .object({
    total_return: z.number(),
    cagr: nullableNumber,
    max_drawdown: z.number(),
    sharpe: nullableNumber,
    sortino: nullableNumber,
    calmar: nullableNumber,
    win_rate: nullableNumber,
    profit_factor: nullableNumber,
    expectancy: nullableNumber,
    exposure: z.number(),
    trades: z.number().int(),
  })
  .describe('metrics of the closed round trips and the equity curve (consumers/strategy/README.md)');
