import { z } from 'zod';
import { indicatorSpecSchema } from './indicator-value.js';
import { intervalSchema } from './interval.js';
import { symbolSchema } from './market.js';

const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });
const channelBounds = {
  lower: finite.describe('lower edge of the channel'),
  upper: finite.describe('upper edge of the channel'),
};
const withinBars = z.number().int().min(1).max(10_000).describe('look-back window in bars');

/** What is compared, TradingView's operators by name. */
export const alertConditionSchema = z
  .discriminatedUnion('operator', [
    z.object({
      operator: z.literal('crossing'),
      value: finite.describe('threshold crossed in either direction'),
    }),
    z.object({ operator: z.literal('crossing_up'), value: finite.describe('threshold crossed from below') }),
    z.object({
      operator: z.literal('crossing_down'),
      value: finite.describe('threshold crossed from above'),
    }),
    z.object({ operator: z.literal('greater_than'), value: finite.describe('fires while source > value') }),
    z.object({ operator: z.literal('less_than'), value: finite.describe('fires while source < value') }),
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
  .refine((condition) => !('lower' in condition) || condition.lower < condition.upper, {
    error: 'channel lower edge must be below its upper edge',
    path: ['lower'],
  })
  .describe('operator and its thresholds');

export type AlertCondition = z.infer<typeof alertConditionSchema>;
export type AlertOperator = AlertCondition['operator'];

export const alertSourceSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('price').describe('last trade price, evaluated on every trade') }),
    z.object({
      kind: z.literal('indicator'),
      spec: indicatorSpecSchema,
      output: z.string().min(1).default('value').describe('indicator output, e.g. value, signal, upper'),
    }),
  ])
  .describe('the series a rule watches');

export type AlertSource = z.infer<typeof alertSourceSchema>;

export const alertFrequencySchema = z
  .enum(['once', 'once_per_bar', 'once_per_bar_close', 'every_time'])
  .describe(
    'once: fire then disable; once_per_bar: at most once per bar, as soon as true; once_per_bar_close: only on a final bar; every_time: each time the condition holds',
  );

export type AlertFrequency = z.infer<typeof alertFrequencySchema>;

export const ruleIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe('rule id (letters, digits, _ -)');

export const alertRuleSchema = z
  .object({
    id: ruleIdSchema,
    owner: z.string().min(1).max(128).describe('user id owning the rule'),
    symbol: z
      .union([symbolSchema, z.literal('*')])
      .describe('symbol the rule watches, or * for every symbol'),
    interval: intervalSchema.describe('bar interval the rule is evaluated on (bars, indicator, frequency)'),
    source: alertSourceSchema,
    condition: alertConditionSchema,
    frequency: alertFrequencySchema.default('once_per_bar'),
    cooldownMs: z.number().int().min(0).default(0).describe('minimum ms between two firings (event time)'),
    expiresAt: z
      .number()
      .int()
      .nullable()
      .default(null)
      .describe('event time (ms) after which the rule stops'),
    message: z
      .string()
      .max(2000)
      .default('{{symbol}} {{operator}} {{threshold}} on {{interval}}: {{value}}')
      .describe(
        'template; placeholders {{symbol}} {{venue}} {{interval}} {{value}} {{previous}} {{close}} {{open}} {{high}} {{low}} {{volume}} {{time}} {{operator}} {{threshold}} {{rule}} {{owner}}',
      ),
    enabled: z.boolean().default(true).describe('disabled rules are kept but not evaluated'),
  })
  .readonly()
  .describe('an alert rule');

export type AlertRule = z.infer<typeof alertRuleSchema>;
/** What a client sends: defaults not yet applied. */
export type AlertRuleInput = z.input<typeof alertRuleSchema>;
