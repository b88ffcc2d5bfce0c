import { z } from 'zod';
import { alertEventSchema } from './alert-event.js';
import { alertRuleFieldsSchema, alertRuleSchema, namesSymbolOrSymbols, ruleIdSchema } from './alert-rule.js';
import { barSchema } from './bar.js';
import { indicatorSpecSchema, indicatorValueSchema } from './indicator-value.js';
import { intervalSchema } from './interval.js';
import { epochMsSchema, MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS, symbolSchema, venueSchema } from './market.js';
import { quoteTickSchema } from './tick.js';

/** Every error response, whatever the route: a stable NXR_* code, a message for people, details for code. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable NXR_* code (schemas/errors.ts)'),
      message: z.string().describe('what went wrong, naming the bad field and value'),
      details: z.record(z.string(), z.unknown()).describe('e.g. {path} of the bad value'),
    }),
  })
  .describe('error response');
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export const marketParamsSchema = z.object({ venue: venueSchema, symbol: symbolSchema });
export const seriesParamsSchema = marketParamsSchema.extend({ interval: intervalSchema });

/** Query numbers arrive as text; only plain decimal integers are accepted (no 1e3, no hex, no blanks). */
const integerText = (what: string) =>
  z
    .string()
    .regex(/^-?\d{1,16}$/, { error: `${what} must be a whole number` })
    .transform(Number);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time as a client writes it: ms since epoch (`1723161600000`) or ISO 8601 (`2024-08-09T00:00:00Z`,
 * `2024-08-09T02:00:00+02:00`, `2024-08-09` = midnight UTC; without an offset UTC is meant).
 */
export const timeTextSchema = (what: string) =>
  z
    .string()
    .transform((text, context) => {
      if (/^-?\d{1,16}$/.test(text)) return Number(text);
      if (ISO_TIME.test(text)) {
        const utc = /[Zz]$|[+-]\d{2}:?\d{2}$/.test(text) || !text.includes(':') ? text : `${text}Z`;
        const ms = Date.parse(utc.replace(' ', 'T'));
        if (Number.isFinite(ms)) return ms;
      }
      context.addIssue({
        code: 'custom',
        message: `${what} must be ms since epoch or an ISO 8601 time such as 2024-08-09T00:00:00Z, got "${text.slice(0, 40)}"`,
      });
      return z.NEVER;
    })
    .pipe(epochMsSchema);

/** A time in a JSON body: a number (ms since epoch) or an ISO 8601 string. */
export const timeValueSchema = (what: string) =>
  z
    .union([epochMsSchema, timeTextSchema(what)])
    .describe(`${what}: ms since epoch (number) or ISO 8601 (string, e.g. 2024-08-09T00:00:00Z)`);

const timeQuery = (what: string) =>
  timeTextSchema(what).describe(`${what}: ms since epoch or ISO 8601 (e.g. 2024-08-09T00:00:00Z)`);

export const MAX_PAGE_LIMIT = 10_000;
const limitQuery = integerText('limit')
  .pipe(z.number().int().min(1).max(MAX_PAGE_LIMIT))
  .optional()
  .describe(`page size, 1…${MAX_PAGE_LIMIT} (default 1000)`);
/** Cursors are opaque, but they only ever hold an event time, ids and sequence numbers: anything else was not made by this API. */
function isOurCursor(cursor: string): boolean {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  // [time, …]: an event time first, then ids (text) or sequence numbers (bars opening in the same ms)
  return (
    Array.isArray(parts) &&
    parts.length > 0 &&
    parts.every((part, index) =>
      typeof part === 'number'
        ? Number.isInteger(part) &&
          (index === 0
            ? part >= MIN_EVENT_TIME_MS && part <= MAX_EVENT_TIME_MS
            : part >= 0 && part <= 2 ** 31)
        : typeof part === 'string',
    )
  );
}
const cursorQuery = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'cursor must be a nextCursor this API returned' })
  .refine(isOurCursor, { error: 'cursor must be a nextCursor this API returned' })
  .optional()
  .describe('nextCursor of the previous page');
const booleanQuery = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .optional();

