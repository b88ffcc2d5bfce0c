import { z } from 'zod';
import {
  type AlertCondition,
  type AlertSeries,
  alertConditionSchema,
  alertSeriesSchema,
} from './alert-rule.js';
import { NexuralError } from './errors.js';
import { intervalSchema } from './interval.js';
import { symbolSchema, venueSchema } from './market.js';

const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });
const positive = finite.refine((value) => value > 0, { error: 'must be > 0' });

/** One comparison in the alert condition language: a source series, an operator and its thresholds. */
export type StrategyComparison = { readonly source: AlertSeries } & AlertCondition;

/** An entry or exit condition: a comparison, or `all` / `any` of several (nested freely). */
export type StrategyCondition =
  | StrategyComparison
  | { readonly all: readonly StrategyCondition[] }
  | { readonly any: readonly StrategyCondition[] };

const comparisonSchema = z
  .object({
    source: alertSeriesSchema.describe('the series compared (price, a bar field, an indicator output)'),
  })
  .and(alertConditionSchema);

const groupOf = (key: 'all' | 'any') =>
  z
    .object({ [key]: z.array(strategyConditionSchema()).min(1).max(32) })
    .strict()
    .describe(key === 'all' ? 'holds when every condition holds' : 'holds when some condition holds');

let conditionSchema: z.ZodType<StrategyCondition> | undefined;

/**
 * A condition node. The shape is chosen by its keys (`all`, `any`, else a comparison) before validating, so
 * a bad node reports the path inside the shape it meant (`entry.all.1.value.spec`), not a vague union error.
 */
function strategyConditionSchema(): z.ZodType<StrategyCondition> {
  if (conditionSchema) return conditionSchema;
  const all = z.lazy(() => groupOf('all'));
  const any = z.lazy(() => groupOf('any'));
  conditionSchema = z
    .unknown()
    .transform((value, ctx): StrategyCondition => {
      const keyed = typeof value === 'object' && value !== null;
      const schema = keyed && 'all' in value ? all : keyed && 'any' in value ? any : comparisonSchema;
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data as StrategyCondition;
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] as PropertyKey[] });
      }
      return z.NEVER;
    })
    .describe(
      'a comparison {source, operator, value|lower/upper|amount/percent+bars} in the alert condition language, or {all:[…]} / {any:[…]}',
    ) as unknown as z.ZodType<StrategyCondition>;
  return conditionSchema;
}

export const strategyConditionNodeSchema = strategyConditionSchema();

/** A distance from the entry (or, for trailing stops, from the best price since entry). */
export const strategyDistanceSchema = z
  .union([
    z.object({ percent: positive.describe('percent of the reference price') }).strict(),
    z
      .object({
        atr: positive.describe('multiple of ATR, read on the last final bar before the entry fill'),
        atrPeriod: z.number().int().min(1).max(500).default(14).describe('ATR period (bars)'),
      })
      .strict(),
  ])
  .describe('{"percent": 2} or {"atr": 3, "atrPeriod": 14}');

export type StrategyDistance = z.infer<typeof strategyDistanceSchema>;

export const strategySizeSchema = z
  .union([
    z
      .object({ quote: positive.describe('quote amount per entry; base quantity = quote ÷ fill price') })
      .strict(),
    z.object({ base: positive.describe('base quantity per entry') }).strict(),
    z
      .object({
        percentEquity: positive
          .refine((value) => value <= 100, { error: 'must be ≤ 100' })
          .describe('percent of equity (starting equity + realised PnL) at the fill, ÷ fill price'),
      })
      .strict(),
  ])
  .describe('one of {"quote": 1000}, {"base": 0.01}, {"percentEquity": 10}');

export type StrategySize = z.infer<typeof strategySizeSchema>;

const bps = finite.refine((value) => value >= 0 && value <= 10_000, { error: 'must be 0…10000 bps' });

