import { z } from 'zod';
import { indicatorSpecSchema } from './indicator-value.js';
import { intervalSchema } from './interval.js';
import { symbolSchema } from './market.js';

const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });

export const barFieldSchema = z
  .enum(['open', 'high', 'low', 'close', 'volume'])
  .describe('a field of the bar');
export type BarField = z.infer<typeof barFieldSchema>;

/**
 * A series of the rule's symbol and interval: a rule's source, or a threshold compared with it
 * (`{"kind":"indicator","spec":"sma(50)","output":"value"}` for "price crossing SMA(50)").
 */
export const alertSeriesSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('price').describe('last trade price, updated on every trade') }),
    z.object({
      kind: z.literal('bar'),
      field: barFieldSchema.describe('open, high, low, close or volume of the bar of the rule interval'),
    }),
    z.object({
      kind: z.literal('indicator'),
      spec: indicatorSpecSchema,
      output: z.string().min(1).default('value').describe('indicator output, e.g. value, signal, upper'),
    }),
  ])
  .describe('a series of the rule symbol and interval: price, a bar field or an indicator output');

export type AlertSeries = z.infer<typeof alertSeriesSchema>;

/** Every threshold of every operator: a finite number, or a series compared point by point. */
export const alertThresholdSchema = z
  .union([finite, alertSeriesSchema])
  .describe('a finite number, or a series of the same symbol and interval');

export type AlertThreshold = z.infer<typeof alertThresholdSchema>;

/** The threshold fields (each `.describe` makes a new schema), so the registry's JSON Schema can spot them. */
const thresholdFields = new WeakSet<object>();
const threshold = (what: string) => {
  const field = alertThresholdSchema.describe(what);
  thresholdFields.add(field);
  return field;
};
/** Whether a schema is a rule's threshold field (`value`, `lower`, `upper`): see json-schema.ts. */
export const isThresholdField = (schema: object): boolean => thresholdFields.has(schema);
const channelBounds = {
  lower: threshold('lower edge of the channel'),
  upper: threshold('upper edge of the channel'),
};
const withinBars = z.number().int().min(1).max(10_000).describe('look-back window in bars');

/** What is compared, TradingView's operators by name. */
export const alertConditionSchema = z
  .discriminatedUnion('operator', [
    z.object({
      operator: z.literal('crossing'),
      value: threshold('threshold crossed in either direction'),
    }),
    z.object({ operator: z.literal('crossing_up'), value: threshold('threshold crossed from below') }),
    z.object({
      operator: z.literal('crossing_down'),
      value: threshold('threshold crossed from above'),
    }),
    z.object({ operator: z.literal('greater_than'), value: threshold('fires while source > value') }),
    z.object({ operator: z.literal('less_than'), value: threshold('fires while source < value') }),
    z.object({ operator: z.literal('entering_channel'), ...channelBounds }),
    z.object({ operator: z.literal('exiting_channel'), ...channelBounds }),
    z.object({ operator: z.literal('inside_channel'), ...channelBounds }),
    z.object({ operator: z.literal('outside_channel'), ...channelBounds }),
    z.object({
      operator: z.literal('moving_up'),
      amount: finite.positive().describe('rise in source units'),
      bars: withinBars,
    }),
    z.object({
      operator: z.literal('moving_down'),
      amount: finite.positive().describe('fall in source units'),
      bars: withinBars,
    }),
    z.object({
      operator: z.literal('moving_up_percent'),
      percent: finite.positive().describe('rise in percent'),
      bars: withinBars,
    }),
    z.object({
      operator: z.literal('moving_down_percent'),
      percent: finite.positive().describe('fall in percent'),
      bars: withinBars,
    }),
  ])
  .refine(
    (condition) =>
      !('lower' in condition) ||
      typeof condition.lower !== 'number' ||
      typeof condition.upper !== 'number' ||
      condition.lower < condition.upper,
    {
      error: 'channel lower edge must be below its upper edge',
      path: ['lower'],
    },
  )
  .describe('operator and its thresholds');

export type AlertCondition = z.infer<typeof alertConditionSchema>;
export type AlertOperator = AlertCondition['operator'];

export const alertSourceSchema = alertSeriesSchema.describe('the series a rule watches');

export type AlertSource = z.infer<typeof alertSourceSchema>;

export const alertFrequencySchema = z
  .enum(['once', 'once_per_bar', 'once_per_bar_close', 'once_per_minute', 'every_time'])
  .describe(
    'once: fire then disable; once_per_bar: at most once per bar, as soon as true; once_per_bar_close: only on a final bar; once_per_minute: at most once per minute of event time, as soon as true; every_time: each time the condition holds',
  );

export type AlertFrequency = z.infer<typeof alertFrequencySchema>;

export const ruleIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('rule id (letters, digits, _ -)');

/** The rule's fields without the cross-field checks, for schemas derived from it (`.omit`, `.extend`). */
export const alertRuleFieldsSchema = z.object({
  id: ruleIdSchema,
  owner: z.string().min(1).max(128).describe('user id owning the rule'),
  symbol: z
    .union([symbolSchema, z.literal('*')])
    .optional()
    .describe('symbol the rule watches, or * for every symbol (give symbol or symbols)'),
  symbols: z
    .array(symbolSchema)
    .min(1)
    .max(1_000)
    .refine((list) => new Set(list).size === list.length, { error: 'symbols must not repeat' })
    .optional()
    .describe('symbols the rule watches, each firing on its own (instead of symbol)'),
  interval: intervalSchema.describe('bar interval the rule is evaluated on (bars, indicator, frequency)'),
  source: alertSourceSchema,
  condition: alertConditionSchema,
  frequency: alertFrequencySchema.default('once_per_bar'),
  cooldownMs: z.number().int().min(0).default(0).describe('minimum ms between two firings (event time)'),
  expiresAt: z.number().int().nullable().default(null).describe('event time (ms) after which the rule stops'),
  message: z
    .string()
    .max(2000)
    .default('{{symbol}} {{operator}} {{threshold}} on {{interval}}: {{value}}')
    .describe(
      "template; placeholders {{symbol}} {{venue}} {{interval}} {{value}} {{previous}} {{close}} {{open}} {{high}} {{low}} {{volume}} {{time}} {{operator}} {{threshold}} {{lower}} {{upper}} {{rule}} {{owner}}; {{threshold}}, {{lower}}, {{upper}} print a series threshold's value at the firing",
    ),
  enabled: z.boolean().default(true).describe('disabled rules are kept but not evaluated'),
});

/** A rule names `symbol` (one, or `*`) or `symbols` (a list): exactly one of the two. */
export const namesSymbolOrSymbols: [
  (rule: {
    readonly symbol?: string | undefined;
    readonly symbols?: readonly string[] | undefined;
  }) => boolean,
  { error: string; path: string[] },
] = [
  (rule) => (rule.symbol === undefined) !== (rule.symbols === undefined),
  { error: 'name either symbol (one, or *) or symbols (a list), not both', path: ['symbol'] },
];

export const alertRuleSchema = alertRuleFieldsSchema
  .refine(...namesSymbolOrSymbols)
  .readonly()
  .describe('an alert rule');

export type AlertRule = z.infer<typeof alertRuleSchema>;
/** What a client sends: defaults not yet applied. */
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/** The symbols a rule names: `['*']` for every symbol, its one symbol, or its list. */
export const ruleSymbols = (rule: Pick<AlertRule, 'symbol' | 'symbols'>): readonly string[] =>
  rule.symbols ?? [rule.symbol ?? '*'];
