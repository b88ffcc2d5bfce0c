import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import type { ErrorCode } from '../../../../schemas/errors.js';
import type { RawTradeInput } from '../parse-or-dead-letter.js';

/** A record parseOrDeadLetter must refuse, with the code and a word its reason must hold. */
export interface MalformedTrade {
  readonly input: RawTradeInput;
  readonly kind: string;
  readonly code: ErrorCode;
  readonly mentions: string;
  /** index of the good record it repeats, for NXR_DUPLICATE */
  readonly duplicateOf?: number;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

// Field mutations start from a valid trade whose id no good record uses, then break exactly one thing.
const base = {
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  time: 1723161256322,
  price: '61800.30',
  size: '0.006',
};
const freshId = fc.integer({ min: 1, max: 1_000_000 }).map((n) => `x${n}`);
const json = (fields: Record<string, unknown>) => fc.constant(bytes(JSON.stringify(fields)));
const notANumberText = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((text) => !/^\s*[-+\d.]/.test(text) && !/^\s*(nan|inf)/i.test(text));
const wrongType = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

const field = (
  kind: string,
  code: ErrorCode,
  mentions: string,
  broken: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Omit<MalformedTrade, 'input'> & { value: fc.Arbitrary<Buffer> }> =>
  fc.constant({ kind, code, mentions, value: broken.chain((fields) => json(fields)) });

const withId = (change: (id: string) => fc.Arbitrary<Record<string, unknown>>) =>
  freshId.chain((tradeId) => change(tradeId));

const mutations = fc.oneof(
  field(
    'price ≤ 0',
    'NXR_BAD_VALUE',
    'price',
    withId((tradeId) =>
      fc
        .double({ max: 0, noNaN: true, noDefaultInfinity: true })
        .map((price) => ({ ...base, tradeId, price })),
    ),
  ),
  field(
    'price ≤ 0 as text',
    'NXR_BAD_VALUE',
    'price',
    withId((tradeId) =>
      fc.integer({ min: 0, max: 10 ** 9 }).map((n) => ({ ...base, tradeId, price: `-${n}.5` })),
    ),
  ),
  field(
    'size < 0',
    'NXR_BAD_VALUE',
    'size',
    withId((tradeId) =>
      fc
        .double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true })
        .map((size) => ({ ...base, tradeId, size })),
    ),
  ),
  field(
    'non-finite text',
    'NXR_BAD_VALUE',
    'must be a number',
    withId((tradeId) =>
      fc
        .constantFrom('price', 'size')
        .chain((name) =>
          fc
            .constantFrom('Infinity', '-Infinity', 'inf', ' +Infinity ')
            .map((text) => ({ ...base, tradeId, [name]: text })),
        ),
    ),
  ),
  field(
    'NaN text',
    'NXR_BAD_VALUE',
    'must be a number',
    withId((tradeId) =>
      fc
        .constantFrom('price', 'size')
        .chain((name) =>
          fc.constantFrom('NaN', 'nan', '-NaN').map((text) => ({ ...base, tradeId, [name]: text })),
        ),
    ),
  ),
  field(
    'time before 1990',
    'NXR_BAD_VALUE',
    'time',
    withId((tradeId) =>
      fc
        .integer({ min: -(10 ** 12), max: Date.UTC(1990, 0, 1) - 1 })
        .map((time) => ({ ...base, tradeId, time })),
    ),
  ),
  field(
    'time after 2200',
    'NXR_BAD_VALUE',
    'time',
    withId((tradeId) =>
      fc
        .integer({ min: Date.UTC(2200, 0, 2), max: Number.MAX_SAFE_INTEGER })
        .map((time) => ({ ...base, tradeId, time })),
    ),
  ),
  field(
    'fractional time',
    'NXR_BAD_VALUE',
    'time',
    withId((tradeId) =>
      fc.integer({ min: 1, max: 999 }).map((n) => ({ ...base, tradeId, time: 1723161256322 + n / 1000 })),
    ),
  ),
  field(
    'timeUs out of range',
    'NXR_BAD_VALUE',
    'timeUs',
    withId((tradeId) =>
      fc.integer({ min: 1, max: 10 ** 12 }).map((timeUs) => ({ ...base, time: undefined, tradeId, timeUs })),
    ),
  ),
  field(
    'price not a number',
    'NXR_SCHEMA_INVALID',
    'price',
    withId((tradeId) => notANumberText.map((price) => ({ ...base, tradeId, price }))),
  ),
  field(
    'wrong type',
    'NXR_SCHEMA_INVALID',
    '',
    withId((tradeId) =>
      fc
        .tuple(fc.constantFrom('venue', 'symbol', 'price', 'size', 'time', 'side'), wrongType)
        .map(([name, value]) => ({ ...base, tradeId, [name]: value })),
    ),
  ),
  field(
    'missing field',
    'NXR_SCHEMA_INVALID',
    '',
    withId((tradeId) =>
      fc
        .constantFrom('venue', 'symbol', 'tradeId', 'price', 'size', 'time')
        .map((name) => ({ ...base, tradeId, [name]: undefined })),
    ),
  ),
  field(
    'both time and timeUs',
    'NXR_SCHEMA_INVALID',
    'exactly one',
    withId((tradeId) =>
      fc.integer({ min: 0, max: 10 ** 6 }).map((n) => ({ ...base, tradeId, timeUs: 1723161256322000 + n })),
    ),
  ),
  field(
    'bad venue',
    'NXR_SCHEMA_INVALID',
    'venue',
    withId((tradeId) =>
      fc
        .string({ minLength: 1, maxLength: 40 })
        .filter((venue) => !/^[a-z0-9._-]{1,32}$/.test(venue))
        .map((venue) => ({ ...base, tradeId, venue })),
    ),
  ),
  field(
    'bad symbol',
    'NXR_SCHEMA_INVALID',
    'symbol',
    withId((tradeId) =>
      fc
        .string({ minLength: 0, maxLength: 70 })
        .filter((symbol) => !/^[A-Za-z0-9._:/-]{1,64}$/.test(symbol))
        .map((symbol) => ({ ...base, tradeId, symbol })),
    ),
  ),
  field(
    'bad side',
    'NXR_SCHEMA_INVALID',
    'side',
    withId((tradeId) =>
      fc
        .string({ maxLength: 10 })
        .filter((side) => !['buy', 'sell', 'unknown'].includes(side))
        .map((side) => ({ ...base, tradeId, side })),
    ),
  ),
  field(
    'bad trade id',
    'NXR_SCHEMA_INVALID',
    'tradeId',
    fc
      .oneof(
        fc.constant(''),
        fc.integer({ max: -1 }),
        fc.double({ min: 0.1, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
        fc.string({ minLength: 129, maxLength: 200 }),
      )
      .map((tradeId) => ({ ...base, tradeId })),
  ),
);

/**
 * Malformed raw trade records of 22 kinds, each breaking exactly one thing, keyed `key`; duplicates replay
 * one of `good` (their `duplicateOf` says which, so a test can place them after the original).
 */
export function malformedTrade(key: string, good: readonly RawTradeInput[]): fc.Arbitrary<MalformedTrade> {
  return fc.oneof(
    {
      weight: 12,
      arbitrary: mutations.chain(({ value, ...rest }) =>
        value.map((payload) => ({ ...rest, input: { key, value: payload, source: null } })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .filter((array) => !isUtf8(array))
        .map((array) => ({
          kind: 'not UTF-8',
          code: 'NXR_PARSE_FAILED' as const,
          mentions: 'UTF-8',
          input: { key, value: Buffer.from(array), source: null },
        })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 60 }).map((cut) => ({
        kind: 'truncated JSON',
        code: 'NXR_PARSE_FAILED' as const,
        mentions: 'JSON',
        input: { key, value: bytes(JSON.stringify({ ...base, tradeId: 'cut' }).slice(0, cut)), source: null },
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.integer(),
          fc.string(),
          fc.array(fc.anything(), { maxLength: 3 }),
          fc.constant(null),
          fc.boolean(),
        )
        .map((value) => ({
          kind: 'JSON, not an object',
          code: 'NXR_SCHEMA_INVALID' as const,
          mentions: 'object',
          input: { key, value: bytes(JSON.stringify(value)), source: null },
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(freshId, fc.option(fc.string({ maxLength: 20 })))
        .filter(([, k]) => k !== key)
        .map(([tradeId, wrongKey]) => ({
          kind: 'wrong key',
          code: 'NXR_SCHEMA_INVALID' as const,
          mentions: 'key',
          input: { key: wrongKey, value: bytes(JSON.stringify({ ...base, tradeId })), source: null },
        })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: good.length - 1 }).map((index) => ({
        kind: 'duplicate trade id',
        code: 'NXR_DUPLICATE' as const,
        mentions: 'already seen',
        input: good[index] as RawTradeInput,
        duplicateOf: index,
      })),
    },
  );
}
