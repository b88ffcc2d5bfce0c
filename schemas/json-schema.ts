import { z } from 'zod';
import { alertEventSchema } from './alert-event.js';
import { alertRuleSchema, isThresholdField } from './alert-rule.js';
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

/**
 * Alert thresholds were numbers in the first registered alert schemas. Apicurio's BACKWARD check refuses any
 * type change (number → number | series object too), but accepts dropping the type: so a threshold is
 * registered untyped, described, and zod validates it at the edge.
 */
function untypedThresholds(context: { zodSchema: object; jsonSchema: Record<string, unknown> }): void {
  if (!isThresholdField(context.zodSchema)) return;
  const description = `${String(context.jsonSchema.description ?? 'threshold')}: a number, or a series object {kind: "price"} | {kind: "bar", field} | {kind: "indicator", spec, output}`;
  for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
  context.jsonSchema.description = description;
}

/**
 * JSON Schema (draft 2020-12 by default) of a record type. The registry gets draft-07: Apicurio's
 * compatibility checker cannot read 2020-12 ("could not determine version") once a subject evolves.
 */
export function jsonSchemaOf(
  name: RegisteredSchemaName,
  target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12',
): Record<string, unknown> {
  // 'output': the shape of records as written (defaults applied); refinements are not expressible and are dropped.
  return z.toJSONSchema(registeredSchemas[name], {
    io: 'output',
    unrepresentable: 'any',
    target,
    override: untypedThresholds,
  }) as Record<string, unknown>;
}