const rangeFields = {
  from: timeQuery('from (inclusive)'),
  to: timeQuery('to (exclusive)'),
  limit: limitQuery,
  cursor: cursorQuery,
};
/** List routes: both ends optional; without `from` the newest come first. */
const listRangeFields = {
  from: timeQuery('from (inclusive); default: the beginning of the data').optional(),
  to: timeQuery('to (exclusive); default: the end of the data').optional(),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .describe('asc = oldest first, desc = newest first; default: asc when from is given, else desc'),
  limit: limitQuery,
  cursor: cursorQuery,
};
const toNotBeforeFrom = <Range extends { from?: number | undefined; to?: number | undefined }>(
  range: Range,
) => range.from === undefined || range.to === undefined || range.to >= range.from;
const rangeRefinement = { error: 'to must not be before from', path: ['to'] };

export const barsQuerySchema = z
  .object({ ...listRangeFields, final: booleanQuery.describe('only final bars (default false)') })
  .refine(toNotBeforeFrom, rangeRefinement);
export const indicatorsQuerySchema = z
  .object({
    ...listRangeFields,
    spec: indicatorSpecSchema.optional().describe('one indicator; absent = all stored'),
  })
  .refine(toNotBeforeFrom, rangeRefinement);
export const computeQuerySchema = z
  .object({
    from: rangeFields.from,
    to: rangeFields.to,
    spec: z.string().min(1).max(128).describe('any registry spec, e.g. rsi(14), macd(12,26,9), bbands(20,2)'),
    warmup: integerText('warmup')
      .pipe(z.number().int().min(0).max(5_000))
      .optional()
      .describe('bars read before from so the indicator is warm at from (time intervals; default 500)'),
  })
  .refine(toNotBeforeFrom, rangeRefinement);
export const alertEventsQuerySchema = z
  .object({ ...listRangeFields, venue: venueSchema.optional(), symbol: symbolSchema.optional() })
  .refine(toNotBeforeFrom, rangeRefinement)
  .refine((query) => (query.venue === undefined) === (query.symbol === undefined), {
    error: 'give venue and symbol together',
    path: ['symbol'],
  });
export const pageQuerySchema = z.object({ limit: limitQuery, cursor: cursorQuery });

export const pageOf = <Item extends z.ZodType>(item: Item) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
  });

export const symbolListSchema = z.object({ items: z.array(marketParamsSchema) });
export const barPageSchema = pageOf(barSchema);
export const indicatorPageSchema = pageOf(indicatorValueSchema);
export const alertEventPageSchema = pageOf(alertEventSchema);
export const computedIndicatorSchema = z.object({
  spec: z.string().describe('canonical spec (defaults filled in)'),
  outputs: z.array(z.string()).describe('output names'),
  items: z.array(
    z.object({
      openTime: epochMsSchema,
      outputs: z.record(z.string(), z.number()),
      final: z.boolean().describe('computed on a final bar'),
    }),
  ),
  warm: z.boolean().describe('false if the stored history before from was too short to warm up'),
});
export const indicatorCatalogSchema = z.object({
  items: z.array(
    z.object({
      name: z.string().describe('spec name, e.g. macd'),
      summary: z.string(),
      defaultSpec: z.string().describe('the spec with its defaults, e.g. macd(12,26,9)'),
      params: z
        .array(z.object({ name: z.string(), description: z.string() }))
        .describe('positional parameters'),
      outputs: z.array(z.string()).describe('output names, e.g. macd, signal, histogram'),
    }),
  ),
});
export { quoteTickSchema };

export const replayRunSchema = z.object({
  namespace: z.string().describe('run name = namespace of its derived topics'),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  source: z.record(z.string(), z.unknown()).describe('what was asked and the raw-topic range it resolved to'),
  fromTime: z.number().nullable().describe('first event time replayed, ms'),
  toTime: z.number().nullable().describe('end of the replayed event times (exclusive), ms'),
  recordsIn: z.number().describe('input records read'),
  recordsOut: z.number().describe('derived records written'),
  startedAt: z.number().describe('wall clock, ms'),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
});
export const replayRunPageSchema = pageOf(replayRunSchema);

/** A rule as a client writes it: the owner is the caller, never a field. */
export const ruleBodySchema = alertRuleFieldsSchema
  .omit({ owner: true, id: true })
  .extend({ id: ruleIdSchema.optional() })
  .refine(...namesSymbolOrSymbols);
