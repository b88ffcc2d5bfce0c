import { z } from 'zod';
import { alertConditionSchema, alertSourceSchema, ruleIdSchema } from './alert-rule.js';
import { sourcePositionSchema } from './dead-letter.js';
import { intervalSchema } from './interval.js';
import { epochMsSchema, symbolSchema, venueSchema } from './market.js';

export const alertTriggerSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('tick'),
      tradeId: z.string().describe('trade that moved the price'),
      timeUs: z.number().int().describe('trade event time, µs'),
      price: z.number().describe('trade price'),
    }),
    z.object({
      kind: z.literal('bar'),
      openTime: epochMsSchema.describe('open time of the bar whose update fired the rule'),
      final: z.boolean().describe('whether that bar was final'),
      revision: z.number().int().nonnegative().describe('bar revision'),
    }),
  ])
  .describe('what made the rule fire');

const common = {
  id: z
    .string()
    .min(1)
    .describe('deterministic event id: rule id + trigger; the same input always yields the same id'),
  ruleId: ruleIdSchema,
  owner: z.string().min(1).describe('owner of the rule'),
  venue: venueSchema,
  symbol: symbolSchema,
  interval: intervalSchema,
  time: epochMsSchema.describe('event time of the trigger, ms'),
};

/** An alert: a rule fired, or a rule was stopped (storm guard, once, expiry). Carries its provenance. */
export const alertEventSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('fired'),
      ...common,
      message: z.string().describe('rendered message template'),
      source: alertSourceSchema,
      condition: alertConditionSchema,
      previous: z.number().nullable().describe('source value before the trigger (null if none yet)'),
      current: z.number().describe('source value that made the condition true'),
      thresholds: z
        .object({
          value: z.number().optional().describe('the value threshold, when it is a series'),
          lower: z.number().optional().describe('the channel lower edge, when it is a series'),
          upper: z.number().optional().describe('the channel upper edge, when it is a series'),
        })
        .optional()
        .describe('values of the series thresholds at the firing (absent when every threshold is a number)'),
      trigger: alertTriggerSchema,
      sourcePosition: sourcePositionSchema
        .nullable()
        .describe('log position of the triggering record, if any'),
    }),
    z.object({
      kind: z.literal('stopped'),
      ...common,
      reason: z.enum(['storm_guard', 'fired_once', 'expired']).describe('why the rule stopped'),
      message: z.string().describe('explanation for the owner'),
    }),
  ])
  .describe('an alert event');

export type AlertEvent = z.infer<typeof alertEventSchema>;
