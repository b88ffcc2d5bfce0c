import { z } from 'zod';
import { alertEventSchema } from './alert-event.js';
import { alertRuleSchema } from './alert-rule.js';
import { barSchema } from './bar.js';
import { deadLetterSchema } from './dead-letter.js';
import { indicatorValueSchema } from './indicator-value.js';
import { quoteTickSchema, tradeTickSchema } from './tick.js';

/** The record schemas registered in the Schema Registry, one subject per derived topic value. */
export const registeredSchemas = {
  trade: tradeTickSchema,
  quote: quoteTickSchema,
  bar: barSchema,
  indicatorValue: indicatorValueSchema,
  alertRule: alertRuleSchema,
  alertEvent: alertEventSchema,
  deadLetter: deadLetterSchema,
} as const;

export type RegisteredSchemaName = keyof typeof registeredSchemas;

/** JSON Schema (draft 2020-12) of a record type, as the Schema Registry stores it. */
export function jsonSchemaOf(name: RegisteredSchemaName): Record<string, unknown> {
  // 'output': the shape of records as written (defaults applied); refinements are not expressible and are dropped.
  return z.toJSONSchema(registeredSchemas[name], { io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