/** A strategy's fields without the cross-field checks. */
export const strategyFieldsSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'letters, digits, _ and - only' })
    .describe('strategy name (letters, digits, _ -)'),
  venue: venueSchema,
  symbol: symbolSchema.optional().describe('the symbol traded (give symbol or symbols)'),
  symbols: z
    .array(symbolSchema)
    .min(1)
    .max(100)
    .refine((list) => new Set(list).size === list.length, { error: 'symbols must not repeat' })
    .optional()
    .describe('symbols traded, each with its own positions, one shared equity (instead of symbol)'),
  interval: intervalSchema.describe('bar interval the conditions are evaluated on (final bars only)'),
  direction: z
    .enum(['long', 'short', 'both'])
    .default('long')
    .describe(
      'long: entry buys; short: entry sells short; both: entry/exit for longs, shortEntry/shortExit for shorts',
    ),
  entry: strategyConditionNodeSchema.describe('opens a position (long, or short when direction is short)'),
  exit: strategyConditionNodeSchema
    .optional()
    .describe('closes every open position of the side; omit to exit by stops/targets only'),
  shortEntry: strategyConditionNodeSchema.optional().describe('direction both: opens a short'),
  shortExit: strategyConditionNodeSchema.optional().describe('direction both: closes the shorts'),
  size: strategySizeSchema,
  stopLoss: strategyDistanceSchema
    .optional()
    .describe('exit when a trade is this far against the entry price'),
  takeProfit: strategyDistanceSchema
    .optional()
    .describe('exit when a trade is this far in favour of the entry'),
  trailingStop: strategyDistanceSchema
    .optional()
    .describe('exit when a trade is this far back from the best trade price since the entry'),
  cooldownBars: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(0)
    .describe('final bars that must close after an exit fill before an entry signal counts again'),
  maxOpenPositions: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(1)
    .describe('open positions at most, over all symbols (more than 1 = pyramiding)'),
  feeBps: bps.default(0).describe('fee of each fill, basis points of its notional'),
  slippageBps: bps
    .default(0)
    .describe('each fill is this far from the trade price, in the adverse direction'),
  startingEquity: positive.default(10_000).describe('quote currency'),
  signalOnly: z.boolean().default(false).describe('emit entry/exit signals only, open no positions'),
  evaluate: z
    .enum(['bar_close', 'intrabar'])
    .default('bar_close')
    .describe(
      'bar_close: conditions on final bars; intrabar: also at each trade on the forming bar (its open/high/low/close so far, the other series as of the last final bar); the fill is the first trade after the signal trade',
    ),
});

export const strategySchema = strategyFieldsSchema
  .refine((strategy) => (strategy.symbol === undefined) !== (strategy.symbols === undefined), {
    error: 'name either symbol or symbols, not both',
    path: ['symbol'],
  })
  .refine((strategy) => strategy.direction !== 'both' || strategy.shortEntry !== undefined, {
    error: 'direction both needs shortEntry',
    path: ['shortEntry'],
  })
  .refine((strategy) => strategy.direction === 'both' || strategy.shortEntry === undefined, {
    error: 'shortEntry/shortExit only with direction both',
    path: ['shortEntry'],
  })
  .readonly()
  .describe('a rule strategy: paper trading live and backtests on the same engine');

export type Strategy = z.infer<typeof strategySchema>;
export type StrategyInput = z.input<typeof strategySchema>;

/** The symbols a strategy trades. */
export const strategySymbols = (strategy: Pick<Strategy, 'symbol' | 'symbols'>): readonly string[] =>
  strategy.symbols ?? (strategy.symbol === undefined ? [] : [strategy.symbol]);

/** Validates a strategy at the edge: NXR_SCHEMA_INVALID naming the first bad path (`entry.all.1.value.spec`). */
export function parseStrategy(input: unknown, what = 'strategy'): Strategy {
  const parsed = strategySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const path = first?.path.map((part) => (typeof part === 'symbol' ? String(part) : part)) ?? [];
  throw new NexuralError(
    'NXR_SCHEMA_INVALID',
    `invalid ${what} at ${path.join('.') || '(strategy)'}: ${first?.message ?? 'invalid'}`,
    { path },
  );
}