export const ruleParamsSchema = z.object({ id: ruleIdSchema });
export const ruleTestBodySchema = z
  .object({
    rule: ruleBodySchema.describe('the rule to try, as POST /v1/rules takes it (nothing is saved)'),
    from: timeValueSchema('from (inclusive); default: 24 h before to').optional(),
    to: timeValueSchema('to (exclusive); default: the end of each symbol’s stored data').optional(),
  })
  .refine(toNotBeforeFrom, rangeRefinement);
export const ruleTestResultSchema = z.object({
  from: epochMsSchema.nullable().describe('from as asked (null: per symbol, 24 h before its to)'),
  to: epochMsSchema.nullable().describe('to as asked (null: per symbol, the end of its stored data)'),
  items: z.array(alertEventSchema).describe('the alerts the rule would have fired, by time'),
  symbols: z
    .array(
      z.object({
        venue: venueSchema,
        symbol: symbolSchema,
        input: z
          .enum(['trades', 'bars', 'none'])
          .describe('stored trades; else stored 1m bars replayed as O→H→L→C ticks; none: no history'),
        ticks: z.number().int().describe('ticks fed to the engine'),
        from: epochMsSchema.nullable().describe('start of the history tested (null: no stored data)'),
        to: epochMsSchema.nullable().describe('end of the history tested, exclusive'),
      }),
    )
    .describe('what history each symbol was tested on'),
  truncated: z.boolean().describe('the history exceeded the test budget: items are the first alerts only'),
});
export const ruleListSchema = z.object({ items: z.array(alertRuleSchema) });
export { alertRuleSchema };

export const apiScopeSchema = z.enum(['read', 'write']);
export const apiKeySchema = z.object({
  id: z.string(),
  owner: z.string(),
  prefix: z.string().describe('first characters of the key'),
  label: z.string(),
  scopes: z.array(apiScopeSchema),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
export const newApiKeyBodySchema = z.object({
  label: z.string().max(100).default('').describe('a name to tell keys apart'),
  scopes: z
    .array(apiScopeSchema)
    .min(1)
    .max(2)
    .default(['read', 'write'])
    .describe('at most the scopes of the caller'),
});
export const newApiKeySchema = z.object({
  key: z.string().describe('the key itself: shown once, only its hash is stored'),
  record: apiKeySchema,
});
export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });
export const keyParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
});
export const sessionSchema = z.object({
  token: z.string().describe('JWT for Authorization: Bearer, and for ?token= on /v1/live'),
  expiresAt: z.number().describe('ms since epoch'),
  owner: z.string(),
});
export const meSchema = z.object({
  user: z.object({ id: z.string(), email: z.string().nullable(), displayName: z.string().nullable() }),
  keyId: z.string(),
  scopes: z.array(apiScopeSchema),
});

/** What a live WebSocket client sends. `id` names the subscription in every message the server sends for it. */
const subscriptionId = z.string().min(1).max(64).describe('client-chosen subscription id');
const subscribe = z.literal('subscribe');
export const liveSubscribeSchema = z.discriminatedUnion('channel', [
  z.object({
    op: subscribe,
    id: subscriptionId,
    channel: z.literal('bars'),
    ...seriesParamsSchema.shape,
    sinceOpenTime: timeValueSchema('sinceOpenTime')
      .optional()
      .describe('first send stored bars from this open time (resume): ms since epoch or ISO 8601'),
  }),
  z.object({
    op: subscribe,
    id: subscriptionId,
    channel: z.literal('indicators'),
    ...seriesParamsSchema.shape,
  }),
  z.object({
    op: subscribe,
    id: subscriptionId,
    channel: z.literal('alerts'),
    venue: venueSchema.optional(),
    symbol: symbolSchema.optional(),
    resumeAfter: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('last delivery id seen: deliveries after it are replayed first (resume after reconnect)'),
  }),
]);
export type LiveSubscribe = z.infer<typeof liveSubscribeSchema>;
export const liveClientMessageSchema = z.discriminatedUnion('op', [
  liveSubscribeSchema,
  z.object({ op: z.literal('unsubscribe'), id: subscriptionId }),
  z.object({ op: z.literal('ping') }),
]);
export type LiveClientMessage = z.infer<typeof liveClientMessageSchema>;
